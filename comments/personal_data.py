"""Comments' part of a person's data (``core.personal_data``): their comments and their
commenter profile, matched on the normalised address, and the retention of IP hashes.

Erasing a comment that others replied to would delete their replies with it (and leave a
thread answering nothing), so such a comment stays in place as a stub: its text and name are
replaced by "removed" markers and everything that tied it to the person (commenter, IP hash,
fingerprint, earlier versions in the moderation log) is cleared. Every other comment of theirs
is deleted. Flags carry no email address (their key is an IP hash or a staff account), so
they are not found by address; ``clear_old_ip_hashes`` unlinks their IP hashes with age.
"""

import datetime

from django.conf import settings
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import translation
from django.utils.translation import gettext, ngettext_lazy

from core import personal_data
from core.emails import normalize_email

from .models import Comment, Commenter, Flag, ModerationAction

COMMENT_FIELDS = ("author_name", "text", "status", "ip_hash", "created_at", "updated_at")
COMMENTER_FIELDS = ("email", "name", "confirmed_at", "blocked_at", "blocked_reason", "created_at")
# Flag keys of staff accounts ("user:<pk>") are no IP hash; retired keys stay unique per flag.
STAFF_FLAG_PREFIX = "user:"
RETIRED_FLAG_PREFIX = "expired:"


def comments_of(email):
    return Comment.objects.filter(commenter__email_normalized=normalize_email(email))


def export_comments(email):
    comments = comments_of(email).select_related("campaign", "centre").prefetch_related("actions")
    return [
        personal_data.record(
            comment,
            COMMENT_FIELDS,
            page=str(comment.page),
            url=settings.SITE_URL + comment.get_absolute_url(),
            reply_to=comment.parent_id,
            earlier_versions=[a.previous_text for a in comment.actions.all() if a.previous_text],
        )
        for comment in comments
    ]


def erase_comments(email):
    """Stub the person's comments that have replies, delete the others; how many."""
    comments = comments_of(email)
    stubs = list(comments.filter(replies__isnull=False).distinct().values_list("pk", flat=True))
    # Stored in the site's default language: the stub is a row, not a template.
    with translation.override(settings.LANGUAGE_CODE):
        removed = {
            "author_name": gettext("[removed]"),
            "text": gettext("[removed at the author's request]"),
        }
    stubbed = Comment.objects.filter(pk__in=stubs).update(
        commenter=None, text_fingerprint="", ip_hash="", **removed
    )
    ModerationAction.objects.filter(comment__in=stubs).update(previous_text="")
    deleted = comments.exclude(pk__in=stubs).delete()[1].get(Comment._meta.label, 0)
    return stubbed + deleted


def export_commenter(email):
    commenters = Commenter.objects.filter(email_normalized=normalize_email(email))
    return [personal_data.record(commenter, COMMENTER_FIELDS) for commenter in commenters]


def erase_commenter(email):
    """Delete the commenter profile (after ``erase_comments``: its comments are found by it)."""
    commenters = Commenter.objects.filter(email_normalized=normalize_email(email))
    return commenters.delete()[1].get(Commenter._meta.label, 0)


def clear_old_ip_hashes(now):
    """Blank comments' IP hashes and retire flags' IP-hash keys after
    ``RETENTION_IP_HASH_DAYS``: they serve rate limits and spotting abuse, both short-term."""
    cutoff = now - datetime.timedelta(days=settings.RETENTION_IP_HASH_DAYS)
    comments = personal_data.in_batches(
        Comment.objects.filter(created_at__lt=cutoff).exclude(ip_hash=""),
        lambda rows: rows.update(ip_hash=""),
    )
    # A retired key is still unique per flag, so the one-flag-per-reader constraint holds.
    flags = personal_data.in_batches(
        Flag.objects.filter(created_at__lt=cutoff).exclude(
            Q(flagger_key__startswith=STAFF_FLAG_PREFIX)
            | Q(flagger_key__startswith=RETIRED_FLAG_PREFIX)
        ),
        lambda rows: rows.update(
            flagger_key=Concat(Value(RETIRED_FLAG_PREFIX), Cast("pk", CharField()))
        ),
    )
    return comments + flags


def register():
    # Comments first: they are found through the commenter profile erased after them.
    personal_data.register(
        "comments",
        label=ngettext_lazy("%(count)d comment", "%(count)d comments", "count"),
        export=export_comments,
        erase=erase_comments,
    )
    personal_data.register(
        "commenter",
        label=ngettext_lazy("%(count)d commenter profile", "%(count)d commenter profiles", "count"),
        export=export_commenter,
        erase=erase_commenter,
    )
    personal_data.register_retention("comment IP hashes", clear_old_ip_hashes)
