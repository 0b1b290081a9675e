"""Supporters' comments on campaign and centre pages, and their moderation."""

import datetime

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Centre
from core.emails import normalize_email
from core.pagecache import invalidate_pages
from mailer.models import OutboxMessage
from mailer.outbox import queue_template

from .textnorm import fingerprint

CONFIRM_MAIL_CATEGORY = "comments.confirm"
CONFIRM_SALT = "comments.commenter.confirm"
# How long the link in the confirmation mail works; at most one such mail per address per period.
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


class Commenter(models.Model):
    """One person behind comments, keyed by normalised email (never shown publicly).

    ``confirmed_at`` is set once they proved the address (a confirmed petition signature, via
    ``core.signals.email_confirmed``, or the comment email confirmation): they are "known" and
    post-moderated from then on.
    """

    email = models.EmailField(_("email"), max_length=254)
    email_normalized = models.CharField(max_length=254, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, blank=True)
    confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("blocked"), null=True, blank=True)
    blocked_reason = models.CharField(_("block reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name or _("Commenter %(pk)s") % {"pk": self.pk}

    def save(self, *args, **kwargs):
        self.email_normalized = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_known(self):
        return self.confirmed_at is not None

    @property
    def is_blocked(self):
        return self.blocked_at is not None

    def block(self, moderator, reason):
        """Block this commenter and reject every comment of theirs still held.

        Their later comments are rejected on arrival. Published comments stay as they are (a
        moderator rejects those one by one). The block is logged on each comment it rejects,
        or on their latest comment when none was held. Returns the rejected comments.
        """
        with transaction.atomic():
            Commenter.objects.select_for_update().filter(pk=self.pk).update(
                blocked_at=timezone.now(), blocked_reason=reason
            )
            self.refresh_from_db(fields=["blocked_at", "blocked_reason"])
            held = list(self.comments.select_for_update().filter(status=Comment.Status.HELD))
            for comment in held:
                comment.status = Comment.Status.REJECTED
                comment.reject_reason = Comment.RejectReason.ABUSE
                comment.status_reason = reason
                comment.save(
                    update_fields=["status", "reject_reason", "status_reason", "updated_at"]
                )
            logged_on = held or list(self.comments.order_by("-created_at")[:1])
            ModerationAction.objects.bulk_create(
                ModerationAction(
                    comment=comment,
                    moderator=moderator,
                    action=ModerationAction.Action.BLOCK,
                    reason=reason,
                )
                for comment in logged_on
            )
        return held

    def confirmation_token(self):
        """Signed proof that whoever opens the link reads mail for this address."""
        return signing.dumps({"c": self.pk, "e": self.email_normalized}, salt=CONFIRM_SALT)

    @classmethod
    def from_confirmation_token(cls, token):
        """The commenter a valid, unexpired token names (for their current address), or None."""
        try:
            data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        except signing.BadSignature:
            return None
        return cls.objects.filter(pk=data.get("c"), email_normalized=data.get("e")).first()

    def queue_confirmation(self, comment):
        """Mail an unknown commenter a link that makes them known (their later comments are
        published at once). At most one mail per address per ``CONFIRM_MAX_AGE``, so the form
        cannot be used to flood someone's inbox. Returns the outbox row or None."""
        recent = OutboxMessage.objects.filter(
            category=CONFIRM_MAIL_CATEGORY,
            to_email=self.email,
            created_at__gte=timezone.now() - CONFIRM_MAX_AGE,
        )
        if self.is_known or self.is_blocked or recent.exists():
            return None
        confirm_path = reverse("comments:confirm", kwargs={"token": self.confirmation_token()})
        return queue_template(
            "comments/email/confirm",
            {
                "name": comment.author_name,
                "page_title": str(comment.page),
                "page_url": settings.SITE_URL + comment.page.get_absolute_url(),
                "confirm_url": settings.SITE_URL + confirm_path,
                "days": CONFIRM_MAX_AGE.days,
            },
            to_email=self.email,
            category=CONFIRM_MAIL_CATEGORY,
        )

    def confirm(self, when=None):
        """Mark the address as proven (known commenter); keeps the first confirmation time."""
        Commenter.objects.filter(pk=self.pk, confirmed_at__isnull=True).update(
            confirmed_at=when or timezone.now()
        )
        self.refresh_from_db(fields=["confirmed_at"])

    @classmethod
    def confirm_email(cls, email, **kwargs):
        """Receiver of ``core.signals.email_confirmed``: whoever proved ``email`` is known.

        Creates the commenter if they never commented, so their first comment is published.
        """
        commenter, _created = cls.objects.get_or_create(
            email_normalized=normalize_email(email), defaults={"email": email.strip()}
        )
        commenter.confirm()
        return commenter


# How many of a commenter's comments a moderator sees next to each of their comments.
COMMENTER_HISTORY_SIZE = 10


class ModerationQueue(models.TextChoices):
    """The moderation queues at ``/moderation/``: each lists the comments of one status."""

    HELD = "held", _("Held")
    FLAGGED = "flagged", _("Flagged")
    PUBLISHED = "published", _("Recently published")
    REJECTED = "rejected", _("Rejected")

    @property
    def status(self):
        if self == ModerationQueue.FLAGGED:
            return Comment.Status.HIDDEN
        return Comment.Status(self.value)


class CommentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Comment.Status.PUBLISHED)

    def on_page(self, campaign=None, centre=None):
        if campaign is not None:
            return self.filter(campaign=campaign)
        return self.filter(centre=centre)

    def threads(self):
        """Published top-level comments in order, each with its ``published_replies``.

        One query: replies are grouped under their parents in Python. Returns a list.
        """
        comments = list(self.published().order_by("created_at", "pk"))
        threads = {comment.pk: comment for comment in comments if comment.parent_id is None}
        for thread in threads.values():
            thread.published_replies = []
        for comment in comments:
            if comment.parent_id in threads:
                threads[comment.parent_id].published_replies.append(comment)
        return list(threads.values())

    # Moderation (``/moderation/``): the queues and what a moderator sees of each comment.

    def in_queue(self, queue):
        """The comments of a ``ModerationQueue`` in the order moderators work through them:
        the held queue oldest first (first come, first reviewed), the others newest first."""
        if queue == ModerationQueue.HELD:
            return self.filter(status=Comment.Status.HELD).order_by("created_at", "pk")
        return self.filter(status=ModerationQueue(queue).status).order_by("-created_at", "-pk")

    def queue_counts(self):
        """``{queue: number of comments}`` for every queue, in one query."""
        return self.aggregate(
            **{
                queue.value: models.Count("pk", filter=Q(status=queue.status))
                for queue in ModerationQueue
            }
        )

    def approve_each(self, moderator):
        """Approve every comment whose state allows it (bulk action); returns how many."""
        return self._each(lambda comment: comment.approve(moderator))

    def reject_each(self, moderator, reason):
        """Reject every comment whose state allows it (bulk action); returns how many."""
        return self._each(lambda comment: comment.reject(moderator, reason))

    def _each(self, transition):
        done = 0
        with transaction.atomic():  # a database error leaves none of them changed
            for comment in self:
                try:
                    transition(comment)
                except InvalidTransition:
                    continue
                done += 1
        return done

    def for_moderation(self):
        """Each comment with its page, thread context (parent, siblings, replies), flags, log
        and its commenter's history and rejection count, in a constant number of queries."""
        by_commenter = (
            Comment.objects.filter(commenter=models.OuterRef("commenter"))
            .order_by()
            .values("commenter")
        )
        count = models.Count("pk")
        history = Comment.objects.select_related("campaign", "centre").order_by(
            "-created_at", "-pk"
        )
        return (
            self.select_related(
                "campaign", "centre", "commenter", "staff_author", "parent__staff_author"
            )
            .annotate(
                commenter_total=Coalesce(
                    models.Subquery(by_commenter.annotate(n=count).values("n")), 0
                ),
                commenter_rejections=Coalesce(
                    models.Subquery(
                        by_commenter.filter(status=Comment.Status.REJECTED)
                        .annotate(n=count)
                        .values("n")
                    ),
                    0,
                ),
            )
            .prefetch_related(
                "flags",
                "replies",
                models.Prefetch("parent__replies", to_attr="siblings_and_self"),
                models.Prefetch(
                    "actions", queryset=ModerationAction.objects.select_related("moderator")
                ),
                models.Prefetch(
                    "commenter__comments",
                    queryset=history[:COMMENTER_HISTORY_SIZE],
                    to_attr="recent_comments",
                ),
            )
        )


class InvalidTransition(ValueError):
    """A moderation action that the comment's current state does not allow."""


class Comment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held for review")
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden after flags")
        REJECTED = "rejected", _("Rejected")

    class RejectReason(models.TextChoices):
        ABUSE = "abuse", _("Abuse")
        THREAT = "threat", _("Threat")
        HATE = "hate", _("Hate")
        SPAM = "spam", _("Spam")
        OFF_TOPIC = "off-topic", _("Off-topic")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    commenter = models.ForeignKey(
        Commenter, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    staff_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set for replies by the campaign team (shown with a badge)."),
    )
    author_name = models.CharField(_("name"), max_length=100)
    text = models.TextField(_("comment"), max_length=3000)
    text_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.HELD
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reject_reason = models.CharField(
        _("reject reason"), max_length=10, choices=RejectReason.choices, blank=True
    )
    ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        # The moderators' permission (``comments.roles``): opens /moderation/, nothing else.
        permissions = [("moderate_comment", _("Can moderate comments"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign__isnull=False, centre__isnull=True)
                | Q(campaign__isnull=True, centre__isnull=False),
                name="comment_on_exactly_one_page",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "created_at"], name="comment_campaign_idx"),
            models.Index(fields=["centre", "status", "created_at"], name="comment_centre_idx"),
            models.Index(fields=["status", "created_at"], name="comment_queue_idx"),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.text[:50]}"

    def get_absolute_url(self):
        return f"{self.page.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_staff_reply(self):
        return self.staff_author_id is not None

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def page(self):
        """The campaign or centre this comment is on."""
        return self.campaign or self.centre

    # Transitions. Each locks the row, checks the current state, changes it and writes the
    # log entry in one transaction; cached pages are invalidated when what they show changed.

    def approve(self, moderator, reason=""):
        """Held, hidden or rejected → published."""
        self._transition(
            moderator,
            ModerationAction.Action.APPROVE,
            allowed={self.Status.HELD, self.Status.HIDDEN, self.Status.REJECTED},
            status=self.Status.PUBLISHED,
            reason=reason,
        )

    def reject(self, moderator, reason, note=""):
        """Held, published or hidden → rejected; ``reason`` is a ``RejectReason`` value."""
        if reason not in self.RejectReason.values:
            raise InvalidTransition(f"unknown reject reason {reason!r}")
        self._transition(
            moderator,
            ModerationAction.Action.REJECT,
            allowed={self.Status.HELD, self.Status.PUBLISHED, self.Status.HIDDEN},
            status=self.Status.REJECTED,
            # The log keeps the reason too: the comment's own field is cleared if re-approved.
            reason=f"{self.RejectReason(reason).label}: {note}"
            if note
            else str(self.RejectReason(reason).label),
            reject_reason=reason,
        )

    def edit_and_approve(self, moderator, text, reason=""):
        """Replace the text (the old one is kept in the log) and publish, from any state."""
        text = (text or "").strip()
        if not text or len(text) > self._meta.get_field("text").max_length:
            raise InvalidTransition("the edited text is empty or too long")
        self._transition(
            moderator,
            ModerationAction.Action.EDIT_APPROVE,
            allowed=set(self.Status),
            status=self.Status.PUBLISHED,
            reason=reason,
            text=text,
        )

    def hide_after_flags(self):
        """Published → hidden pending review (logged as the rules' ``auto-hide``).

        Returns False, changing nothing, when the comment is no longer published.
        """
        try:
            self._transition(
                None,
                ModerationAction.Action.AUTO_HIDE,
                allowed={self.Status.PUBLISHED},
                status=self.Status.HIDDEN,
                reason=str(_("Hidden after reports from readers")),
            )
        except InvalidTransition:
            return False
        return True

    def flag(self, flagger_key, reason):
        """Record a reader's report; one per ``flagger_key`` (IP hash or commenter).

        When ``ModerationSettings.flags_to_hide`` distinct readers flagged a published comment
        it is hidden pending review. Returns True when this report was new.
        """
        try:
            with transaction.atomic():
                Flag.objects.create(comment=self, flagger_key=flagger_key, reason=reason[:300])
        except IntegrityError:
            return False
        if self.flags.count() >= ModerationSettings.current().flags_to_hide:
            self.hide_after_flags()
        return True

    def _transition(self, moderator, action, *, allowed, status, reason="", **changes):
        with transaction.atomic():
            current = (
                Comment.objects.select_for_update().values_list("status", "text").get(pk=self.pk)
            )
            if current[0] not in allowed:
                raise InvalidTransition(f"cannot {action} a comment that is {current[0]}")
            previous_text = current[1] if "text" in changes else ""
            self.status = status
            self.status_reason = reason[:300]
            self.reject_reason = changes.pop("reject_reason", "")
            fields = ["status", "status_reason", "reject_reason", "updated_at"]
            if "text" in changes:
                self.text = changes.pop("text")
                self.text_fingerprint = fingerprint(self.text)
                fields += ["text", "text_fingerprint"]
            self.save(update_fields=fields)
            ModerationAction.objects.create(
                comment=self,
                moderator=moderator,
                action=action,
                reason=reason[:300],
                previous_text=previous_text,
            )
            if self.Status.PUBLISHED in (current[0], status):
                invalidate_pages()


class Flag(models.Model):
    """A reader's report of a comment; enough distinct flags hide it pending review."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(_("reason"), max_length=300)
    flagger_key = models.CharField(max_length=64, help_text=_("IP hash or commenter id"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "flagger_key"], name="comment_flag_unique_flagger"
            )
        ]

    def __str__(self):
        return f"{self.reason[:50]} ({self.comment_id})"


class ModerationAction(models.Model):
    """The log: who did what to which comment, when and why (rules log as user None)."""

    class Action(models.TextChoices):
        AUTO_PUBLISH = "auto-publish", _("Published automatically")
        AUTO_HOLD = "auto-hold", _("Held by a rule")
        AUTO_REJECT = "auto-reject", _("Rejected by a rule")
        AUTO_HIDE = "auto-hide", _("Hidden after flags")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        EDIT_APPROVE = "edit-approve", _("Edited and approved")
        BLOCK = "block", _("Commenter blocked")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="actions")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=15, choices=Action.choices)
    reason = models.CharField(max_length=300, blank=True)
    previous_text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.comment_id})"


class Phrase(models.Model):
    """A banned (reject) or suspect (hold) word or phrase, per language."""

    class Kind(models.TextChoices):
        BANNED = "banned", _("Banned: reject")
        SUSPECT = "suspect", _("Suspect: hold for review")

    language = models.CharField(_("language"), max_length=10, default="en")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("word or phrase"), max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["language", "kind", "text"]
        constraints = [
            models.UniqueConstraint(
                fields=["language", "kind", "text"], name="comment_phrase_unique"
            )
        ]

    def __str__(self):
        return f"{self.text} ({self.get_kind_display()}, {self.language})"


class ModerationSettings(models.Model):
    """Thresholds editable in the admin (one row)."""

    max_links = models.PositiveSmallIntegerField(
        _("links before holding"), default=2, help_text=_("More links than this holds a comment.")
    )
    caps_ratio = models.FloatField(
        _("all-caps share before holding"),
        default=0.7,
        help_text=_("Share of upper-case letters (0–1) above which a comment is held."),  # noqa: RUF001
    )
    caps_min_letters = models.PositiveSmallIntegerField(
        _("letters before the caps rule applies"), default=20
    )
    flags_to_hide = models.PositiveSmallIntegerField(
        _("distinct flags that hide a comment"), default=3
    )

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls):
        return cls.objects.order_by("pk").first() or cls()
