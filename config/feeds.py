"""Atom feeds of what happens in the campaign: officials' reviewed responses, news posts and
new campaigns — site-wide (``/feeds/updates.atom``) and per campaign.

A feed is the union of several apps' public events (campaigns, outreach's responses, updates'
news posts), so it lives in ``config``, above all of them.
"""

from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Centre
from core.pagecache import cache_public_page
from outreach.models import Response
from updates.models import NewsPost

FEED_LENGTH = 30


@dataclass(frozen=True)
class Entry:
    """One feed entry, whatever it comes from."""

    title: str
    text: str
    url: str
    published: datetime
    guid: str


def _absolute(path):
    return settings.SITE_URL + path


def _response_entry(response, page_url):
    pairing = response.pairing
    if response.status == Response.Status.VICTORY:
        title = _("Victory: %(pairing)s") % {"pairing": pairing}
    elif response.office_id:
        title = _("Response from the %(office)s") % {"office": response.office}
    else:
        title = _("Response: %(pairing)s") % {"pairing": pairing}
    return Entry(
        title=title,
        text=response.public_summary,
        url=page_url,
        published=response.reviewed_at or response.received_at,
        guid=f"{page_url}#response-{response.pk}",
    )


def _response_page(response):
    """The campaign page that shows the response, else the centre listing its pairing."""
    campaign = response.pairing.main_campaign
    if campaign is not None:
        return campaign.absolute_url
    return _absolute(Centre(scope=response.pairing.scope).get_absolute_url())


def response_entries(campaign=None):
    """Reviewed responses with a public summary (to one campaign's pairing, or all)."""
    responses = (
        Response.objects.public()
        .select_related("office__place", "pairing__korean_place__parent", "pairing__foreign_place")
        .prefetch_related(
            Prefetch(
                "pairing__campaigns",
                queryset=Campaign.objects.published().only("slug", "pairing_id", "is_main"),
                to_attr="published_campaigns",
            )
        )
        .order_by("-received_at")
    )
    if campaign is not None:
        responses = responses.filter(pairing_id=campaign.pairing_id)
    return [
        _response_entry(response, campaign.absolute_url if campaign else _response_page(response))
        for response in responses[:FEED_LENGTH]
    ]


def news_entries(campaign=None):
    """Published news posts for readers of the current language (on published pages)."""
    posts = NewsPost.objects.published().filter(
        language__in=[NewsPost.Language.ALL, get_language()]
    )
    if campaign is not None:
        posts = posts.filter(campaign=campaign)
    else:
        posts = posts.filter(Q(campaign__is_published=True) | Q(centre__isnull=False))
    posts = posts.select_related("campaign", "centre").order_by("-published_at", "-pk")
    return [
        Entry(
            title=post.title,
            text=post.body,
            url=_absolute(post.target.get_absolute_url()),
            published=post.published_at,
            guid=_absolute(post.target.get_absolute_url()) + f"#news-{post.pk}",
        )
        for post in posts[:FEED_LENGTH]
    ]


def campaign_entries(campaigns):
    return [
        Entry(
            title=_("New campaign: %(title)s") % {"title": campaign.title},
            text=campaign.headline or Truncator(campaign.intro).words(60),
            url=campaign.absolute_url,
            published=campaign.created_at,
            guid=campaign.absolute_url,
        )
        for campaign in campaigns
    ]


def latest(*sources):
    return sorted(chain(*sources), key=lambda entry: entry.published, reverse=True)[:FEED_LENGTH]


class UpdatesFeed(Feed):
    """Everything public, newest first."""

    feed_type = Atom1Feed
    item_guid_is_permalink = False

    def title(self):
        return _("Sister City Campaign: responses and news")

    def subtitle(self):
        return _("Officials' responses, campaign news and new campaigns.")

    def link(self):
        return _absolute(reverse("campaigns:home"))

    def feed_url(self):
        return _absolute(reverse("feeds:updates"))

    def items(self):
        campaigns = Campaign.objects.published().order_by("-created_at")[:FEED_LENGTH]
        return latest(response_entries(), news_entries(), campaign_entries(campaigns))

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        # Atom's summary is HTML: the plain text is escaped, its paragraphs kept.
        return linebreaks(entry.text, autoescape=True)

    def item_link(self, entry):
        return entry.url

    def item_guid(self, entry):
        return entry.guid

    def item_pubdate(self, entry):
        return entry.published

    def item_updateddate(self, entry):
        return entry.published


class CampaignFeed(UpdatesFeed):
    """One published campaign: its pairing's responses, its news, its start."""

    def get_object(self, request, slug):
        return get_object_or_404(Campaign.objects.published().select_related("pairing"), slug=slug)

    def title(self, campaign):
        return campaign.title

    def subtitle(self, campaign):
        return _("Officials' responses and news of this campaign.")

    def link(self, campaign):
        return campaign.absolute_url

    def feed_url(self, campaign):
        return _absolute(reverse("feeds:campaign", kwargs={"slug": campaign.slug}))

    def items(self, campaign):
        return latest(
            response_entries(campaign), news_entries(campaign), campaign_entries([campaign])
        )


app_name = "feeds"
urlpatterns = [
    path("updates.atom", cache_public_page(UpdatesFeed()), name="updates"),
    path("campaigns/<slug:slug>.atom", cache_public_page(CampaignFeed()), name="campaign"),
]
