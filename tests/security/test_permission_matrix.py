"""Every URL of the site, requested by every role: nobody gets a page they may not see, and
nobody gets a 500.

The URLs are read from the URL conf (config.urls, recursively, the admin included), so a new
view is checked the day it is added. Its category comes from its path (``CATEGORIES``): the
admin, the moderation pages, the ESP webhooks, or public. Parameters are filled from sample
objects (``FILLERS``, ``TOKENS``); a pattern whose parameters cannot be filled must be listed
in ``UNFILLABLE`` with the reason, or the test fails.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaigns.models import Campaign, Centre
from comments.models import Comment
from comments.roles import MODERATORS
from petitions.models import Signature
from tests import factories
from tests.campaigns import builders
from tests.comments import moderation_builders

ANONYMOUS, SUPPORTER, MODERATOR, CAMPAIGN_ADMIN, SUPERUSER = ROLES = (
    "anonymous",
    "supporter",
    "moderator",
    "campaign admin",
    "superuser",
)
ADMIN, MODERATION, WEBHOOK, PUBLIC = "admin", "moderation", "webhook", "public"
REDIRECTS = {301, 302, 303, 307, 308}
# A GET to a view that only takes POST (a form target, an action button).
POST_ONLY = {405}


def categories():
    """Path prefix -> category; the first match wins, anything else is public."""
    return [("/" + settings.ADMIN_URL, ADMIN), ("/moderation/", MODERATION), ("/anymail/", WEBHOOK)]


def category_of(path):
    return next((category for prefix, category in categories() if path.startswith(prefix)), PUBLIC)


# Patterns whose parameters no sample can fill (the test fails on any other): name -> reason.
UNFILLABLE = {
    "admin:campaigns_campaign_simple_history": "positional regex groups (django-simple-history's "
    "record view); the history list of the same model is checked",
    "admin:campaigns_pairing_simple_history": "positional regex groups (django-simple-history's "
    "record view); the history list of the same model is checked",
}
# Token links whose token only another app's internals can mint: requested with a forged
# token, which must be refused (never a page, never a 500). name -> reason.
FORGED_TOKEN_ONLY = {
    "unsubscribe": "one-click unsubscribe token (mailer.unsubscribe); its tests mint real ones",
    "updates:confirm": "follower confirmation token (updates); its tests mint real ones",
    "outreach:signatures_csv": "signed link to a petition's signatures sent to officials; "
    "a forged link must never export them",
}
# Admin pages every visitor may see.
ADMIN_PUBLIC = {
    "admin:login": "the login page itself",
}
REFUSED = {400, 401, 403, 404, 405, 410}


@dataclass
class Samples:
    campaign: Campaign
    pending: Signature
    confirmed: Signature
    comment: Comment
    device: TOTPDevice
    supporter: User

    def object_pk(self, model):
        """An existing object of ``model`` for its admin pages; 0 (a missing one) if none."""
        obj = model._default_manager.order_by("pk").first()
        return obj.pk if obj is not None else 0


def build_samples(superuser):
    campaign = builders.bucheon_bakersfield().campaign
    petition = factories.petition(campaign)
    pending = factories.signature(petition)
    confirmed = factories.signature(petition, status=Signature.Status.CONFIRMED)
    factories.invalidation(petition, superuser, email_domain="spam.example.invalid")
    for scope in Centre.Scope.values:
        factories.centre(scope)
    comment = moderation_builders.comment(campaign, status=Comment.Status.PUBLISHED)
    moderation_builders.comment(campaign)  # held
    supporter = User.objects.create_user("supporter", "supporter@example.invalid", "x" * 16)
    return Samples(
        campaign=campaign,
        pending=pending,
        confirmed=confirmed,
        comment=comment,
        device=TOTPDevice.objects.create(user=superuser, name="phone"),
        supporter=supporter,
    )


def admin_model(name):
    """The model an admin URL name (``admin:<app>_<model>_<view>``) belongs to, or None."""
    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def _object_id(samples, name):
    model = admin_model(name)
    # admin:view_on_site takes a content type and an id: the campaign's (content_type_id).
    return samples.campaign.pk if model is None else samples.object_pk(model)


def _pk(samples, name):
    if name.startswith("admin:"):
        return _object_id(samples, name)
    return samples.comment.pk  # comments:* and moderation:* take a comment


# Parameter name -> its value for a URL name.
FILLERS = {
    "slug": lambda samples, name: samples.campaign.slug,
    "scope": lambda samples, name: Centre.Scope.NON_US,
    "pk": _pk,
    "object_id": _object_id,
    "id": lambda samples, name: samples.supporter.pk,  # admin: a user's password page
    "app_label": lambda samples, name: "campaigns",
    "content_type_id": lambda samples, name: ContentType.objects.get_for_model(Campaign).pk,
    "campaign_id": lambda samples, name: samples.campaign.pk,
    "pairing_id": lambda samples, name: samples.campaign.pairing_id,
    "attachment_id": lambda samples, name: 0,  # none exists: a 404 for those who may look
}
TOKENS = {
    "petitions:confirm": lambda samples: samples.pending.token("confirm"),
    "petitions:thanks": lambda samples: samples.confirmed.token("thanks"),
    "petitions:withdraw": lambda samples: samples.confirmed.token("withdraw"),
    "comments:confirm": lambda samples: samples.comment.commenter.confirmation_token(),
}
FORGED_TOKEN = "forged-token"


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]  # named ones; unnamed regex groups make reverse() fail (UNFILLABLE)
    defaults: frozenset


def _params(pattern):
    """The parameter names of one level of a path."""
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []  # the language prefix


def routes(resolver=None, namespace="", params=()):
    """Every named pattern of the URL conf with the parameters of its whole path."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        names = (*params, *_params(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from routes(entry, inner, names)
        elif entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name, names, frozenset(entry.default_args))


def url_for(route, samples):
    """The route's path filled with samples, or None when it cannot be filled."""
    if route.name in TOKENS or route.name in FORGED_TOKEN_ONLY:
        token = TOKENS[route.name](samples) if route.name in TOKENS else FORGED_TOKEN
        fillers = {**FILLERS, "token": lambda samples, name: token}
    else:
        fillers = FILLERS
    params = [param for param in route.params if param not in route.defaults]
    if any(param not in fillers for param in params):
        return None
    kwargs = {param: fillers[param](samples, route.name) for param in params}
    try:
        return reverse(route.name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def all_routes():
    found = {}
    for route in routes():
        found.setdefault(route.name, route)  # the first of a name is what reverse() builds
    return found


def role_user(role, samples, superuser, campaign_admin):
    if role == SUPPORTER:
        return samples.supporter
    if role == MODERATOR:
        user = User.objects.create_user("moderator", "moderator@example.invalid", is_staff=True)
        user.groups.add(Group.objects.get(name=MODERATORS))
        return user
    return {ANONYMOUS: None, CAMPAIGN_ADMIN: campaign_admin, SUPERUSER: superuser}[role]


def may_view(user, model):
    label = model._meta.app_label
    return any(
        user.has_perm(f"{label}.{action}_{model._meta.model_name}") for action in ("view", "change")
    )


def problem(role, user, route, path, status, location):
    """Why ``status`` is wrong for ``role`` at ``path``; None when it is right."""
    if status >= 500:
        return "server error"
    category = category_of(path)
    if route.name in FORGED_TOKEN_ONLY:
        return None if status in REFUSED else "a forged token was not refused"
    if category == PUBLIC:
        return None if status in {200, *REDIRECTS, *POST_ONLY} else "public page refused"
    if category == WEBHOOK:
        return None if status in REFUSED else "webhook answered without credentials"
    if category == MODERATION:
        if role in (MODERATOR, SUPERUSER):
            return None if status in {200, *POST_ONLY} else "moderator refused"
        if status == 403 or (status in REDIRECTS and "/login/" in location):
            return None
        return "moderation page not refused"
    # The admin.
    if route.name in ADMIN_PUBLIC:
        return None
    if role in (ANONYMOUS, SUPPORTER):
        return None if status != 200 else "admin page shown to a non-staff user"
    model = admin_model(route.name)
    if model is not None and not may_view(user, model) and status == 200:
        return f"admin page of {model._meta.label} shown without its view permission"
    if role == SUPERUSER and route.name.endswith("_changelist") and status != 200:
        return "superuser refused a changelist"
    if model is not None and route.name.endswith("_changelist") and may_view(user, model):
        return None if status == 200 else "changelist refused despite the view permission"
    return None


@pytest.fixture
def samples(superuser):
    return build_samples(superuser)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
class TestPermissionMatrix:
    @pytest.mark.parametrize("role", ROLES)
    def test_every_url_answers_each_role_as_its_category_says(
        self, role, samples, superuser, campaign_admin
    ):
        user = role_user(role, samples, superuser, campaign_admin)
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        problems, checked = [], 0
        for route in all_routes().values():
            path = url_for(route, samples)
            if path is None:
                continue
            response = client.get(path)
            checked += 1
            location = response.get("Location", "")
            if why := problem(role, user, route, path, response.status_code, location):
                problems.append(f"{route.name} {path} -> {response.status_code}: {why}")
        assert checked > 100
        assert problems == []

    def test_every_pattern_is_filled_or_listed_with_a_reason(self, samples):
        unfilled = {
            name
            for name, route in all_routes().items()
            if url_for(route, samples) is None and name not in UNFILLABLE
        }
        assert unfilled == set(), "fill these in FILLERS/TOKENS or list them in UNFILLABLE"

    def test_the_lists_name_only_existing_patterns(self):
        names = set(all_routes())
        listed = set(UNFILLABLE) | set(FORGED_TOKEN_ONLY) | set(ADMIN_PUBLIC) | set(TOKENS)
        assert listed - names == set()

    def test_the_walk_reaches_every_part_of_the_url_conf(self, samples):
        paths = [url_for(route, samples) for route in all_routes().values()]
        found = {category_of(path) for path in paths if path is not None}
        assert found == {ADMIN, MODERATION, WEBHOOK, PUBLIC}
        assert category_of(reverse("admin:index")) == ADMIN
