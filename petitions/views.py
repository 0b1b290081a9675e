"""Supporters' pages: sign, check your inbox, confirm (by POST only), thank you, withdraw.

The sign form also sits on the campaign page; with JavaScript it posts in place and gets a
JSON answer holding the HTML to show (see static/js/petition.js), without it full pages.
"""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from campaigns.models import Campaign
from core.clientip import client_ip
from core.iphash import hash_ip
from core.pagecache import cache_public_page

from .forms import SignForm
from .lookup import petition_for_slug
from .models import Signature

SENT = _("Thank you! Check your inbox and confirm your signature.")
CLOSED = _("This petition is closed and no longer accepts signatures.")
FIX_ERRORS = _("Please correct the marked fields.")
TOO_MANY_ATTEMPTS = _(
    "Too many signatures came from your internet connection just now. "
    "Please wait a few minutes and try again."
)


def _petition_for(request, slug):
    """The campaign's petition (with its campaign, cached briefly); 404 unless signable here."""
    petition = petition_for_slug(slug)
    if petition is None:
        raise Http404
    campaign = petition.campaign
    if not campaign.is_visible_to(request.user) or not campaign.has_action(Campaign.Action.SIGN):
        raise Http404
    return petition


def _wants_json(request):
    """True for the in-place submissions of petition.js.

    Only POSTs: a GET is page-cached by path, so a JSON answer to one would be served to
    every later visitor.
    """
    if request.method != "POST":
        return False
    # META rather than request.headers: that builds a dict of every header, on the hot path.
    accept = request.META.get("HTTP_ACCEPT", "")
    return request.META.get("HTTP_X_REQUESTED_WITH") == "fetch" or "application/json" in accept


def _fragment(request, template, context, status=200, **extra):
    """The in-place answer: the HTML that replaces the form area, plus ``extra`` keys."""
    html = render_to_string(template, context, request)
    return JsonResponse({"html": html, **extra}, status=status)


def _sign_page(request, petition, form, status=200, notice=""):
    context = {
        "petition": petition,
        "campaign": petition.campaign,
        "sign_form": form,
        "notice": notice,
    }
    if _wants_json(request):
        message = notice or FIX_ERRORS
        return _fragment(
            request, "petitions/_sign_area.html", context, status=status, message=str(message)
        )
    return render(request, "petitions/sign.html", context, status=status)


def _signed(request, petition):
    """The one answer to every accepted submission: first, duplicate or bot alike."""
    if _wants_json(request):
        context = {"petition": petition, "campaign": petition.campaign}
        return _fragment(request, "petitions/_sent.html", context, message=str(SENT))
    return redirect("petitions:sent", slug=petition.campaign.slug)


@cache_public_page
@sensitive_post_parameters("name", "email", "city", "comment")
@require_http_methods(["GET", "HEAD", "POST"])
def sign(request, slug):
    petition = _petition_for(request, slug)
    if request.method != "POST":
        return _sign_page(request, petition, SignForm())
    if not petition.accepts_signatures():
        return _sign_page(request, petition, None, status=403, notice=CLOSED)
    form = SignForm(request.POST)
    if form.is_bot():
        return _signed(request, petition)
    if not form.is_valid():
        return _sign_page(request, petition, form, status=400 if _wants_json(request) else 200)
    ip_hash = hash_ip(client_ip(request))
    if not petition.rate_allows(ip_hash):
        if _wants_json(request):
            return _sign_page(request, petition, form, status=429, notice=TOO_MANY_ATTEMPTS)
        return render(request, "429.html", {"campaign": petition.campaign}, status=429)
    petition.sign(form.signature_data(), ip_hash=ip_hash)
    return _signed(request, petition)


@cache_public_page
def sent(request, slug):
    """The "check your inbox" page (POST-redirect-GET target; nothing personal, so cached)."""
    petition = _petition_for(request, slug)
    return render(
        request, "petitions/sent.html", {"petition": petition, "campaign": petition.campaign}
    )


def _bad_link(request):
    return render(request, "petitions/bad_link.html", status=404)


def _signature_context(signature, **extra):
    return {
        "signature": signature,
        "petition": signature.petition,
        "campaign": signature.petition.campaign,
        **extra,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    signature = Signature.from_token(token, "confirm", max_age=settings.PETITION_PENDING_TTL)
    if signature is None:
        return _bad_link(request)
    if request.method == "POST":
        signature.confirm()
        return redirect("petitions:thanks", token=signature.token("thanks"))
    return render(request, "petitions/confirm.html", _signature_context(signature, token=token))


@never_cache
def thanks(request, token):
    signature = Signature.from_token(token, "thanks")
    if signature is None or signature.status != Signature.Status.CONFIRMED:
        return _bad_link(request)
    return render(
        request,
        "petitions/thanks.html",
        _signature_context(signature, withdraw_token=signature.token("withdraw")),
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, token):
    """GET explains what will be erased; POST deletes the signature and its queued mail."""
    signature = Signature.from_token(token, "withdraw")
    if signature is None:
        return _bad_link(request)
    if request.method == "POST":
        signature.withdraw()
        return render(request, "petitions/withdrawn.html", _signature_context(signature))
    return render(request, "petitions/withdraw.html", _signature_context(signature, token=token))
