"""The outbox: every email the app sends is a row here first (pretix style).

The row is written in the same transaction as the business change that causes it and sent
by a Celery task after commit, so a rolled-back change never mails anyone and a broker outage
only delays mail (the sweeper re-enqueues rows that were never picked up).
"""

import datetime
import secrets
from email.utils import make_msgid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.headers import check_header_value

from .unsubscribe import Email

# A flush claims rows in batches; claims older than this (worker killed, or just slow) go
# back to the queue. Safe: a row moves on from CLAIMED only under its own claim token.
CLAIM_LEASE = datetime.timedelta(minutes=2)
# Rows stuck in SENDING longer than this were interrupted (worker killed mid-send).
SENDING_LEASE = datetime.timedelta(minutes=5)
# Rows still QUEUED after this were probably never handed to the broker.
ENQUEUE_GRACE = datetime.timedelta(minutes=2)


class OutboxQuerySet(models.QuerySet):
    def due_now(self, now=None):
        """Queued rows whose send time has come (what a flush sends)."""
        now = now or timezone.now()
        return self.filter(status=OutboxMessage.Status.QUEUED, send_after__lte=now)

    def due(self, now=None):
        """Queued rows whose send time has come and that nobody picked up recently (what the
        sweeper re-enqueues)."""
        now = now or timezone.now()
        return self.filter(status=OutboxMessage.Status.QUEUED, send_after__lte=now - ENQUEUE_GRACE)

    def interrupted(self, now=None):
        now = now or timezone.now()
        return self.filter(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - SENDING_LEASE)

    def stale_claims(self, now=None):
        now = now or timezone.now()
        return self.filter(status=OutboxMessage.Status.CLAIMED, claimed_at__lt=now - CLAIM_LEASE)

    def release_claims(self):
        """Give claimed-but-untried rows back to the queue (no email was tried for them)."""
        return self.filter(status=OutboxMessage.Status.CLAIMED).update(
            status=OutboxMessage.Status.QUEUED, claim_token="", attempts=F("attempts") - 1
        )


class DeliveryStatus(models.TextChoices):
    """What the ESP reported last (anymail's normalised event types that matter here)."""

    DELIVERED = "delivered", _("Delivered")
    DEFERRED = "deferred", _("Deferred")
    BOUNCED = "bounced", _("Bounced")
    REJECTED = "rejected", _("Rejected")
    COMPLAINED = "complained", _("Complained")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    FAILED = "failed", _("Failed")


# How serious a delivery status is. A row shows the most serious status reported so far (on a
# tie, the latest event's), so a late "delivered" or "opened" never hides a bounce or a
# complaint, whatever order the ESP's webhooks arrive in.
DELIVERY_RANK = {
    DeliveryStatus.DEFERRED: 0,
    DeliveryStatus.DELIVERED: 1,
    DeliveryStatus.OPENED: 2,
    DeliveryStatus.CLICKED: 3,
    DeliveryStatus.BOUNCED: 4,
    DeliveryStatus.REJECTED: 4,
    DeliveryStatus.FAILED: 4,
    DeliveryStatus.UNSUBSCRIBED: 5,
    DeliveryStatus.COMPLAINED: 5,
}


class OutboxMessage(models.Model):
    DeliveryStatus = DeliveryStatus

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Taken by a flush batch, not tried yet: safe to give back to the queue.
        CLAIMED = "claimed", _("Claimed")
        # Handed to the mail server right now: if interrupted, it may or may not have left.
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    category = models.CharField(_("category"), max_length=50, db_index=True)
    to_email = models.EmailField(_("to"), max_length=254)
    to_name = models.CharField(_("to (name)"), max_length=200, blank=True)
    reply_to = models.EmailField(_("reply-to"), max_length=254, blank=True)
    # Empty until rendered when the row was queued from a template (see ``template``).
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # Set by ``queue_template``: the send task renders subject and bodies from the template
    # prefix, the JSON context (model instances as references) and the language of the
    # request that queued it, then stores them here and clears ``template``.
    template = models.CharField(_("template"), max_length=200, blank=True)
    context = models.JSONField(_("template context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=20, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    # Secret per row: replies to reply+<token>@OUTREACH_REPLY_DOMAIN are matched by it.
    reply_token = models.CharField(_("reply token"), max_length=32, unique=True)
    claim_token = models.CharField(_("claim token"), max_length=32, blank=True)
    # Delivery tracking (ESP webhooks): the ESP's own id and the latest event.
    esp_message_id = models.CharField(_("ESP message id"), max_length=255, blank=True)
    delivery_status = models.CharField(
        _("delivery status"), max_length=20, choices=DeliveryStatus.choices, blank=True
    )
    delivery_detail = models.CharField(_("delivery detail"), max_length=500, blank=True)
    delivery_updated_at = models.DateTimeField(_("delivery updated"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(status="queued"),
                name="outbox_queued_send_after_idx",
            ),
            models.Index(fields=["to_email"], name="outbox_to_email_idx"),
            # The sweeper's stale claims and interrupted sends: only rows in flight, so the
            # index stays tiny however many sent rows the table keeps.
            models.Index(
                fields=["status", "claimed_at"],
                condition=Q(status__in=["claimed", "sending"]),
                name="outbox_in_flight_idx",
            ),
            models.Index(
                fields=["esp_message_id"],
                condition=~Q(esp_message_id=""),
                name="outbox_esp_message_id_idx",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to_email}"

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def prepare(self):
        """Give the row its Message-ID and reply token and refuse header-injecting values.

        ``save()`` calls it; ``outbox.queue_many`` calls it itself (``bulk_create`` skips
        ``save()``).
        """
        if not self.message_id:
            self.message_id = make_msgid(
                idstring=secrets.token_hex(8), domain=settings.MAIL_MESSAGE_ID_DOMAIN
            )
        if not self.reply_token:
            self.reply_token = secrets.token_hex(12)
        for value in (self.to_name, self.subject, self.reply_to, *self.headers.values()):
            check_header_value(value)

    @property
    def recipient(self):
        if self.to_name:
            from email.headerregistry import Address

            return str(Address(display_name=self.to_name, addr_spec=self.to_email))
        return self.to_email

    @property
    def reply_address(self):
        """``reply+<token>@OUTREACH_REPLY_DOMAIN``, or "" when inbound mail is not set up."""
        if not settings.OUTREACH_REPLY_DOMAIN:
            return ""
        return f"reply+{self.reply_token}@{settings.OUTREACH_REPLY_DOMAIN}"

    @property
    def recipient_domain(self):
        return self.to_email.rpartition("@")[2].lower()

    def claim(self):
        """Move QUEUED → SENDING atomically; False when another worker got it first."""
        claimed = OutboxMessage.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
        return bool(claimed)

    def start_sending(self):
        """Move a row claimed by a flush batch to SENDING, under that batch's claim token.

        False when the claim was released meanwhile (stale lease, worker restart): then
        another flush owns the row and this one must not send it.
        """
        started = OutboxMessage.objects.filter(
            pk=self.pk, status=self.Status.CLAIMED, claim_token=self.claim_token
        ).update(status=self.Status.SENDING, claimed_at=timezone.now())
        return bool(started)

    def postpone(self, until):
        """Hand a row back untried (throttled): the attempt it was claimed with is not counted."""
        OutboxMessage.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.Status.QUEUED, send_after=until, attempts=F("attempts") - 1
        )

    def render(self):
        """Render a template-queued row into its subject and bodies and store them.

        Runs in the send task, after the row was claimed. Raises on a template error, a
        context object that is gone, or a rendered subject that could inject a header.
        """
        from .outbox import render_email, thaw_context

        with translation.override(self.language or settings.LANGUAGE_CODE):
            subject, text, html = render_email(self.template, thaw_context(self.context))
        check_header_value(subject)
        self.subject, self.body_text, self.body_html = subject[:300], text, html
        self.template, self.context = "", {}
        OutboxMessage.objects.filter(pk=self.pk).update(
            subject=self.subject,
            body_text=self.body_text,
            body_html=self.body_html,
            template="",
            context={},
        )

    def build_email(self):
        email = Email(
            subject=self.subject,
            body=self.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.recipient],
            reply_to=[self.reply_to] if self.reply_to else None,
            headers={"Message-ID": self.message_id, **self.headers},
        )
        # Read by django-anymail backends (ignored by SMTP/console): tracking events carry
        # it back, so a webhook finds the row even before the ESP's id is stored.
        email.metadata = {"outbox_id": str(self.pk)}
        if self.body_html:
            email.attach_alternative(self.body_html, "text/html")
        return email

    def mark_sent(self, esp_message_id=""):
        OutboxMessage.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.Status.SENT,
            sent_at=timezone.now(),
            last_error="",
            esp_message_id=esp_message_id[:255],
        )

    def release(self, error, retry_at):
        """Give a temporarily failed row back to the queue for a later attempt."""
        OutboxMessage.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.Status.QUEUED, last_error=str(error)[:2000], send_after=retry_at
        )

    def fail(self, error):
        OutboxMessage.objects.filter(pk=self.pk).exclude(status=self.Status.SENT).update(
            status=self.Status.FAILED, last_error=str(error)[:2000]
        )

    def requeue(self, now=None):
        """FAILED → QUEUED, due now (a staff "retry"); False unless the row had failed.

        Attempts are kept, so a row that keeps failing temporarily still runs out of them;
        the caller kicks the outbox after commit.
        """
        now = now or timezone.now()
        requeued = OutboxMessage.objects.filter(pk=self.pk, status=self.Status.FAILED).update(
            status=self.Status.QUEUED, send_after=now, claim_token="", claimed_at=None
        )
        if requeued:
            self.status, self.send_after = self.Status.QUEUED, now
        return bool(requeued)

    def apply_delivery_event(self, event):
        """Show a new tracking ``event`` (a ``DeliveryEvent``) on this row, by ``DELIVERY_RANK``.

        The first "opened" sets ``opened_at``; event types outside ``DeliveryStatus``
        (queued, sent, autoresponded…) are only kept as events. Call it with the row locked
        (``select_for_update``) so concurrent webhooks cannot both win.
        """
        changes = {}
        if event.event_type == DeliveryStatus.OPENED and self.opened_at is None:
            changes["opened_at"] = event.occurred_at
        rank = DELIVERY_RANK.get(event.event_type)
        if rank is not None and (
            not self.delivery_status
            or (rank, event.occurred_at)
            >= (
                DELIVERY_RANK[self.delivery_status],
                self.delivery_updated_at or event.occurred_at,
            )
        ):
            changes.update(
                delivery_status=event.event_type,
                delivery_detail=event.description,
                delivery_updated_at=event.occurred_at,
            )
        if not self.esp_message_id and event.esp_message_id:
            changes["esp_message_id"] = event.esp_message_id
        if changes:
            OutboxMessage.objects.filter(pk=self.pk).update(**changes)
            for field, value in changes.items():
                setattr(self, field, value)
        return bool(changes)


class DeliveryEvent(models.Model):
    """One tracking event from the ESP (django-anymail webhook), kept once per event id."""

    message = models.ForeignKey(
        OutboxMessage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("message"),
    )
    event_id = models.CharField(_("ESP event id"), max_length=255, unique=True)
    event_type = models.CharField(_("type"), max_length=20)
    esp_message_id = models.CharField(_("ESP message id"), max_length=255, blank=True)
    occurred_at = models.DateTimeField(_("occurred"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery event")
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.event_type} {self.esp_message_id}"
