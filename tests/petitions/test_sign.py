import datetime
import json
import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.iphash import hash_ip
from mailer.models import OutboxMessage
from mailer.tasks import sweep_outbox
from petitions.forms import HONEYPOT, SignForm
from petitions.models import Signature
from tests import factories

from .helpers import link_in, without_csrf

FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
class TestSignPage:
    def test_it_shows_the_form(self, client, sign_url):
        response = client.get(sign_url)
        html = response.content.decode()
        assert response.status_code == 200
        for field in ("name", "email", "country", "city", "comment"):
            assert f'name="{field}"' in html
        assert 'name="consent_updates" id="sign-consent_updates"' in html  # unticked
        assert 'name="show_publicly" id="sign-show_publicly" checked' in html

    def test_it_hides_the_honeypot_from_people(self, client, sign_url):
        html = client.get(sign_url).content.decode()
        assert '<div class="visually-hidden" aria-hidden="true">' in html
        assert 'name="website"' in html
        assert 'tabindex="-1"' in html and 'autocomplete="off"' in html

    def test_it_limits_every_field_in_the_browser_too(self, client, sign_url):
        html = client.get(sign_url).content.decode()
        for field, length in [("name", 100), ("email", 254), ("city", 100), ("comment", 500)]:
            assert re.search(rf'name="{field}"[^>]* maxlength="{length}"', html), field

    def test_it_is_404_for_a_campaign_without_petition(self, client, db):
        campaign = factories.campaign()
        assert client.get(f"/campaigns/{campaign.slug}/sign/").status_code == 404

    def test_it_is_404_for_an_unpublished_campaign(self, client, db):
        petition = factories.petition(factories.campaign(published=False))
        assert client.get(f"/campaigns/{petition.campaign.slug}/sign/").status_code == 404

    def test_it_is_404_when_the_campaign_does_not_offer_signing(self, client, db):
        petition = factories.petition(factories.campaign(actions=["email", "letter"]))
        assert client.get(f"/campaigns/{petition.campaign.slug}/sign/").status_code == 404


@pytest.mark.django_db
class TestSign:
    def test_it_stores_a_pending_signature(self, sign, petition):
        response = sign(REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 302
        assert response["Location"] == f"/campaigns/{petition.campaign.slug}/sign/sent/"
        signature = Signature.objects.get()
        assert signature.petition == petition
        assert signature.status == Signature.Status.PENDING
        assert (signature.name, signature.email, signature.country.code) == (
            "Jane Doe",
            "jane@example.invalid",
            "GB",
        )
        assert signature.consent_updates is False and signature.show_publicly is True
        assert signature.confirmation_sent_at == signature.created_at

    def test_it_stores_the_ip_only_as_a_keyed_hash(self, sign):
        sign(REMOTE_ADDR="203.0.113.7")
        signature = Signature.objects.get()
        assert signature.ip_hash == hash_ip("203.0.113.7")
        assert "203.0.113.7" not in signature.ip_hash

    def test_it_queues_one_confirmation_mail_sent_after_commit(self, sign, mailoutbox):
        sign()
        outbox = OutboxMessage.objects.get()
        assert outbox.category == "petition.confirm"
        assert outbox.status == OutboxMessage.Status.SENT
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == ["Jane Doe <jane@example.invalid>"]
        assert "Suspend the sister city relationship" in mail.subject
        assert link_in(mail.body, "confirm").startswith("/petitions/confirm/")
        assert link_in(mail.body, "withdraw").startswith("/petitions/withdraw/")
        html = mail.alternatives[0].content
        assert link_in(html, "confirm") == link_in(mail.body, "confirm")

    def test_it_sends_nothing_when_the_transaction_rolls_back(
        self, petition, form_data, mailoutbox, django_capture_on_commit_callbacks
    ):
        form = SignForm(form_data)
        assert form.is_valid()
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            petition.sign(form.signature_data())
            raise RuntimeError
        assert callbacks == [] and mailoutbox == []
        assert not Signature.objects.exists() and not OutboxMessage.objects.exists()

    def test_it_shows_check_your_inbox_after_the_redirect(self, sign, client):
        response = client.get(sign()["Location"])
        assert response.status_code == 200
        assert "Check your inbox" in response.content.decode()
        assert "jane@example.invalid" not in response.content.decode()

    def test_it_uses_only_the_needed_queries(
        self, client, sign_url, form_data, django_assert_max_num_queries
    ):
        # petition joined with campaign, then (inside the test's transaction) savepoint, the
        # signature's INSERT, release. Its mail is queued by the flush after commit.
        with django_assert_max_num_queries(4) as queries:
            assert client.post(sign_url, form_data).status_code == 302
        sql = [query["sql"] for query in queries.captured_queries]
        assert [s.split(" (")[0] for s in sql if s.startswith("INSERT")] == [
            'INSERT INTO "petitions_signature"'
        ]
        assert sum(s.startswith("SELECT") for s in sql) == 1

    def test_it_leaves_the_mail_due_on_the_signature_until_a_flush(
        self, client, sign_url, form_data, mailoutbox
    ):
        # No on-commit callbacks here: as if the broker and cache were down.
        assert client.post(sign_url, form_data).status_code == 302
        signature = Signature.objects.get()
        assert signature.mail_due and not OutboxMessage.objects.exists()
        sweep_outbox()  # what beat runs every minute
        signature.refresh_from_db()
        assert not signature.mail_due
        assert [m.to for m in mailoutbox] == [["Jane Doe <jane@example.invalid>"]]
        sweep_outbox()
        assert len(mailoutbox) == 1


@pytest.mark.django_db
class TestInvalidSubmission:
    def test_it_shows_errors_next_to_the_fields(self, sign):
        response = sign({"name": "", "email": "not-an-email", "country": "XX"})
        html = response.content.decode()
        assert response.status_code == 200
        assert 'aria-invalid="true"' in html
        assert 'id="sign-name_error"' in html
        assert 'id="sign-email_error"' in html
        assert 'id="sign-country_error"' in html
        assert not Signature.objects.exists()

    def test_it_keeps_what_was_typed(self, sign):
        html = sign({"email": "nope"}).content.decode()
        assert 'value="Jane Doe"' in html


@pytest.mark.django_db
class TestDuplicate:
    def test_it_shows_exactly_the_same_page_and_keeps_one_row(self, sign, client):
        once = sign()
        again = sign({"email": "  JANE@Example.INVALID "})
        assert (again.status_code, again["Location"]) == (once.status_code, once["Location"])
        first, second = client.get(once["Location"]), client.get(again["Location"])
        assert without_csrf(first.content) == without_csrf(second.content)
        assert Signature.objects.count() == 1

    def test_it_does_not_change_the_stored_signature(self, sign):
        sign()
        sign({"name": "Mallory", "email": "JANE@example.invalid"})
        assert Signature.objects.get().name == "Jane Doe"

    def test_it_does_not_resend_within_the_interval(self, sign, mailoutbox):
        sign()
        sign({"email": "Jane@Example.invalid"})
        assert len(mailoutbox) == 1

    def test_it_resends_once_after_the_interval(self, sign, mailoutbox, settings):
        sign()
        Signature.objects.update(
            confirmation_sent_at=timezone.now()
            - settings.PETITION_RESEND_INTERVAL
            - datetime.timedelta(seconds=1)
        )
        sign({"email": "JANE@example.invalid"})
        sign({"email": "jane@EXAMPLE.invalid"})
        assert len(mailoutbox) == 2
        assert link_in(mailoutbox[1].body, "confirm")

    def test_it_resends_at_most_once_when_duplicates_race(self, petition, settings):
        now = timezone.now()
        factories.signature(
            petition,
            email="jane@example.invalid",
            confirmation_sent_at=now - settings.PETITION_RESEND_INTERVAL * 2,
        )
        resent = [
            Signature.objects.resend_confirmation(petition, "jane@example.invalid", now)
            for _ in range(3)
        ]
        assert resent == [True, False, False]
        assert Signature.objects.get().mail_due
        assert Signature.objects.queue_due_confirmations() == 1
        assert OutboxMessage.objects.count() == 1

    def test_it_does_not_resend_for_a_confirmed_signature(self, sign, mailoutbox, petition):
        factories.signature(
            petition,
            email="jane@example.invalid",
            status=Signature.Status.CONFIRMED,
            confirmation_sent_at=timezone.now() - datetime.timedelta(days=30),
        )
        response = sign({"email": "Jane@example.invalid"})
        assert response.status_code == 302
        assert mailoutbox == []

    def test_it_allows_the_same_email_on_another_petition(self, sign, client, form_data):
        sign()
        other = factories.petition()
        with_other = client.post(f"/campaigns/{other.campaign.slug}/sign/", form_data)
        assert with_other.status_code == 302
        assert Signature.objects.count() == 2


@pytest.mark.django_db
class TestClosedPetition:
    @pytest.mark.parametrize(
        "fields",
        [{"is_open": False}, {"closes_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)}],
    )
    def test_it_refuses_to_sign(self, sign, petition, fields, mailoutbox):
        for name, value in fields.items():
            setattr(petition, name, value)
        petition.save()
        response = sign()
        assert response.status_code == 403
        assert "This petition is closed" in response.content.decode()
        assert not Signature.objects.exists() and mailoutbox == []

    def test_it_shows_no_form(self, client, sign_url, petition):
        petition.is_open = False
        petition.save()
        html = client.get(sign_url).content.decode()
        assert "This petition is closed" in html
        assert 'name="email"' not in html


@pytest.mark.django_db
class TestInPlace:
    def test_it_answers_with_the_message_and_the_count(self, sign, petition):
        factories.signature(petition, status=Signature.Status.CONFIRMED)
        response = sign(headers=FETCH)
        answer = response.json()
        assert response.status_code == 200
        assert "Check your inbox" in answer["html"]
        assert "1 person has signed." in answer["html"]
        assert answer["message"]
        assert Signature.objects.filter(status=Signature.Status.PENDING).count() == 1

    def test_it_answers_a_duplicate_identically(self, sign):
        first = sign(headers=FETCH)
        second = sign({"email": " JANE@EXAMPLE.INVALID"}, headers=FETCH)
        assert first.content == second.content

    def test_it_answers_errors_with_the_form(self, sign):
        response = sign({"email": "nope"}, headers=FETCH)
        answer = json.loads(response.content)
        assert response.status_code == 400
        assert 'id="sign-email_error"' in answer["html"]
        assert "<form" in answer["html"] and "csrfmiddlewaretoken" in answer["html"]

    def test_it_answers_a_closed_petition(self, sign, petition):
        petition.is_open = False
        petition.save()
        response = sign(headers=FETCH)
        assert response.status_code == 403
        assert "closed" in response.json()["message"]

    def test_it_never_answers_a_get_with_json(self, client, sign_url):
        # The page cache keys on the path: JSON cached here would reach every visitor.
        client.get(sign_url, headers=FETCH)
        response = client.get(sign_url)
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
class TestSignOnCampaignPage:
    def test_it_shows_the_petition_and_the_form(self, client, campaign, petition):
        html = client.get(f"/campaigns/{campaign.slug}/").content.decode()
        assert petition.title in html
        assert f'action="/campaigns/{campaign.slug}/sign/"' in html
        assert re.search(r'<script src="[^"]*js/petition\.js" nonce="[^"]+" defer>', html)

    def test_it_posts_from_a_cached_page(self, campaign, petition, form_data):
        browser = Client(enforce_csrf_checks=True)
        browser.get(f"/campaigns/{campaign.slug}/")
        cached = browser.get(f"/campaigns/{campaign.slug}/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached.content.decode())
        response = browser.post(
            f"/campaigns/{campaign.slug}/sign/",
            {**form_data, "csrfmiddlewaretoken": token.group(1)},
        )
        assert response.status_code == 302
        assert Signature.objects.count() == 1

    @pytest.mark.parametrize("has_petition", [True, False])
    def test_it_loads_the_petition_with_the_campaign(self, client, db, has_petition):
        campaign = factories.campaign()
        if has_petition:
            factories.petition(campaign)
        sql = queries_for(client, campaign.get_absolute_url())
        assert not [query for query in sql if 'FROM "petitions_petition"' in query]

    def test_it_shows_no_form_without_a_petition(self, client, db):
        html = client.get(factories.campaign().get_absolute_url()).content.decode()
        assert 'class="sign-form"' not in html

    def test_it_leaves_the_form_out_when_the_campaign_does_not_ask_to_sign(self, client, db):
        petition = factories.petition(factories.campaign(actions=["email"]))
        html = client.get(f"/campaigns/{petition.campaign.slug}/").content.decode()
        assert 'class="sign-form"' not in html and petition.title not in html


class TestSignForm:
    def test_it_asks_for_exactly_what_a_signature_is_given(self):
        assert [name for name in SignForm.base_fields if name != HONEYPOT] == list(
            Signature.GIVEN_FIELDS
        )

    def test_it_takes_lengths_and_choices_from_the_model(self):
        form = SignForm()
        assert form.fields["name"].max_length == Signature._meta.get_field("name").max_length
        assert form.fields["comment"].max_length == 500
        assert form.fields["city"].required is False
        assert form.fields["consent_updates"].initial is False
        assert ("KR", "South Korea") in list(form.fields["country"].choices)
