"""Helpers for the following and news tests."""

import re

FOLLOWER_EMAIL = "Fan@Example.invalid"


def confirm_link(text):
    """The ``/follow/confirm/<token>/`` path in an email body."""
    return re.search(r"https?://[^/\s]+(/follow/confirm/[^/\s]+/)", text).group(1)


def unsubscribe_link(text):
    """The ``/unsubscribe/<token>/`` path in an email body or header."""
    return re.search(r"https?://[^/\s]+(/unsubscribe/[^/\s>]+/)", text).group(1)


def mails_to(mailoutbox, address):
    return [mail for mail in mailoutbox if any(address in to for to in mail.to)]


def news_post(target, **fields):
    """A published news post of ``target`` (a campaign or centre)."""
    from django.utils import timezone

    from updates.models import NewsPost
    from updates.targets import target_fields

    fields.setdefault("title", "Bakersfield's mayor answered")
    fields.setdefault("body", "The mayor wrote back.\n\nThank you all!")
    fields.setdefault("published_at", timezone.now())
    return NewsPost.objects.create(**target_fields(target), **fields)
