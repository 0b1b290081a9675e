"""Sending outreach: choosing, confirming, queuing in one transaction, office hours,
Reply-To tokens, skipped offices, the throttle and header injection."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mailer import outbox
from mailer.models import OutboxMessage
from mailer.tasks import flush_outbox
from officials.models import Contact, OfficeHolder, Place
from outreach.models import Outreach, OutreachMessage
from outreach.sending import office_hours_start, plan_outreach
from tests import factories
from tests.outreach.conftest import confirm, form_data, send_url, user_with

UTC = datetime.UTC
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SEOUL = ZoneInfo("Asia/Seoul")


def at(*args, zone=UTC):
    return datetime.datetime(*args, tzinfo=zone)


def plan(world, schedule="now", now=None, offices=None):
    offices = offices or world.campaign.targets.with_holders()
    return plan_outreach(world.campaign, world.template, offices, schedule, now=now)


@pytest.mark.django_db
class TestAccess:
    def test_it_refuses_staff_without_the_send_permission(self, client, world):
        client.force_login(user_with("viewer", "outreach.view_outreach"))

        assert client.get(send_url(world.campaign)).status_code == 403
        response = client.post(send_url(world.campaign), {**form_data(world), "confirm": "on"})
        assert response.status_code == 403
        assert not OutboxMessage.objects.exists()

    def test_it_sends_anonymous_visitors_to_login(self, client, world):
        response = client.get(send_url(world.campaign))

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_it_needs_the_csrf_token(self, world, sender):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(sender)

        assert client.post(send_url(world.campaign), form_data(world)).status_code == 403

    def test_it_gives_campaign_admins_the_outreach_permissions_but_delete(self, sender):
        for model in ("outreachtemplate", "outreach", "outreachmessage"):
            for action in ("add", "change", "view"):
                assert sender.has_perm(f"outreach.{action}_{model}")
            assert not sender.has_perm(f"outreach.delete_{model}")

    def test_it_is_linked_from_the_campaign_page(self, client, sender, world):
        client.force_login(sender)

        page = client.get(reverse("admin:campaigns_campaign_change", args=[world.campaign.pk]))

        assert send_url(world.campaign) in page.content.decode()

    def test_it_is_not_linked_for_staff_who_may_not_send(self, client, world):
        client.force_login(user_with("editor", "campaigns.change_campaign"))

        page = client.get(reverse("admin:campaigns_campaign_change", args=[world.campaign.pk]))

        assert page.status_code == 200
        assert send_url(world.campaign) not in page.content.decode()


@pytest.mark.django_db
class TestFromAPairing:
    def url(self, pairing):
        return reverse("admin:outreach_outreach_send_for_pairing", args=[pairing.pk])

    def test_it_is_linked_from_the_pairing_page(self, client, sender, world):
        client.force_login(sender)

        page = client.get(reverse("admin:campaigns_pairing_change", args=[world.pairing.pk]))

        assert self.url(world.pairing) in page.content.decode()

    def test_it_goes_to_the_only_campaign(self, client, sender, world):
        client.force_login(sender)

        response = client.get(self.url(world.pairing))

        assert response.status_code == 302
        assert response.url == send_url(world.campaign)

    def test_it_lets_you_pick_among_several_campaigns(self, client, sender, world):
        follow_up = factories.campaign(world.pairing, is_main=False, title="Follow-up visit")
        client.force_login(sender)

        response = client.get(self.url(world.pairing))

        page = response.content.decode()
        assert send_url(world.campaign) in page
        assert send_url(follow_up) in page

    def test_it_says_when_there_is_no_campaign(self, client, sender, world):
        lonely = factories.pairing()
        client.force_login(sender)

        response = client.get(self.url(lonely))

        assert "no campaign yet" in response.content.decode()


@pytest.mark.django_db
class TestReview:
    def test_it_offers_both_sides_checked(self, client, sender, world):
        client.force_login(sender)

        form = client.get(send_url(world.campaign)).context["form"]

        assert set(form["targets"].initial) == {world.bakersfield_mayor.pk, world.bucheon_mayor.pk}
        assert list(form.fields["template"].queryset) == [world.template]

    def test_it_shows_who_gets_what_before_sending_anything(self, client, sender, world):
        client.force_login(sender)

        response = client.post(send_url(world.campaign), form_data(world))

        page = response.content.decode()
        assert "2 emails will be sent" in page
        assert "mayor@bakersfield.example.invalid" in page
        assert "Sister City Gyeonggi-do › Bucheon: a letter to Man-Soo Kim" in page
        assert not OutboxMessage.objects.exists()
        assert not Outreach.objects.exists()

    def test_it_only_offers_the_campaigns_own_templates_and_targets(self, client, sender, world):
        other = factories.campaign(targets=[factories.office(holder="Someone Else")])
        client.force_login(sender)

        response = client.post(
            send_url(other), {"template": world.template.pk, "targets": [world.bucheon_mayor.pk]}
        )

        assert set(response.context["form"].errors) == {"template", "targets", "schedule"}

    def test_it_refuses_a_confirmation_without_the_review_key(self, client, sender, world):
        client.force_login(sender)

        response = client.post(send_url(world.campaign), {**form_data(world), "confirm": "on"})

        assert "Review the recipients before sending." in response.content.decode()
        assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
class TestSend:
    def test_it_queues_one_message_per_verified_address_and_records_it(
        self, client, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        client.force_login(sender)

        with django_capture_on_commit_callbacks() as callbacks:
            response = confirm(client, send_url(world.campaign), form_data(world))

        outreach = Outreach.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("admin:outreach_outreach_change", args=[outreach.pk])
        assert (outreach.created_by, outreach.template, outreach.kind) == (
            sender,
            world.template,
            Outreach.Kind.OUTREACH,
        )
        links = {link.office: link for link in outreach.messages.select_related("outbox")}
        karen = links[world.bakersfield_mayor]
        assert karen.official_name == "The Honorable Karen K. Goh"
        assert karen.contact.value == "mayor@bakersfield.example.invalid"
        assert karen.outbox.category == "outreach"
        assert karen.outbox.to_name == "Karen K. Goh"
        assert karen.outbox.subject == (
            "Sister City Gyeonggi-do › Bucheon: a letter to The Honorable Karen K. Goh"
        )
        assert "Dear The Honorable Karen K. Goh," in karen.outbox.body_text
        assert karen.outbox.body_html.startswith("<p>Dear The Honorable Karen K. Goh,</p>")
        assert links[world.bucheon_mayor].outbox.to_email == "mayor@bucheon.example.invalid"
        # Nothing left before the commit; the commit's kick sends both.
        assert mailoutbox == []
        for callback in callbacks:
            callback()
        assert sorted(mail.to[0] for mail in mailoutbox) == [
            '"Karen K. Goh" <mayor@bakersfield.example.invalid>',
            "Man-Soo Kim <mayor@bucheon.example.invalid>",
        ]

    def test_it_sends_only_to_the_chosen_offices(self, client, sender, world):
        client.force_login(sender)

        confirm(
            client, send_url(world.campaign), form_data(world, targets=[world.bucheon_mayor.pk])
        )

        assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == [
            "mayor@bucheon.example.invalid"
        ]

    def test_it_sends_once_when_the_confirmation_is_posted_twice(self, client, sender, world):
        client.force_login(sender)
        data = form_data(world)
        key = client.post(send_url(world.campaign), data).context["submission_key"]
        confirmed = {**data, "confirm": "on", "submission_key": key}

        client.post(send_url(world.campaign), confirmed)
        again = client.post(send_url(world.campaign), confirmed, follow=True)

        assert Outreach.objects.count() == 1
        assert OutboxMessage.objects.count() == 2
        assert "nothing was sent again" in again.content.decode()

    def test_it_mails_the_holders_own_address_but_not_a_former_holders(self, world):
        mayor = world.bakersfield_mayor
        karen = mayor.holders.get(name="Karen K. Goh")
        harvey = mayor.holders.get(name="Harvey L. Hall")
        factories.contact(
            mayor, value="karen@bakersfield.example.invalid", holder=karen, verified=True
        )
        factories.contact(
            mayor, value="harvey@bakersfield.example.invalid", holder=harvey, verified=True
        )

        letters = plan(world, offices=[mayor]).letters

        assert [contact.value for contact in letters[0].contacts] == [
            "mayor@bakersfield.example.invalid",
            "karen@bakersfield.example.invalid",
        ]

    def test_it_mails_an_address_once_even_when_two_offices_share_it(self, world):
        factories.contact(
            world.bucheon_mayor, value=" MAYOR@bakersfield.example.invalid", verified=True
        )
        Contact.objects.filter(value="mayor@bucheon.example.invalid").update(verified=False)

        sent = plan(world)

        assert sent.recipient_count == 1
        [skip] = sent.skipped
        assert skip["reason"].startswith("No usable email address")


@pytest.mark.django_db
class TestTransaction:
    def test_it_leaves_nothing_when_the_transaction_rolls_back(
        self, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            plan(world).send(sender)
            raise RuntimeError("the surrounding change failed")

        assert callbacks == []
        assert not Outreach.objects.exists()
        assert not OutboxMessage.objects.exists()
        assert mailoutbox == []

    def test_it_queues_nothing_when_one_message_fails(
        self, sender, world, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
    ):
        real_queue = outbox.queue
        calls = []

        def failing_queue(**fields):
            calls.append(fields)
            if len(calls) == 2:
                raise ValidationError("broken row")
            return real_queue(**fields)

        monkeypatch.setattr(outbox, "queue", failing_queue)

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            plan(world).send(sender)

        assert len(calls) == 2
        assert not Outreach.objects.exists()
        assert not OutboxMessage.objects.exists()
        assert mailoutbox == []


@pytest.mark.django_db
class TestSkipped:
    def test_it_skips_and_lists_offices_without_a_verified_address(self, client, sender, world):
        Contact.objects.filter(value="mayor@bucheon.example.invalid").update(verified=False)
        client.force_login(sender)

        review = client.post(send_url(world.campaign), form_data(world))
        assert "1 office will be skipped" in review.content.decode()
        response = confirm(client, send_url(world.campaign), form_data(world))

        outreach = Outreach.objects.get()
        assert outreach.skipped == [
            {
                "office_id": world.bucheon_mayor.pk,
                "office": "Mayor of Bucheon",
                "reason": "No verified email address (unverified: mayor@bucheon.example.invalid).",
            }
        ]
        assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == [
            "mayor@bakersfield.example.invalid"
        ]
        result = client.get(response.url).content.decode()
        assert "Mayor of Bucheon: No verified email address" in result
        assert "1 email queued. 1 office skipped (listed below)." in result

    def test_it_skips_an_office_with_no_email_at_all(self, world):
        Contact.objects.filter(office=world.bucheon_mayor, kind=Contact.Kind.EMAIL).delete()

        sent = plan(world)

        assert sent.skipped[0]["reason"] == "No email address."

    def test_it_skips_a_verified_address_that_is_not_one(self, world):
        Contact.objects.filter(value="mayor@bucheon.example.invalid").update(
            value="mayor@bucheon\nBcc: victim@example.com"
        )

        sent = plan(world)

        assert [letter.office for letter in sent.letters] == [world.bakersfield_mayor]
        assert sent.skipped[0]["office_id"] == world.bucheon_mayor.pk

    def test_it_sends_nothing_when_every_office_is_skipped(self, client, sender, world):
        Contact.objects.update(verified=False)
        client.force_login(sender)

        response = confirm(client, send_url(world.campaign), form_data(world))

        assert response.status_code == 200
        assert "0 emails will be sent" in response.content.decode()
        assert not Outreach.objects.exists()


class TestOfficeHours:
    @pytest.mark.parametrize(
        ("now", "zone", "expected"),
        [
            # Inside: now.
            (at(2026, 11, 23, 10, 30, zone=LOS_ANGELES), LOS_ANGELES, at(2026, 11, 23, 18, 30)),
            # Before opening on a weekday: 09:00 that day.
            (at(2026, 11, 25, 7, 0, zone=LOS_ANGELES), LOS_ANGELES, at(2026, 11, 25, 17, 0)),
            # Closing time exactly: the next morning.
            (at(2026, 11, 24, 17, 0, zone=LOS_ANGELES), LOS_ANGELES, at(2026, 11, 25, 17, 0)),
            # Friday evening and Saturday: Monday 09:00.
            (at(2026, 11, 27, 18, 0, zone=LOS_ANGELES), LOS_ANGELES, at(2026, 11, 30, 17, 0)),
            (at(2026, 11, 28, 12, 0, zone=LOS_ANGELES), LOS_ANGELES, at(2026, 11, 30, 17, 0)),
            # Daylight saving time starts on Sunday 8 March 2026: Monday 09:00 is PDT.
            (at(2026, 3, 7, 12, 0, zone=LOS_ANGELES), LOS_ANGELES, at(2026, 3, 9, 16, 0)),
            # Friday 23:00 UTC is Saturday 08:00 in Seoul: Monday 09:00 KST.
            (at(2026, 11, 27, 23, 0), SEOUL, at(2026, 11, 30, 0, 0)),
            # Monday 01:00 UTC is 10:00 in Seoul (open) and Sunday 17:00 in Los Angeles.
            (at(2026, 11, 30, 1, 0), SEOUL, at(2026, 11, 30, 1, 0)),
            (at(2026, 11, 30, 1, 0), LOS_ANGELES, at(2026, 11, 30, 17, 0)),
        ],
    )
    def test_it_finds_the_next_opening_in_the_office_time_zone(self, now, zone, expected):
        start = office_hours_start(zone, now)

        assert start == expected
        assert start.tzinfo == UTC

    @pytest.mark.django_db
    def test_it_schedules_each_office_in_its_own_time_zone(self, world):
        # Saturday 28 November 2026, noon UTC.
        now = at(2026, 11, 28, 12, 0)

        sent = plan(world, schedule=Outreach.Schedule.OFFICE_HOURS, now=now)

        times = {letter.office: letter.send_after for letter in sent.letters}
        assert times[world.bakersfield_mayor] == at(2026, 11, 30, 9, 0, zone=LOS_ANGELES)
        # Bucheon's place has no time zone set: Korea's.
        assert times[world.bucheon_mayor] == at(2026, 11, 30, 9, 0, zone=SEOUL)
        assert sent.without_timezone == [world.bucheon_mayor]

    @pytest.mark.django_db
    def test_it_counts_in_utc_for_a_foreign_place_without_time_zone(self, world):
        Place.objects.filter(pk=world.bakersfield_mayor.place_id).update(timezone="")

        now = at(2026, 11, 28, 12, 0)

        sent = plan(world, schedule=Outreach.Schedule.OFFICE_HOURS, now=now)

        times = {letter.office: letter.send_after for letter in sent.letters}
        assert times[world.bakersfield_mayor] == at(2026, 11, 30, 9, 0)

    @pytest.mark.django_db
    def test_it_holds_each_message_until_its_office_opens(
        self, client, sender, world, django_capture_on_commit_callbacks
    ):
        client.force_login(sender)
        before = timezone.now()

        with django_capture_on_commit_callbacks(execute=True):
            confirm(client, send_url(world.campaign), form_data(world, schedule="office_hours"))

        assert Outreach.objects.get().schedule == Outreach.Schedule.OFFICE_HOURS
        for link in OutreachMessage.objects.select_related("outbox", "office__place"):
            opens = office_hours_start(link.office.place.zone, before)
            assert abs(link.outbox.send_after - opens) < datetime.timedelta(seconds=30)
            if opens > timezone.now() + datetime.timedelta(seconds=30):
                assert link.outbox.status == OutboxMessage.Status.QUEUED

    @pytest.mark.django_db
    def test_it_warns_about_places_without_a_time_zone(self, client, sender, world):
        client.force_login(sender)

        review = client.post(send_url(world.campaign), form_data(world, schedule="office_hours"))

        page = review.content.decode()
        assert "have no time zone" in page
        bucheon = reverse("admin:officials_place_change", args=[world.bucheon_mayor.place_id])
        assert bucheon in page
        bakersfield = reverse(
            "admin:officials_place_change", args=[world.bakersfield_mayor.place_id]
        )
        assert bakersfield not in page

    @pytest.mark.django_db
    def test_it_shows_each_send_time_in_the_office_time_zone(self, client, sender, world):
        client.force_login(sender)

        review = client.post(send_url(world.campaign), form_data(world, schedule="office_hours"))

        page = review.content.decode()
        for letter in review.context["plan"].letters:
            zone = letter.office.place.zone
            local = letter.send_after.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            assert f"{local} {zone.key}" in page
            assert letter.send_after.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC") in page

    @pytest.mark.django_db
    def test_it_sets_the_demo_places_time_zones(self):
        call_command("load_demo", stdout=io.StringIO())

        assert Place.objects.get(name__startswith="Bakersfield").timezone == "America/Los_Angeles"
        assert set(Place.objects.korean().values_list("timezone", flat=True)) == {"Asia/Seoul"}

    @pytest.mark.django_db
    def test_it_validates_a_place_time_zone(self, world):
        place = world.bakersfield_mayor.place
        place.timezone = "Mars/Olympus_Mons"
        with pytest.raises(ValidationError) as raised:
            place.full_clean()
        assert "timezone" in raised.value.message_dict
        place.timezone = "Europe/London"
        place.full_clean()


@pytest.mark.django_db
class TestReplyTo:
    def test_it_gives_each_message_its_reply_token_address(
        self, settings, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        settings.OUTREACH_REPLY_DOMAIN = "replies.example.org"

        with django_capture_on_commit_callbacks(execute=True):
            plan(world).send(sender)

        rows = list(OutboxMessage.objects.all())
        assert len({row.reply_token for row in rows}) == 2
        for row in rows:
            assert row.reply_to == f"reply+{row.reply_token}@replies.example.org"
        assert sorted(mail.reply_to[0] for mail in mailoutbox) == sorted(
            row.reply_to for row in rows
        )

    def test_it_sets_no_reply_to_without_a_reply_domain(
        self, settings, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        settings.OUTREACH_REPLY_DOMAIN = ""

        with django_capture_on_commit_callbacks(execute=True):
            plan(world).send(sender)

        assert {row.reply_to for row in OutboxMessage.objects.all()} == {""}
        assert [mail.reply_to for mail in mailoutbox] == [[], []]


@pytest.mark.django_db
class TestThrottle:
    def test_it_holds_back_the_third_message_to_one_domain(
        self, settings, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        settings.OUTBOX_DOMAIN_RATES = ["2/60"]
        for name in ("council", "clerk"):
            factories.contact(
                world.bakersfield_mayor, value=f"{name}@bakersfield.example.invalid", verified=True
            )

        with django_capture_on_commit_callbacks(execute=True):
            plan(world, offices=[world.bakersfield_mayor]).send(sender)

        assert len(mailoutbox) == 2
        held = OutboxMessage.objects.get(status=OutboxMessage.Status.QUEUED)
        assert held.send_after > timezone.now() + datetime.timedelta(seconds=50)
        assert flush_outbox() == {"sent": 0}


@pytest.mark.django_db
class TestHeaderInjection:
    def test_it_folds_a_subject_with_line_breaks_into_one_line(
        self, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        world.template.subject = "Hi\r\nBcc: victim@example.com\r\n{{ official_name }}"
        world.template.save()

        with django_capture_on_commit_callbacks(execute=True):
            plan(world, offices=[world.bucheon_mayor]).send(sender)

        [mail] = mailoutbox
        assert mail.subject == "Hi Bcc: victim@example.com Man-Soo Kim"
        assert mail.bcc == []
        assert "\nBcc:" not in mail.message().as_string()

    def test_it_refuses_a_subject_too_long_for_the_outbox(self, world):
        world.template.subject = "x" * 290 + " {{ korean_city }}"

        sent = plan(world)

        assert sent.letters == []
        assert "the subject is longer than 300 characters" in sent.errors[0]
        assert not sent.can_send

    def test_it_refuses_an_official_name_with_a_line_break(
        self, client, sender, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        OfficeHolder.objects.filter(name="Man-Soo Kim").update(
            name="Man-Soo Kim\r\nBcc: victim@example.com"
        )
        client.force_login(sender)

        with django_capture_on_commit_callbacks(execute=True):
            response = confirm(client, send_url(world.campaign), form_data(world))

        assert response.status_code == 200
        assert "the name of the official contains a line break" in response.content.decode()
        assert not Outreach.objects.exists()
        assert not OutboxMessage.objects.exists()
        assert mailoutbox == []


@pytest.mark.django_db
class TestResultPage:
    def test_it_shows_the_messages_read_only(self, client, sender, world):
        client.force_login(sender)

        response = confirm(client, send_url(world.campaign), form_data(world))
        page = client.get(response.url)

        assert page.status_code == 200
        content = page.content.decode()
        assert "mayor@bakersfield.example.invalid" in content
        assert "The Honorable Karen K. Goh" in content
        assert 'name="_save"' not in content
        assert OutreachMessage.objects.count() == 2
