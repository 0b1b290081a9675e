import contextlib
import datetime
import logging
import secrets
import smtplib

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core import ratelimit

from .models import OutboxMessage
from .outbox import forget_kick, kick, run_producers

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

    Each round first lets the producers (``outbox.register_producer``) turn the mail their
    apps keep as due (e.g. new signatures) into outbox rows; "row" below means either.

    Why no committed row is left behind: a request commits its row *before* it tries the
    kick key. If its ``cache.add`` fails, the key existed, so a flush was kicked and has not
    yet deleted the key. That flush deletes the key only after its last empty claim and then
    looks once more: the row committed before that delete, so this second look sees it and
    kicks again (or another flush already claimed it). A request whose ``add`` comes after
    the delete enqueues its own flush. What remains is a flush that never runs (task lost,
    worker killed): the key expires after ``KICK_SECONDS`` and the sweeper sends those rows.
    """
    sent = 0
    while True:
        run_producers()
        if not (batch := _claim_batch()):
            break
        # One mail-server connection per batch: ``email.send()`` opens and closes one per
        # mail (connect, EHLO, QUIT: three more round trips each). Reusing it sent ~18 %
        # more mails/s to the bench's SMTP sink (bench/outreach.py); an ESP backend keeps
        # its HTTP session the same way.
        mail_server = mail.mailers.default
        try:
            for message in batch:
                if message.start_sending():
                    sent += deliver(message, mail_server)
        finally:
            hang_up(mail_server)
    forget_kick()
    run_producers()
    if OutboxMessage.objects.due_now().exists():
        kick()
    return {"sent": sent}


def _claim_batch():
    """Claim up to ``FLUSH_BATCH`` due rows (QUEUED → CLAIMED) and return them.

    Each row then moves to SENDING on its own just before it is handed to the mail server,
    so a worker killed mid-batch strands one ambiguous row, not the batch: the claimed ones
    go back to the queue (``release_claims`` at worker start, or the sweeper).
    """
    skip_locked = connection.features.has_select_for_update_skip_locked
    now = timezone.now()
    token = secrets.token_hex(8)
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
            status=OutboxMessage.Status.CLAIMED,
            claimed_at=now,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    return list(OutboxMessage.objects.filter(pk__in=pks).order_by("send_after"))


def throttled_until(message):
    """When a row to a throttled domain is over ``OUTBOX_DOMAIN_RATES``: the time to retry."""
    if message.category not in settings.OUTBOX_THROTTLED_CATEGORIES:
        return None
    rates = ratelimit.Rate.parse_list(settings.OUTBOX_DOMAIN_RATES)
    if not rates or ratelimit.hit("outbox-domain", message.recipient_domain, rates):
        return None
    return timezone.now() + datetime.timedelta(seconds=min(rate.seconds for rate in rates))


def deliver(message, mail_server=None):
    """Render (if queued from a template) and send a row in SENDING; retry, fail or mark sent.

    ``mail_server``: a mail backend to send through and keep open for the next mails (a
    flush batch); without one, the mail goes through a connection of its own. Returns 1
    when the mail left, else 0.
    """
    if until := throttled_until(message):
        message.postpone(until)
        logger.info("outbox: message %s throttled until %s", message.pk, until)
        return 0
    if message.template:
        try:
            message.render()
        except Exception as error:  # noqa: BLE001 — a broken mail must not stop the others
            message.fail(f"Rendering failed: {error!r}")
            logger.warning("outbox: message %s could not be rendered: %r", message.pk, error)
            return 0
    email = message.build_email()
    try:
        if mail_server is None:
            email.send()
        else:
            mail_server.open()  # no-op while the connection is open
            mail_server.send_messages([email])
    except Exception as error:  # noqa: BLE001 — classified below, never lost
        if mail_server is not None:
            hang_up(mail_server)  # the next mail starts on a fresh connection
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
        return 0
    # django-anymail backends report the ESP's id (one recipient: one id); others do not.
    esp_message_id = getattr(getattr(email, "anymail_status", None), "message_id", None)
    message.mark_sent(esp_message_id="" if esp_message_id is None else str(esp_message_id))
    return 1


def hang_up(mail_server):
    """Close a batch's connection; one that already broke is simply dropped."""
    with contextlib.suppress(Exception):
        mail_server.close()


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
    released = OutboxMessage.objects.stale_claims().release_claims()
    if released:
        kick()
    produced = run_producers()
    if produced:
        kick()
    due = list(OutboxMessage.objects.due().values_list("pk", flat=True)[:1000])
    for pk in due:
        send_message.delay(pk)
    return {"requeued": len(due), "interrupted": interrupted, "released": released}


@worker_ready.connect
def release_claims_on_start(**kwargs):
    """A worker (re)starting after a crash gives its untried batch back and flushes at once.

    Releasing claims that a live worker elsewhere still holds is harmless: that worker's
    ``start_sending`` then fails for them and another flush sends them, once.
    """
    released = OutboxMessage.objects.release_claims()
    logger.info("outbox: worker ready, %s claimed rows back in the queue", released)
    kick()
