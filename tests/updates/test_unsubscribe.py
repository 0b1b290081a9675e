"""The unsubscribe kinds this app registers with ``mailer.unsubscribe``, end to end: a news
mail's List-Unsubscribe link, as a mail client uses it."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from mailer import unsubscribe
from petitions.models import Signature
from tests import factories
from updates.models import FOLLOWER_KIND, SIGNER_KIND, Follower

from .helpers import news_post, unsubscribe_link

ONE_CLICK = "List-Unsubscribe=One-Click"


def one_click(path):
    return Client(enforce_csrf_checks=True).post(
        path, ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )


def path_for(kind, key):
    return urlsplit(unsubscribe.link(kind, key).url).path


def confirmed_follower(email="fan@example.invalid", **target):
    return Follower.objects.create(
        email=email, status=Follower.Status.CONFIRMED, confirmed_at=timezone.now(), **target
    )


@pytest.fixture
def petition(campaign):
    return factories.petition(campaign)


@pytest.fixture
def signature(petition):
    return factories.signature(
        petition,
        email="Fan@Example.invalid",
        consent_updates=True,
        status=Signature.Status.CONFIRMED,
    )


@pytest.mark.django_db
class TestFollowerLink:
    def test_get_names_the_news_and_changes_nothing(self, client, campaign):
        follower = confirmed_follower(campaign=campaign)
        response = client.get(path_for(FOLLOWER_KIND, follower.pk))
        assert f"news of “{campaign.title}” by email" in response.text
        assert Follower.objects.get().status == Follower.Status.CONFIRMED

    def test_one_click_unsubscribes_the_follower(self, campaign):
        follower = confirmed_follower(campaign=campaign)
        assert one_click(path_for(FOLLOWER_KIND, follower.pk)).status_code == 200
        follower.refresh_from_db()
        assert follower.status == Follower.Status.UNSUBSCRIBED
        assert follower.unsubscribed_at is not None

    def test_it_is_idempotent(self, campaign):
        follower = confirmed_follower(campaign=campaign)
        one_click(path_for(FOLLOWER_KIND, follower.pk))
        first = Follower.objects.get().unsubscribed_at
        assert one_click(path_for(FOLLOWER_KIND, follower.pk)).status_code == 200
        assert Follower.objects.get().unsubscribed_at == first

    def test_it_also_ends_the_consent_given_when_signing(self, campaign, signature):
        follower = confirmed_follower(campaign=campaign)
        one_click(path_for(FOLLOWER_KIND, follower.pk))
        signature.refresh_from_db()
        assert signature.consent_updates is False

    def test_a_centre_follower_leaves_only_the_centre(self, campaign, centre):
        of_centre = confirmed_follower(centre=centre)
        of_campaign = confirmed_follower(campaign=campaign)
        one_click(path_for(FOLLOWER_KIND, of_centre.pk))
        assert Follower.objects.get(pk=of_centre.pk).status == Follower.Status.UNSUBSCRIBED
        assert Follower.objects.get(pk=of_campaign.pk).status == Follower.Status.CONFIRMED

    def test_other_followers_keep_their_subscription(self, campaign):
        follower = confirmed_follower(campaign=campaign)
        other = confirmed_follower("other@example.invalid", campaign=campaign)
        one_click(path_for(FOLLOWER_KIND, follower.pk))
        assert Follower.objects.get(pk=other.pk).status == Follower.Status.CONFIRMED

    def test_a_deleted_follower_gets_a_calm_page(self, client, campaign):
        follower = confirmed_follower(campaign=campaign)
        path = path_for(FOLLOWER_KIND, follower.pk)
        follower.delete()
        assert "no longer exists" in client.get(path).text
        assert one_click(path).status_code == 200


@pytest.mark.django_db
class TestSignerLink:
    def test_get_names_the_news_and_changes_nothing(self, client, campaign, signature):
        response = client.get(path_for(SIGNER_KIND, signature.pk))
        assert f"news of “{campaign.title}” by email" in response.text
        assert Signature.objects.get().consent_updates is True

    def test_one_click_ends_the_consent_and_keeps_the_signature(self, signature):
        assert one_click(path_for(SIGNER_KIND, signature.pk)).status_code == 200
        signature.refresh_from_db()
        assert signature.consent_updates is False
        assert signature.status == Signature.Status.CONFIRMED  # still counts

    def test_it_also_unfollows_the_campaign(self, campaign, signature):
        confirmed_follower(campaign=campaign)
        one_click(path_for(SIGNER_KIND, signature.pk))
        assert Follower.objects.get().status == Follower.Status.UNSUBSCRIBED


@pytest.mark.django_db
class TestAfterUnsubscribing:
    def test_the_next_post_does_not_reach_them(
        self, campaign, signature, mailoutbox, django_capture_on_commit_callbacks
    ):
        confirmed_follower("follower@example.invalid", campaign=campaign)
        with django_capture_on_commit_callbacks(execute=True):
            news_post(campaign, title="First news").send()
        first = [mail for mail in mailoutbox if mail.subject == "First news"]
        assert len(first) == 2
        for mail in first:
            assert (
                one_click(unsubscribe_link(mail.extra_headers["List-Unsubscribe"])).status_code
                == 200
            )
        with django_capture_on_commit_callbacks(execute=True):
            assert news_post(campaign, title="Second news").send() == 0
        assert not [mail for mail in mailoutbox if mail.subject == "Second news"]
