"""Atom feeds of officials' responses, news posts and new campaigns."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from outreach.models import Response
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield
from updates.models import NewsPost

pytestmark = pytest.mark.django_db

SITE = "https://campaign.example.org"
FEED = "/feeds/updates.atom"
CAMPAIGN_FEED = "/feeds/campaigns/bucheon-bakersfield.atom"
ATOM = "{http://www.w3.org/2005/Atom}"
MARCH = datetime.datetime(2024, 3, 5, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def demo():
    return bucheon_bakersfield()


def response(pairing, status=Response.Status.RECEIVED, summary="The mayor will write.", **fields):
    return Response.objects.create(
        pairing=pairing,
        status=status,
        public_summary=summary,
        received_at=fields.pop("received_at", MARCH),
        body_text="Private words of the official's mail.",
        **fields,
    )


def news(target, **fields):
    fields.setdefault("title", "Bakersfield's mayor answered")
    fields.setdefault("body", "The mayor wrote back.\n\nThank you all!")
    fields.setdefault("published_at", timezone.now() - datetime.timedelta(hours=1))
    key = "campaign" if hasattr(target, "pairing") else "centre"
    return NewsPost.objects.create(**{key: target}, **fields)


def entries(client, url=FEED):
    """``[(title, link, summary)]`` of the feed's entries, parsed as XML."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own test response)
    assert root.tag == f"{ATOM}feed"
    return [
        (
            entry.findtext(f"{ATOM}title"),
            entry.find(f"{ATOM}link").get("href"),
            entry.findtext(f"{ATOM}summary") or "",
        )
        for entry in root.iter(f"{ATOM}entry")
    ]


class TestSiteFeed:
    def test_it_lists_reviewed_responses_news_and_new_campaigns_newest_first(self, client, demo):
        response(demo.pairing, office=demo.bakersfield_mayor, summary="Mayor Goh will write.")
        response(
            demo.pairing,
            status=Response.Status.VICTORY,
            summary="Bucheon closed the farms.",
            received_at=MARCH + datetime.timedelta(days=30),
        )
        news(demo.campaign, published_at=MARCH + datetime.timedelta(days=60))

        found = entries(client)

        page = f"{SITE}/campaigns/bucheon-bakersfield/"
        assert [title for title, _link, _text in found] == [
            "New campaign: Sister City Campaign - Bucheon, South Korea - Bakersfield, California",
            "Bakersfield's mayor answered",
            "Victory: Gyeonggi-do › Bucheon ↔ Bakersfield",
            "Response from the Mayor of Bakersfield",
        ]
        assert {link for _title, link, _text in found} == {page}
        assert ("<p>Mayor Goh will write.</p>") in found[-1][2]
        assert "<p>The mayor wrote back.</p>\n\n<p>Thank you all!</p>" in found[1][2]

    def test_it_leaves_out_what_is_not_public(self, client, demo):
        response(demo.pairing, status=Response.Status.NEW, summary="Not reviewed yet")
        response(demo.pairing, status=Response.Status.RECEIVED, summary="")
        response(demo.pairing, status=Response.Status.DISMISSED, summary="Spam")
        news(demo.campaign, title="Draft", published_at=None)
        news(demo.campaign, title="Later", published_at=timezone.now() + datetime.timedelta(days=1))
        hidden = factories.campaign(demo.pairing, is_main=False, published=False, title="Secret")
        news(hidden, title="News of a hidden campaign")

        titles = " ".join(title for title, _link, _text in entries(client))

        assert "Response" not in titles and "Victory" not in titles
        assert "Draft" not in titles and "Later" not in titles
        assert "Secret" not in titles and "hidden" not in titles

    def test_it_escapes_markup_in_summaries(self, client, demo):
        response(demo.pairing, summary="<script>alert(1)</script>")
        summaries = [text for _title, _link, text in entries(client)]
        assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in summaries

    def test_it_links_a_response_without_campaign_to_the_status_table(self, client):
        pairing = factories.pairing(campaign_date=datetime.date(2016, 3, 1))
        response(pairing)
        assert entries(client)[0][1] == f"{SITE}/"

    def test_it_includes_centre_news(self, client):
        news(factories.centre(), title="A new centre intro")
        assert entries(client)[0][:2] == ("A new centre intro", f"{SITE}/")

    def test_it_is_valid_atom_with_absolute_links(self, client, demo):
        root = ET.fromstring(client.get(FEED).content)  # noqa: S314 (our own test response)
        assert root.findtext(f"{ATOM}id") == f"{SITE}/"
        assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{SITE}{FEED}"
        for entry in root.iter(f"{ATOM}entry"):
            assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")

    def test_it_keeps_queries_constant(self, client, demo, settings, django_assert_num_queries):
        settings.PAGE_CACHE_SECONDS = 0
        for number in range(5):
            other = factories.pairing(campaign_date=datetime.date(2016, 3, 1))
            factories.campaign(other, title=f"Campaign {number}")
            response(other, status=Response.Status.VICTORY)
        # responses (+ their published campaigns), news posts, campaigns
        with django_assert_num_queries(4):
            assert len(entries(client)) == 11


class TestCampaignFeed:
    def test_it_lists_the_campaigns_responses_and_news_only(self, client, demo):
        response(demo.pairing, summary="Ours")
        response(factories.pairing(campaign_date=datetime.date(2016, 3, 1)), summary="Theirs")
        news(demo.campaign, title="Our news")
        news(factories.campaign(), title="Their news")

        found = entries(client, CAMPAIGN_FEED)

        texts = " ".join(title + text for title, _link, text in found)
        assert "Ours" in texts and "Our news" in texts
        assert "Theirs" not in texts and "Their news" not in texts

    def test_it_is_404_for_an_unpublished_campaign(self, client):
        bucheon_bakersfield(published=False)
        assert client.get(CAMPAIGN_FEED).status_code == 404
