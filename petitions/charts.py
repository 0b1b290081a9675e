"""Server-rendered SVG charts of signatures: which rows a petition's charts show.

The geometry is ``core.charts``; ``petitions/_bar_chart.html`` and ``petitions/_day_chart.html``
draw it with a ``<title>``, a ``<desc>`` and a data table beside each chart.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from core.charts import bar_chart, column_chart

# The country chart shows the leading countries and folds the rest into one bar.
TOP_COUNTRIES = 10
# The day chart shows the days since the first signature up to today, within these bounds.
MIN_DAYS = 14
MAX_DAYS = 60
# The signatures-per-week chart of the campaign centres shows this many weeks up to this one.
WEEKS = 26


def country_rows(by_country):
    """``(country name, count)`` rows of the leading countries, the rest folded into one."""
    countries = [(Country(code), count) for code, count in by_country]
    rows = [(country.name, count) for country, count in countries[:TOP_COUNTRIES]]
    rest = sum(count for _country, count in countries[TOP_COUNTRIES:])
    if rest:
        rows.append((_("Other countries"), rest))
    return rows


def country_chart(rows):
    """Horizontal bars for ``(label, value)`` rows, largest first, label above each bar."""
    return bar_chart(rows)


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
    chart = column_chart(
        (day.isoformat(), values.get(day, 0))
        for day in (first + datetime.timedelta(days=index) for index in range(days))
    )
    chart.axis.update(first_day=first, last_day=today)
    return chart


def first_week(today=None):
    """The Monday that starts the week chart: ``WEEKS`` weeks up to this week."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=today.weekday(), weeks=WEEKS - 1)


def week_chart(rows, today=None):
    """Columns for the signatures per week (``(Monday, value)`` rows) over ``WEEKS`` weeks,
    weeks without signatures included."""
    first = first_week(today)
    values = dict(rows)
    mondays = (first + datetime.timedelta(weeks=index) for index in range(WEEKS))
    return column_chart((monday.isoformat(), values.get(monday, 0)) for monday in mondays)


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
        return country_chart(country_rows(self.by_country))

    @cached_property
    def day_chart(self):
        return day_chart(self.by_day)
