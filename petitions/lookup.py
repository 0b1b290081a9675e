"""The petition behind a campaign slug, cached for a few seconds.

Every sign POST starts with this lookup. Each process remembers a petition for
``MEMO_SECONDS`` (no round trip at all during a surge), then asks the shared cache (one Redis
GET), then PostgreSQL (a query joining the campaign). Saving or deleting a petition or a
campaign drops the entry in the shared cache and in this process's memory once the change
commits; other processes see it within ``MEMO_SECONDS``. Changes that send no signal
(``QuerySet.update()``, raw SQL) show after ``LOOKUP_SECONDS`` at most, as does a campaign's
old slug after a rename.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from campaigns.models import Campaign

from .models import Petition

LOOKUP_SECONDS = 5
MEMO_SECONDS = 1.0
# slug -> (petition, monotonic time until which it may be used), per process.
_memo = {}


def _key(slug):
    return f"petitions:by-slug:{slug}"


def petition_for_slug(slug):
    """The petition of the campaign ``slug`` with its campaign loaded, or None."""
    now = time.monotonic()
    petition, until = _memo.get(slug, (None, 0.0))
    if now < until:
        return petition
    key = _key(slug)
    petition = cache.get(key)
    if petition is None:
        petition = Petition.objects.select_related("campaign").filter(campaign__slug=slug).first()
        if petition is None:
            return None
        cache.set(key, petition, LOOKUP_SECONDS)
    if len(_memo) > 1000:  # slugs are few; this only bounds a flood of made-up ones
        _memo.clear()
    _memo[slug] = (petition, now + MEMO_SECONDS)
    return petition


def forget_all():
    """Drop this process's memory (tests; the shared cache is cleared separately)."""
    _memo.clear()


def _forget(slug):
    # Now, and again after the commit: a request reading in between caches the old row.
    def forget():
        cache.delete(_key(slug))
        _memo.pop(slug, None)

    forget()
    transaction.on_commit(forget)


@receiver(post_save, sender=Petition, dispatch_uid="petitions.lookup.petition_saved")
@receiver(post_delete, sender=Petition, dispatch_uid="petitions.lookup.petition_deleted")
def _petition_changed(sender, instance, **kwargs):
    slug = Campaign.objects.filter(pk=instance.campaign_id).values_list("slug", flat=True).first()
    if slug is not None:
        _forget(slug)


@receiver(post_save, sender=Campaign, dispatch_uid="petitions.lookup.campaign_saved")
@receiver(post_delete, sender=Campaign, dispatch_uid="petitions.lookup.campaign_deleted")
def _campaign_changed(sender, instance, **kwargs):
    _forget(instance.slug)
