"""Staff pages behind the admin: the signatures CSV, the printable hand-in document and a
person's data across every app (GDPR access and erasure, ``core.personal_data``).

``petitions.admin`` wraps each view in ``admin_site.admin_view`` (login, staff, CSRF, no
caching); each view checks its own permission on top.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import personal_data as gdpr

from . import exports
from .models import Petition, Signature

# Erasing signatures happens only through the logged ``personal_data`` view (the signature
# admin has no delete), so Django's "delete signature" permission is the GDPR permission; the
# page lives here for that reason, but it exports and erases what every app holds.
GDPR_PERMISSION = "petitions.delete_signature"


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _petition(object_id):
    if not str(object_id).isdigit():
        raise Http404
    return get_object_or_404(
        Petition.objects.select_related(
            "campaign__pairing__korean_place__parent", "campaign__pairing__foreign_place"
        ),
        pk=object_id,
    )


def _log(request, model_or_object, flag, message):
    """An admin log entry ("Recent actions", the object's history) for a staff action."""
    is_object = isinstance(model_or_object, Petition)
    LogEntry.objects.create(
        user=request.user,
        content_type=ContentType.objects.get_for_model(model_or_object),
        object_id=model_or_object.pk if is_object else None,
        object_repr=str(model_or_object)[:200] if is_object else gettext("Personal data"),
        action_flag=flag,
        change_message=message,
    )


def export_signatures(request, object_id):
    """The petition's counted signatures as a streamed CSV file."""
    _require(request, "petitions.view_signature")
    petition = _petition(object_id)
    _log(request, petition, CHANGE, gettext("Exported the confirmed signatures as CSV."))
    return exports.csv_response(petition)


def hand_in(request, object_id):
    """A printable document for handing the petition to the officials it addresses."""
    _require(request, "petitions.view_petition")
    petition = _petition(object_id)
    campaign = petition.campaign
    return render(
        request,
        "admin/petitions/handin.html",
        {
            "petition": petition,
            "campaign": campaign,
            "pairing": campaign.pairing,
            "targets": campaign.targets.with_holders(),
            "stats": petition.stats(),
            "today": timezone.localdate(),
        },
    )


class PersonalDataForm(forms.Form):
    FIND, EXPORT, ERASE = "find", "export", "erase"

    email = forms.EmailField(label=_("Email address"), max_length=254)
    action = forms.ChoiceField(
        choices=[(FIND, _("Find")), (EXPORT, _("Export")), (ERASE, _("Erase"))],
        initial=FIND,
        widget=forms.HiddenInput,
    )
    confirm = forms.BooleanField(label=_("Yes, erase this person's data for good"), required=False)


def personal_data(request):
    """Find, export (JSON) or erase — after a confirmation — what we hold for an address."""
    _require(request, GDPR_PERMISSION)
    form = PersonalDataForm(request.POST if request.method == "POST" else None)
    context = {
        **admin.site.each_context(request),
        "title": _("Personal data (GDPR)"),
        "opts": Signature._meta,
        "form": form,
    }
    if not form.is_valid():
        return render(request, "admin/petitions/personal_data.html", context)
    email, action = form.cleaned_data["email"], form.cleaned_data["action"]
    if action == form.EXPORT:
        return _export(request, email)
    if action == form.ERASE and form.cleaned_data["confirm"]:
        return _erase(request, email)
    summary = gdpr.summary(email)
    context |= {
        "email": email,
        "summary": summary,
        "holdings": gdpr.describe(summary),
        "confirming": action == form.ERASE,
    }
    return render(request, "admin/petitions/personal_data.html", context)


def _described(counts):
    return ", ".join(gdpr.describe(counts)) or gettext("nothing")


def _export(request, email):
    data = gdpr.export(email)
    _log(
        request,
        Signature,
        CHANGE,
        gettext("Exported the personal data of one person: %(what)s.")
        % {"what": _described(gdpr.counts(data))},
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    return response


def _erase(request, email):
    with transaction.atomic():  # no erasure without its log entry
        erased = gdpr.erase(email)
        # The log keeps the numbers, not the address or the name: those were just erased.
        message = gettext("Erased the personal data of one person: %(what)s.") % {
            "what": _described(erased)
        }
        _log(request, Signature, DELETION, message)
    messages.success(request, message)
    return redirect("admin:petitions_signature_personal_data")
