"""Follow by email: the form (also on campaign and centre pages), "check your inbox", and the
confirmation page, which confirms on POST only (mail scanners follow links)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from campaigns.models import Campaign, Centre
from core.clientip import client_ip
from core.iphash import hash_ip
from core.pagecache import cache_public_page

from .forms import FollowForm
from .models import Follower, follow_pending_hours
from .targets import follow_url, sent_url


def _campaign(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    if not campaign.is_visible_to(request.user):
        raise Http404
    return campaign


def _centre(scope):
    return get_object_or_404(Centre, scope=scope)


def _form_page(request, target, form):
    context = {"target": target, "form": form, "post_url": follow_url(target)}
    return render(request, "updates/follow.html", context)


def _follow(request, target):
    """GET: the form on a page of its own. POST: follow, then the one "check your inbox"
    answer for a new follower, a duplicate and a bot alike (nothing tells who follows)."""
    if request.method != "POST":
        return _form_page(request, target, FollowForm())
    form = FollowForm(request.POST)
    if form.is_bot():
        return redirect(sent_url(target))
    if not form.is_valid():
        return _form_page(request, target, form)
    if not Follower.rate_allows(hash_ip(client_ip(request))):
        campaign = target if isinstance(target, Campaign) else None
        return render(request, "429.html", {"campaign": campaign}, status=429)
    Follower.follow(target, form.cleaned_data["email"], language=get_language() or "")
    return redirect(sent_url(target))


@cache_public_page
@sensitive_post_parameters("email")
@require_http_methods(["GET", "HEAD", "POST"])
def follow_campaign(request, slug):
    return _follow(request, _campaign(request, slug))


@cache_public_page
@sensitive_post_parameters("email")
@require_http_methods(["GET", "HEAD", "POST"])
def follow_centre(request, scope):
    return _follow(request, _centre(scope))


def _sent(request, target):
    return render(
        request, "updates/sent.html", {"target": target, "within_hours": follow_pending_hours()}
    )


@cache_public_page
def sent_campaign(request, slug):
    """The "check your inbox" page (POST-redirect-GET target; nothing personal, so cached)."""
    return _sent(request, _campaign(request, slug))


@cache_public_page
def sent_centre(request, scope):
    return _sent(request, _centre(scope))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button and changes nothing; POST confirms, then shows the same page
    (which now says "you follow…")."""
    follower = Follower.from_token(token, "confirm", max_age=settings.FOLLOW_PENDING_TTL)
    if follower is None:
        return render(request, "updates/bad_link.html", status=404)
    if request.method == "POST":
        follower.confirm()
        return redirect("updates:confirm", token=token)
    return render(
        request,
        "updates/confirm.html",
        {"follower": follower, "target": follower.target, "token": token},
    )
