"""Server-rendered SVG charts: the data, the text alternatives, no script, no CDN."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import charts as geometry
from petitions import charts
from petitions.models import Signature
from tests import factories

TODAY = datetime.date(2026, 3, 31)


def confirmed(petition, **fields):
    return factories.signature(petition, status=Signature.Status.CONFIRMED, **fields)


def svgs(html):
    return re.findall(r"<svg.*?</svg>", html, flags=re.S)


class TestCountryChart:
    def test_it_scales_the_longest_bar_to_the_chart_and_the_others_in_proportion(self):
        chart = charts.country_chart([("United Kingdom", 40), ("Germany", 10)])
        widths = [float(bar.width) for bar in chart.bars]
        assert widths[0] == geometry.WIDTH - geometry.VALUE_SPACE
        assert widths[1] == pytest.approx(widths[0] / 4)

    def test_it_puts_each_bar_on_its_own_row(self):
        chart = charts.country_chart([("A", 3), ("B", 2), ("C", 1)])
        assert [float(bar.y) for bar in chart.bars] == sorted({float(b.y) for b in chart.bars})
        assert chart.height == 3 * geometry.ROW_HEIGHT

    def test_it_keeps_a_tiny_count_visible(self):
        chart = charts.country_chart([("A", 100000), ("B", 1)])
        assert float(chart.bars[1].width) >= 1

    def test_it_writes_coordinates_with_a_dot_in_any_language(self):
        with translation.override("ko"):
            chart = charts.country_chart([("A", 3), ("B", 1)])
        assert chart.bars[1].width == "176.67"


class TestDayChart:
    def test_it_gives_every_day_a_column_from_the_first_signature(self):
        chart = charts.day_chart(
            [(datetime.date(2026, 3, 1), 4), (datetime.date(2026, 3, 3), 2)], today=TODAY
        )
        assert len(chart.bars) == 31
        assert [(bar.label, bar.value) for bar in chart.bars[:3]] == [
            ("2026-03-01", 4),
            ("2026-03-02", 0),
            ("2026-03-03", 2),
        ]
        assert chart.axis["first_day"] == datetime.date(2026, 3, 1)
        assert chart.axis["last_day"] == TODAY

    def test_it_shows_at_least_two_weeks(self):
        chart = charts.day_chart([(TODAY, 1)], today=TODAY)
        assert len(chart.bars) == charts.MIN_DAYS
        assert chart.bars[-1].value == 1

    def test_it_shows_at_most_the_last_sixty_days(self):
        chart = charts.day_chart(
            [(TODAY - datetime.timedelta(days=300), 9), (TODAY, 1)], today=TODAY
        )
        assert len(chart.bars) == charts.MAX_DAYS
        assert sum(bar.value for bar in chart.bars) == 1
        assert chart.max_value == 1

    def test_it_scales_the_busiest_day_to_the_full_height(self):
        chart = charts.day_chart([(TODAY, 8), (TODAY - datetime.timedelta(days=1), 2)], today=TODAY)
        full = geometry.COLUMN_CHART_HEIGHT - geometry.AXIS_BOTTOM - geometry.CHART_TOP
        assert float(chart.bars[-1].height) == full
        assert float(chart.bars[-2].height) == full / 4
        assert float(chart.bars[-1].y) == geometry.CHART_TOP


@pytest.mark.django_db
class TestChartsOnTheCampaignPage:
    @pytest.fixture
    def html(self, client, petition):
        now = timezone.now()
        for country in ["GB", "GB", "GB", "KR", "DE"]:
            confirmed(petition, country=country, confirmed_at=now)
        confirmed(petition, country="KR", confirmed_at=now - datetime.timedelta(days=2))
        return client.get(petition.campaign.get_absolute_url()).text

    def test_it_draws_the_countries_with_their_counts(self, html):
        country_svg = svgs(html)[0]
        assert 'role="img"' in country_svg
        assert '<title id="chart-countries-title">Signatures by country</title>' in country_svg
        assert "United Kingdom: 3; South Korea: 2; Germany: 1" in country_svg
        assert country_svg.count('<rect class="chart-bar"') == 3

    def test_it_draws_the_days_with_their_counts(self, html):
        today = timezone.localdate()
        two_days_ago = today - datetime.timedelta(days=2)
        day_svg = svgs(html)[1]
        assert f"Signatures per day from {today - datetime.timedelta(days=13)} to {today}" in (
            day_svg
        )
        assert f"{two_days_ago}: 1; {today}: 5; at most 5 in one day." in day_svg
        assert day_svg.count('<rect class="chart-bar"') == 2

    def test_it_labels_each_chart_by_its_title_and_description(self, html):
        for svg in svgs(html):
            ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
            for id_ in ids:
                assert f'id="{id_}"' in svg

    def test_it_gives_the_data_as_tables_too(self, html):
        assert re.search(r'<th scope="row">United Kingdom</th><td class="number">3</td>', html)
        assert re.search(r'<th scope="row">South Korea</th><td class="number">2</td>', html)
        today = timezone.localdate().isoformat()
        assert f'<time datetime="{today}">{today}</time></th><td class="number">5</td>' in html

    def test_it_needs_no_script_and_nothing_from_elsewhere(self, html):
        for svg in svgs(html):
            assert "<script" not in svg and "http" not in svg.replace(
                'xmlns="http://www.w3.org/2000/svg"', ""
            )
            assert " style=" not in svg and not re.search(r"\son\w+=", svg)

    def test_it_folds_the_smallest_countries_into_one_bar(self, client, petition):
        codes = ["AT", "BE", "CH", "DE", "ES", "FR", "GB", "IT", "JP", "KR", "NL", "US"]
        for code in codes:
            confirmed(petition, country=code)
        country_svg = svgs(client.get(petition.campaign.get_absolute_url()).text)[0]
        assert country_svg.count('<rect class="chart-bar"') == charts.TOP_COUNTRIES + 1
        assert "Other countries: 2" in country_svg

    def test_it_escapes_labels(self):
        chart = charts.country_chart([('<script>alert("x")</script>', 1)])
        html = render_to_string(
            "petitions/_bar_chart.html", {"chart": chart, "chart_id": "c", "chart_title": "T"}
        )
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
