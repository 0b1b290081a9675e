from celery import shared_task

from .health import beat


@shared_task(ignore_result=True)
def heartbeat():
    """Mark that a worker is consuming the queue; ``/healthz`` reports the mark's age.

    Celery beat schedules it every 30 seconds with a 30-second expiry, so a queue backed up
    behind a dead worker does not replay a burst of stale heartbeats when one comes back.
    """
    beat()
