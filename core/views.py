"""``/healthz``, the page shown while the database is unreachable, the login lockout page."""

import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health

# What the 503 page asks clients (and crawlers) to wait before trying again.
RETRY_AFTER_SECONDS = 30


@never_cache
@require_safe
def healthz(request):
    """200 when the database and Redis answer, else 503; JSON of one word per component."""
    report = health.report()
    return JsonResponse(report, status=200 if report["status"] == health.OK else 503)


def database_unavailable(request):
    """The "back soon" page, rendered without context processors: ``auth`` and ``messages``
    may read the session and user from the very database that is down."""
    html = render_to_string("503.html", {"request": request})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def login_locked_out(request, response=None, credentials=None):
    """django-axes' answer to a locked-out login (``AXES_LOCKOUT_CALLABLE``): 429 and a page
    saying how long to wait, instead of its one-line default."""
    cooloff = settings.AXES_COOLOFF_TIME.total_seconds()
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": math.ceil(cooloff / 60)}
    response = render(request, "lockout.html", context, status=429)
    response["Retry-After"] = str(int(cooloff))
    return response
