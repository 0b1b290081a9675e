"""One-click unsubscribe (RFC 8058) for every mail that goes to subscribers.

A mail to a subscriber carries ``unsubscribe_headers(kind, key)``: a ``List-Unsubscribe``
link to ``/unsubscribe/<token>/`` and ``List-Unsubscribe-Post``, which lets a mail client
unsubscribe with one POST, without opening the page. The token is signed (it names the kind
and the key, and nobody can forge one), never a bare id, and it does not expire: an
unsubscribe link must keep working in a mail read years later.

What "unsubscribe" means belongs to the app that sent the mail: it ``register()``s a kind
(from its ``AppConfig.ready``), and this module, which may not import those apps, calls the
registered functions. A token for a kind nobody registers (any more) is a bad link.
"""

import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry, UnstructuredHeader

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.headers import check_header_value

SALT = "mailer.unsubscribe"
# The body RFC 8058 mail clients POST; the page's own button sends the same.
ONE_CLICK = "List-Unsubscribe=One-Click"
# RFC 5322's hard limit is 998 characters per line, "List-Unsubscribe: <…>" included.
MAX_URL_LENGTH = 900


@dataclass(frozen=True)
class Kind:
    """What unsubscribing means for one kind of subscription.

    ``describe(key)`` says what the person would stop receiving (shown on the page), or
    None when the subscription no longer exists; ``unsubscribe(key)`` ends it and must be
    idempotent (mail clients and people may POST twice).
    """

    name: str
    describe: Callable[[str], str | None]
    unsubscribe: Callable[[str], object]


_kinds: dict[str, Kind] = {}


def register(name, *, describe, unsubscribe):
    """Declare a kind of subscription (call it from the owning app's ``ready()``)."""
    _kinds[name] = Kind(name=name, describe=describe, unsubscribe=unsubscribe)


def registered(name):
    return _kinds.get(name)


@dataclass(frozen=True)
class Link:
    """The unsubscribe address of one subscription, for the mail body and its headers."""

    url: str

    @property
    def headers(self):
        return {"List-Unsubscribe": f"<{self.url}>", "List-Unsubscribe-Post": ONE_CLICK}


def link(kind, key):
    """The ``Link`` that unsubscribes ``key`` of the registered ``kind``.

    Raises ``LookupError`` for an unregistered kind: a mail whose link could never work must
    not be queued.
    """
    if kind not in _kinds:
        raise LookupError(f"unsubscribe kind {kind!r} is not registered")
    token = signing.Signer(salt=SALT).sign_object([kind, str(key)], compress=True)
    url = settings.SITE_URL + reverse("unsubscribe", kwargs={"token": token})
    check_header_value(url)  # SITE_URL comes from the environment: never trust it blindly
    if len(url) > MAX_URL_LENGTH or not url.isascii():
        # It must stay one plain line (see ``Email``).
        raise ValidationError(f"unsubscribe URL too long or not ASCII: {url!r}")
    return Link(url)


def unsubscribe_headers(kind, key):
    """``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers for ``key`` of ``kind``."""
    return link(kind, key).headers


class _OneLineHeader(UnstructuredHeader):
    """A header written on one line however long it is (up to RFC 5322's 998 characters)."""

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


def _keeping_list_unsubscribe_on_one_line(policy):
    registry = HeaderRegistry()
    registry.map_to_type("list-unsubscribe", _OneLineHeader)
    return policy.clone(header_factory=registry)


class Email(EmailMultiAlternatives):
    """The outbox's email class: ``List-Unsubscribe`` stays one plain line.

    Python folds a header longer than 78 characters that has no whitespace into RFC 2047
    encoded words (python/cpython#85725), and the URL with its signed token always is that
    long. Mail providers do not decode encoded words there, so Gmail and Outlook would show
    no unsubscribe button. Whatever policy the mail backend serialises with (SMTP's, the
    console's), only this header is written unfolded; the others fold as usual.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=_keeping_list_unsubscribe_on_one_line(policy))


def parse(token):
    """``(Kind, key)`` for a token, or None when it was tampered with or its kind is unknown."""
    try:
        name, key = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    kind = _kinds.get(name)
    return None if kind is None else (kind, key)


# Exempt from CSRF because RFC 8058 mail clients POST "List-Unsubscribe=One-Click" with no
# cookie and no CSRF token; they could never pass the check. That is safe here only because
# the signed token in the URL is the authorisation: a forged cross-site POST needs the token,
# which only the recipient's mail holds, and all it can do is unsubscribe that recipient.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_page(request, token):
    """GET shows what would stop and a button (mail scanners follow links, so a GET never
    unsubscribes); POST, from that button or straight from a mail client, unsubscribes."""
    parsed = parse(token)
    if parsed is None:
        return render(request, "mailer/unsubscribe_bad_link.html", status=400)
    kind, key = parsed
    if request.method == "POST":
        kind.unsubscribe(key)
        return render(request, "mailer/unsubscribed.html", {"description": kind.describe(key)})
    return render(request, "mailer/unsubscribe.html", {"description": kind.describe(key)})
