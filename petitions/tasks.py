from celery import shared_task

from .models import Signature


@shared_task(ignore_result=True)
def expire_pending_signatures():
    """Delete signatures nobody confirmed within ``PETITION_PENDING_TTL``; returns how many.

    Idempotent: only rows still pending and past the deadline are deleted, in batches.
    """
    return Signature.objects.delete_expired()
