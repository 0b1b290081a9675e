from collections import Counter

import pytest
from django.http import HttpResponse
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CsrfViewMiddleware,
    _check_token_format,
    _does_token_match,
)
from django.test import RequestFactory

from core import csrf


def middleware_request(cookie=None):
    request = RequestFactory().get("/")
    if cookie:
        request.COOKIES["csrftoken"] = cookie
    CsrfViewMiddleware(lambda request: HttpResponse()).process_request(request)
    return request


def post_with(cookie, token):
    request = RequestFactory().post("/", {"csrfmiddlewaretoken": token})
    if cookie is not None:
        request.COOKIES["csrftoken"] = cookie
    middleware = CsrfViewMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    return middleware.process_view(request, lambda request: HttpResponse(), (), {})


class TestRandomString:
    def test_it_draws_from_djangos_csrf_alphabet(self):
        text = csrf.random_string()
        assert len(text) == CSRF_SECRET_LENGTH
        assert set(text) <= set(CSRF_ALLOWED_CHARS)

    def test_it_draws_every_character_about_equally_often(self):
        counts = Counter("".join(csrf.random_string(1000) for _ in range(62)))
        assert set(counts) == set(CSRF_ALLOWED_CHARS)
        # 62,000 draws, 1,000 expected per character: ±25 % is ~8 standard deviations.
        assert 750 < min(counts.values()) <= max(counts.values()) < 1250

    def test_it_never_repeats_itself(self):
        assert len({csrf.random_string() for _ in range(1000)}) == 1000


class TestGetToken:
    def test_it_makes_a_secret_the_middleware_sets_as_the_cookie(self):
        request = middleware_request()
        token = csrf.get_token(request)
        secret = request.META["CSRF_COOKIE"]
        assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
        _check_token_format(token)
        assert _does_token_match(token, secret)
        response = CsrfViewMiddleware(lambda r: HttpResponse()).process_response(
            request, HttpResponse()
        )
        assert response.cookies["csrftoken"].value == secret

    def test_it_reuses_the_visitors_secret(self):
        secret = csrf.random_string()
        request = middleware_request(cookie=secret)
        first, second = csrf.get_token(request), csrf.get_token(request)
        assert request.META["CSRF_COOKIE"] == secret
        assert first != second  # masked afresh each time, like Django's
        assert _does_token_match(first, secret) and _does_token_match(second, secret)

    def test_its_token_passes_djangos_check_on_post(self):
        request = middleware_request()
        token = csrf.get_token(request)
        assert post_with(request.META["CSRF_COOKIE"], token) is None  # accepted

    @pytest.mark.parametrize("cookie", [None, "x" * CSRF_SECRET_LENGTH], ids=["none", "another"])
    def test_its_token_fails_without_its_cookie(self, cookie):
        token = csrf.get_token(middleware_request())
        assert post_with(cookie, token).status_code == 403
