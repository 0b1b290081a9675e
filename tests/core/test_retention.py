"""The daily retention task: old IP hashes cleared, old sent mail deleted, in batches, and
running it again changes nothing."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from comments.models import Comment, Flag
from core import personal_data
from core.iphash import hash_ip
from core.tasks import apply_retention
from mailer.models import DeliveryEvent, OutboxMessage
from petitions.models import Signature
from tests import factories
from tests.comments.moderation_builders import comment as a_comment

IP_HASH = hash_ip("198.51.100.7")
NOTHING_LEFT = {"signature IP hashes": 0, "comment IP hashes": 0, "sent mail": 0}


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def mail(days, status=OutboxMessage.Status.SENT, category="test"):
    message = OutboxMessage.objects.create(
        to_email="jane@example.org",
        subject=f"{category} {status} {days} days ago",
        body_text="Hello",
        category=category,
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=status, created_at=days_ago(days))
    return message


@pytest.fixture
def signatures(db):
    petition = factories.petition()
    return {
        age: factories.signature(
            petition, status=Signature.Status.CONFIRMED, ip_hash=IP_HASH, created_at=days_ago(age)
        )
        for age in (91, 89)
    }


@pytest.mark.django_db
class TestIpHashes:
    def test_it_clears_old_signature_ip_hashes_and_keeps_recent_ones(self, signatures):
        assert apply_retention()["signature IP hashes"] == 1
        signatures[91].refresh_from_db()
        signatures[89].refresh_from_db()
        assert (signatures[91].ip_hash, signatures[89].ip_hash) == ("", IP_HASH)
        assert signatures[91].status == Signature.Status.CONFIRMED

    def test_it_clears_old_comment_ip_hashes_and_retires_old_flag_keys(self, db):
        old = a_comment(ip_hash=IP_HASH, created_at=days_ago(91))
        recent = a_comment(ip_hash=IP_HASH, created_at=days_ago(89))
        old_flag = Flag.objects.create(comment=old, flagger_key=IP_HASH, created_at=days_ago(91))
        staff_flag = Flag.objects.create(comment=old, flagger_key="user:7", created_at=days_ago(91))
        recent_flag = Flag.objects.create(comment=recent, flagger_key=IP_HASH)
        assert apply_retention()["comment IP hashes"] == 2
        assert Comment.objects.get(pk=old.pk).ip_hash == ""
        assert Comment.objects.get(pk=recent.pk).ip_hash == IP_HASH
        old_flag.refresh_from_db()
        assert old_flag.flagger_key == f"expired:{old_flag.pk}"
        assert Flag.objects.get(pk=staff_flag.pk).flagger_key == "user:7"
        assert Flag.objects.get(pk=recent_flag.pk).flagger_key == IP_HASH

    def test_the_age_is_configurable(self, signatures, settings):
        settings.RETENTION_IP_HASH_DAYS = 30
        assert apply_retention()["signature IP hashes"] == 2
        assert not Signature.objects.exclude(ip_hash="").exists()


@pytest.mark.django_db
class TestMail:
    def test_it_deletes_old_finished_mail_with_its_events(self):
        sent, failed = mail(181), mail(181, OutboxMessage.Status.FAILED)
        DeliveryEvent.objects.create(
            message=sent, event_id="e-1", event_type="delivered", occurred_at=days_ago(181)
        )
        assert apply_retention()["sent mail"] == 2
        assert not OutboxMessage.objects.filter(pk__in=[sent.pk, failed.pk]).exists()
        assert not DeliveryEvent.objects.exists()

    def test_it_keeps_recent_and_unsent_mail_and_letters_to_officials(self):
        kept = [
            mail(179),
            mail(181, OutboxMessage.Status.QUEUED),
            mail(181, category="outreach"),
            mail(181, category="petition-delivery"),
        ]
        assert apply_retention()["sent mail"] == 0
        assert OutboxMessage.objects.count() == len(kept)


@pytest.mark.django_db
class TestRun:
    def test_it_is_idempotent(self, signatures):
        a_comment(ip_hash=IP_HASH, created_at=days_ago(91))
        mail(181)
        first = apply_retention()
        assert first == {"signature IP hashes": 1, "comment IP hashes": 1, "sent mail": 1}
        assert apply_retention() == NOTHING_LEFT

    def test_a_failing_step_does_not_stop_the_others(self, signatures, monkeypatch, caplog):
        def fail(now):
            raise RuntimeError("disk full")

        monkeypatch.setitem(personal_data._retention, "sent mail", fail)
        assert apply_retention() == {"signature IP hashes": 1, "comment IP hashes": 0}
        assert "retention: step 'sent mail' failed" in caplog.text

    def test_it_runs_daily_from_celery_beat(self):
        entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
        assert entry == {"task": "core.tasks.apply_retention", "schedule": 86400.0}
        assert apply_retention.name == entry["task"]


@pytest.mark.django_db
class TestBatches:
    def test_it_works_through_every_row_in_batches(self):
        petition = factories.petition()
        for _ in range(5):
            factories.signature(petition, ip_hash=IP_HASH)
        rows = Signature.objects.exclude(ip_hash="")
        batches = []

        def clear(batch):
            batches.append(batch.update(ip_hash=""))
            return batches[-1]

        assert personal_data.in_batches(rows, clear, batch_size=2) == 5
        assert batches == [2, 2, 1]
        assert not rows.exists()

    def test_it_stops_when_a_batch_changes_nothing(self, signatures):
        rows = Signature.objects.exclude(ip_hash="")
        assert personal_data.in_batches(rows, lambda r: 0) == 0
        assert rows.count() == 2
