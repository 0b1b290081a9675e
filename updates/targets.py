"""What a follower or a news post belongs to: a campaign centre or a campaign."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from campaigns.models import Campaign


def exactly_one_target():
    """The check constraint condition: a campaign or a centre, never both or neither."""
    return Q(centre__isnull=False, campaign__isnull=True) | Q(
        centre__isnull=True, campaign__isnull=False
    )


def target_fields(target):
    """``{"campaign": target}`` or ``{"centre": target}``: the foreign key to ``target``."""
    return {"campaign": target} if isinstance(target, Campaign) else {"centre": target}


def absolute_url(target):
    """The public page of a centre or campaign as a full address (for mails)."""
    return settings.SITE_URL + target.get_absolute_url()


def _url(target, name):
    if isinstance(target, Campaign):
        return reverse(f"updates:{name}_campaign", kwargs={"slug": target.slug})
    return reverse(f"updates:{name}_centre", kwargs={"scope": target.scope})


def follow_url(target):
    """Where the follow form for ``target`` posts to."""
    return _url(target, "follow")


def sent_url(target):
    """The "check your inbox" page after following ``target``."""
    return _url(target, "sent")
