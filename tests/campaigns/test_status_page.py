"""The two campaign centres: the status table, its filters, pagination, numbers and cache."""

import datetime
import re

import pytest
from django.urls import reverse

from campaigns import views
from campaigns.models import Centre, Pairing
from tests import factories
from tests.petitions.helpers import without_csrf

pytestmark = pytest.mark.django_db

HOME = reverse("campaigns:home")
US_CENTRE = reverse("campaigns:us_centre")


def countries_in_order(response):
    return re.findall(r'<th colspan="\d+" scope="rowgroup">([^<]+)</th>', response.text)


def rename(place):
    place.name = f"{place.name} (renamed)"
    place.save()


def table_rows(response):
    return re.findall(r'<tr class="status-[a-z]+">(.*?)</tr>', response.text, flags=re.S)


@pytest.fixture
def table():
    """A few non-US rows in three countries and one US row."""
    seoul = factories.korean_province("Seoul", name_ko="서울")
    gyeonggi = factories.korean_province("Gyeonggi-do")
    return {
        "london": factories.pairing(
            seoul,
            factories.foreign_place("London", country="United Kingdom"),
            number=1,
            relationship=Pairing.Relationship.FRIENDSHIP,
            agreement_date=datetime.date(2015, 12, 4),
            campaign_date=datetime.date(2017, 7, 18),
            response_date=datetime.date(2017, 8, 1),
            response_note="Response from London.",
        ),
        "nottingham": factories.pairing(
            factories.korean_locality("Gangseo-gu", province=seoul),
            factories.foreign_place("Nottingham", country="United Kingdom"),
            number=2,
            campaign_date=datetime.date(2017, 7, 19),
        ),
        "rome": factories.pairing(
            seoul, factories.foreign_place("Rome", country="Italy"), number=7
        ),
        "pompei": factories.pairing(
            factories.korean_locality(
                "Gyeongju", province=factories.korean_province("Gyeongsangbuk-do")
            ),
            factories.foreign_place("Pompei", country="Italy"),
            number=16,
            campaign_date=datetime.date(2016, 12, 5),
            response_date=datetime.date(2017, 2, 7),
            status=Pairing.Status.VICTORY,
        ),
        "calgary": factories.pairing(
            factories.korean_province("Daejeon"),
            factories.foreign_place("Calgary", country="Canada"),
            number=25,
        ),
        "bakersfield": factories.pairing(
            factories.korean_locality("Bucheon", province=gyeonggi),
            factories.foreign_place("Bakersfield", country="United States"),
            campaign_date=datetime.date(2016, 3, 1),
        ),
    }


class TestCentrePages:
    def test_it_shows_the_centre_title_and_intro_paragraphs_escaped(self, client):
        factories.centre(
            title="Sister City Campaign Center (Non-US)",
            intro="Let's show Korea's Sister Cities the truth.\n\n<script>alert(1)</script>",
        )
        response = client.get(HOME)
        assert response.status_code == 200
        assert "<h1>Sister City Campaign Center (Non-US)</h1>" in response.text
        assert "<p>Let&#x27;s show Korea&#x27;s Sister Cities the truth.</p>" in response.text
        assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in response.text

    def test_it_works_before_any_centre_was_created(self, client):
        response = client.get(US_CENTRE)
        assert response.status_code == 200
        assert "<h1>Sister City Campaign Center (US)</h1>" in response.text

    def test_it_links_each_centre_to_the_other(self, client):
        factories.centre(Centre.Scope.US, title="Campaign Center (US)")
        factories.centre(Centre.Scope.NON_US, title="Campaign Center (Non-US)")
        home = client.get(HOME).text
        us = client.get(US_CENTRE).text
        assert f'<a href="{US_CENTRE}">Go to the Campaign Center (US)</a>' in home
        assert f'<a href="{HOME}">Go to the Campaign Center (Non-US)</a>' in us

    def test_it_lists_non_us_pairings_at_home_and_us_pairings_on_the_us_centre(self, client, table):
        home = client.get(HOME).text
        us = client.get(US_CENTRE).text
        assert "Nottingham" in home and "Bakersfield" not in home
        assert "Bakersfield" in us and "Nottingham" not in us

    def test_it_shows_headline_numbers_of_its_scope(self, client, table):
        response = client.get(HOME)
        numbers = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", response.text))
        assert numbers == {
            "Sister city pairings": "5",
            "Campaigns": "3",
            "Responses": "2",
            "Victories": "1",
        }


class TestStatusTable:
    def test_it_groups_rows_by_country(self, client, table):
        response = client.get(HOME)
        assert countries_in_order(response) == ["Canada", "Italy", "United Kingdom"]
        groups = re.split(r'<th colspan="\d+" scope="rowgroup">', response.text)[1:]
        assert "Calgary" in groups[0]
        assert "Rome" in groups[1] and "Pompei" in groups[1]
        assert "London" in groups[2] and "Nottingham" in groups[2]

    def test_it_shows_the_columns_of_the_published_table(self, client, table):
        cells = [
            re.findall(r"<td>(.*?)</td>", row, flags=re.S) for row in table_rows(client.get(HOME))
        ]
        nottingham = next(row for row in cells if "Nottingham" in row[3])
        assert nottingham == [
            "2",
            "Seoul › Gangseo-gu",
            "United Kingdom",
            "Nottingham",
            "2006-01-01",
            "Sister City",
            "2017-07-19",
            "",
        ]

    def test_it_shows_the_response_date_with_its_note(self, client, table):
        response = client.get(HOME)
        assert "<td>2017-08-01 Response from London.</td>" in response.text

    def test_it_marks_victories(self, client, table):
        response = client.get(HOME)
        assert "<td><strong>Victory</strong> 2017-02-07</td>" in response.text

    def test_it_links_the_partner_city_to_its_published_main_campaign(self, client, table):
        factories.campaign(table["london"], slug="london-campaign")
        response = client.get(HOME)
        assert '<a href="/campaigns/london-campaign/">London</a>' in response.text

    def test_it_does_not_link_an_unpublished_campaign(self, client, table):
        factories.campaign(table["london"], slug="london-draft", published=False)
        response = client.get(HOME)
        assert "london-draft" not in response.text
        assert "<td>London</td>" in response.text

    def test_it_prefers_the_main_campaign_over_follow_ups(self, client, table):
        factories.campaign(table["rome"], slug="rome-follow-up", is_main=False)
        factories.campaign(table["rome"], slug="rome-main")
        response = client.get(HOME)
        assert '<a href="/campaigns/rome-main/">Rome</a>' in response.text
        assert "rome-follow-up" not in response.text

    def test_it_escapes_html_in_place_names(self, client):
        factories.pairing(
            factories.korean_province("<b>Seoul</b>"),
            factories.foreign_place('<img src=x onerror="alert(1)">', country="<i>Italy</i>"),
        )
        response = client.get(HOME)
        assert "<img src=x" not in response.text
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in response.text
        assert "&lt;b&gt;Seoul&lt;/b&gt;" in response.text
        assert "<i>Italy</i>" not in response.text


class TestFilters:
    def test_it_filters_by_country(self, client, table):
        response = client.get(HOME, {"country": "Italy"})
        assert countries_in_order(response) == ["Italy"]
        assert len(table_rows(response)) == 2

    def test_it_offers_the_countries_of_its_scope(self, client, table):
        response = client.get(HOME)
        options = re.findall(
            r'<option value="([^"]*)"',
            response.text.split('name="country"')[1].split("</select>")[0],
        )
        assert options == ["", "Canada", "Italy", "United Kingdom"]

    def test_it_filters_by_status(self, client, table):
        response = client.get(HOME, {"status": Pairing.Status.CAMPAIGNING})
        rows = table_rows(response)
        assert len(rows) == 1 and "Nottingham" in rows[0]

    def test_it_searches_partner_and_korean_place_names(self, client, table):
        assert "Gyeongju" in client.get(HOME, {"q": "pompei"}).text
        by_province = table_rows(client.get(HOME, {"q": "gyeongsangbuk"}))
        assert len(by_province) == 1 and "Pompei" in by_province[0]
        by_korean_name = table_rows(client.get(HOME, {"q": "서울"}))
        assert len(by_korean_name) == 3

    def test_it_combines_filters(self, client, table):
        response = client.get(
            HOME, {"country": "United Kingdom", "q": "seoul", "status": "response"}
        )
        rows = table_rows(response)
        assert len(rows) == 1 and "London" in rows[0]

    def test_it_says_when_nothing_matches(self, client, table):
        response = client.get(HOME, {"q": "Atlantis"})
        assert table_rows(response) == []
        assert "No pairings match these filters." in response.text

    def test_it_ignores_and_reports_an_unknown_status(self, client, table):
        response = client.get(HOME, {"status": "<script>x</script>"})
        assert response.status_code == 200
        assert len(table_rows(response)) == 5
        assert "Select a valid choice." in response.text
        assert "<script>x</script>" not in response.text

    def test_it_ignores_an_oversize_search(self, client, table):
        response = client.get(HOME, {"q": "x" * 5000})
        assert response.status_code == 200
        assert len(table_rows(response)) == 5
        assert "Ensure this value has at most 100 characters" in response.text

    def test_it_ignores_a_scope_in_the_query_string(self, client, table):
        response = client.get(HOME, {"scope": "us"})
        assert len(table_rows(response)) == 5
        assert "Bakersfield" not in response.text

    def test_it_works_without_javascript_as_a_get_form(self, client, table):
        form = re.search(r'<form method="get"[^>]*>', client.get(HOME).text)
        assert form and "action=" not in form.group(0)


class TestPagination:
    @pytest.fixture(autouse=True)
    def _small_pages(self, monkeypatch):
        monkeypatch.setattr(views, "STATUS_PAGE_SIZE", 3)

    def test_it_splits_the_table_into_pages(self, client, table):
        first = table_rows(client.get(HOME))
        second = table_rows(client.get(HOME, {"page": 2}))
        assert len(first) == 3 and len(second) == 2
        assert not set(first) & set(second)

    def test_it_keeps_the_filters_in_page_links(self, client):
        for number in range(5):
            factories.pairing(
                foreign=factories.foreign_place(f"Perth {number}", country="Australia")
            )
        factories.pairing(foreign=factories.foreign_place("Perth X", country="Canada"))
        response = client.get(HOME, {"country": "Australia", "q": "perth"})
        assert 'href="?country=Australia&amp;q=perth&amp;page=2"' in response.text
        second = client.get(HOME, {"country": "Australia", "q": "perth", "page": 2})
        assert len(table_rows(second)) == 2
        assert 'href="?country=Australia&amp;q=perth&amp;page=1"' in second.text

    def test_it_shows_the_last_page_for_a_page_number_too_far(self, client, table):
        response = client.get(HOME, {"page": 999})
        assert response.status_code == 200
        assert len(table_rows(response)) == 2

    def test_it_shows_the_first_page_for_a_bad_page_number(self, client, table):
        response = client.get(HOME, {"page": "<x>"})
        assert response.status_code == 200
        assert len(table_rows(response)) == 3


class TestQueries:
    @pytest.fixture(autouse=True)
    def _no_page_cache(self, settings):
        settings.PAGE_CACHE_SECONDS = 0

    @pytest.mark.parametrize("count", [5, 60])
    def test_it_needs_the_same_queries_for_few_and_many_rows(
        self, client, count, django_assert_num_queries
    ):
        factories.centre()
        province = factories.korean_province("Seoul")
        for number in range(count):
            pairing = factories.pairing(
                factories.korean_locality(province=province),
                factories.foreign_place(country=["Italy", "Canada", "Australia"][number % 3]),
                number=number,
            )
            if number % 2:
                factories.campaign(pairing)
        # centres, headline numbers, countries, count, rows, campaigns, responses per year,
        # signatures by country and per week, the centre's comments, the centre's news posts
        with django_assert_num_queries(11):
            response = client.get(HOME)
        assert len(table_rows(response)) == count


class TestPageCache:
    def test_it_serves_a_cached_page_without_queries(
        self, client, table, django_assert_num_queries
    ):
        first = client.get(HOME, {"country": "Italy"})
        with django_assert_num_queries(0):
            again = client.get(HOME, {"country": "Italy"})
        assert again.status_code == 200
        assert without_csrf(again.content) == without_csrf(first.content)

    def test_it_caches_each_query_string_apart(self, client, table):
        client.get(HOME, {"country": "Italy"})
        response = client.get(HOME, {"country": "Canada"})
        assert countries_in_order(response) == ["Canada"]

    def test_it_caches_each_language_apart(self, client, table):
        client.get(HOME, headers={"accept-language": "en"})
        response = client.get(HOME, headers={"accept-language": "ko"})
        assert '<html lang="ko">' in response.text

    def test_it_does_not_serve_the_cache_to_signed_in_staff(self, client, table, campaign_admin):
        client.get(HOME)
        client.force_login(campaign_admin)
        table["rome"].foreign_place.name = "Roma"
        table["rome"].foreign_place.save()  # on_commit never runs here: the version stays
        assert "Roma" in client.get(HOME).text

    def test_it_is_invalidated_when_a_pairing_is_saved(
        self, client, table, django_capture_on_commit_callbacks
    ):
        client.get(HOME)
        with django_capture_on_commit_callbacks(execute=True):
            table["rome"].response_note = "Reply from Rome."
            table["rome"].campaign_date = datetime.date(2020, 1, 1)
            table["rome"].response_date = datetime.date(2020, 2, 1)
            table["rome"].status = Pairing.Status.RESPONSE_RECEIVED
            table["rome"].save()
        assert "Reply from Rome." in client.get(HOME).text

    @pytest.mark.parametrize(
        "change",
        [
            lambda t: factories.centre(title="A new centre title"),
            lambda t: factories.campaign(t["calgary"], slug="calgary-campaign"),
            lambda t: rename(t["calgary"].foreign_place),
            lambda t: t["calgary"].delete(),
        ],
        ids=["centre", "campaign", "place", "pairing-delete"],
    )
    def test_it_is_invalidated_by_other_changes(
        self, client, table, change, django_capture_on_commit_callbacks
    ):
        before = client.get(HOME).text
        with django_capture_on_commit_callbacks(execute=True):
            change(table)
        assert client.get(HOME).text != before

    def test_it_stays_cached_until_the_change_commits(self, client, table):
        before = without_csrf(client.get(HOME).content)
        table["rome"].foreign_place.name = "Roma"
        table["rome"].foreign_place.save()  # inside the test's transaction: not committed
        assert without_csrf(client.get(HOME).content) == before
