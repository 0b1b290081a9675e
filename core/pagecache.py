"""Whole-page cache for anonymous GETs that still gives each response its own CSRF token
and CSP nonce.

A cached page is stored with the per-request secrets replaced by markers, split at them, and
"stamped" with the current request's token and nonce when served, so a cached campaign page can
carry the petition form (CSRF) and nonce'd scripts (CSP) at the cost of one join.
Pages are invalidated by bumping a version number (``invalidate()``), e.g. from signals.

One request at a time renders a page (a short lock, ``cache.add``). A page is fresh for
``PAGE_CACHE_SECONDS``, then kept ``PAGE_STALE_SECONDS`` longer: once it is stale, the request
that wins the lock renders it again while every other request keeps getting the stale copy.
A page not in the cache at all (new, or invalidated: a new version is a new key, so an
invalidated page is never served stale) is rendered by the lock's winner while the others
wait for it, up to ``RENDER_WAIT_SECONDS``. Without that, all the requests under way when a
busy page expired rendered it at once (seen in `make bench`: eight concurrent renders of
the campaign page every minute, p99 ~250 ms instead of ~7). With Redis down ``add`` answers
True: every request renders, as without a cache.
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
from django.utils.translation import get_language

from core import csrf

CSRF_MARKER = b"__page_cache_csrf_token__"
NONCE_MARKER = b"__page_cache_csp_nonce__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
MARKERS = re.compile(rb"(" + CSRF_MARKER + rb"|" + NONCE_MARKER + rb")")
VERSION_KEY = "pagecache:version"
# Part of every page's key: bump it when what is stored changes shape, so that pages a
# previous release cached are not read back by this one.
STORED_FORMAT = 3
PAGE_STALE_SECONDS = 30
# How long the request rendering a page has before another one may try.
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = 2.0
RENDER_POLL_SECONDS = 0.02


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
    if now < until and _is_fresh(page):  # a stale one may have been renewed meanwhile
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
    return f"pagecache:{STORED_FORMAT}:{version()}:{get_language()}:{path}"


def to_template(content, request):
    """``content`` split at this request's nonce and CSRF token, as a tuple for ``stamp``.

    Even items are the page's bytes, odd items the markers where a secret goes.
    """
    nonce = get_nonce(request)
    if nonce:  # only when the page used it
        content = content.replace(str(nonce).encode(), NONCE_MARKER)
    content = CSRF_INPUT.sub(rb"\1" + CSRF_MARKER + rb"\2", content)
    return tuple(MARKERS.split(content))


def _store(key, response, request):
    seconds = settings.PAGE_CACHE_SECONDS
    template = to_template(response.content, request)
    fresh_until = time.time() + seconds  # wall clock: compared in every process
    cache.set(key, (template, response["Content-Type"], fresh_until), seconds + PAGE_STALE_SECONDS)


def _is_fresh(page):
    _template, _content_type, fresh_until = page
    return time.time() < fresh_until


def _lock(key):
    return f"{key}:render"


def _claims_render(key):
    """True for the one request that renders ``key`` now (until it releases the lock)."""
    return cache.add(_lock(key), 1, RENDER_LOCK_SECONDS)


def _awaited_page(key):
    """The page another request is rendering, once stored; None when it stored none (its
    lock is gone: an error page, say) or took longer than ``RENDER_WAIT_SECONDS``."""
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL_SECONDS)
        found = cache.get_many([key, _lock(key)])
        if key in found:
            _remember(key, found[key], time.monotonic())
            return found[key]
        if _lock(key) not in found:
            return None
    return None


def stamp(template, request):
    """The page of ``to_template`` with this request's nonce and CSRF token filled in."""
    parts = list(template)
    values = {}
    if NONCE_MARKER in parts:
        values[NONCE_MARKER] = str(get_nonce(request)).encode()
    if CSRF_MARKER in parts:
        values[CSRF_MARKER] = csrf.get_token(request).encode()
    for index in range(1, len(parts), 2):
        parts[index] = values[parts[index]]
    return b"".join(parts)


def _anonymous(request):
    # Without a session cookie nobody is logged in: no need to load the (lazy) user.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated


def cache_public_page(view):
    """Serve ``view`` from the page cache for anonymous GET/HEAD requests (unless
    ``PAGE_CACHE_SECONDS`` is 0: then the cache is not asked at all)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or not _anonymous(request)
        ):
            return view(request, *args, **kwargs)
        key = page_key(request)
        cached = _cached_page(key)
        if cached is None and not _claims_render(key):
            cached = _awaited_page(key)
        if cached is not None and (_is_fresh(cached) or not _claims_render(key)):
            template, content_type, _fresh_until = cached
            return HttpResponse(stamp(template, request), content_type=content_type)
        try:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                _store(key, response, request)
        finally:
            cache.delete(_lock(key))
        return response

    return wrapper
