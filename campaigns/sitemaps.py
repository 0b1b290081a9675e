"""``/sitemap.xml``: the two campaign centres and every published campaign page.

Addresses are built from ``SITE_URL`` (not the request's Host header), like every other
absolute link the site hands out.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Campaign, Centre


class SiteUrlSitemap(Sitemap):
    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class CentreSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return list(Centre.Scope)

    def location(self, scope):
        return reverse("campaigns:us_centre" if scope == Centre.Scope.US else "campaigns:home")


class CampaignSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Campaign.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, campaign):
        return campaign.updated_at


SITEMAPS = {"centres": CentreSitemap, "campaigns": CampaignSitemap}
