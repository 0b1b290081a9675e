from celery import shared_task

from .models import Follower


@shared_task(ignore_result=True)
def expire_pending_followers():
    """Delete followers who never confirmed (hourly): no address is kept without consent."""
    return {"deleted": Follower.objects.delete_expired()}
