"""Comments in a given state for the moderation tests (no rules run: the state is given)."""

import datetime
import itertools

from django.utils import timezone

from campaigns.models import Campaign
from comments.models import Comment, Commenter
from tests import factories

_seq = itertools.count(1)


def commenter(email=None, name=None, **fields):
    number = next(_seq)
    return Commenter.objects.create(
        email=email or f"commenter{number}@example.invalid",
        name=name or f"Commenter {number}",
        **fields,
    )


def comment(page=None, status=Comment.Status.HELD, author=None, minutes_ago=0, **fields):
    """A comment on ``page`` (a campaign or centre; a new campaign by default)."""
    page = page or factories.campaign()
    author = author or commenter()
    fields.setdefault("text", f"Comment number {next(_seq)}")
    fields.setdefault("author_name", author.name)
    fields.setdefault("created_at", timezone.now() - datetime.timedelta(minutes=minutes_ago))
    key = "campaign" if isinstance(page, Campaign) else "centre"
    return Comment.objects.create(**{key: page}, commenter=author, status=status, **fields)
