"""The charts of the campaign centres: signatures by country and per week, responses per year."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions.models import Signature
from tests import factories

HOME = reverse("campaigns:home")
US_CENTRE = reverse("campaigns:us_centre")
pytestmark = pytest.mark.django_db

KO = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9,en;q=0.5"}


def confirmed(petition, **fields):
    return factories.signature(petition, status=Signature.Status.CONFIRMED, **fields)


def svg(html, chart_id):
    match = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title.*?</svg>', html, flags=re.S)
    assert match, chart_id
    return match.group(0)


def bar_titles(svg_text):
    return re.findall(r'<rect class="chart-bar"[^>]*><title>(.*?)</title>', svg_text)


def table_rows(html, table_class):
    table = re.search(rf'<table class="data-table {table_class}">.*?</table>', html, flags=re.S)
    assert table, table_class
    return [
        (re.sub(r"<[^>]+>", "", head), value)
        for head, value in re.findall(
            r'<tr><th scope="row">(.*?)</th><td class="number">(\d+)</td></tr>', table.group(0)
        )
    ]


@pytest.fixture
def petition():
    return factories.petition(factories.campaign())


@pytest.fixture
def signatures(petition):
    for _index in range(3):
        confirmed(petition, country="GB")
    confirmed(petition, country="KR")
    factories.signature(petition, country="DE")  # pending: not counted


class TestSignatureCharts:
    def test_it_charts_confirmed_signatures_by_country(self, client, signatures):
        html = client.get(HOME).text
        assert bar_titles(svg(html, "centre-chart-countries")) == [
            "United Kingdom: 3",
            "South Korea: 1",
        ]
        assert table_rows(html, "country-table") == [
            ("United Kingdom", "3"),
            ("South Korea", "1"),
            ("Total", "4"),
        ]

    def test_it_charts_signatures_per_week(self, client, petition):
        now = timezone.now()
        confirmed(petition, confirmed_at=now)
        confirmed(petition, confirmed_at=now)
        confirmed(petition, confirmed_at=now - datetime.timedelta(weeks=2))
        confirmed(petition, confirmed_at=now - datetime.timedelta(weeks=60))  # before the chart
        html = client.get(HOME).text
        weeks = svg(html, "centre-chart-weeks")
        this_monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
        earlier = this_monday - datetime.timedelta(weeks=2)
        assert bar_titles(weeks) == [f"{earlier.isoformat()}: 1", f"{this_monday.isoformat()}: 2"]
        assert table_rows(html, "week-table") == [
            (earlier.isoformat(), "1"),
            (this_monday.isoformat(), "2"),
        ]

    def test_it_counts_only_the_centres_scope_and_published_campaigns(self, client, signatures):
        us_pairing = factories.pairing(foreign=factories.foreign_place(country="United States"))
        confirmed(factories.petition(factories.campaign(us_pairing)), country="US")
        draft = factories.petition(factories.campaign(published=False))
        confirmed(draft, country="FR")
        home = client.get(HOME).text
        assert [row[0] for row in table_rows(home, "country-table")] == [
            "United Kingdom",
            "South Korea",
            "Total",
        ]
        us = client.get(US_CENTRE).text
        assert table_rows(us, "country-table") == [
            ("United States of America", "1"),
            ("Total", "1"),
        ]


class TestResponseChart:
    def test_it_counts_responses_per_year_with_empty_years_between(self, client):
        for year in (2016, 2016, 2019):
            factories.pairing(
                campaign_date=datetime.date(2015, 1, 1), response_date=datetime.date(year, 5, 1)
            )
        factories.pairing(campaign_date=datetime.date(2015, 1, 1))  # no response yet
        html = client.get(HOME).text
        chart = svg(html, "centre-chart-responses")
        assert bar_titles(chart) == ["2016: 2", "2019: 1"]
        assert chart.count('<rect class="chart-bar"') == 2
        assert ">2016</text>" in chart and ">2019</text>" in chart  # the axis ends
        assert table_rows(html, "year-table") == [("2016", "2"), ("2019", "1")]


class TestAccessibility:
    def test_it_draws_without_script_and_with_text_alternatives(self, client, signatures):
        factories.pairing(
            campaign_date=datetime.date(2015, 1, 1), response_date=datetime.date(2016, 5, 1)
        )
        html = client.get(HOME).text
        section = re.search(r'<section class="centre-charts".*?</section>', html, flags=re.S)
        assert "<script" not in section.group(0)
        for chart_id in ("centre-chart-countries", "centre-chart-weeks", "centre-chart-responses"):
            chart = svg(html, chart_id)
            assert 'role="img"' in chart
            assert f'<title id="{chart_id}-title">' in chart
            assert re.search(rf'<desc id="{chart_id}-desc">[^<]*\d', chart)
        assert section.group(0).count('<details class="chart-data">') == 3
        assert "United Kingdom: 3; South Korea: 1" in svg(html, "centre-chart-countries")


class TestEmptyState:
    def test_it_says_there_is_nothing_yet_instead_of_empty_charts(self, client):
        factories.centre()
        response = client.get(HOME)
        assert response.status_code == 200
        assert "No confirmed signatures yet." in response.text
        assert "No responses from officials yet." in response.text
        assert 'class="chart ' not in response.text


class TestKorean:
    def test_it_renders_the_charts_in_korean(self, client, signatures):
        factories.pairing(
            campaign_date=datetime.date(2015, 1, 1), response_date=datetime.date(2016, 5, 1)
        )
        html = client.get(HOME, **KO).text
        assert '<html lang="ko">' in html
        assert "국가별 확인된 서명" in html
        assert "연도별 공무원 답변" in html
        assert bar_titles(svg(html, "centre-chart-countries"))[0] == "영국: 3"

    def test_it_says_there_is_nothing_yet_in_korean(self, client):
        html = client.get(HOME, **KO).text
        assert "확인된 서명이 아직 없습니다." in html
