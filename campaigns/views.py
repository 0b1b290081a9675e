"""Public pages: the two campaign centres (status table), the exports, campaign and letter pages."""

import csv
from itertools import chain

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from core.csvsafe import safe_row
from core.pagecache import cache_public_page

from .forms import ExportFilterForm, LetterForm, StatusFilterForm
from .models import Campaign, Centre, Pairing

STATUS_PAGE_SIZE = 100
EXPORT_CHUNK_SIZE = 1000


@cache_public_page
def centre(request, scope):
    centre, other_centre = Centre.this_and_other(scope)
    pairings = Pairing.objects.in_scope(scope)
    form = StatusFilterForm(request.GET, countries=pairings.countries())
    rows = form.filter(pairings).for_table()
    page = Paginator(rows, STATUS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/centre.html",
        {
            "centre": centre,
            "other_centre": other_centre,
            "numbers": pairings.headline_numbers(),
            "form": form,
            "page": page,
            "elided_pages": page.paginator.get_elided_page_range(page.number),
        },
    )


def _export_rows(request):
    form = ExportFilterForm(request.GET, countries=Pairing.objects.countries())
    rows = form.filter(Pairing.objects.all()).for_table()
    return (pairing.export_row() for pairing in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE))


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, line):
        return line


def status_csv(request):
    writer = csv.writer(_Echo())
    rows = ([row[key] for key in Pairing.EXPORT_FIELDS] for row in _export_rows(request))
    lines = (writer.writerow(safe_row(values)) for values in chain([Pairing.EXPORT_FIELDS], rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sister-city-status.csv"'
    return response


@cache_public_page
def status_json(request):
    # Cached like the pages: the whole table is ~3 MB and 12 queries at 10,000 pairings.
    return JsonResponse(
        list(_export_rows(request)), safe=False, json_dumps_params={"ensure_ascii": False}
    )


def _campaign_for(request, slug):
    """The campaign with everything its page shows; 404 unless the user may see it."""
    campaign = get_object_or_404(Campaign.objects.for_page(), slug=slug)
    if not campaign.is_visible_to(request.user):
        raise Http404
    return campaign


@cache_public_page
def detail(request, slug):
    campaign = _campaign_for(request, slug)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "pairing": campaign.pairing,
            "sides": campaign.target_sides(),
            "related_campaigns": campaign.related_campaigns(),
        },
    )


@never_cache  # the letter carries the supporter's name and address
@sensitive_post_parameters("name", "address")
def letter(request, slug):
    campaign = _campaign_for(request, slug)
    if not campaign.has_action(Campaign.Action.LETTER):
        raise Http404
    form = LetterForm(
        request.POST if request.method == "POST" else None, cards=campaign.target_cards()
    )
    return render(
        request,
        "campaigns/letter.html",
        {"campaign": campaign, "form": form, "written": form.is_valid()},
    )
