"""The outbox: every email the app sends is a row here first (pretix style).

The row is written in the same transaction as the business change that causes it and sent
by a Celery task after commit, so a rolled-back change never mails anyone and a broker outage
only delays mail (the sweeper re-enqueues rows that were never picked up).
"""

import datetime
import secrets
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.headers import check_header_value

# Rows stuck in SENDING longer than this were interrupted (worker killed mid-send).
SENDING_LEASE = datetime.timedelta(minutes=10)
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


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
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
        ]

    def __str__(self):
        return f"{self.subject} → {self.to_email}"

    def save(self, *args, **kwargs):
        if not self.message_id:
            self.message_id = make_msgid(
                idstring=secrets.token_hex(8), domain=settings.MAIL_MESSAGE_ID_DOMAIN
            )
        for value in (self.to_name, self.subject, self.reply_to, *self.headers.values()):
            check_header_value(value)
        super().save(*args, **kwargs)

    @property
    def recipient(self):
        if self.to_name:
            from email.headerregistry import Address

            return str(Address(display_name=self.to_name, addr_spec=self.to_email))
        return self.to_email

    def claim(self):
        """Move QUEUED → SENDING atomically; False when another worker got it first."""
        claimed = OutboxMessage.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
        return bool(claimed)

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
        email = EmailMultiAlternatives(
            subject=self.subject,
            body=self.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.recipient],
            reply_to=[self.reply_to] if self.reply_to else None,
            headers={"Message-ID": self.message_id, **self.headers},
        )
        if self.body_html:
            email.attach_alternative(self.body_html, "text/html")
        return email

    def mark_sent(self):
        OutboxMessage.objects.filter(pk=self.pk, status=self.Status.SENDING).update(
            status=self.Status.SENT, sent_at=timezone.now(), last_error=""
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
