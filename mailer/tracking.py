"""Delivery tracking: django-anymail's ``tracking`` signal (any ESP's webhook, see
``mailer.urls``) becomes a ``DeliveryEvent``, once per event, and the outbox row's delivery
status (``OutboxMessage.apply_delivery_event``)."""

import hashlib
import logging
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DeliveryEvent, OutboxMessage

logger = logging.getLogger(__name__)

# ``metadata={"outbox_id": pk}`` as the send task attached it (ESPs hand metadata back as text).
OUTBOX_ID = re.compile(r"[0-9]{1,18}")


def handle_tracking(sender, event, esp_name, **kwargs):
    """Receiver of ``anymail.signals.tracking`` (connected in ``MailerConfig.ready``)."""
    record_event(event, esp_name)


@transaction.atomic
def record_event(event, esp_name):
    """Store ``event`` and show it on its outbox row; None when it was recorded before.

    ESPs retry webhooks, so the same event may come any number of times: the unique event
    key makes every copy after the first a no-op. An event for a message we cannot find
    (another app on the same ESP account, a deleted row) is kept without a message and
    logged, not raised: the ESP would retry an error forever.
    """
    message = find_message(event)
    try:
        with transaction.atomic():
            stored = DeliveryEvent.objects.create(
                message=message,
                event_id=event_key(event, esp_name),
                event_type=event.event_type,
                esp_message_id=str(event.message_id or "")[:255],
                # Postmark's opens and deliveries carry a time; an event without one is
                # dated by its arrival.
                occurred_at=event.timestamp or timezone.now(),
                description=describe(event),
            )
    except IntegrityError:
        logger.debug("%s %s event %s seen before", esp_name, event.event_type, event.event_id)
        return None
    if message is None:
        logger.warning(
            "%s %s event for an unknown message (ESP id %r, metadata %r)",
            esp_name,
            event.event_type,
            event.message_id,
            event.metadata,
        )
    else:
        message.apply_delivery_event(stored)
    return stored


def find_message(event):
    """The outbox row, locked: by the ``outbox_id`` metadata we sent, else by the ESP's id."""
    rows = OutboxMessage.objects.select_for_update()
    outbox_id = str((event.metadata or {}).get("outbox_id", ""))
    if OUTBOX_ID.fullmatch(outbox_id):
        message = rows.filter(pk=outbox_id).first()
        if message is not None:
            return message
    if event.message_id:
        return rows.filter(esp_message_id=str(event.message_id)).first()
    return None


def event_key(event, esp_name):
    """The ESP's event id, or a key derived from what identifies the event.

    Some ESPs give ids to a few event types only (Postmark: bounces), so a delivery or an
    open is known by message, type, time, recipient and link: a retried webhook repeats
    all of them and gets the same key.
    """
    esp = esp_name.lower()
    if event.event_id and len(str(event.event_id)) < 200:
        return f"{esp}:{event.event_id}"
    parts = (
        str(event.message_id or ""),
        event.event_type,
        event.timestamp.isoformat() if event.timestamp else "",
        event.recipient or "",
        event.click_url or "",
        str(event.event_id or ""),
    )
    return f"{esp}:derived:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def describe(event):
    """The ESP's words about the event (reason, description, the receiving server's answer)."""
    parts = (event.reject_reason, event.description, event.mta_response)
    return " — ".join(str(part) for part in parts if part)[:500]
