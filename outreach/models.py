"""Outreach to officials: admin-written templates, send decisions, and what officials answer."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Pairing
from mailer.models import OutboxMessage
from officials.models import Contact, Office

from .rendering import TemplateRenderError, render_template_strings, sample_context

OUTREACH_CATEGORY = "outreach"
PETITION_DELIVERY_CATEGORY = "petition-delivery"


class OutreachTemplate(models.Model):
    """Subject and bodies in the restricted template language (see ``rendering``)."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="outreach_templates",
        verbose_name=_("campaign"),
    )
    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"), max_length=20000)
    body_html = models.TextField(_("HTML body"), max_length=50000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outreach template")
        ordering = ["campaign", "name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name", "language"],
                name="outreach_template_unique_name_language",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_language_display()})"

    def render(self, context):
        """(subject, text, html) for ``context`` (a dict from ``rendering.context_for``)."""
        return render_template_strings(self.subject, self.body_text, self.body_html, context)

    def clean(self):
        """Reject a template that does not compile or render with a realistic context."""
        if not self.campaign_id:
            return
        try:
            self.render(sample_context(self.campaign))
        except TemplateRenderError as error:
            raise ValidationError({error.field: str(error)}) from error


class Outreach(models.Model):
    """One decision to send: a template (or the petition), to chosen offices, now or in
    their office hours."""

    class Kind(models.TextChoices):
        OUTREACH = OUTREACH_CATEGORY, _("Outreach template")
        PETITION_DELIVERY = PETITION_DELIVERY_CATEGORY, _("Petition delivery")

    class Schedule(models.TextChoices):
        NOW = "now", _("Now")
        OFFICE_HOURS = "office_hours", _("In the recipient's office hours")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="outreaches", verbose_name=_("campaign")
    )
    # Also the outbox category of its mails.
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OUTREACH)
    template = models.ForeignKey(
        OutreachTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outreaches",
        verbose_name=_("template"),
    )
    schedule = models.CharField(
        _("schedule"), max_length=20, choices=Schedule.choices, default=Schedule.NOW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Offices chosen but left out (no verified email contact), with the reason, for the record.
    skipped = models.JSONField(_("skipped recipients"), default=list, blank=True)
    # Random key of the confirmation form: pressing "Send" twice sends once.
    submission_key = models.CharField(_("submission key"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("outreach")
        verbose_name_plural = _("outreach")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OUTREACH_CATEGORY, template__isnull=False)
                | Q(kind=PETITION_DELIVERY_CATEGORY, template__isnull=True),
                name="outreach_template_iff_outreach_kind",
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~Q(submission_key=""),
                name="outreach_unique_submission_key",
            ),
        ]

    def __str__(self):
        what = self.template if self.template_id else self.get_kind_display()
        return f"{what} — {self.created_at:%Y-%m-%d %H:%M}"


class OutreachMessageQuerySet(models.QuerySet):
    def for_campaign(self, campaign):
        return self.filter(outreach__campaign=campaign)


class OutreachMessage(models.Model):
    """One email to one official's contact: the outreach's link to its outbox row."""

    outreach = models.ForeignKey(
        Outreach, on_delete=models.CASCADE, related_name="messages", verbose_name=_("outreach")
    )
    outbox = models.OneToOneField(
        OutboxMessage,
        on_delete=models.PROTECT,
        related_name="outreach",
        verbose_name=_("outbox message"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="outreach_messages", verbose_name=_("office")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        related_name="outreach_messages",
        verbose_name=_("contact"),
    )
    # The official addressed, as at sending time (holders change).
    official_name = models.CharField(_("official"), max_length=200, blank=True)

    objects = OutreachMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outreach message")
        constraints = [
            models.UniqueConstraint(
                fields=["outreach", "contact"], name="outreach_message_unique_contact"
            )
        ]

    def __str__(self):
        return f"{self.official_name or self.office} ← {self.outreach}"


class ResponseQuerySet(models.QuerySet):
    def awaiting_review(self):
        return self.filter(status__in=[Response.Status.NEW, Response.Status.UNMATCHED])

    def public(self):
        return self.filter(status__in=[Response.Status.RECEIVED, Response.Status.VICTORY]).exclude(
            public_summary=""
        )

    def shown_on(self, campaign):
        """The "Officials' responses" of a campaign page: its pairing's reviewed responses,
        with the office and the official addressed, in one query."""
        return (
            self.public()
            .filter(pairing_id=campaign.pairing_id)
            .select_related("office__place", "in_reply_to__outreach")
        )


class Response(models.Model):
    """What an official answered: a matched inbound email, or a letter/call entered by hand."""

    class Status(models.TextChoices):
        NEW = "new", _("New, awaiting review")
        UNMATCHED = "unmatched", _("Unmatched, needs triage")
        RECEIVED = "received", _("Response received")
        VICTORY = "victory", _("Victory")
        DISMISSED = "dismissed", _("Dismissed (not a response)")

    class Source(models.TextChoices):
        EMAIL = "email", _("Email")
        POST = "post", _("Post")
        PHONE = "phone", _("Phone")
        OTHER = "other", _("Other")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("campaign"),
    )
    pairing = models.ForeignKey(
        Pairing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("pairing"),
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("office"),
    )
    in_reply_to = models.ForeignKey(
        OutboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("in reply to"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.EMAIL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    from_email = models.EmailField(_("from (email)"), max_length=254, blank=True)
    from_name = models.CharField(_("from (name)"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body_text = models.TextField(_("text"), max_length=200000, blank=True)
    notes = models.TextField(
        _("staff notes"),
        max_length=5000,
        blank=True,
        help_text=_("Not public. What the import left out (attachments), how a call went…"),
    )
    # Message-ID of an inbound email: the same email delivered twice is stored once
    # (NULL, not "", for responses entered by hand, so they never collide).
    message_id = models.CharField(_("Message-ID"), max_length=255, null=True, blank=True)  # noqa: DJ001
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    public_summary = models.TextField(
        _("public summary"),
        max_length=2000,
        blank=True,
        help_text=_("Shown on the campaign page once reviewed. Never the official's full mail."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("response")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(message_id__isnull=False),
                name="response_unique_message_id",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["received", "victory"]) | Q(pairing__isnull=False),
                name="response_reviewed_has_pairing",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="response_status_idx")]

    def __str__(self):
        return self.subject or f"{self.get_source_display()} {self.received_at:%Y-%m-%d}"

    def clean(self):
        """The pairing follows the campaign; a campaign of another pairing is a mistake."""
        if self.campaign_id and self.pairing_id is None:
            self.pairing_id = self.campaign.pairing_id
        elif self.campaign_id and self.campaign.pairing_id != self.pairing_id:
            raise ValidationError({"campaign": _("This campaign is about another pairing.")})

    @property
    def official_name(self):
        """The official the answered email was addressed to, as sent; "" when unknown."""
        link = getattr(self.in_reply_to, "outreach", None)  # the reverse one-to-one may be absent
        return link.official_name if link else ""

    @property
    def is_awaiting_review(self):
        return self.status in (self.Status.NEW, self.Status.UNMATCHED)

    def dismiss(self, user, now=None):
        """Set aside a mail that answers nothing (spam, an out-of-office reply).

        Only a response awaiting review: a reviewed one has already changed the status
        table, and is corrected by reviewing it again. False when nothing changed.
        """
        dismissed = Response.objects.filter(
            pk=self.pk, status__in=[self.Status.NEW, self.Status.UNMATCHED]
        ).update(status=self.Status.DISMISSED, reviewed_by=user, reviewed_at=now or timezone.now())
        if dismissed:
            self.status = self.Status.DISMISSED
        return bool(dismissed)

    @transaction.atomic
    def review(self, outcome, summary, user, now=None):
        """Accept as a response (``RECEIVED``) or a ``VICTORY``; updates the status table.

        The pairing's response date is the day the response arrived (an earlier recorded
        response date is kept), its status follows the outcome (a victory is never
        downgraded by a later plain response), and the summary becomes the public note.
        """
        if outcome not in (self.Status.RECEIVED, self.Status.VICTORY):
            raise ValueError(f"not a review outcome: {outcome!r}")
        if self.pairing_id is None:
            raise ValidationError(_("Choose the pairing this response belongs to first."))
        now = now or timezone.now()
        pairing = Pairing.objects.select_for_update().get(pk=self.pairing_id)
        received_on = timezone.localdate(self.received_at)
        if pairing.response_date is None or pairing.response_date > received_on:
            pairing.response_date = received_on
        if pairing.campaign_date is None or pairing.campaign_date > pairing.response_date:
            pairing.campaign_date = pairing.response_date
        if outcome == self.Status.VICTORY or pairing.status != Pairing.Status.VICTORY:
            pairing.status = outcome_status(outcome)
        pairing.response_note = summary[:500]
        pairing.full_clean()
        pairing.save()
        self.status, self.public_summary = outcome, summary
        self.reviewed_by, self.reviewed_at = user, now
        self.save(update_fields=["status", "public_summary", "reviewed_by", "reviewed_at"])


def outcome_status(outcome):
    return {
        Response.Status.RECEIVED: Pairing.Status.RESPONSE_RECEIVED,
        Response.Status.VICTORY: Pairing.Status.VICTORY,
    }[outcome]


def attachment_path(instance, filename):
    return f"responses/{instance.response_id}/{filename}"


class ResponseAttachment(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("response")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("attachment")

    def __str__(self):
        return self.filename
