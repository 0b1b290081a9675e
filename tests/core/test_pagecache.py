import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.utils.csp import LazyNonce
from django.utils.functional import SimpleLazyObject

from core import pagecache

PAGE = engines["django"].from_string(
    '<form method="post">{% csrf_token %}</form><script nonce="{{ csp_nonce }}"></script>'
    "{{ counter }}"
)


class Counter:
    calls = 0


@pagecache.cache_public_page
def view(request):
    Counter.calls += 1
    return HttpResponse(PAGE.render({"counter": Counter.calls}, request))


def get(user=None):
    request = RequestFactory().get("/page/?a=1")
    request.user = user or AnonymousUser()
    if user:  # logged in: the session cookie comes with every request
        request.COOKIES[settings.SESSION_COOKIE_NAME] = "session-key"
    request._csp_nonce = LazyNonce()
    return request, view(request)


def secrets_of(response):
    html = response.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    nonce = re.search(r'nonce="([^"]+)"', html).group(1)
    return token, nonce


@pytest.mark.django_db
class TestCachePublicPage:
    def test_it_serves_the_cached_page_with_fresh_token_and_nonce(self):
        _, first = get()
        calls = Counter.calls
        second_request, second = get()
        assert Counter.calls == calls  # served from the cache
        assert second.content.endswith(first.content.rsplit(b"</script>")[1])
        token, nonce = secrets_of(second)
        assert nonce == str(second_request._csp_nonce)
        assert nonce != secrets_of(first)[1]
        assert token != secrets_of(first)[0]
        assert b"__page_cache_" not in second.content

    def test_it_renders_again_after_invalidation(self):
        _, first = get()
        pagecache.invalidate()
        _, second = get()
        assert first.content.split(b"</script>")[1] != second.content.split(b"</script>")[1]

    def test_it_does_not_cache_for_logged_in_users(self, staff_user):
        _, first = get(staff_user)
        _, second = get(staff_user)
        assert first.content.split(b"</script>")[1] != second.content.split(b"</script>")[1]

    def test_it_does_not_load_the_user_without_a_session_cookie(self):
        get()  # cached
        request = RequestFactory().get("/page/?a=1")
        request.user = SimpleLazyObject(lambda: pytest.fail("the user was loaded"))
        request._csp_nonce = LazyNonce()
        assert view(request).status_code == 200

    def test_it_stores_the_page_split_where_the_secrets_go(self):
        request, response = get()
        template = pagecache.to_template(response.content, request)
        assert template[1::2] == (pagecache.CSRF_MARKER, pagecache.NONCE_MARKER)
        stamped = pagecache.stamp(template, request)
        without_token = pagecache.CSRF_INPUT.sub(rb"\1\2", stamped)
        assert without_token == pagecache.CSRF_INPUT.sub(rb"\1\2", response.content)
        assert secrets_of(response)[1] == secrets_of(HttpResponse(stamped))[1]


@pytest.mark.django_db
class TestVersion:
    def test_it_reads_the_version_from_the_cache_once_per_memo_period(self):
        from unittest import mock

        first = pagecache.version()
        with mock.patch.object(pagecache.cache, "get_or_set") as get_or_set:
            assert pagecache.version() == first
        get_or_set.assert_not_called()

    def test_it_sees_another_process_invalidating_after_the_memo_period(self):
        first = pagecache.version()
        pagecache.cache.set(pagecache.VERSION_KEY, "from-another-process", timeout=None)
        pagecache._memo["until"] = 0  # the memo period has passed
        assert pagecache.version() == "from-another-process" != first


@pytest.mark.django_db
class TestProcessMemory:
    def test_it_serves_a_page_it_has_read_once_without_asking_the_cache(self):
        from unittest import mock

        get()  # renders and stores it
        _, first = get()  # read from the shared cache, and remembered
        with mock.patch.object(pagecache.cache, "get") as cache_get:
            _, second = get()
        cache_get.assert_not_called()
        assert first.content.rsplit(b"</script>")[1] == second.content.rsplit(b"</script>")[1]
        assert secrets_of(first) != secrets_of(second)

    def test_it_asks_the_cache_again_after_the_memo_period(self, monkeypatch):
        get()
        get()
        clock = pagecache.time.monotonic() + pagecache.PAGE_MEMO_SECONDS + 0.1
        monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock)
        pagecache.cache.clear()  # another process invalidated: nothing shared is left
        calls = Counter.calls
        get()
        assert Counter.calls == calls + 1

    def test_it_misses_after_an_invalidation_in_this_process(self):
        get()
        get()
        calls = Counter.calls
        pagecache.invalidate()
        get()
        assert Counter.calls == calls + 1

    def test_it_remembers_nothing_when_page_caching_is_off(self, settings):
        settings.PAGE_CACHE_SECONDS = 0
        get()
        calls = Counter.calls
        get()
        assert Counter.calls == calls + 1

    def test_it_does_not_ask_the_cache_when_page_caching_is_off(self, settings, monkeypatch):
        settings.PAGE_CACHE_SECONDS = 0
        monkeypatch.setattr(pagecache, "cache", None)  # any use would raise
        _, response = get()
        assert response.status_code == 200


def page_key():
    return pagecache.page_key(RequestFactory().get("/page/?a=1"))


def render_lock():
    return f"{page_key()}:render"


@pytest.mark.django_db
class TestStalePage:
    """A page past PAGE_CACHE_SECONDS is rendered again by one request, not by all at once."""

    def expire(self, monkeypatch):
        later = pagecache.time.time() + settings.PAGE_CACHE_SECONDS + 1
        monkeypatch.setattr(pagecache.time, "time", lambda: later)
        pagecache.forget_local()  # another process, or this one after its memo period

    def test_it_serves_the_stale_page_while_another_request_renders_it(self, monkeypatch):
        _, first = get()
        calls = Counter.calls
        self.expire(monkeypatch)
        assert pagecache.cache.add(render_lock(), 1)  # another request is renewing it

        _, stale = get()
        _, still_stale = get()

        assert Counter.calls == calls
        assert stale.content.rsplit(b"</script>")[1] == first.content.rsplit(b"</script>")[1]
        assert still_stale.content.rsplit(b"</script>")[1] == stale.content.rsplit(b"</script>")[1]

    def test_the_first_request_after_expiry_renders_it_and_stores_it_fresh(self, monkeypatch):
        get()
        calls = Counter.calls
        self.expire(monkeypatch)

        _, renewed = get()
        pagecache.forget_local()
        _, next_one = get()

        assert Counter.calls == calls + 1
        assert next_one.content.rsplit(b"</script>")[1] == renewed.content.rsplit(b"</script>")[1]

    def test_a_stale_page_in_memory_gives_way_to_one_renewed_elsewhere(self, monkeypatch):
        get()
        get()  # read back from the shared cache: now also in this process's memory
        later = pagecache.time.time() + settings.PAGE_CACHE_SECONDS + 1
        monkeypatch.setattr(pagecache.time, "time", lambda: later)
        template, content_type, _fresh_until = pagecache.cache.get(page_key())
        pagecache.cache.set(page_key(), (template, content_type, later + 60))  # renewed
        calls = Counter.calls

        get()

        assert Counter.calls == calls

    def test_it_never_serves_an_invalidated_page_stale(self, monkeypatch):
        get()
        calls = Counter.calls
        self.expire(monkeypatch)
        pagecache.cache.add(render_lock(), 1)

        pagecache.invalidate()
        get()

        assert Counter.calls == calls + 1


@pytest.mark.django_db
class TestOneRenderAtATime:
    """A page missing from the cache is rendered by one request; the others wait for it."""

    def test_it_serves_the_page_another_request_is_rendering(self, monkeypatch):
        _, rendered = get()
        stored = pagecache.cache.get(page_key())
        pagecache.cache.delete(page_key())
        pagecache.forget_local()
        calls = Counter.calls
        assert pagecache.cache.add(render_lock(), 1)  # another request is rendering it

        def sleep(seconds):  # ... and stores it while this one waits
            pagecache.cache.set(page_key(), stored)

        monkeypatch.setattr(pagecache.time, "sleep", sleep)

        _, waited = get()

        assert Counter.calls == calls
        assert waited.content.rsplit(b"</script>")[1] == rendered.content.rsplit(b"</script>")[1]

    def test_it_renders_itself_when_the_other_render_stored_nothing(self, monkeypatch):
        calls = Counter.calls
        assert pagecache.cache.add(render_lock(), 1)

        def sleep(seconds):  # the other request ends without storing a page: its lock goes
            pagecache.cache.delete(render_lock())

        monkeypatch.setattr(pagecache.time, "sleep", sleep)

        get()

        assert Counter.calls == calls + 1

    def test_it_stops_waiting_after_the_wait_limit(self, monkeypatch):
        calls = Counter.calls
        assert pagecache.cache.add(render_lock(), 1)  # a render that never ends
        clock = [0.0]

        def sleep(seconds):
            clock[0] += seconds

        monkeypatch.setattr(pagecache.time, "sleep", sleep)
        monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock[0])

        get()

        assert Counter.calls == calls + 1
        assert clock[0] == pytest.approx(pagecache.RENDER_WAIT_SECONDS, abs=0.05)

    def test_the_rendering_request_releases_its_lock(self):
        get()
        assert pagecache.cache.get(render_lock()) is None
