"""The project's URLs plus the bare-Django floors the benchmark compares pages with.

``floor`` is the cheapest GET (the pages are compared with it); ``floor_insert`` and
``floor_form`` are the two floors of the sign POST: an ORM insert, and CSRF + a 3-field form
+ the same insert. All run in the same gunicorn process, settings and middleware as the app.
"""

from django import forms
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

import config.urls

from .models import FloorRow


def floor(request):
    """The cheapest response Django can give through the full middleware stack."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def floor_insert(request):
    """One ORM insert of the posted values, unchecked: the cost of a write and nothing else."""
    FloorRow.objects.create(
        name=request.POST.get("name", ""),
        email=request.POST.get("email", ""),
        country=request.POST.get("country", ""),
    )
    return HttpResponse("ok", content_type="text/plain")


class FloorForm(forms.ModelForm):
    class Meta:
        model = FloorRow
        fields = ["name", "email", "country"]


@require_POST
def floor_form(request):
    """What any Django form view pays: the CSRF check, a 3-field form's validation, the insert."""
    form = FloorForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("invalid", content_type="text/plain")
    form.save()
    return HttpResponse("ok", content_type="text/plain")


# The project's patterns follow the floors at the same level (not include()d, which would add a
# resolver level that production does not have), so pages resolve as they do in production.
urlpatterns = [
    path("bench/floor/ok", floor, name="bench_floor"),
    path("bench/floor/insert", floor_insert, name="bench_floor_insert"),
    path("bench/floor/form", floor_form, name="bench_floor_form"),
    *config.urls.urlpatterns,
]
