"""The "call the Korean embassy or consulate in your country" section and its picker."""

import pytest
from django.urls import reverse
from django.utils import translation

from embassies.countries import country_from_accept_language
from embassies.models import Mission
from tests.campaigns.builders import bucheon_bakersfield
from tests.embassies.helpers import mission

pytestmark = pytest.mark.django_db

CAMPAIGN_URL = reverse("campaigns:detail", kwargs={"slug": "bucheon-bakersfield"})
URL = reverse("campaigns:embassy", kwargs={"slug": "bucheon-bakersfield"})


@pytest.fixture
def demo():
    return bucheon_bakersfield()


@pytest.fixture
def missions():
    return {
        "la": mission("US", city="Los Angeles", phone="+1 213-385-9300"),
        "washington": mission(
            "US",
            kind=Mission.Kind.EMBASSY,
            city="Washington",
            name="Embassy of the Republic of Korea in the United States",
            name_ko="주미국 대한민국 대사관",
            phone="+1 202-939-5600",
            address="2450 Massachusetts Avenue NW\nWashington, DC 20008",
            verified=True,
        ),
        "london": mission("GB", kind=Mission.Kind.EMBASSY, city="London", phone="+44 20 7227 5500"),
    }


class TestAcceptLanguage:
    @pytest.mark.parametrize(
        ("header", "country"),
        [
            ("en-US,en;q=0.9", "US"),
            ("ko-KR,ko;q=0.9,en-US;q=0.8", "KR"),
            ("en-GB", "GB"),
            ("ja,en-US;q=0.8", "JP"),
            ("en;q=0.9,de-DE;q=0.8", "DE"),
            ("fr-CA;q=0.5,en-AU;q=0.9", "AU"),
            ("zh-Hant-TW", "TW"),
            ("en", ""),
            ("es-419", ""),
            ("de-DE;q=0", ""),
            ("xx-ZZ", ""),
            ("*", ""),
            ("", ""),
            (None, ""),
            ("en-US;q=bogus,;;,", "US"),
        ],
    )
    def test_it_finds_the_country_of_the_preferred_language(self, header, country):
        assert country_from_accept_language(header) == country


class TestCampaignPageSection:
    def test_it_links_to_the_picker_without_depending_on_the_visitor(self, client, demo):
        us = client.get(CAMPAIGN_URL, headers={"Accept-Language": "en-US"})
        gb = client.get(CAMPAIGN_URL, headers={"Accept-Language": "en-GB"})

        assert "Call the Korean embassy or consulate in your country" in us.text
        assert f'<a href="{URL}" data-embassy-load>' in us.text
        assert '<script src="/static/js/embassy.js" nonce="' in us.text
        # The cached page is the same for every visitor: the picker is fetched separately.
        assert us.text.count("tel:+1") == gb.text.count("tel:+1")

    def test_it_is_left_out_without_the_call_action(self, client):
        bucheon_bakersfield(actions=["sign", "email"])
        assert "Call the Korean embassy" not in client.get(CAMPAIGN_URL).text


class TestPicker:
    def test_it_redirects_to_the_browser_language_country(self, client, demo):
        response = client.get(URL, headers={"Accept-Language": "en-US,en;q=0.9"})

        assert response.status_code == 302
        assert response.url == f"{URL}?country=US"
        assert "Accept-Language" in response["Vary"]

    def test_it_keeps_the_partial_flag_through_the_redirect(self, client, demo):
        response = client.get(URL, {"partial": "1"}, headers={"Accept-Language": "ko-KR"})
        assert response.url == f"{URL}?partial=1&country=KR"

    def test_it_shows_the_bare_picker_when_the_language_names_no_country(
        self, client, demo, missions
    ):
        response = client.get(URL, headers={"Accept-Language": "en"})

        assert response.status_code == 200
        assert '<select name="country" id="embassy-country">' in response.text
        assert '<option value="" selected>Choose your country</option>' in response.text
        assert "tel:" not in response.text

    def test_it_lists_the_missions_of_the_country_embassy_first(self, client, demo, missions):
        response = client.get(URL, {"country": "US"})

        text = response.text
        assert response.status_code == 200
        assert text.index("in the United States") < text.index("in Los Angeles")
        assert '<a href="tel:+12029395600">+1 202-939-5600</a>' in text
        assert '<a href="tel:+12133859300">+1 213-385-9300</a>' in text
        assert "2450 Massachusetts Avenue NW<br>Washington, DC 20008" in text
        assert "+44 20" not in text
        assert '<option value="US" selected>' in text
        # Only the seed-like, unchecked entry is labelled.
        assert text.count('<span class="unverified">unverified</span>') == 1

    def test_it_gives_a_call_script_with_the_pairing_cities(self, client, demo, missions):
        response = client.get(URL, {"country": "GB"})

        assert "I am calling about Bucheon, South Korea, which is twinned with Bakersfield." in (
            response.text
        )
        assert "the Mayor of Bucheon" in response.text

    def test_it_uses_korean_names_on_the_korean_interface(self, client, demo, missions):
        with translation.override("ko"):
            response = client.get(URL, {"country": "US"}, headers={"Accept-Language": "ko"})

        assert "주미국 대한민국 대사관" in response.text
        assert "부천시" in response.text

    def test_it_answers_the_script_with_the_fragment_only(self, client, demo, missions):
        response = client.get(URL, {"country": "GB", "partial": "1"})

        assert response.status_code == 200
        assert "<html" not in response.text
        assert '<form method="get" action="' + URL + '"' in response.text
        assert "<h4>What to say</h4>" in response.text and "<h5>" in response.text
        assert "tel:+442072275500" in response.text

    def test_it_renders_a_whole_page_without_javascript(self, client, demo, missions):
        response = client.get(URL, {"country": "GB"})

        assert "<html" in response.text
        assert "<h1>Call the Korean embassy or consulate in your country</h1>" in response.text
        assert '<meta name="robots" content="noindex">' in response.text
        assert f'href="{CAMPAIGN_URL}"' in response.text

    def test_it_says_when_a_country_has_no_mission_listed(self, client, demo, missions):
        response = client.get(URL, {"country": "BR"})

        assert "We have no Korean embassy or consulate listed in Brazil yet." in response.text
        assert "tel:" not in response.text

    def test_it_refuses_an_unknown_country(self, client, demo, missions):
        response = client.get(URL, {"country": "<script>"})

        assert response.status_code == 200
        assert "Choose a country from the list." in response.text
        assert "<script>" not in response.text.split("<main", 1)[1]

    def test_it_is_404_for_a_campaign_without_the_call_action(self, client):
        bucheon_bakersfield(actions=["sign"])
        assert client.get(URL, {"country": "US"}).status_code == 404

    def test_it_is_404_for_an_unpublished_campaign(self, client):
        bucheon_bakersfield(published=False)
        assert client.get(URL, {"country": "US"}).status_code == 404

    def test_it_is_cached_and_refreshed_when_a_mission_changes(
        self, client, demo, missions, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        client.get(URL, {"country": "US"})
        with django_assert_num_queries(0):
            client.get(URL, {"country": "US"})

        with django_capture_on_commit_callbacks(execute=True):
            Mission.objects.filter(pk=missions["la"].pk).first().delete()

        assert "Los Angeles" not in client.get(URL, {"country": "US"}).text

    def test_it_loads_in_a_constant_number_of_queries(
        self, client, demo, missions, settings, django_assert_num_queries
    ):
        settings.PAGE_CACHE_SECONDS = 0
        for number in range(5):
            mission("US", city=f"Extra {number}")
        # campaign with pairing and places, the countries, the missions
        with django_assert_num_queries(3):
            client.get(URL, {"country": "US"})
