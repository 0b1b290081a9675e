"""Following's part of a person's data (``core.personal_data``): the pages they follow (or
followed, or asked to follow), matched on the address, which is stored normalised.

Unconfirmed followers need no retention step: ``tasks.expire_pending_followers`` deletes them
hourly once ``FOLLOW_PENDING_TTL`` has passed.
"""

from django.utils.translation import ngettext_lazy

from core import personal_data
from core.emails import normalize_email

from .models import Follower
from .targets import absolute_url

FOLLOWER_FIELDS = (
    "email",
    "status",
    "language",
    "created_at",
    "confirmation_sent_at",
    "confirmed_at",
    "unsubscribed_at",
)


def followers(email):
    return Follower.objects.filter(email=normalize_email(email))


def export_followers(email):
    return [
        personal_data.record(
            follower, FOLLOWER_FIELDS, page=str(follower.target), url=absolute_url(follower.target)
        )
        for follower in followers(email).select_related("campaign", "centre")
    ]


def erase_followers(email):
    return followers(email).delete()[1].get(Follower._meta.label, 0)


def register():
    personal_data.register(
        "followers",
        label=ngettext_lazy("%(count)d followed page", "%(count)d followed pages", "count"),
        export=export_followers,
        erase=erase_followers,
    )
