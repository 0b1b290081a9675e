"""The petition behind a campaign slug, cached for a few seconds.

Every sign POST starts with this lookup; from the cache it is one Redis GET instead of a
PostgreSQL query joining the campaign. Saving or deleting a petition or a campaign drops
the entry once the change commits. Changes that send no signal (``QuerySet.update()``,
other processes' raw SQL) show after ``LOOKUP_SECONDS`` at most, as does a campaign's old
slug after a rename.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from campaigns.models import Campaign

from .models import Petition

LOOKUP_SECONDS = 5


def _key(slug):
    return f"petitions:by-slug:{slug}"


def petition_for_slug(slug):
    """The petition of the campaign ``slug`` with its campaign loaded, or None."""
    key = _key(slug)
    petition = cache.get(key)
    if petition is None:
        petition = Petition.objects.select_related("campaign").filter(campaign__slug=slug).first()
        if petition is not None:
            cache.set(key, petition, LOOKUP_SECONDS)
    return petition


def _forget(slug):
    # Now, and again after the commit: a request reading in between caches the old row.
    cache.delete(_key(slug))
    transaction.on_commit(lambda: cache.delete(_key(slug)))


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
