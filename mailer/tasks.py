import datetime
import logging
import smtplib

from celery import shared_task
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage
from .outbox import forget_kick, kick

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Rows one flush claims at a time: a short transaction, and a crash strands at most these.
FLUSH_BATCH = 100
# SMTP replies in the 4xx range and network errors are worth another try; 5xx are final.
TEMPORARY_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


def is_temporary(error):
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    return isinstance(error, (*TEMPORARY_ERRORS, OSError))


def backoff(attempt):
    """Seconds before attempt ``attempt + 1``: 1, 2, 4, 8… minutes, capped at an hour."""
    return min(60 * 2 ** max(attempt - 1, 0), 3600)


@shared_task(acks_late=True, ignore_result=True)
def send_message(message_id):
    """Send one outbox row at most once (retries and the sweeper; new mail goes by flush).

    The row is claimed with a conditional UPDATE (QUEUED → SENDING), so a task delivered twice,
    or racing the sweeper or a flush, sends nothing the second time.
    """
    try:
        message = OutboxMessage.objects.get(pk=message_id)
    except OutboxMessage.DoesNotExist:
        return
    if not message.claim():
        return
    message.refresh_from_db()
    deliver(message)


@shared_task(acks_late=True, ignore_result=True)
def flush_outbox():
    """Send every due queued row, in claimed batches; started by ``outbox.kick()``.

    Claiming locks a batch with ``SELECT … FOR UPDATE SKIP LOCKED`` and moves it to SENDING
    in the same transaction, so concurrent flushes, ``send_message`` and the sweeper never
    get the same row (a conditional claim waits for the lock, then finds it taken).

    Why no committed row is left behind: a request commits its row *before* it tries the
    kick key. If its ``cache.add`` fails, the key existed, so a flush was kicked and has not
    yet deleted the key. That flush deletes the key only after its last empty claim and then
    looks once more: the row committed before that delete, so this second look sees it and
    kicks again (or another flush already claimed it). A request whose ``add`` comes after
    the delete enqueues its own flush. What remains is a flush that never runs (task lost,
    worker killed): the key expires after ``KICK_SECONDS`` and the sweeper sends those rows.
    """
    sent = 0
    while batch := _claim_batch():
        for message in batch:
            deliver(message)
        sent += len(batch)
    forget_kick()
    if OutboxMessage.objects.due_now().exists():
        kick()
    return {"sent": sent}


def _claim_batch():
    """Claim up to ``FLUSH_BATCH`` due rows (QUEUED → SENDING) and return them."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    now = timezone.now()
    with transaction.atomic():
        pks = list(
            OutboxMessage.objects.due_now(now)
            .select_for_update(skip_locked=skip_locked)
            .order_by("send_after")
            .values_list("pk", flat=True)[:FLUSH_BATCH]
        )
        if not pks:
            return []
        OutboxMessage.objects.filter(pk__in=pks).update(
            status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(OutboxMessage.objects.filter(pk__in=pks).order_by("send_after"))


def deliver(message):
    """Render (if queued from a template) and send a claimed row; retry, fail or mark sent."""
    if message.template:
        try:
            message.render()
        except Exception as error:  # noqa: BLE001 — a broken mail must not stop the others
            message.fail(f"Rendering failed: {error!r}")
            logger.warning("outbox: message %s could not be rendered: %r", message.pk, error)
            return
    try:
        message.build_email().send()
    except Exception as error:  # noqa: BLE001 — classified below, never lost
        if is_temporary(error) and message.attempts < MAX_ATTEMPTS:
            retry_at = timezone.now() + datetime.timedelta(seconds=backoff(message.attempts))
            message.release(error, retry_at)
            send_message.apply_async((message.pk,), eta=retry_at)
            logger.info(
                "outbox: message %s failed temporarily (%s), retry at %s",
                message.pk,
                error,
                retry_at,
            )
        else:
            message.fail(error)
            logger.warning("outbox: message %s failed: %s", message.pk, error)
        return
    message.mark_sent()


@shared_task(ignore_result=True)
def sweep_outbox():
    """Re-enqueue queued rows nobody picked up; fail rows interrupted mid-send.

    An interrupted row may or may not have reached the mail server, so it is marked failed
    for a human to check rather than sent again (never two emails).
    """
    interrupted = OutboxMessage.objects.interrupted().update(
        status=OutboxMessage.Status.FAILED,
        last_error="Interrupted while sending (worker lost); check before resending.",
    )
    due = list(OutboxMessage.objects.due().values_list("pk", flat=True)[:1000])
    for pk in due:
        send_message.delay(pk)
    return {"requeued": len(due), "interrupted": interrupted}
