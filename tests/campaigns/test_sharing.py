"""Link previews: Open Graph / Twitter meta, canonical URLs and the generated share image."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from campaigns import sharing
from petitions.models import Signature
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield

pytestmark = pytest.mark.django_db

SITE = "https://campaign.example.org"
PAGE = "/campaigns/bucheon-bakersfield/"
IMAGE = "/campaigns/bucheon-bakersfield/share.png"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def demo():
    demo = bucheon_bakersfield()
    demo.petition = factories.petition(demo.campaign, goal=100)
    return demo


def meta(response, key):
    """The content of the ``<meta property|name=key>`` tag (None when absent)."""
    found = re.search(
        rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', response.text
    )
    return found and found.group(1)


def decode(png):
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def confirm(petition, count):
    for _ in range(count):
        signature = factories.signature(petition)
        signature.confirm()


class TestMeta:
    def test_it_describes_the_campaign_with_absolute_urls(self, client, demo):
        response = client.get(PAGE)

        title = "Sister City Campaign - Bucheon, South Korea - Bakersfield, California"
        assert meta(response, "og:title") == title
        assert meta(response, "og:description").startswith("Tell Sister City Bucheon")
        assert meta(response, "og:url") == SITE + PAGE
        assert meta(response, "og:image") == SITE + IMAGE
        assert meta(response, "og:image:width") == "1200"
        assert meta(response, "og:image:height") == "630"
        assert meta(response, "twitter:card") == "summary_large_image"
        assert meta(response, "twitter:image") == SITE + IMAGE
        assert f'<link rel="canonical" href="{SITE}{PAGE}">' in response.text
        assert (
            f'<link rel="alternate" type="application/atom+xml" '
            f'title="Responses and news (Atom feed)" '
            f'href="{SITE}/feeds/campaigns/bucheon-bakersfield.atom">'
        ) in response.text

    def test_it_falls_back_to_the_intro_on_one_line(self, client, demo):
        demo.campaign.headline = ""
        demo.campaign.intro = "First <b>line</b>.\n\n" + "word " * 100
        demo.campaign.save()

        description = meta(client.get(PAGE), "og:description")

        assert description.startswith("First &lt;b&gt;line&lt;/b&gt;. word word")
        assert len(description) < 230 and description.endswith("…")

    def test_it_escapes_quotes_in_the_title(self, client, demo):
        demo.campaign.title = 'Say "no" <now>'
        demo.campaign.save()
        assert meta(client.get(PAGE), "og:title") == "Say &quot;no&quot; &lt;now&gt;"

    def test_it_gives_the_centres_a_canonical_url_without_filters(self, client):
        response = client.get(reverse("campaigns:us_centre"), {"q": "Bucheon", "page": "1"})

        assert f'<link rel="canonical" href="{SITE}/us/">' in response.text
        assert meta(response, "og:url") == f"{SITE}/us/"
        assert meta(response, "twitter:card") == "summary"
        assert meta(response, "og:image") is None


class TestShareImage:
    def test_it_is_a_1200_by_630_png(self, client, demo):
        response = client.get(IMAGE)

        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        image = decode(response.content)
        assert (image.format, image.size) == ("PNG", (1200, 630))

    def test_it_changes_when_the_count_changes(
        self, client, demo, django_capture_on_commit_callbacks
    ):
        before = client.get(IMAGE)
        with django_capture_on_commit_callbacks(execute=True):
            confirm(demo.petition, 3)
        after = client.get(IMAGE)

        assert Signature.objects.counted().count() == 3
        assert before["ETag"] != after["ETag"]
        assert decode(before.content).tobytes() != decode(after.content).tobytes()

    def test_it_changes_when_the_title_changes(self, client, demo):
        before = client.get(IMAGE)
        demo.campaign.title = "A new title"
        demo.campaign.save()
        assert client.get(IMAGE).content != before.content

    def test_it_is_drawn_once_per_count(self, client, demo, monkeypatch):
        drawn = []
        original = sharing.ShareCard.draw
        monkeypatch.setattr(
            sharing.ShareCard, "draw", lambda card: drawn.append(card) or original(card)
        )

        first, second = client.get(IMAGE), client.get(IMAGE)

        assert len(drawn) == 1
        assert first.content == second.content

    def test_it_may_be_cached_publicly_and_revalidated(self, client, demo):
        response = client.get(IMAGE)

        assert "public" in response["Cache-Control"]
        assert "max-age=300" in response["Cache-Control"]
        again = client.get(IMAGE, headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304

    def test_it_draws_korean_titles(self, client, demo):
        demo.campaign.title = "부천시 - 베이커스필드 자매도시 캠페인"
        demo.campaign.save()
        assert decode(client.get(IMAGE).content).size == (1200, 630)

    def test_it_draws_a_campaign_without_petition(self, client):
        bucheon_bakersfield()
        assert decode(client.get(IMAGE).content).size == (1200, 630)

    def test_it_is_404_for_an_unpublished_campaign(self, client):
        bucheon_bakersfield(published=False)
        assert client.get(IMAGE).status_code == 404

    def test_it_lets_staff_preview_without_shared_caching(self, client, campaign_admin):
        bucheon_bakersfield(published=False)
        client.force_login(campaign_admin)

        response = client.get(IMAGE)

        assert response.status_code == 200
        assert "private" in response["Cache-Control"]


class TestDrawing:
    def test_it_wraps_long_words_between_characters(self):
        typeface = sharing.font(40)
        lines = sharing.wrap("가" * 200, typeface, 500)
        assert len(lines) > 1
        assert all(typeface.getlength(line) <= 500 for line in lines)
        assert "".join(lines) == "가" * 200

    def test_it_cuts_a_title_too_long_for_the_image(self):
        _typeface, lines = sharing.fit_title("word " * 300, 1056, 300)
        assert lines[-1].endswith("…")

    def test_it_falls_back_to_pillows_font(self, monkeypatch):
        monkeypatch.setattr(sharing, "font_file", lambda: None)
        card = sharing.ShareCard("Title", 5, 10, "en", "example.org")
        assert decode(card.draw()).size == (1200, 630)
