"""PostgreSQL down: every page answers a clear 503 "back soon" page and nothing is half-written."""

import contextlib

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from comments.models import Comment, Commenter
from core.middleware import DatabaseUnavailableMiddleware
from mailer.models import OutboxMessage
from petitions.models import Signature
from tests import factories
from tests.security.faults import database_down

SIGNER = {
    "name": "Jane Doe",
    "email": "jane@example.invalid",
    "country": "GB",
    "city": "",
    "comment": "",
    "website": "",
}


@pytest.fixture
def petition(transactional_db, settings):
    settings.PETITION_SIGN_RATES_PER_IP = ["1000/60"]
    return factories.petition(factories.campaign(slug="bucheon-bakersfield"))


def assert_back_soon(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Back in a moment" in html
    assert "nothing was saved" in html
    assert 'class="site-header"' in html  # the site's own design (base.html)


@contextlib.contextmanager
def failing(statement_start):
    """The database refuses statements starting with ``statement_start`` (as if it died just
    then), through Django's documented hook around every query."""

    def refuse(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(statement_start.upper()):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


@pytest.mark.django_db(transaction=True)
class TestDatabaseDown:
    def test_it_answers_every_page_with_the_503_page(self, client, petition):
        paths = [
            "/",
            "/us/",
            "/campaigns/bucheon-bakersfield/",
            "/status.json",
            "/comments/1/reply/",
        ]
        with database_down():
            for path in paths:
                assert_back_soon(client.get(path))

    def test_it_answers_logged_in_staff_too(self, client, petition, superuser):
        client.force_login(superuser)  # their session lives in the database
        with database_down():
            response = client.get("/campaigns/bucheon-bakersfield/")
        assert_back_soon(response)

    def test_a_sign_post_during_the_outage_leaves_no_row(self, client, petition, mailoutbox):
        with database_down():
            response = client.post("/campaigns/bucheon-bakersfield/sign/", SIGNER)
        assert_back_soon(response)
        assert not Signature.objects.exists()
        assert not OutboxMessage.objects.exists()
        assert mailoutbox == []

    def test_the_site_serves_again_once_the_database_is_back(self, client, petition):
        with database_down():
            assert client.get("/").status_code == 503
        assert client.get("/campaigns/bucheon-bakersfield/").status_code == 200


@pytest.mark.django_db(transaction=True)
class TestDatabaseDyingMidRequest:
    """A comment post writes the commenter, the comment, its moderation log entry and a
    confirmation mail: the database failing on the third write must leave none of them."""

    COMMENT = {"name": "Jane Doe", "email": "jane@example.invalid", "text": "Well done!"}

    def test_it_keeps_nothing_of_a_half_done_comment(self, client, petition, settings):
        settings.COMMENT_RATES_PER_IP = settings.COMMENT_RATES_PER_EMAIL = ["1000/60"]
        with failing('INSERT INTO "comments_moderationaction"'):
            response = client.post("/comments/campaigns/bucheon-bakersfield/", self.COMMENT)
        assert_back_soon(response)
        assert not Commenter.objects.exists()
        assert not Comment.objects.exists()
        assert not OutboxMessage.objects.exists()

    def test_the_same_post_succeeds_once_the_database_answers(self, client, petition, settings):
        settings.COMMENT_RATES_PER_IP = settings.COMMENT_RATES_PER_EMAIL = ["1000/60"]
        with failing('INSERT INTO "comments_moderationaction"'):
            client.post("/comments/campaigns/bucheon-bakersfield/", self.COMMENT)
        response = client.post("/comments/campaigns/bucheon-bakersfield/", self.COMMENT)
        assert response.status_code == 302
        assert Comment.objects.get().text == "Well done!"


class TestMiddleware:
    def test_it_leaves_other_errors_to_django(self):
        middleware = DatabaseUnavailableMiddleware(lambda request: None)
        request = RequestFactory().get("/")
        assert middleware.process_exception(request, ValueError("a bug")) is None

    @pytest.mark.django_db
    def test_the_page_renders_without_touching_the_database(self, django_assert_num_queries):
        middleware = DatabaseUnavailableMiddleware(lambda request: None)
        request = RequestFactory().get("/somewhere/")
        with django_assert_num_queries(0):
            response = middleware.process_exception(request, OperationalError("down"))
        assert_back_soon(response)
