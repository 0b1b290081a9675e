"""The embeddable petition widget: what it shows, and that only it may be framed."""

import html
import re

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield

pytestmark = pytest.mark.django_db

SITE = "https://campaign.example.org"
URL = reverse("campaigns:embed", kwargs={"slug": "bucheon-bakersfield"})
CAMPAIGN_URL = reverse("campaigns:detail", kwargs={"slug": "bucheon-bakersfield"})


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def demo():
    demo = bucheon_bakersfield()
    demo.petition = factories.petition(demo.campaign, goal=500)
    for _ in range(3):
        factories.signature(demo.petition).confirm()
    return demo


def directives(response):
    return dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if " " in part.strip()
    )


class TestWidget:
    def test_it_shows_title_count_progress_and_sign_button(self, client, demo):
        response = client.get(URL)

        assert response.status_code == 200
        assert "Sister City Campaign - Bucheon, South Korea - Bakersfield, California" in (
            response.text
        )
        assert "3 confirmed signatures of a goal of 500" in response.text
        assert '<progress class="widget-progress" max="500" value="3"' in response.text
        assert (
            f'<a class="widget-button" href="{SITE}{CAMPAIGN_URL}#petition" target="_blank" '
            'rel="noopener">Sign the petition</a>'
        ) in response.text

    def test_it_has_no_site_chrome_and_no_script(self, client, demo):
        response = client.get(URL)

        assert "site-header" not in response.text and "site-footer" not in response.text
        assert "<script" not in response.text
        assert " style=" not in response.text
        assert '<link rel="stylesheet" href="/static/css/embed.css">' in response.text
        assert '<meta name="robots" content="noindex">' in response.text

    def test_it_links_to_the_campaign_without_a_petition(self, client):
        bucheon_bakersfield()
        response = client.get(URL)
        assert f'href="{SITE}{CAMPAIGN_URL}" target="_blank" rel="noopener">Take action' in (
            response.text
        )
        assert "<progress" not in response.text

    def test_it_escapes_the_title(self, client, demo):
        Campaign.objects.filter(pk=demo.campaign.pk).update(title="<script>alert(1)</script>")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(URL).text

    def test_it_is_404_for_an_unpublished_campaign(self, client):
        bucheon_bakersfield(published=False)
        assert client.get(URL).status_code == 404


class TestFraming:
    @pytest.mark.parametrize("cached", [False, True])
    def test_it_may_be_framed_by_any_site(self, client, demo, cached):
        if cached:
            client.get(URL)
        response = client.get(URL)

        assert "X-Frame-Options" not in response
        assert directives(response)["frame-ancestors"] == "*"
        # The rest of the policy still holds.
        assert directives(response)["script-src"].startswith("'self'")
        assert directives(response)["object-src"] == "'none'"

    @pytest.mark.parametrize(
        "path",
        [
            CAMPAIGN_URL,
            "/",
            "/us/",
            "/campaigns/bucheon-bakersfield/embassy/?country=US",
            "/campaigns/bucheon-bakersfield/letter/",
        ],
    )
    def test_every_other_page_refuses_to_be_framed(self, client, demo, path):
        response = client.get(path)

        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert directives(response)["frame-ancestors"] == "'none'"


class TestAdminSnippet:
    def test_it_offers_the_iframe_to_copy(self, client, campaign_admin, demo):
        client.force_login(campaign_admin)

        response = client.get(reverse("admin:campaigns_campaign_change", args=[demo.campaign.pk]))

        textarea = re.search(r"<textarea readonly[^>]*>(.*?)</textarea>", response.text, re.S)
        snippet = html.unescape(textarea.group(1))
        assert snippet.startswith(f'<iframe src="{SITE}{URL}" title="Sister City Campaign - ')
        assert snippet.endswith("></iframe>")

    def test_it_escapes_the_title_in_the_snippet(self, demo):
        demo.campaign.title = '"><script>alert(1)</script>'
        assert 'title="&quot;&gt;&lt;script&gt;' in demo.campaign.embed_snippet()

    def test_it_asks_to_save_a_new_campaign_first(self, client, campaign_admin):
        client.force_login(campaign_admin)
        response = client.get(reverse("admin:campaigns_campaign_add"))
        assert "Save the campaign to get its embed code." in response.text
