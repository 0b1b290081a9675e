from celery import shared_task

from . import personal_data
from .health import beat


@shared_task(ignore_result=True)
def heartbeat():
    """Mark that a worker is consuming the queue; ``/healthz`` reports the mark's age.

    Celery beat schedules it every 30 seconds with a 30-second expiry, so a queue backed up
    behind a dead worker does not replay a burst of stale heartbeats when one comes back.
    """
    beat()


@shared_task(ignore_result=True)
def apply_retention():
    """Age personal data out (``core.personal_data.apply_retention``); daily from Celery beat.

    Idempotent: every step only touches rows still old and not yet cleared, in short batches,
    so a run that was interrupted or repeated does no harm. Returns ``{step: rows changed}``.
    """
    return personal_data.apply_retention()
