"""Follow by email (double opt-in) and the news posts sent to followers and consenting signers.

Both belong to a *target*: a campaign centre or a campaign (exactly one, checked by the
database). Unsubscribing is mailer's one-click infrastructure; the kinds registered for it
(``updates.apps``) call ``stop_campaign_news`` and ``Follower.unsubscribe`` here.
"""

import itertools
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Centre
from core import ratelimit
from core.emails import normalize_email
from core.headers import check_header_value
from mailer import unsubscribe
from mailer.outbox import queue_many, queue_template
from petitions.models import Signature

from .targets import absolute_url, exactly_one_target, target_fields

CONFIRM_MAIL_CATEGORY = "updates.confirm"
NEWS_MAIL_CATEGORY = "updates.news"
# Unsubscribe kinds (``mailer.unsubscribe``), registered in ``apps.py``.
FOLLOWER_KIND = "updates.follower"
SIGNER_KIND = "petitions.signature-updates"
UNIQUE_EMAIL_CONSTRAINTS = ("follower_unique_centre_email", "follower_unique_campaign_email")
# Rows per INSERT when a news post is queued.
SEND_BATCH_SIZE = 500
# How many posts a page lists.
POSTS_ON_PAGE = 10
BODY_MAX_LENGTH = 10000


class TargetMixin:
    """The centre or campaign a follower or post belongs to."""

    @property
    def target(self):
        return self.campaign or self.centre

    def clean(self):
        if (self.campaign_id is None) == (self.centre_id is None):
            raise ValidationError(_("Choose either a campaign or a campaign centre."))


class FollowerQuerySet(models.QuerySet):
    def of(self, target):
        return self.filter(**target_fields(target))

    def confirmed(self):
        return self.filter(status=Follower.Status.CONFIRMED)

    def expired(self, now=None):
        """Pending followers whose (last) confirmation link has run out."""
        now = now or timezone.now()
        return self.filter(
            status=Follower.Status.PENDING,
            confirmation_sent_at__lt=now - settings.FOLLOW_PENDING_TTL,
        )

    def delete_expired(self, now=None, batch_size=1000):
        """Delete pending followers past ``FOLLOW_PENDING_TTL`` in short batches; the count."""
        now = now or timezone.now()
        total = 0
        while batch := list(self.expired(now).values_list("pk", flat=True)[:batch_size]):
            total += self.filter(pk__in=batch, status=Follower.Status.PENDING).delete()[0]
        return total

    def resend_confirmation(self, target, email, language, now=None):
        """Re-send the confirmation to a pending or unsubscribed follower, at most once per
        ``FOLLOW_RESEND_INTERVAL``; True when a mail was queued.

        The conditional UPDATE claims the re-send, so of concurrent duplicates only one mails.
        An unsubscribed follower who follows again becomes pending: nothing is sent to them
        but this confirmation until they press its button (double opt-in again).
        """
        now = now or timezone.now()
        cutoff = now - settings.FOLLOW_RESEND_INTERVAL
        with transaction.atomic():
            claimed = (
                self.of(target)
                .filter(
                    email=email, status__in=[Follower.Status.PENDING, Follower.Status.UNSUBSCRIBED]
                )
                .filter(Q(confirmation_sent_at__lt=cutoff) | Q(confirmation_sent_at__isnull=True))
                .update(status=Follower.Status.PENDING, confirmation_sent_at=now, language=language)
            )
            if claimed:
                follower = self.of(target).get(email=email)
                follower.queue_confirmation()
        return bool(claimed)


class Follower(TargetMixin, models.Model):
    """Someone who asked for a centre's or a campaign's news by email."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    centre = models.ForeignKey(
        Centre,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("campaign centre"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("campaign"),
    )
    # Stored normalised (``core.emails.normalize_email``): that is what makes one per target.
    email = models.EmailField(_("email"), max_length=254)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # The language the person followed in: their mails are written in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("followed"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    objects = FollowerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_target(), name="follower_on_exactly_one_target"
            ),
            models.UniqueConstraint(
                fields=["centre", "email"],
                condition=Q(centre__isnull=False),
                name="follower_unique_centre_email",
            ),
            models.UniqueConstraint(
                fields=["campaign", "email"],
                condition=Q(campaign__isnull=False),
                name="follower_unique_campaign_email",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="follower_confirmed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "confirmation_sent_at"], name="follower_pending_idx"),
            models.Index(fields=["email"], name="follower_email_idx"),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @classmethod
    def follow(cls, target, email, language="", now=None):
        """Store a pending follower of ``target`` and queue the confirmation, in one
        transaction; None for an address that already follows it.

        The unique constraint decides duplicates (concurrent submissions cannot both insert).
        A duplicate may get its confirmation again (``resend_confirmation``); the caller
        answers exactly as for a new follower, so the page reveals nothing about who follows.
        """
        now = now or timezone.now()
        follower = cls(
            email=email,
            language=language,
            created_at=now,
            confirmation_sent_at=now,
            **target_fields(target),
        )
        try:
            # A savepoint inside a caller's transaction: the failed INSERT undoes only itself.
            with transaction.atomic():
                follower.save(force_insert=True)
                follower.queue_confirmation()
        except IntegrityError as error:
            if _constraint_name(error) not in UNIQUE_EMAIL_CONSTRAINTS:
                raise
            cls.objects.resend_confirmation(target, follower.email, language, now)
            return None
        return follower

    @staticmethod
    def rate_allows(ip_hash):
        """Count a follow attempt from ``ip_hash``; False beyond ``FOLLOW_RATES_PER_IP``."""
        rates = ratelimit.Rate.parse_list(settings.FOLLOW_RATES_PER_IP)
        return ratelimit.hit("follow-ip", ip_hash, rates)

    def token(self, purpose):
        return signing.dumps(self.pk, salt=f"updates.follower.{purpose}")

    @classmethod
    def from_token(cls, token, purpose, max_age=None):
        """The follower a token points to, or None if it is bad, expired or gone."""
        try:
            pk = signing.loads(token, salt=f"updates.follower.{purpose}", max_age=max_age)
        except signing.BadSignature:
            return None
        return cls.objects.select_related("campaign", "centre").filter(pk=pk).first()

    def confirm(self, now=None):
        """Pending → confirmed (idempotent); True when this call confirmed it."""
        now = now or timezone.now()
        changed = Follower.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.CONFIRMED, confirmed_at=now, unsubscribed_at=None
        )
        if changed:
            self.status, self.confirmed_at, self.unsubscribed_at = self.Status.CONFIRMED, now, None
        return bool(changed)

    def unsubscribe(self, now=None):
        """Stop this follower's mail; a campaign's follower also stops the campaign news they
        get as a signer (see ``stop_campaign_news``). Idempotent."""
        if self.campaign_id:
            stop_campaign_news(self.campaign_id, self.email, now)
        else:
            Follower.objects.filter(pk=self.pk).exclude(status=self.Status.UNSUBSCRIBED).update(
                status=self.Status.UNSUBSCRIBED, unsubscribed_at=now or timezone.now()
            )

    def queue_confirmation(self):
        """Queue the mail with the link to the confirmation page (a POST button there)."""
        target = self.target
        return queue_template(
            "updates/mail/confirm",
            {
                "target_title": target.title,
                "target_url": absolute_url(target),
                "confirm_url": settings.SITE_URL
                + reverse("updates:confirm", kwargs={"token": self.token("confirm")}),
                "within_hours": follow_pending_hours(),
            },
            to_email=self.email,
            category=CONFIRM_MAIL_CATEGORY,
        )


def follow_pending_hours():
    return int(settings.FOLLOW_PENDING_TTL.total_seconds() // 3600)


def stop_campaign_news(campaign_id, email, now=None):
    """End every way ``email`` gets a campaign's news: following it, and the consent to
    updates given when signing its petition.

    The news mails are the same whichever way someone got them (a follower who also signed
    gets each post once), so "unsubscribe" in one of them must stop all of them.
    """
    email = normalize_email(email)
    with transaction.atomic():
        Follower.objects.filter(campaign_id=campaign_id, email=email).exclude(
            status=Follower.Status.UNSUBSCRIBED
        ).update(status=Follower.Status.UNSUBSCRIBED, unsubscribed_at=now or timezone.now())
        Signature.objects.filter(
            petition__campaign_id=campaign_id, email_normalized=email, consent_updates=True
        ).update(consent_updates=False)


def _constraint_name(error):
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint
        return diag.constraint_name
    # SQLite names the columns only.
    return UNIQUE_EMAIL_CONSTRAINTS[0] if "email" in str(error) else ""


@dataclass(frozen=True)
class Recipient:
    """One address a news post goes to, and the subscription its unsubscribe link ends."""

    email: str
    name: str
    language: str
    kind: str
    key: int


class NewsPostQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(published_at__lte=now or timezone.now())

    def for_page(self, target, language):
        """The latest published posts of ``target`` for readers of ``language``."""
        return (
            self.published()
            .filter(**target_fields(target))
            .filter(language__in=[NewsPost.Language.ALL, language])
            .order_by("-published_at", "-pk")
            .only("title", "body", "language", "published_at")[:POSTS_ON_PAGE]
        )


class NewsPost(TargetMixin, models.Model):
    """News about a campaign or a centre: shown on its page, mailed once to its followers."""

    class Language(models.TextChoices):
        ALL = "all", _("All languages")
        EN = "en", "English"
        KO = "ko", "한국어"

    centre = models.ForeignKey(
        Centre,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="news_posts",
        verbose_name=_("campaign centre"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="news_posts",
        verbose_name=_("campaign"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        max_length=BODY_MAX_LENGTH,
        # TextField's max_length only sizes the admin's textarea: the validator enforces it.
        validators=[MaxLengthValidator(BODY_MAX_LENGTH)],
        help_text=_("Plain text; blank lines separate paragraphs."),
    )
    language = models.CharField(
        _("language"),
        max_length=3,
        choices=Language.choices,
        default=Language.ALL,
        help_text=_(
            "Who gets it: the followers and signers who followed or signed in this language."
        ),
    )
    published_at = models.DateTimeField(
        _("published"), null=True, blank=True, help_text=_("Empty: a draft, not shown or sent.")
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    sent_count = models.PositiveIntegerField(_("mails queued"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = NewsPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("news post")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_target(), name="newspost_on_exactly_one_target"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "published_at"], name="newspost_campaign_idx"),
            models.Index(fields=["centre", "published_at"], name="newspost_centre_idx"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        try:
            check_header_value(self.title)  # the title is the mail's subject
        except ValidationError as error:
            raise ValidationError({"title": error}) from None

    def is_published(self, now=None):
        return self.published_at is not None and self.published_at <= (now or timezone.now())

    def recipients(self):
        """Everyone this post goes to, once per normalised address.

        A campaign's post: its confirmed followers, and the confirmed, counted signers of
        its petition who agreed to updates. A centre's post: the centre's confirmed
        followers. A post in one language goes to those who followed or signed in it (an
        unknown language counts as ``LANGUAGE_CODE``). Followers come first, so someone who
        is both gets one mail, with the follower's unsubscribe link.
        """
        followers = Follower.objects.of(self.target).confirmed()
        rows = (
            Recipient(email, "", self._mail_language(language), FOLLOWER_KIND, pk)
            for pk, email, language in self._in_language(followers)
            .order_by("pk")
            .values_list("pk", "email", "language")
        )
        if self.campaign_id:
            signers = Signature.objects.counted().filter(
                petition__campaign_id=self.campaign_id, consent_updates=True
            )
            rows = itertools.chain(
                rows,
                (
                    Recipient(email, name, self._mail_language(language), SIGNER_KIND, pk)
                    for pk, email, name, language in self._in_language(signers)
                    .order_by("pk")
                    .values_list("pk", "email", "name", "language")
                ),
            )
        seen = set()
        unique = []
        for recipient in rows:
            if (address := normalize_email(recipient.email)) not in seen:
                seen.add(address)
                unique.append(recipient)
        return unique

    def _in_language(self, people):
        """``people`` (followers or signatures) who read this post's language."""
        if self.language == self.Language.ALL:
            return people
        if self.language == settings.LANGUAGE_CODE:
            return people.filter(language__in=[self.language, ""])
        return people.filter(language=self.language)

    def _mail_language(self, language):
        """The language the mail around the post is written in: the post's, else the
        recipient's."""
        if self.language != self.Language.ALL:
            return self.language
        return language or settings.LANGUAGE_CODE

    def send(self, now=None):
        """Queue the post's mail to each recipient, once; the number queued, or None when
        it was sent already (or is not published).

        The conditional UPDATE of ``sent_at`` claims the post, so two clicks (or two staff
        members) send it once; the rows are inserted in batches in the same transaction and
        flushed by one kick after the commit.
        """
        now = now or timezone.now()
        with transaction.atomic():
            claimed = NewsPost.objects.filter(
                pk=self.pk, sent_at__isnull=True, published_at__lte=now
            ).update(sent_at=now)
            if not claimed:
                return None
            recipients = self.recipients()
            queue_many(
                (self._mail_row(recipient) for recipient in recipients),
                batch_size=SEND_BATCH_SIZE,
            )
            NewsPost.objects.filter(pk=self.pk).update(sent_count=len(recipients))
        self.sent_at, self.sent_count = now, len(recipients)
        return len(recipients)

    def _mail_row(self, recipient):
        link = unsubscribe.link(recipient.kind, recipient.key)
        target = self.target
        return {
            "category": NEWS_MAIL_CATEGORY,
            "to_email": recipient.email,
            "to_name": recipient.name,
            "template": "updates/mail/news",
            "context": {
                "post": self,
                "target_title": target.title,
                "page_url": absolute_url(target) + "#updates",
                "unsubscribe_url": link.url,
            },
            "language": recipient.language,
            "headers": link.headers,
        }
