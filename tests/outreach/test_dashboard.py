"""The per-campaign outreach dashboard: counts, timeline, failures and retrying them."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mailer.models import DeliveryEvent, OutboxMessage
from outreach import dashboard
from outreach.models import Outreach, OutreachMessage, Response
from tests import factories
from tests.outreach.conftest import user_with

Status = OutboxMessage.Status
Delivery = OutboxMessage.DeliveryStatus
_seq = itertools.count(1)


def dashboard_url(campaign):
    return reverse("admin:outreach_outreach_dashboard", args=[campaign.pk])


def retry_url(campaign):
    return reverse("admin:outreach_outreach_retry", args=[campaign.pk])


@pytest.fixture
def outreach(world, sender):
    return Outreach.objects.create(
        campaign=world.campaign, template=world.template, created_by=sender
    )


def mail(outreach, office, status=Status.SENT, **fields):
    """An outbox row of ``outreach`` to ``office``, in the given state."""
    row = OutboxMessage.objects.create(
        category="outreach",
        to_email=f"official{next(_seq)}@city.example",
        subject="Sister city",
        body_text="Dear Mayor,",
        status=status,
        **fields,
    )
    OutreachMessage.objects.create(outreach=outreach, outbox=row, office=office)
    return row


def reply(row, **fields):
    return Response.objects.create(in_reply_to=row, subject="Re: Sister city", **fields)


@pytest.mark.django_db
class TestCounts:
    def test_it_counts_each_state_of_the_campaigns_mail(self, world, outreach):
        office = world.bakersfield_mayor
        now = timezone.now()
        mail(outreach, office, delivery_status=Delivery.DELIVERED)
        mail(outreach, office, delivery_status=Delivery.OPENED, opened_at=now)
        mail(outreach, office, delivery_status=Delivery.BOUNCED)
        mail(outreach, office, delivery_status=Delivery.REJECTED)
        answered = mail(outreach, office, delivery_status=Delivery.DELIVERED)
        reply(answered)
        reply(answered)  # a second reply to the same mail: still one mail replied to
        mail(outreach, office, status=Status.QUEUED)
        mail(outreach, office, status=Status.CLAIMED)
        mail(outreach, office, status=Status.FAILED, last_error="550 no such user")
        # Another campaign's mail is not counted.
        other = factories.campaign()
        mail(Outreach.objects.create(campaign=other, template=world.template), office)

        counts = dashboard.counts(world.campaign)

        assert counts == {
            "total": 8,
            "sent": 5,
            "queued": 2,
            "failed": 1,
            "delivered": 3,
            "bounced": 2,
            "opened": 1,
            "replied": 1,
        }

    def test_it_shows_them_on_the_page(self, client, sender, world, outreach):
        mail(outreach, world.bakersfield_mayor, delivery_status=Delivery.DELIVERED)
        mail(outreach, world.bucheon_mayor, status=Status.FAILED, last_error="550 mailbox full")
        client.force_login(sender)

        response = client.get(dashboard_url(world.campaign))

        assert response.status_code == 200
        page = response.content.decode()
        assert '<td class="sent">1</td>' in page
        assert '<td class="failed">1</td>' in page
        assert '<td class="delivered">1</td>' in page
        assert "550 mailbox full" in page

    def test_it_is_linked_from_the_campaign_page(self, client, sender, world):
        client.force_login(sender)

        page = client.get(reverse("admin:campaigns_campaign_change", args=[world.campaign.pk]))

        assert dashboard_url(world.campaign) in page.content.decode()


@pytest.mark.django_db
class TestTimeline:
    def test_it_counts_sends_deliveries_and_replies_per_day(self, world, outreach):
        monday = datetime.datetime(2026, 11, 23, 10, tzinfo=datetime.UTC)
        tuesday = monday + datetime.timedelta(days=1)
        first = mail(outreach, world.bakersfield_mayor, sent_at=monday)
        second = mail(outreach, world.bucheon_mayor, sent_at=monday)
        mail(outreach, world.bucheon_mayor, status=Status.QUEUED)
        for n, row in enumerate([first, second, first]):  # ``first`` reported twice
            DeliveryEvent.objects.create(
                message=row, event_id=f"event-{n}", event_type="delivered", occurred_at=tuesday
            )
        reply(second, received_at=tuesday + datetime.timedelta(days=2))

        days = dashboard.timeline(world.campaign)

        assert [(day.day.isoformat(), day.sent, day.delivered, day.replies) for day in days] == [
            ("2026-11-23", 2, 0, 0),
            ("2026-11-24", 0, 2, 0),
            ("2026-11-26", 0, 0, 1),
        ]


@pytest.mark.django_db
class TestQueries:
    def queries(self, client, campaign):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard_url(campaign)).status_code == 200
        return len(captured)

    def test_it_uses_the_same_number_of_queries_for_few_or_many_mails(
        self, client, sender, world, outreach, django_assert_max_num_queries
    ):
        client.force_login(sender)
        mail(outreach, world.bakersfield_mayor, status=Status.FAILED, last_error="x")
        few = self.queries(client, world.campaign)
        for _n in range(30):
            row = mail(outreach, world.bucheon_mayor, status=Status.FAILED, last_error="y")
            reply(row)
            mail(outreach, world.bakersfield_mayor, sent_at=timezone.now())

        with django_assert_max_num_queries(few):
            client.get(dashboard_url(world.campaign))


@pytest.mark.django_db
class TestRetry:
    def test_it_requeues_one_failed_mail_and_sends_it_after_commit(
        self, client, sender, world, outreach, django_capture_on_commit_callbacks, mailoutbox
    ):
        failed = mail(
            outreach, world.bakersfield_mayor, status=Status.FAILED, attempts=3, last_error="x"
        )
        other = mail(outreach, world.bucheon_mayor, status=Status.FAILED, last_error="y")
        client.force_login(sender)

        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(retry_url(world.campaign), {"message": failed.pk})

        assert response.status_code == 302
        failed.refresh_from_db()
        assert failed.status == Status.QUEUED
        assert failed.attempts == 3
        assert abs(failed.send_after - timezone.now()) < datetime.timedelta(seconds=30)
        assert OutboxMessage.objects.get(pk=other.pk).status == Status.FAILED
        assert mailoutbox == []
        for callback in callbacks:
            callback()
        assert [m.to for m in mailoutbox] == [[failed.to_email]]
        assert OutboxMessage.objects.get(pk=failed.pk).status == Status.SENT

    def test_it_requeues_all_failed_mails_of_the_campaign(
        self, client, sender, world, outreach, django_capture_on_commit_callbacks
    ):
        rows = [
            mail(outreach, world.bakersfield_mayor, status=Status.FAILED, last_error="x")
            for _n in range(3)
        ]
        sent = mail(outreach, world.bucheon_mayor)
        other_campaign = Outreach.objects.create(
            campaign=factories.campaign(), template=world.template
        )
        elsewhere = mail(other_campaign, world.bucheon_mayor, status=Status.FAILED)
        client.force_login(sender)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(retry_url(world.campaign), follow=True)

        assert "3 emails queued again." in response.content.decode()
        assert {
            row.status for row in OutboxMessage.objects.filter(pk__in=[r.pk for r in rows])
        } == {Status.SENT}
        assert OutboxMessage.objects.get(pk=sent.pk).status == Status.SENT
        assert OutboxMessage.objects.get(pk=elsewhere.pk).status == Status.FAILED

    def test_it_leaves_a_row_that_did_not_fail(self, world, outreach):
        row = mail(outreach, world.bakersfield_mayor, status=Status.SENDING)

        assert dashboard.retry(world.campaign, row.pk) == 0
        assert OutboxMessage.objects.get(pk=row.pk).status == Status.SENDING

    def test_it_only_accepts_a_post(self, client, sender, world):
        client.force_login(sender)

        assert client.get(retry_url(world.campaign)).status_code == 405


@pytest.mark.django_db
class TestAccess:
    def test_it_refuses_staff_without_permission(self, client, world):
        client.force_login(user_with("outsider"))

        assert client.get(dashboard_url(world.campaign)).status_code == 403

    def test_it_lets_viewers_see_but_not_retry(self, client, world, outreach):
        failed = mail(outreach, world.bakersfield_mayor, status=Status.FAILED, last_error="x")
        client.force_login(user_with("viewer", "outreach.view_outreach"))

        page = client.get(dashboard_url(world.campaign))

        assert page.status_code == 200
        assert retry_url(world.campaign) not in page.content.decode()
        assert client.post(retry_url(world.campaign), {"message": failed.pk}).status_code == 403
        assert OutboxMessage.objects.get(pk=failed.pk).status == Status.FAILED
