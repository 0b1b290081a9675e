"""The plain-values context outreach templates render with (see ``rendering``)."""

from django.conf import settings


def context_for(campaign, office=None, holder=None, petition_count=None):
    """Strings and numbers only. ``office=None`` gives a placeholder official (previews)."""
    pairing = campaign.pairing
    petition = getattr(campaign, "petition", None)
    if petition_count is None:
        petition_count = petition.confirmed_count() if petition else 0
    if office is not None and holder is None:
        holder = office.current_holder()
    return {
        "official_name": holder.addressed_name if holder else "",
        "official_title": office.title if office else "Mayor",
        "official_city": office.place.name if office else pairing.foreign_place.name,
        "korean_city": pairing.korean_place.full_name,
        "foreign_city": pairing.foreign_place.name,
        "relationship": pairing.get_relationship_display(),
        "agreement_date": pairing.agreement_date.isoformat() if pairing.agreement_date else "",
        "campaign_title": campaign.title,
        "campaign_url": campaign.absolute_url,
        "petition_count": petition_count,
        "petition_url": settings.SITE_URL + petition.get_absolute_url() if petition else "",
        "sender_name": settings.OUTREACH_SENDER_NAME,
    }
