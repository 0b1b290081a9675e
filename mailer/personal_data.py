"""The outbox's part of a person's data (``core.personal_data``): the mails queued or sent to
their address, with the ESP's delivery events, and the retention of sent mail.

Some categories are a record another app keeps on purpose: the letters to officials and the
petition deliveries (``outreach``, which links its rows and protects them from deletion).
That app declares them with ``keep_as_record()``; their rows are exported but neither erased
nor aged out here. Every other finished row (sent or failed) is deleted, delivery events
with it, once it is ``RETENTION_MAIL_DAYS`` old.
"""

import datetime

from django.conf import settings
from django.utils.translation import ngettext_lazy

from core import personal_data
from core.emails import normalize_email

from .models import OutboxMessage

MESSAGE_FIELDS = (
    "category",
    "to_email",
    "to_name",
    "subject",
    "body_text",
    "status",
    "created_at",
    "sent_at",
    "delivery_status",
    "opened_at",
)
EVENT_FIELDS = ("event_type", "description", "occurred_at")
FINISHED = (OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED)

_record_categories = set()


def keep_as_record(*categories):
    """Declare outbox categories whose rows another app keeps (call it from its ``ready()``)."""
    _record_categories.update(categories)


def messages_to(email):
    # Stored as typed; the normalised form only differs in case (EmailField strips spaces).
    return OutboxMessage.objects.filter(to_email__iexact=normalize_email(email))


def export_messages(email):
    return [
        personal_data.record(
            message,
            MESSAGE_FIELDS,
            events=[personal_data.record(event, EVENT_FIELDS) for event in message.events.all()],
        )
        for message in messages_to(email).prefetch_related("events")
    ]


def erase_messages(email):
    """Delete the mails to ``email`` (but records) and their delivery events; how many mails."""
    messages = messages_to(email).exclude(category__in=_record_categories)
    return messages.delete()[1].get(OutboxMessage._meta.label, 0)


def delete_old_mail(now):
    """Delete finished rows older than ``RETENTION_MAIL_DAYS`` (records are kept)."""
    cutoff = now - datetime.timedelta(days=settings.RETENTION_MAIL_DAYS)
    old = OutboxMessage.objects.filter(status__in=FINISHED, created_at__lt=cutoff).exclude(
        category__in=_record_categories
    )
    return personal_data.in_batches(
        old, lambda rows: rows.delete()[1].get(OutboxMessage._meta.label, 0)
    )


def register():
    personal_data.register(
        "emails",
        label=ngettext_lazy("%(count)d email", "%(count)d emails", "count"),
        export=export_messages,
        erase=erase_messages,
    )
    personal_data.register_retention("sent mail", delete_old_mail)
