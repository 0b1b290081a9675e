"""Redis down: pages serve from PostgreSQL, signing still records the signature (its mail
goes out once Redis is back), and rate limits fail open.

Redis is really unreachable in these tests (a closed port), for the cache and the broker.
"""

import time
from unittest import mock

import pytest
import redis
from django.core.cache import cache

from comments.models import Comment
from core import cache as core_cache
from mailer.models import OutboxMessage
from mailer.tasks import sweep_outbox
from petitions.models import Signature
from tests import factories
from tests.campaigns import builders

from .faults import broker_down, cache_down

SIGN_URL = "/campaigns/bucheon-bakersfield/sign/"


def signer(number=1):
    return {
        "name": f"Signer {number}",
        "email": f"signer{number}@example.invalid",
        "country": "GB",
        "website": "",
    }


@pytest.fixture
def campaign(db):
    campaign = builders.bucheon_bakersfield().campaign
    factories.petition(campaign, title="Suspend the sister city relationship")
    return campaign


@pytest.mark.django_db
class TestPagesWithRedisDown:
    def test_the_status_page_serves_from_the_database(self, client, campaign):
        with cache_down():
            response = client.get("/us/")
        assert response.status_code == 200
        assert "Bakersfield" in response.content.decode()

    def test_the_campaign_page_serves_with_its_sign_form(self, client, campaign):
        with cache_down():
            response = client.get(campaign.get_absolute_url())
        html = response.content.decode()
        assert response.status_code == 200
        assert "Suspend the sister city relationship" in html
        assert 'name="csrfmiddlewaretoken" value="' in html

    def test_pages_show_changes_at_once_since_nothing_is_cached(self, client, campaign):
        with cache_down():
            client.get("/")
            factories.pairing(foreign=factories.foreign_place("Wollongong", "Australia"))
            assert "Wollongong" in client.get("/").content.decode()


@pytest.mark.django_db
class TestSigningWithRedisDown:
    def test_the_signature_is_kept_and_its_mail_sent_once_redis_is_back(
        self, client, campaign, mailoutbox, django_capture_on_commit_callbacks, settings
    ):
        settings.PETITION_SIGN_RATES_PER_IP = ["1000/60"]
        with cache_down(), broker_down(), django_capture_on_commit_callbacks(execute=True):
            response = client.post(SIGN_URL, signer())
        assert response.status_code == 302
        signature = Signature.objects.get()
        assert signature.email == "signer1@example.invalid"
        assert signature.status == Signature.Status.PENDING
        assert mailoutbox == []  # nothing could reach a worker

        sweep_outbox()  # Celery beat, every minute, once Redis answers again
        assert [message.to for message in mailoutbox] == [["Signer 1 <signer1@example.invalid>"]]
        assert "/petitions/confirm/" in mailoutbox[0].body
        assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
        sweep_outbox()
        assert len(mailoutbox) == 1  # never twice

    def test_rate_limits_fail_open(self, client, campaign, settings):
        settings.PETITION_SIGN_RATES_PER_IP = ["1/60"]
        with cache_down():
            responses = [client.post(SIGN_URL, signer(number)) for number in (1, 2, 3)]
        assert [response.status_code for response in responses] == [302, 302, 302]
        assert Signature.objects.count() == 3

    def test_the_same_limit_holds_with_redis_up(self, client, campaign, settings):
        settings.PETITION_SIGN_RATES_PER_IP = ["1/60"]
        responses = [client.post(SIGN_URL, signer(number)) for number in (1, 2)]
        assert [response.status_code for response in responses] == [302, 429]

    def test_comments_are_posted(self, client, campaign, settings):
        settings.COMMENT_RATES_PER_IP = settings.COMMENT_RATES_PER_EMAIL = ["1/60"]
        data = {"name": "Jane", "email": "jane@example.invalid", "text": "Thank you!"}
        with cache_down():
            response = client.post(f"/comments/campaigns/{campaign.slug}/", data)
        assert response.status_code == 302
        assert Comment.objects.get().text == "Thank you!"


class TestCacheFailsOpen:
    def test_reads_miss_and_writes_are_dropped(self):
        with cache_down():
            cache.set("key", "value")
            assert cache.get("key", "default") == "default"
            assert cache.get_many(["key"]) == {}
            assert cache.get_or_set("key", "computed") == "computed"
            assert cache.add("lock", 1) is True  # locks and debounces let the caller go on
            assert cache.delete("key") is False

    def test_counters_raise_for_their_caller_to_decide(self):
        with cache_down(), pytest.raises(redis.ConnectionError):
            cache.incr("counter")

    def test_it_stops_asking_redis_for_a_while_after_a_failure(self):
        with cache_down():
            client = cache._cache
            assert cache.get("key") is None  # tries, fails, opens the circuit
            with mock.patch.object(client, "get_client", side_effect=AssertionError):
                assert cache.get("key") is None  # answered without trying
                assert cache.set("key", 1) is None
            retry_at = time.monotonic() + core_cache.RETRY_AFTER_SECONDS + 1
            with (
                mock.patch.object(core_cache.time, "monotonic", return_value=retry_at),
                mock.patch.object(client, "get_client", wraps=client.get_client) as get_client,
            ):
                assert cache.get("key") is None
            assert get_client.called  # tried again after the pause

    @pytest.mark.django_db
    def test_a_redis_that_answers_again_is_used_again(self):
        cache.set("key", "value")
        assert cache.get("key") == "value"
