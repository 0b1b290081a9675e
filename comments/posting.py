"""A new comment: find its commenter, skip duplicates, decide publish / hold / reject, log it.

Used by the public form (``views``) and by the seed loader (``demo``), so both go through the
same rules.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.emails import normalize_email
from core.pagecache import invalidate_pages

from . import rules
from .models import Comment, Commenter, ModerationAction
from .pages import page_fields
from .textnorm import fingerprint

_ACTIONS = {
    Comment.Status.PUBLISHED: ModerationAction.Action.AUTO_PUBLISH,
    Comment.Status.HELD: ModerationAction.Action.AUTO_HOLD,
    Comment.Status.REJECTED: ModerationAction.Action.AUTO_REJECT,
}


@dataclass(frozen=True)
class Posted:
    """The outcome the author is told about; ``created`` is False for a duplicate post."""

    comment: Comment
    created: bool

    @property
    def is_published(self):
        return self.comment.status == Comment.Status.PUBLISHED


def decide(text, *, commenter=None, parent=None, staff_user=None):
    """The ``rules.Decision`` for a new comment, with who wrote it and where it replies.

    Staff replies are published. A blocked commenter's comments are rejected (the author is
    told, as for any unpublished comment, that it awaits review). Otherwise the rules reject
    or hold; a reply to a comment that is not published waits to be reviewed with it; an
    unknown commenter's comment is held (pre-moderation); a known one's is published.
    """
    if staff_user is not None:
        return rules.Decision(rules.PUBLISH, _("Campaign team"))
    if commenter is not None and commenter.is_blocked:
        return rules.Decision(rules.REJECT, _("Blocked commenter"), Comment.RejectReason.ABUSE)
    decision = rules.evaluate(text)
    if decision.outcome == rules.REJECT:
        return decision
    if parent is not None and parent.status != Comment.Status.PUBLISHED:
        return rules.Decision(rules.HOLD, _("Reply to a comment that is not published"))
    if not decision.is_publish:
        return decision
    if commenter is None or not commenter.is_known:
        return rules.Decision(rules.HOLD, _("First comments of a new commenter are reviewed"))
    return decision


def _commenter(name, email):
    commenter, _created = Commenter.objects.get_or_create(
        email_normalized=normalize_email(email), defaults={"email": email.strip(), "name": name}
    )
    # Locked: two identical posts sent at once must not both pass the duplicate check.
    return Commenter.objects.select_for_update().get(pk=commenter.pk)


def _duplicate(page, author, text_fingerprint, created_at):
    window = settings.COMMENT_DUPLICATE_WINDOW
    return (
        Comment.objects.filter(
            **page_fields(page),
            **author,
            text_fingerprint=text_fingerprint,
            created_at__gte=created_at - window,
            created_at__lte=created_at + window,
        )
        .order_by("created_at")
        .first()
    )


def post_comment(
    page, *, name, text, email="", parent=None, staff_user=None, ip_hash="", created_at=None
):
    """Store a comment on ``page`` (a campaign or centre) and decide its status.

    ``staff_user`` posts as the campaign team (no commenter, no email). A reply to a reply
    attaches to the top-level comment: one level of nesting. The same text from the same
    author on the same page within ``COMMENT_DUPLICATE_WINDOW`` is not stored again; the
    first one is returned, so the author sees the same answer. Returns ``Posted``.
    """
    created_at = created_at or timezone.now()
    text = text.strip()
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent
    text_fingerprint = fingerprint(text)
    with transaction.atomic():
        commenter = None if staff_user is not None else _commenter(name, email)
        author = {"staff_author": staff_user} if commenter is None else {"commenter": commenter}
        existing = _duplicate(page, author, text_fingerprint, created_at)
        if existing is not None:
            return Posted(existing, created=False)
        decision = decide(text, commenter=commenter, parent=parent, staff_user=staff_user)
        comment = Comment.objects.create(
            **page_fields(page),
            **author,
            parent=parent,
            author_name=name.strip(),
            text=text,
            text_fingerprint=text_fingerprint,
            status=decision.outcome,
            status_reason=decision.reason[:300],
            reject_reason=decision.reject_reason,
            ip_hash=ip_hash,
            created_at=created_at,
        )
        ModerationAction.objects.create(
            comment=comment,
            action=_ACTIONS[decision.outcome],
            reason=decision.reason[:300],
            created_at=created_at,
        )
        if commenter is not None and name.strip() and commenter.name != name.strip():
            Commenter.objects.filter(pk=commenter.pk).update(name=name.strip())
        if comment.status == Comment.Status.PUBLISHED:
            invalidate_pages()
        elif comment.status == Comment.Status.HELD and commenter is not None:
            commenter.queue_confirmation(comment)
    return Posted(comment, created=True)
