"""Public pages: the two campaign centres (status table), the exports, campaign and letter
pages, and what goes with a campaign page: the embassy picker, the share image, the
embeddable widget; robots.txt."""

import csv
from itertools import chain

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.debug import sensitive_post_parameters
from django_countries.fields import Country

from core.charts import year_chart
from core.csvsafe import safe_row
from core.pagecache import cache_public_page
from embassies.countries import country_from_accept_language
from embassies.forms import CountryPickerForm
from embassies.models import Mission

from .forms import ExportFilterForm, LetterForm, StatusFilterForm
from .models import Campaign, Centre, Pairing
from .sharing import ShareCard

STATUS_PAGE_SIZE = 100
EXPORT_CHUNK_SIZE = 1000
# Social networks fetch the share image again after this; a new count gives a new image.
SHARE_IMAGE_MAX_AGE = 300
# The widget may be framed by any site; every other page keeps frame-ancestors 'none'.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


@cache_public_page
def centre(request, scope):
    centre, other_centre = Centre.this_and_other(scope)
    pairings = Pairing.objects.in_scope(scope)
    form = StatusFilterForm(request.GET, countries=pairings.countries())
    rows = form.filter(pairings).for_table()
    page = Paginator(rows, STATUS_PAGE_SIZE).get_page(request.GET.get("page"))
    responses_per_year = pairings.responses_per_year()
    return render(
        request,
        "campaigns/centre.html",
        {
            "centre": centre,
            "other_centre": other_centre,
            "numbers": pairings.headline_numbers(),
            "responses_per_year": responses_per_year,
            "responses_chart": year_chart(responses_per_year),
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


def _campaign_for(request, slug, campaigns=None):
    """The campaign (with everything its page shows unless ``campaigns`` says what to
    load); 404 unless the user may see it."""
    campaign = get_object_or_404(
        Campaign.objects.for_page() if campaigns is None else campaigns, slug=slug
    )
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


def embassy(request, slug):
    """The "call the Korean embassy or consulate" picker: ``?country=XX`` lists the missions
    in that country.

    Without a country, the browser's language picks one (``en-US``: the United States)
    through a redirect, so the page itself depends on its URL only and is page-cached.
    """
    if "country" not in request.GET:
        code = country_from_accept_language(request.headers.get("Accept-Language"))
        if code:
            query = request.GET.copy()
            query["country"] = code
            response = redirect(f"{request.path}?{query.urlencode()}")
            patch_vary_headers(response, ["Accept-Language"])
            return response
    return _embassy_page(request, slug)


@cache_public_page
def _embassy_page(request, slug):
    campaign = _campaign_for(
        request,
        slug,
        Campaign.objects.select_related("pairing__korean_place__parent", "pairing__foreign_place"),
    )
    if not campaign.has_action(Campaign.Action.CALL):
        raise Http404
    form = CountryPickerForm(request.GET, covered_codes=Mission.objects.country_codes())
    code = form.country_code
    context = {
        "campaign": campaign,
        "pairing": campaign.pairing,
        "form": form,
        "country": Country(code) if code else None,
        "missions": list(Mission.objects.in_country(code)) if code else [],
        # Headings of the missions: under the section's h3 on the campaign page, or the h1.
        "level": 4 if form.is_partial else 2,
    }
    template = "embassies/_picker.html" if form.is_partial else "embassies/page.html"
    return render(request, template, context)


def share_image(request, slug):
    """The campaign's ``og:image``: a 1200 x 630 PNG of its title and signature count."""
    campaign = _campaign_for(request, slug, Campaign.objects.select_related("petition"))
    card = ShareCard.for_campaign(campaign)
    response = HttpResponse(card.png(), content_type="image/png")
    etag = quote_etag(card.key)
    response["ETag"] = etag
    if campaign.is_published:
        patch_cache_control(response, public=True, max_age=SHARE_IMAGE_MAX_AGE)
    else:  # a staff preview: no shared cache may keep it
        patch_cache_control(response, private=True, no_store=True)
    return get_conditional_response(request, etag=etag, response=response)


@xframe_options_exempt
@csp_override(EMBED_CSP)
@cache_public_page
def embed(request, slug):
    """The petition widget other sites show in an iframe: title, count and a sign button."""
    campaign = _campaign_for(request, slug, Campaign.objects.select_related("petition"))
    return render(
        request,
        "campaigns/embed.html",
        {"campaign": campaign, "petition": getattr(campaign, "petition", None)},
    )


def robots_txt(request):
    return render(
        request,
        "robots.txt",
        {"sitemap_url": settings.SITE_URL + reverse("campaigns:sitemap")},
        content_type="text/plain; charset=utf-8",
    )
