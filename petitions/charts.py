"""Server-rendered SVG charts of a petition's signatures (no JavaScript, nothing from a CDN).

Python computes the geometry; ``petitions/_bar_chart.html`` and ``petitions/_day_chart.html``
draw it with a ``<title>``, a ``<desc>`` and a data table beside each chart. Coordinates are
handed to templates as strings so that number localisation can never write "12,5" into SVG.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

# The country chart shows the leading countries and folds the rest into one bar.
TOP_COUNTRIES = 10
# The day chart shows the days since the first signature up to today, within these bounds.
MIN_DAYS = 14
MAX_DAYS = 60

WIDTH = 600
ROW_HEIGHT = 34  # a country label line and its bar
BAR_HEIGHT = 14
VALUE_GAP = 6
VALUE_SPACE = 70  # room right of the longest bar for its number
DAY_CHART_HEIGHT = 200
AXIS_LEFT = 48
AXIS_BOTTOM = 24
CHART_TOP = 12


def _num(value):
    """An SVG coordinate: at most two decimals, a dot as separator, whatever the language."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, with the places of its label and value (SVG user units)."""

    label: str
    value: int
    x: str
    y: str
    width: str
    height: str
    label_y: str = "0"
    value_x: str = "0"
    value_y: str = "0"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list
    max_value: int
    axis: dict  # label positions of a chart with axes (the day chart)


def country_chart(rows):
    """Horizontal bars for ``(label, value)`` rows, largest first, label above each bar."""
    rows = list(rows)
    max_value = max((value for _label, value in rows), default=0)
    scale = (WIDTH - VALUE_SPACE) / max_value if max_value else 0
    bars = []
    for index, (label, value) in enumerate(rows):
        top = index * ROW_HEIGHT
        length = max(value * scale, 1)  # a hairline keeps a tiny count visible
        bars.append(
            Bar(
                label=str(label),
                value=value,
                x="0",
                y=_num(top + ROW_HEIGHT - BAR_HEIGHT - 4),
                width=_num(length),
                height=_num(BAR_HEIGHT),
                label_y=_num(top + 14),
                value_x=_num(length + VALUE_GAP),
                value_y=_num(top + ROW_HEIGHT - 6),
            )
        )
    return Chart(WIDTH, max(len(rows) * ROW_HEIGHT, 1), bars, max_value, {})


def day_chart(rows, today=None):
    """Columns for the signatures per day from the first signature up to ``today``.

    ``rows`` are ``(date, value)`` pairs for the days that had signatures; days without any
    get an empty column, so the spacing shows the real pace. At least ``MIN_DAYS`` are shown,
    and no more than the last ``MAX_DAYS``.
    """
    today = today or timezone.localdate()
    since_first = (today - min((day for day, _value in rows), default=today)).days + 1
    days = min(max(since_first, MIN_DAYS), MAX_DAYS)
    first = today - datetime.timedelta(days=days - 1)
    values = {day: value for day, value in rows if first <= day <= today}
    max_value = max(values.values(), default=0)
    plot_width = WIDTH - AXIS_LEFT
    plot_height = DAY_CHART_HEIGHT - AXIS_BOTTOM - CHART_TOP
    step = plot_width / days
    bars = []
    for index in range(days):
        day = first + datetime.timedelta(days=index)
        value = values.get(day, 0)
        height = plot_height * value / max_value if max_value else 0
        bars.append(
            Bar(
                label=day.isoformat(),
                value=value,
                x=_num(AXIS_LEFT + index * step + step * 0.1),
                y=_num(CHART_TOP + plot_height - height),
                width=_num(step * 0.8),
                height=_num(height),
            )
        )
    axis = {
        "left": _num(AXIS_LEFT),
        "right": _num(WIDTH),
        "top": _num(CHART_TOP),
        "bottom": _num(CHART_TOP + plot_height),
        "label_x": _num(AXIS_LEFT - VALUE_GAP),
        "top_label_y": _num(CHART_TOP + 10),
        "date_y": _num(DAY_CHART_HEIGHT - 6),
        "first_day": first,
        "last_day": today,
    }
    return Chart(WIDTH, DAY_CHART_HEIGHT, bars, max_value, axis)


@dataclass
class PetitionStats:
    """A petition's numbers as the progress section, hand-in page and charts show them.

    Built by ``Petition.stats()`` from cached raw data: country codes, dates, first names.
    """

    petition: object
    count: int
    by_country: list  # (country code, count), most signatures first
    by_day: list  # (date, count), oldest first, days with signatures only
    recent: list  # (first name, country code), newest first

    @property
    def percent(self):
        """Progress towards the goal, 0 to 100 (the bar stops at 100 when the goal is passed)."""
        return min(100, round(100 * self.count / self.petition.goal))

    @property
    def goal_reached(self):
        return self.count >= self.petition.goal

    @cached_property
    def countries(self):
        """``(Country, count)`` rows: the country's translated name is ``.name``."""
        return [(Country(code), count) for code, count in self.by_country]

    @cached_property
    def recent_signers(self):
        return [(first_name, Country(code)) for first_name, code in self.recent]

    @cached_property
    def country_chart(self):
        rows = [(country.name, count) for country, count in self.countries[:TOP_COUNTRIES]]
        rest = sum(count for _country, count in self.countries[TOP_COUNTRIES:])
        if rest:
            rows.append((_("Other countries"), rest))
        return country_chart(rows)

    @cached_property
    def day_chart(self):
        return day_chart(self.by_day)
