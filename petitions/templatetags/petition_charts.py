"""The signature charts of the campaign centres (``/`` and ``/us/``).

A tag because the centres belong to the campaigns app, which must not import this one (see
STYLE.md). Two grouped queries; the centre pages are page-cached, and a confirmed signature
invalidates them, so the numbers are not cached apart.
"""

import datetime

from django import template
from django.utils import timezone
from django_countries.fields import Country

from campaigns.models import Pairing
from petitions.charts import country_chart, country_rows, first_week, week_chart
from petitions.models import Signature

register = template.Library()


@register.inclusion_tag("petitions/_centre_charts.html")
def signature_charts(scope):
    """Confirmed signatures on the published campaigns of the centre's pairings: by country
    (all time) and per week (the last ``WEEKS`` weeks)."""
    signatures = Signature.objects.on_pages_of(Pairing.objects.in_scope(scope))
    by_country = list(signatures.by_country().values_list("country", "n"))
    today = timezone.localdate()
    since = datetime.datetime.combine(
        first_week(today), datetime.time(), timezone.get_current_timezone()
    )
    by_week = list(signatures.by_week(since).values_list("week", "n"))
    return {
        "stats": {
            "countries": [(Country(code), count) for code, count in by_country],
            "count": sum(count for _code, count in by_country),
        },
        "country_chart": country_chart(country_rows(by_country)),
        "by_week": by_week,
        "week_chart": week_chart(by_week, today),
    }
