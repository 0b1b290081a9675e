import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from petitions.models import Signature
from petitions.tasks import expire_pending_signatures
from tests import factories


def ago(delta):
    return timezone.now() - delta


@pytest.mark.django_db
class TestExpirePendingSignatures:
    def test_it_deletes_pending_signatures_past_the_deadline(self, petition, settings):
        old = factories.signature(petition, created_at=ago(settings.PETITION_PENDING_TTL * 2))
        assert expire_pending_signatures() == 1
        assert not Signature.objects.filter(pk=old.pk).exists()

    def test_it_keeps_recent_pending_signatures(self, petition, settings):
        factories.signature(
            petition, created_at=ago(settings.PETITION_PENDING_TTL - datetime.timedelta(hours=1))
        )
        assert expire_pending_signatures() == 0
        assert Signature.objects.count() == 1

    def test_it_keeps_old_confirmed_signatures(self, petition, settings):
        factories.signature(
            petition,
            status=Signature.Status.CONFIRMED,
            created_at=ago(settings.PETITION_PENDING_TTL * 10),
        )
        assert expire_pending_signatures() == 0
        assert Signature.objects.count() == 1

    def test_it_works_in_batches(self, petition, settings):
        for _ in range(5):
            factories.signature(petition, created_at=ago(settings.PETITION_PENDING_TTL * 2))
        assert Signature.objects.delete_expired(batch_size=2) == 5
        assert not Signature.objects.exists()

    def test_it_is_scheduled(self):
        tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
        assert "petitions.tasks.expire_pending_signatures" in tasks

    def test_it_lets_the_person_sign_again(self, petition, sign, settings):
        factories.signature(
            petition,
            email="jane@example.invalid",
            created_at=ago(settings.PETITION_PENDING_TTL * 2),
        )
        expire_pending_signatures()
        sign()
        assert Signature.objects.get().created_at > ago(datetime.timedelta(minutes=1))
