"""Periodic comment tasks: the moderators' digest of the held queue (Celery beat)."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from mailer.models import OutboxMessage
from mailer.outbox import queue_template

from .models import Comment
from .roles import MODERATORS

DIGEST_CATEGORY = "comments-digest"


@shared_task(acks_late=True, ignore_result=True)
def send_moderation_digest():
    """Email every active moderator once ``COMMENT_DIGEST_THRESHOLD`` or more comments were
    held since the last digest (0 turns digests off); returns the number of emails queued.

    The last digest is the newest outbox row of its category, so no state is kept elsewhere.
    Runs that overlap (a slow worker, a redelivered task) queue at most one digest: each locks
    the "Moderators" group row first and only then looks for the last digest.
    """
    threshold = settings.COMMENT_DIGEST_THRESHOLD
    if threshold <= 0:
        return 0
    with transaction.atomic():
        if not Group.objects.select_for_update().filter(name=MODERATORS).exists():
            return 0
        last = OutboxMessage.objects.filter(category=DIGEST_CATEGORY).aggregate(
            last=Max("created_at")
        )["last"]
        held = Comment.objects.filter(status=Comment.Status.HELD)
        new = held.filter(created_at__gt=last).count() if last else held.count()
        if new < threshold:
            return 0
        moderators = (
            get_user_model()
            .objects.filter(groups__name=MODERATORS, is_active=True)
            .exclude(email="")
            .distinct()
        )
        context = {
            "new": new,
            "held": held.count(),
            "queue_url": settings.SITE_URL + reverse("moderation:held"),
        }
        for moderator in moderators:
            queue_template(
                "comments/email/digest",
                {**context, "moderator": moderator},
                to_email=moderator.email,
                to_name=moderator.get_full_name(),
                category=DIGEST_CATEGORY,
            )
        return len(moderators)
