import datetime
import re
import time

import pytest
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Centre
from mailer.models import OutboxMessage
from tests import factories
from tests.petitions.helpers import without_csrf
from updates.models import Follower
from updates.tasks import expire_pending_followers

from .helpers import FOLLOWER_EMAIL, confirm_link, news_post

NORMALISED = FOLLOWER_EMAIL.lower()


def csrf_token_in(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.django_db
class TestFollowForm:
    def test_it_is_on_the_campaign_page(self, client, campaign):
        html = client.get(campaign.get_absolute_url()).text
        assert f'action="/campaigns/{campaign.slug}/follow/"' in html
        assert "Follow by email" in html
        assert 'id="follow-email"' in html and 'name="email"' in html

    def test_it_is_on_the_centre_pages(self, client, centre):
        us = factories.centre(Centre.Scope.US, title="US centre")
        assert 'action="/centres/non-us/follow/"' in client.get("/").text
        assert f'action="/centres/{us.scope}/follow/"' in client.get("/us/").text

    def test_it_is_not_offered_for_a_centre_nobody_created_yet(self, client, db):
        response = client.get("/")
        assert response.status_code == 200
        assert "follow-form" not in response.text

    def test_it_hides_the_honeypot_from_people(self, client, campaign):
        html = client.get(campaign.get_absolute_url()).text
        assert re.search(
            r'<div class="visually-hidden" aria-hidden="true">[^<]*<label for="follow-website"',
            html,
        )

    def test_it_works_from_a_cached_page_with_a_fresh_csrf_token(self, campaign):
        client = Client(enforce_csrf_checks=True)
        first = client.get(campaign.get_absolute_url())
        second = Client(enforce_csrf_checks=True)
        cached = second.get(campaign.get_absolute_url())  # served from the page cache
        token = csrf_token_in(cached.text)
        assert token != csrf_token_in(first.text)
        response = second.post(
            f"/campaigns/{campaign.slug}/follow/",
            {"email": FOLLOWER_EMAIL, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
        assert Follower.objects.get().email == NORMALISED

    def test_it_refuses_a_post_without_csrf_token(self, campaign):
        response = Client(enforce_csrf_checks=True).post(
            f"/campaigns/{campaign.slug}/follow/", {"email": FOLLOWER_EMAIL}
        )
        assert response.status_code == 403
        assert not Follower.objects.exists()

    def test_it_has_a_page_of_its_own(self, client, follow_url):
        response = client.get(follow_url)
        assert response.status_code == 200
        assert 'class="follow-form"' in response.text


@pytest.mark.django_db
class TestFollow:
    def test_it_stores_a_pending_follower_with_the_normalised_email(self, follow, campaign):
        response = follow()
        assert response.status_code == 302
        assert response["Location"] == f"/campaigns/{campaign.slug}/follow/sent/"
        follower = Follower.objects.get()
        assert (follower.campaign, follower.centre) == (campaign, None)
        assert follower.email == NORMALISED
        assert follower.status == Follower.Status.PENDING
        assert follower.language == "en"
        assert follower.confirmed_at is None

    def test_it_remembers_the_language_of_the_request(self, follow):
        follow(HTTP_ACCEPT_LANGUAGE="ko")
        assert Follower.objects.get().language == "ko"

    def test_it_mails_a_confirmation_link_after_commit(self, follow, mailoutbox, campaign):
        follow()
        assert OutboxMessage.objects.get().category == "updates.confirm"
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == [NORMALISED]
        assert campaign.title in mail.subject
        assert confirm_link(mail.body).startswith("/follow/confirm/")
        assert confirm_link(mail.alternatives[0].content) == confirm_link(mail.body)
        assert str(Follower.objects.get().pk) not in confirm_link(mail.body).split("/")

    def test_it_follows_a_centre(self, follow, centre):
        response = follow(url="/centres/non-us/follow/")
        assert response["Location"] == "/centres/non-us/follow/sent/"
        follower = Follower.objects.get()
        assert (follower.centre, follower.campaign) == (centre, None)

    def test_it_is_404_for_an_unpublished_campaign_or_unknown_centre(self, follow, db):
        hidden = factories.campaign(published=False)
        assert follow(url=f"/campaigns/{hidden.slug}/follow/").status_code == 404
        assert follow(url="/centres/mars/follow/").status_code == 404
        assert not Follower.objects.exists()

    def test_it_stores_nothing_when_the_transaction_rolls_back(
        self, campaign, mailoutbox, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            Follower.follow(campaign, FOLLOWER_EMAIL)
            raise RuntimeError
        assert callbacks == [] and mailoutbox == []
        assert not Follower.objects.exists() and not OutboxMessage.objects.exists()

    def test_it_shows_check_your_inbox_after_the_redirect(self, follow, client):
        response = client.get(follow()["Location"])
        assert response.status_code == 200
        assert "Check your inbox" in response.text
        assert NORMALISED not in response.text.lower()

    def test_it_uses_few_queries(self, client, follow_url, django_assert_max_num_queries):
        # campaign, savepoint, INSERT follower, INSERT outbox row, release
        with django_assert_max_num_queries(5):
            assert client.post(follow_url, {"email": FOLLOWER_EMAIL}).status_code == 302


@pytest.mark.django_db
class TestInvalidSubmission:
    @pytest.mark.parametrize("email", ["", "not-an-email", "a@example.invalid\r\nBcc: x@evil.test"])
    def test_it_shows_the_error_and_stores_nothing(self, follow, email, mailoutbox):
        response = follow({"email": email})
        assert response.status_code == 200
        assert 'id="follow-email_error"' in response.text
        assert not Follower.objects.exists() and mailoutbox == []

    def test_it_refuses_an_oversize_address(self, follow):
        response = follow({"email": "a" * 250 + "@example.invalid"})
        assert 'id="follow-email_error"' in response.text
        assert not Follower.objects.exists()


@pytest.mark.django_db
class TestFollowAgain:
    def test_it_answers_the_same_and_keeps_one_row(self, follow, mailoutbox, client):
        first = follow()
        again = follow({"email": FOLLOWER_EMAIL.upper()})
        assert first.status_code == again.status_code == 302
        assert first["Location"] == again["Location"]
        assert without_csrf(client.get(first["Location"]).content) == without_csrf(
            client.get(again["Location"]).content
        )
        assert Follower.objects.count() == 1
        assert len(mailoutbox) == 1  # not re-sent within the interval

    def test_it_resends_the_confirmation_after_the_interval(self, follow, mailoutbox, settings):
        follow()
        Follower.objects.update(
            confirmation_sent_at=timezone.now() - settings.FOLLOW_RESEND_INTERVAL
        )
        follow()
        follow()
        assert Follower.objects.count() == 1
        assert len(mailoutbox) == 2

    def test_it_sends_nothing_to_someone_who_already_follows(self, follow, mailoutbox):
        follow()
        Follower.objects.update(
            status=Follower.Status.CONFIRMED,
            confirmed_at=timezone.now(),
            confirmation_sent_at=timezone.now() - datetime.timedelta(days=1),
        )
        assert follow().status_code == 302
        assert len(mailoutbox) == 1
        assert Follower.objects.get().status == Follower.Status.CONFIRMED

    def test_it_asks_someone_who_unsubscribed_to_confirm_again(self, follow, mailoutbox):
        follow()
        Follower.objects.update(
            status=Follower.Status.UNSUBSCRIBED,
            confirmation_sent_at=timezone.now() - datetime.timedelta(days=1),
        )
        follow()
        assert Follower.objects.get().status == Follower.Status.PENDING
        assert len(mailoutbox) == 2

    def test_it_lets_one_address_follow_several_pages(self, follow, campaign, centre):
        follow()
        follow(url="/centres/non-us/follow/")
        follow(url=f"/campaigns/{factories.campaign().slug}/follow/")
        assert Follower.objects.filter(email=NORMALISED).count() == 3


@pytest.mark.django_db
class TestHoneypot:
    def test_it_answers_as_usual_and_stores_nothing(self, follow, follow_url, mailoutbox):
        response = follow({"website": "http://spam.example"})
        assert response.status_code == 302
        assert response["Location"] == follow_url + "sent/"
        assert not Follower.objects.exists() and mailoutbox == []


@pytest.mark.django_db
class TestRateLimit:
    def test_it_answers_a_friendly_429_page(self, follow, settings):
        settings.FOLLOW_RATES_PER_IP = ["2/60"]
        assert follow({"email": "one@example.invalid"}).status_code == 302
        assert follow({"email": "two@example.invalid"}).status_code == 302
        response = follow({"email": "three@example.invalid"})
        assert response.status_code == 429
        assert "Please slow down" in response.text
        assert "site-header" in response.text  # the site's own design
        assert Follower.objects.count() == 2

    def test_it_counts_each_address_separately(self, follow, settings):
        settings.FOLLOW_RATES_PER_IP = ["1/60"]
        assert follow(REMOTE_ADDR="198.51.100.1").status_code == 302
        assert follow({"email": "b@example.invalid"}, REMOTE_ADDR="198.51.100.2").status_code == 302
        assert follow({"email": "c@example.invalid"}, REMOTE_ADDR="198.51.100.1").status_code == 429


@pytest.fixture
def confirm_url(follow, mailoutbox):
    follow()
    return confirm_link(mailoutbox[-1].body)


@pytest.mark.django_db
class TestConfirm:
    def test_it_shows_a_button_and_does_not_confirm_on_get(self, client, confirm_url):
        response = client.get(confirm_url)
        assert response.status_code == 200
        assert '<form method="post"' in response.text
        assert "Yes, send me the news" in response.text
        assert Follower.objects.get().status == Follower.Status.PENDING

    def test_it_does_not_confirm_on_head(self, client, confirm_url):
        client.head(confirm_url)
        assert Follower.objects.get().status == Follower.Status.PENDING

    def test_it_is_never_cached(self, client, confirm_url):
        assert "no-store" in client.get(confirm_url)["Cache-Control"]

    def test_it_confirms_on_post(self, client, confirm_url, campaign):
        response = client.post(confirm_url)
        assert response.status_code == 302
        assert response["Location"] == confirm_url
        follower = Follower.objects.get()
        assert follower.status == Follower.Status.CONFIRMED
        assert follower.confirmed_at is not None
        page = client.get(confirm_url).text
        assert f"You follow “{campaign.title}”" in page
        assert "<form" not in page.split('id="main"')[1]

    def test_it_needs_the_csrf_token(self, confirm_url):
        assert Client(enforce_csrf_checks=True).post(confirm_url).status_code == 403
        assert Follower.objects.get().status == Follower.Status.PENDING

    def test_it_is_idempotent(self, client, confirm_url):
        client.post(confirm_url)
        confirmed_at = Follower.objects.get().confirmed_at
        assert client.post(confirm_url).status_code == 302
        assert Follower.objects.get().confirmed_at == confirmed_at

    def test_it_does_not_resubscribe_someone_who_unsubscribed(self, client, confirm_url):
        Follower.objects.update(status=Follower.Status.UNSUBSCRIBED)
        client.post(confirm_url)
        assert Follower.objects.get().status == Follower.Status.UNSUBSCRIBED
        assert "You have unsubscribed" in client.get(confirm_url).text

    def test_it_is_a_clear_404_for_a_tampered_token(self, client, confirm_url):
        response = client.get(confirm_url[:-3] + "xx/")
        assert response.status_code == 404
        assert "This link does not work" in response.text
        assert client.post(confirm_url[:-3] + "xx/").status_code == 404
        assert Follower.objects.get().status == Follower.Status.PENDING

    def test_it_refuses_a_token_made_for_something_else(self, client, follow):
        follow()
        follower = Follower.objects.get()
        other = signing.dumps(follower.pk, salt="petitions.signature.confirm")
        assert client.post(f"/follow/confirm/{other}/").status_code == 404
        assert Follower.objects.get().status == Follower.Status.PENDING

    def test_it_is_404_when_expired(self, client, confirm_url, settings, monkeypatch):
        later = time.time() + settings.FOLLOW_PENDING_TTL.total_seconds() + 1
        monkeypatch.setattr(signing, "time", type("Later", (), {"time": lambda: later}))
        assert client.post(confirm_url).status_code == 404
        assert Follower.objects.get().status == Follower.Status.PENDING


@pytest.mark.django_db
class TestExpiry:
    def test_it_deletes_only_pending_followers_past_the_ttl(self, campaign, settings):
        old = timezone.now() - settings.FOLLOW_PENDING_TTL - datetime.timedelta(minutes=1)
        recent = timezone.now() - datetime.timedelta(hours=1)
        for email, status, sent_at in [
            ("old@example.invalid", Follower.Status.PENDING, old),
            ("recent@example.invalid", Follower.Status.PENDING, recent),
            ("fan@example.invalid", Follower.Status.CONFIRMED, old),
            ("gone@example.invalid", Follower.Status.UNSUBSCRIBED, old),
        ]:
            Follower.objects.create(
                campaign=campaign,
                email=email,
                status=status,
                confirmation_sent_at=sent_at,
                confirmed_at=old if status == Follower.Status.CONFIRMED else None,
            )
        assert expire_pending_followers() == {"deleted": 1}
        assert sorted(Follower.objects.values_list("email", flat=True)) == [
            "fan@example.invalid",
            "gone@example.invalid",
            "recent@example.invalid",
        ]


@pytest.mark.django_db
class TestConstraints:
    def test_it_follows_exactly_one_page(self, campaign, centre):
        for fields in ({}, {"campaign": campaign, "centre": centre}):
            with pytest.raises(IntegrityError), transaction.atomic():
                Follower.objects.create(email="x@example.invalid", **fields)

    def test_it_keeps_one_row_per_page_and_address(self, campaign):
        Follower.objects.create(campaign=campaign, email="x@example.invalid")
        with pytest.raises(IntegrityError), transaction.atomic():
            Follower.objects.create(campaign=campaign, email=" X@Example.invalid ")


def queries_on(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
class TestPageQueries:
    @pytest.fixture(autouse=True)
    def _no_page_cache(self, settings):
        settings.PAGE_CACHE_SECONDS = 0

    def test_the_campaign_page_needs_the_same_queries_for_few_and_many_posts(
        self, client, campaign
    ):
        news_post(campaign)
        few = queries_on(client, campaign.get_absolute_url())
        for _number in range(8):
            news_post(campaign)
        assert queries_on(client, campaign.get_absolute_url()) == few

    def test_the_centre_page_needs_the_same_queries_for_few_and_many_posts(self, client, centre):
        news_post(centre)
        few = queries_on(client, "/")
        for _number in range(8):
            news_post(centre)
        assert queries_on(client, "/") == few
