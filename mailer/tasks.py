import datetime
import logging
import smtplib

from celery import shared_task
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
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
    """Send one outbox row at most once.

    The row is claimed with a conditional UPDATE (QUEUED → SENDING), so a task delivered twice,
    or racing the sweeper, sends nothing the second time.
    """
    try:
        message = OutboxMessage.objects.get(pk=message_id)
    except OutboxMessage.DoesNotExist:
        return
    if not message.claim():
        return
    message.refresh_from_db()
    try:
        message.build_email().send()
    except Exception as error:  # noqa: BLE001 — classified below, never lost
        if is_temporary(error) and message.attempts < MAX_ATTEMPTS:
            retry_at = timezone.now() + datetime.timedelta(seconds=backoff(message.attempts))
            message.release(error, retry_at)
            send_message.apply_async((message_id,), eta=retry_at)
            logger.info(
                "outbox: message %s failed temporarily (%s), retry at %s",
                message_id,
                error,
                retry_at,
            )
        else:
            message.fail(error)
            logger.warning("outbox: message %s failed: %s", message_id, error)
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
