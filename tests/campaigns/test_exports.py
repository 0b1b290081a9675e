"""/status.csv and /status.json: every row for journalists, with the page's filters."""

import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from campaigns.models import Pairing
from tests import factories

pytestmark = pytest.mark.django_db

CSV_URL = reverse("campaigns:status_csv")
JSON_URL = reverse("campaigns:status_json")


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def rows(settings):
    settings.SITE_URL = "https://sistercity.example.org"
    seoul = factories.korean_province("Seoul")
    london = factories.pairing(
        seoul,
        factories.foreign_place("London", country="United Kingdom"),
        number=1,
        relationship=Pairing.Relationship.FRIENDSHIP,
        agreement_date=datetime.date(2015, 12, 4),
        campaign_date=datetime.date(2017, 7, 18),
        response_date=datetime.date(2017, 8, 1),
        response_note="Response from London.",
    )
    factories.campaign(london, slug="london")
    gangseo = factories.korean_locality("Gangseo-gu", province=seoul)
    nottingham = factories.pairing(
        gangseo,
        factories.foreign_place("Nottingham", country="United Kingdom"),
        number=2,
        agreement_date=None,
    )
    factories.campaign(nottingham, slug="nottingham-draft", published=False)
    bakersfield = factories.pairing(
        factories.korean_locality("Bucheon", province=factories.korean_province("Gyeonggi-do")),
        factories.foreign_place("Bakersfield", country="United States"),
        campaign_date=datetime.date(2016, 3, 1),
    )
    return {"london": london, "nottingham": nottingham, "bakersfield": bakersfield}


class TestCsv:
    def test_it_streams_a_csv_attachment(self, client, rows):
        response = client.get(CSV_URL)
        assert response.status_code == 200
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="sister-city-status.csv"'

    def test_it_has_the_import_columns_then_status_and_link(self, client, rows):
        header = csv_rows(client.get(CSV_URL))[0]
        assert header == [
            "no",
            "korean_province",
            "korean_locality",
            "country",
            "partner_city",
            "agreement_date",
            "relationship",
            "campaign_date",
            "response_date",
            "response_note",
            "status",
            "campaign_url",
        ]

    def test_it_writes_every_row_of_both_centres(self, client, rows):
        body = csv_rows(client.get(CSV_URL))[1:]
        assert body == [
            [
                "1",
                "Seoul",
                "",
                "United Kingdom",
                "London",
                "2015-12-04",
                "friendship",
                "2017-07-18",
                "2017-08-01",
                "Response from London.",
                "response",
                "https://sistercity.example.org/campaigns/london/",
            ],
            [
                "2",
                "Seoul",
                "Gangseo-gu",
                "United Kingdom",
                "Nottingham",
                "",
                "sister",
                "",
                "",
                "",
                "none",
                "",
            ],
            [
                "",
                "Gyeonggi-do",
                "Bucheon",
                "United States",
                "Bakersfield",
                "2006-01-01",
                "sister",
                "2016-03-01",
                "",
                "",
                "campaigning",
                "",
            ],
        ]

    def test_it_neutralises_spreadsheet_formulas(self, client):
        factories.pairing(
            factories.korean_province("@SUM(A1:A9)"),
            factories.foreign_place('=HYPERLINK("http://evil.example","x")', country="+Italy"),
            response_note="-2+3",
            campaign_date=datetime.date(2020, 1, 1),
            response_date=datetime.date(2020, 2, 1),
        )
        row = csv_rows(client.get(CSV_URL))[1]
        assert row[1] == "'@SUM(A1:A9)"
        assert row[3] == "'+Italy"
        assert row[4] == '\'=HYPERLINK("http://evil.example","x")'
        assert row[9] == "'-2+3"

    def test_it_applies_the_filters(self, client, rows):
        body = csv_rows(client.get(CSV_URL, {"country": "United Kingdom", "q": "gangseo"}))[1:]
        assert [row[4] for row in body] == ["Nottingham"]

    def test_it_applies_the_centre_scope(self, client, rows):
        us = csv_rows(client.get(CSV_URL, {"scope": "us"}))[1:]
        non_us = csv_rows(client.get(CSV_URL, {"scope": "non-us"}))[1:]
        assert [row[4] for row in us] == ["Bakersfield"]
        assert [row[4] for row in non_us] == ["London", "Nottingham"]


class TestJson:
    def test_it_is_a_list_of_objects_with_stable_keys(self, client, rows):
        response = client.get(JSON_URL)
        assert response["Content-Type"] == "application/json"
        data = response.json()
        assert isinstance(data, list) and len(data) == 3
        assert all(list(item) == list(Pairing.EXPORT_FIELDS) for item in data)

    def test_it_uses_iso_dates_codes_and_absolute_campaign_urls(self, client, rows):
        london = client.get(JSON_URL).json()[0]
        assert london == {
            "no": 1,
            "korean_province": "Seoul",
            "korean_locality": None,
            "country": "United Kingdom",
            "partner_city": "London",
            "agreement_date": "2015-12-04",
            "relationship": "friendship",
            "campaign_date": "2017-07-18",
            "response_date": "2017-08-01",
            "response_note": "Response from London.",
            "status": "response",
            "campaign_url": "https://sistercity.example.org/campaigns/london/",
        }

    def test_it_gives_no_url_for_an_unpublished_campaign(self, client, rows):
        nottingham = client.get(JSON_URL).json()[1]
        assert nottingham["partner_city"] == "Nottingham"
        assert nottingham["campaign_url"] is None
        assert nottingham["agreement_date"] is None
        assert nottingham["korean_locality"] == "Gangseo-gu"

    def test_it_applies_the_filters(self, client, rows):
        data = client.get(JSON_URL, {"status": "campaigning"}).json()
        assert [item["partner_city"] for item in data] == ["Bakersfield"]

    def test_it_keeps_korean_text_readable(self, client):
        factories.pairing(factories.korean_province("서울"), factories.foreign_place("윌로비시"))
        response = client.get(JSON_URL)
        assert "윌로비시" in response.content.decode("utf-8")
        assert response.json()[0]["korean_province"] == "서울"

    def test_it_is_served_from_the_page_cache_until_the_table_changes(
        self, client, rows, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        first = client.get(JSON_URL).json()
        with django_assert_num_queries(0):
            assert client.get(JSON_URL).json() == first
        with django_capture_on_commit_callbacks(execute=True):
            london = Pairing.objects.get(foreign_place__name="London")
            london.response_note = "Changed"
            london.save()
        assert client.get(JSON_URL).json()[0]["response_note"] == "Changed"
