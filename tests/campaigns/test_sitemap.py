"""sitemap.xml (centres and published campaigns) and robots.txt."""

import xml.etree.ElementTree as ET

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

SITE = "https://campaign.example.org"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def sitemap_urls(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own test response)
    return {url.findtext(f"{NS}loc"): url.findtext(f"{NS}lastmod") for url in root}


class TestSitemap:
    def test_it_lists_both_centres_and_published_campaigns_only(self, client):
        published = factories.campaign(slug="published-one")
        factories.campaign(slug="draft-one", published=False)

        urls = sitemap_urls(client)

        assert set(urls) == {
            f"{SITE}/",
            f"{SITE}/us/",
            f"{SITE}/campaigns/published-one/",
        }
        assert urls[f"{SITE}/campaigns/published-one/"] == published.updated_at.date().isoformat()

    def test_it_uses_the_site_url_not_the_host_header(self, client):
        factories.campaign(slug="published-one")
        response = client.get("/sitemap.xml", headers={"Host": "attacker.example"})
        assert b"attacker.example" not in response.content


class TestRobots:
    def test_it_allows_public_pages_and_names_the_sitemap(self, client):
        response = client.get("/robots.txt")

        lines = response.text.splitlines()
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert lines[0] == "User-agent: *"
        assert "Allow: /" in lines
        assert f"Sitemap: {SITE}/sitemap.xml" in lines

    @pytest.mark.parametrize(
        "prefix",
        ["/admin/", "/moderation/", "/petitions/", "/comments/", "/follow/", "/unsubscribe/"],
    )
    def test_it_keeps_crawlers_off_staff_pages_and_personal_links(self, client, prefix):
        assert f"Disallow: {prefix}" in client.get("/robots.txt").text.splitlines()
