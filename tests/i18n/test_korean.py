"""The Korean interface: chosen by Accept-Language or the language switcher (a cookie, same
URLs), with Korean place, office and official names, served per language from the page cache."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.i18n import country_name
from officials.models import Office
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield

pytestmark = pytest.mark.django_db

HOME = reverse("campaigns:home")
KO = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9,en;q=0.5"}
PO_FILE = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def seoul_london():
    """Seoul › Gangseo-gu ↔ London, with Korean names for all three places."""
    seoul = factories.korean_province("Seoul", name_ko="서울특별시")
    gangseo = factories.korean_locality("Gangseo-gu", province=seoul, name_ko="강서구")
    london = factories.foreign_place("London", country="United Kingdom", name_ko="런던")
    return factories.pairing(gangseo, london, number=2, campaign_date=datetime.date(2017, 7, 19))


def holders(html):
    """The office holders' names on a campaign page, in order."""
    found = re.findall(r'<p class="holder">(.*?)</p>', html, flags=re.S)
    return [" ".join(name.split()) for name in found]


class TestLanguageChoice:
    def test_it_answers_in_english_by_default(self, client, seoul_london):
        response = client.get(HOME)
        assert '<html lang="en">' in response.text
        assert "Sister City Campaign status" in response.text
        assert "Seoul › Gangseo-gu" in response.text
        assert response["Content-Language"] == "en"

    def test_it_answers_in_korean_to_a_korean_browser(self, client, seoul_london):
        response = client.get(HOME, **KO)
        assert '<html lang="ko">' in response.text
        assert "자매도시 캠페인 현황" in response.text
        assert "본문으로 건너뛰기" in response.text
        assert response["Content-Language"] == "ko"
        assert "Accept-Language" in response["Vary"]

    def test_it_switches_to_korean_with_the_language_switcher(self, client, seoul_london):
        switched = client.post(reverse("set_language"), {"language": "ko", "next": HOME})
        assert switched.status_code == 302
        assert switched["Location"] == HOME
        assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
        response = client.get(HOME)
        assert '<html lang="ko">' in response.text
        assert "자매도시 캠페인 현황" in response.text

    def test_it_switches_back_to_english_over_the_browser_language(self, client, seoul_london):
        client.post(reverse("set_language"), {"language": "en", "next": HOME})
        response = client.get(HOME, **KO)
        assert '<html lang="en">' in response.text

    def test_it_names_each_language_in_itself_in_the_switcher(self, client):
        english = client.get(HOME).text
        korean = client.get(HOME, **KO).text
        for html in (english, korean):
            assert '<button type="submit" name="language"' in html
            assert ">English<" in html
            assert ">한국어<" in html
        assert '<span class="language-current" lang="ko" aria-current="true">' in korean
        assert 'value="ko" lang="ko">한국어</button>' in english


class TestKoreanNames:
    def test_it_shows_korean_place_and_country_names_in_the_status_table(
        self, client, seoul_london
    ):
        html = client.get(HOME, **KO).text
        assert "서울특별시 강서구" in html
        assert "런던" in html
        assert "영국" in html
        assert "Seoul › Gangseo-gu" not in html

    def test_it_keeps_english_names_without_a_korean_one(self, client):
        seoul = factories.korean_province("Seoul", name_ko="서울특별시")
        factories.pairing(seoul, factories.foreign_place("Nottingham"))
        html = client.get(HOME, **KO).text
        assert "Nottingham" in html
        assert "서울특별시" in html

    def test_it_shows_korean_names_on_the_campaign_page(self, client):
        built = bucheon_bakersfield()
        Office.objects.filter(pk=built.bucheon_mayor.pk).update(title_ko="시장")
        url = built.campaign.get_absolute_url()
        korean = client.get(url, **KO).text
        assert "경기도 부천시, 대한민국" in korean
        assert "<h4>부천시 시장</h4>" in korean
        assert holders(korean)[0] == "김만수"
        english = client.get(url).text
        assert 'Gyeonggi-do › Bucheon (<span lang="ko">경기도 부천시</span>)' in english
        assert '<h4>Mayor of Bucheon <span lang="ko">(시장)</span></h4>' in english
        assert holders(english)[0] == 'Man-Soo Kim <span lang="ko">(김만수)</span>'

    def test_it_translates_country_names_only_on_the_korean_interface(self):
        with translation.override("ko"):
            assert country_name("United States") == "미국"
            assert country_name("Italy") == "이탈리아"
            assert country_name("Atlantis") == "Atlantis"
        with translation.override("en"):
            assert country_name("United States") == "United States"

    def test_it_offers_korean_country_names_in_the_filter(self, client, seoul_london):
        html = client.get(HOME, **KO).text
        assert '<option value="United Kingdom">영국</option>' in html


class TestPageCachePerLanguage:
    def test_it_serves_each_visitor_their_language_from_the_cache(
        self, client, seoul_london, django_assert_num_queries
    ):
        client.get(HOME)
        client.get(HOME, **KO)
        with django_assert_num_queries(0):
            english = client.get(HOME)
            korean = client.get(HOME, **KO)
        assert '<html lang="en">' in english.text
        assert "Seoul › Gangseo-gu" in english.text
        assert '<html lang="ko">' in korean.text
        assert "서울특별시 강서구" in korean.text

    def test_it_serves_the_switched_language_from_the_cache(
        self, client, seoul_london, django_assert_num_queries
    ):
        client.get(HOME, **KO)
        client.post(reverse("set_language"), {"language": "ko", "next": HOME})
        with django_assert_num_queries(0):
            response = client.get(HOME)
        assert "자매도시 캠페인 현황" in response.text


class TestCatalogue:
    def test_it_has_a_korean_translation_for_every_string(self):
        """`make messages-update` collects new strings with an empty msgstr: translate them."""
        entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]
        untranslated = [
            entry
            for entry in entries
            if "#, fuzzy" in entry or entry.rstrip().endswith(('msgstr ""', 'msgstr[0] ""'))
        ]
        assert untranslated == []
