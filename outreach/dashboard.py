"""A campaign's outreach at a glance: counts, a day-by-day timeline, failures and retrying.

Everything is aggregated in SQL over the campaign's outbox rows (the mails of its outreach
and petition deliveries): a fixed number of queries whatever the number of mails.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from mailer import outbox
from mailer.models import DeliveryEvent, DeliveryStatus, OutboxMessage

from .models import OutreachMessage, Response

# Failed rows the dashboard lists (the counts cover them all).
FAILURES_SHOWN = 200
Status = OutboxMessage.Status


def campaign_mail(campaign):
    """The outbox rows of the campaign's outreach and petition deliveries."""
    return OutboxMessage.objects.filter(outreach__outreach__campaign=campaign)


def counts(campaign):
    """``{name: number}`` for sent, queued, failed, delivered, bounced, opened, replied.

    Delivered counts rows the ESP reported delivered or later opened/clicked; bounced
    counts bounces and rejections; replied counts rows with at least one ``Response``.
    """
    return campaign_mail(campaign).aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(status=Status.SENT)),
        queued=Count("pk", filter=Q(status__in=[Status.QUEUED, Status.CLAIMED, Status.SENDING])),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        delivered=Count(
            "pk",
            filter=Q(
                delivery_status__in=[
                    DeliveryStatus.DELIVERED,
                    DeliveryStatus.OPENED,
                    DeliveryStatus.CLICKED,
                ]
            ),
        ),
        bounced=Count(
            "pk", filter=Q(delivery_status__in=[DeliveryStatus.BOUNCED, DeliveryStatus.REJECTED])
        ),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        replied=Count("pk", filter=Exists(Response.objects.filter(in_reply_to=OuterRef("pk")))),
    )


@dataclass
class Day:
    day: datetime.date
    sent: int = 0
    delivered: int = 0
    replies: int = 0


def timeline(campaign):
    """``Day`` rows, oldest first, for the days with any send, delivery or reply."""
    days = {}
    per_day = (
        (
            "sent",
            campaign_mail(campaign).filter(sent_at__isnull=False),
            "sent_at",
            Count("pk"),
        ),
        (
            "delivered",
            DeliveryEvent.objects.filter(
                message__outreach__outreach__campaign=campaign,
                event_type=DeliveryStatus.DELIVERED,
            ),
            "occurred_at",
            Count("message", distinct=True),
        ),
        (
            "replies",
            Response.objects.filter(in_reply_to__outreach__outreach__campaign=campaign),
            "received_at",
            Count("pk"),
        ),
    )
    for attribute, rows, moment, count in per_day:
        grouped = (
            rows.annotate(day=TruncDate(moment))
            .order_by()  # the models' default ordering would split the groups
            .values("day")
            .annotate(n=count)
            .values_list("day", "n")
        )
        for day, number in grouped:
            setattr(days.setdefault(day, Day(day)), attribute, number)
    return [days[day] for day in sorted(days)]


def failures(campaign):
    """The campaign's failed mails, newest first, with office and official (one query)."""
    return (
        OutreachMessage.objects.for_campaign(campaign)
        .filter(outbox__status=Status.FAILED)
        .select_related("outbox", "office__place__parent", "outreach")
        .order_by("-outbox__created_at")[:FAILURES_SHOWN]
    )


def retry(campaign, message_id=None, now=None):
    """Put the campaign's failed mails (or the one ``message_id``) back in the queue, due
    now; the outbox is kicked after commit. Returns how many were requeued."""
    rows = campaign_mail(campaign).filter(status=Status.FAILED).only("pk", "status")
    if message_id is not None:
        rows = rows.filter(pk=message_id)
    with transaction.atomic():
        # Each requeue is a conditional UPDATE: a row retried twice at once moves once.
        requeued = sum(message.requeue(now) for message in rows)
        if requeued:
            transaction.on_commit(outbox.kick)
    return requeued
