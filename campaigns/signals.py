"""Keep the public page cache (core.pagecache) fresh: any change to what the status table
or a campaign page shows makes every cached page stale."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core.pagecache import invalidate_pages


def connect_page_cache_signals():
    """Connect ``invalidate_pages`` to saves and deletes of every model the pages show."""
    from officials.models import Contact, Office, OfficeHolder, Place

    from .models import (
        Campaign,
        CampaignImage,
        CampaignVideo,
        Centre,
        Pairing,
        SuggestedMessage,
    )

    for model in (
        Centre,
        Pairing,
        Campaign,
        SuggestedMessage,
        CampaignImage,
        CampaignVideo,
        Place,
        Office,
        OfficeHolder,
        Contact,
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate_pages, sender=model, dispatch_uid=f"pagecache.{model._meta.label}"
            )
    m2m_changed.connect(
        invalidate_pages, sender=Campaign.targets.through, dispatch_uid="pagecache.campaign_targets"
    )


def delete_image_files(sender, instance, **kwargs):
    """An image row deleted (in the admin or by a cascade) takes its files with it."""
    instance.delete_files()


def connect_media_signals():
    from .models import CampaignImage

    post_delete.connect(
        delete_image_files, sender=CampaignImage, dispatch_uid="campaigns.delete_image_files"
    )
