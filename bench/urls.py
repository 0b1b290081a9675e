"""The project's URLs plus the bare-Django floor the benchmark compares every page with."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    """The cheapest response Django can give through the full middleware stack."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/ok", floor, name="bench_floor"),
    path("", include("config.urls")),
]
