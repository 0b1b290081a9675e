"""Whole-page cache for anonymous GETs that still gives each response its own CSRF token
and CSP nonce.

A cached page is stored with the per-request secrets replaced by markers and "stamped" with
the current request's token and nonce when served, so a cached campaign page can carry the
petition form (CSRF) and nonce'd scripts (CSP) at the cost of two byte replacements.
Pages are invalidated by bumping a version number (``invalidate()``), e.g. from signals.
"""

import functools
import hashlib
import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils.translation import get_language

CSRF_MARKER = b"__page_cache_csrf_token__"
NONCE_MARKER = b"__page_cache_csp_nonce__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
VERSION_KEY = "pagecache:version"


def _new_version():
    # Random rather than a counter: an evicted counter restarting at 1 could revive old pages.
    return secrets.token_hex(8)


# The version is remembered per process for VERSION_MEMO_SECONDS, so a cache hit costs one
# Redis round trip instead of two; other processes see an invalidation that much later.
VERSION_MEMO_SECONDS = 1.0
_memo = {"version": None, "until": 0.0}


def version():
    now = time.monotonic()
    if _memo["version"] is None or now >= _memo["until"]:
        _memo["version"] = cache.get_or_set(VERSION_KEY, _new_version, timeout=None)
        _memo["until"] = now + VERSION_MEMO_SECONDS
    return _memo["version"]


# Pages read from the shared cache are also kept in this process's memory for
# PAGE_MEMO_SECONDS, under the same versioned key: a hit then costs no round trip at all, and
# an invalidation (a new version) reaches them exactly as it reaches the shared cache. Only
# what the shared cache gave back is remembered, so with Redis down nothing is cached at all.
# At most PAGE_MEMO_SIZE pages.
PAGE_MEMO_SECONDS = 1.0
PAGE_MEMO_SIZE = 200
_pages = {}


def forget_local():
    """Drop what this process remembers (the version and the pages); tests use it."""
    _memo["version"] = None
    _pages.clear()


def _cached_page(key):
    now = time.monotonic()
    page, until = _pages.get(key, (None, 0.0))
    if now < until:
        return page
    page = cache.get(key)
    if page is not None:
        _remember(key, page, now)
    return page


def _remember(key, page, now):
    seconds = min(PAGE_MEMO_SECONDS, settings.PAGE_CACHE_SECONDS)
    if seconds <= 0:
        return
    if len(_pages) >= PAGE_MEMO_SIZE:
        _pages.clear()
    _pages[key] = (page, now + seconds)


def invalidate(**kwargs):
    """Make every cached page stale now (at once in this process, within a second elsewhere)."""
    new = _new_version()
    cache.set(VERSION_KEY, new, timeout=None)
    _memo.update(version=new, until=time.monotonic() + VERSION_MEMO_SECONDS)


def invalidate_pages(**kwargs):
    """Make every cached page stale once the current transaction commits.

    Before the commit other requests still read the old rows and would cache them again
    under a version bumped too early. Call it after bulk updates, which send no signals.
    """
    transaction.on_commit(invalidate)


def page_key(request):
    # Hashed: a long or odd querystring must not make an invalid (or huge) cache key.
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"pagecache:{version()}:{get_language()}:{path}"


def to_template(content, request):
    """Replace this request's nonce and CSRF token in ``content`` with markers."""
    nonce = get_nonce(request)
    if nonce:  # only when the page used it
        content = content.replace(str(nonce).encode(), NONCE_MARKER)
    return CSRF_INPUT.sub(rb"\1" + CSRF_MARKER + rb"\2", content)


def stamp(content, request):
    """Fill the markers of a cached page with this request's nonce and CSRF token."""
    if NONCE_MARKER in content:
        content = content.replace(NONCE_MARKER, str(get_nonce(request)).encode())
    if CSRF_MARKER in content:
        content = content.replace(CSRF_MARKER, get_token(request).encode())
    return content


def cache_public_page(view):
    """Serve ``view`` from the page cache for anonymous GET/HEAD requests."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = page_key(request)
        cached = _cached_page(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(stamp(content, request), content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            template = to_template(response.content, request)
            cache.set(key, (template, response["Content-Type"]), settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
