"""Error pages (400, 403, 404, 429, 500 and the CSRF failure) in the site's design, in English
and Korean. Django renders 500 without a request context; it must also work without the
database."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from tests import factories

pytestmark = pytest.mark.django_db

KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def request():
    made = RequestFactory().get("/")
    made.user = AnonymousUser()
    return made


class TestNotFound:
    def test_it_answers_404_with_the_site_frame(self, client):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "Page not found" in response.text
        assert 'class="site-header"' in response.text
        assert reverse("campaigns:us_centre") in response.text

    def test_it_answers_404_in_korean_to_a_korean_browser(self, client):
        response = client.get("/no-such-page/", **KO)
        assert response.status_code == 404
        assert '<html lang="ko">' in response.text
        assert "페이지를 찾을 수 없습니다" in response.text
        assert "Page not found" not in response.text

    def test_it_offers_the_language_switcher_on_the_404_page(self, client):
        response = client.get("/no-such-page/")
        assert 'action="/i18n/setlang/"' in response.text
        assert 'name="next" value="/no-such-page/"' in response.text


class TestForbidden:
    def test_it_answers_403_in_korean(self, client, staff_user):
        client.force_login(staff_user)
        response = client.get(reverse("moderation:held"), **KO)
        assert response.status_code == 403
        assert "접근할 수 없습니다" in response.text
        assert "오류 403" in response.text

    def test_it_explains_a_failed_csrf_check(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("set_language"), {"language": "ko"}, **KO)
        assert response.status_code == 403
        assert "다시 시도해 주세요" in response.text
        assert 'class="site-header"' in response.text


class TestTooManyRequests:
    def test_it_answers_429_in_korean(self, client, settings):
        settings.PETITION_SIGN_RATES_PER_IP = ["1/60"]
        petition = factories.petition()
        url = reverse("petitions:sign", args=[petition.campaign.slug])
        for email in ("first@example.invalid", "second@example.invalid"):
            response = client.post(url, {"name": "Jane", "email": email, "country": "GB"}, **KO)
        assert response.status_code == 429
        assert "잠시 기다려 주세요" in response.text
        assert "캠페인으로 돌아가기" in response.text


class TestRenderedWithoutRequestContext:
    @pytest.mark.parametrize("language", ["en", "ko"])
    def test_it_renders_500_without_the_database(self, language, django_assert_num_queries):
        with translation.override(language), django_assert_num_queries(0):
            response = defaults.server_error(request())
        html = response.content.decode()
        assert response.status_code == 500
        assert f'<html lang="{language}">' in html
        assert "css/site.css" in html
        expected = {"en": "Something went wrong", "ko": "문제가 생겼습니다"}[language]
        assert expected in html

    def test_it_renders_400_in_korean(self):
        with translation.override("ko"):
            response = defaults.bad_request(request(), Exception())
        html = response.content.decode()
        assert response.status_code == 400
        assert "잘못된 요청" in html
        assert 'class="site-header"' in html

    def test_it_leaves_the_language_switcher_out_of_a_page_rendered_without_a_request(self):
        """Without a request context there is no CSRF token for the switcher's POST."""
        with translation.override("en"):
            html = render_to_string("404.html")
        assert "Page not found" in html
        assert "/i18n/setlang/" not in html
