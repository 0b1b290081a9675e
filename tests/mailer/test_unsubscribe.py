import email
import email.policy
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client

from core.headers import has_line_break
from mailer import outbox, unsubscribe

KIND = "test.newsletter"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def subscriptions():
    """A kind registered for the test: ``{key: subscribed?}``."""
    state = {"42": True}
    unsubscribe.register(
        KIND,
        describe=lambda key: f"the test letter #{key}" if key in state else None,
        unsubscribe=lambda key: state.update({key: False}) if key in state else None,
    )
    yield state
    unsubscribe._kinds.pop(KIND)


@pytest.fixture
def url(subscriptions):
    return urlsplit(unsubscribe.link(KIND, 42).url).path


class TestHeaders:
    def test_it_gives_both_rfc_8058_headers(self, subscriptions, settings):
        headers = unsubscribe.unsubscribe_headers(KIND, 42)
        assert set(headers) == {"List-Unsubscribe", "List-Unsubscribe-Post"}
        assert re.fullmatch(
            rf"<{re.escape(settings.SITE_URL)}/unsubscribe/[^/\s<>]+/>", headers["List-Unsubscribe"]
        )
        assert headers["List-Unsubscribe-Post"] == ONE_CLICK
        assert not any(has_line_break(value) for value in headers.values())

    def test_the_token_is_signed_not_a_bare_id(self, subscriptions):
        url = unsubscribe.link(KIND, 42).url
        token = url.rstrip("/").rsplit("/", 1)[1]
        assert token != "42"
        assert unsubscribe.parse(token)[1] == "42"
        assert unsubscribe.parse(token.replace(token[-4:], "AAAA")) is None

    def test_it_refuses_an_unregistered_kind(self, db):
        with pytest.raises(LookupError):
            unsubscribe.unsubscribe_headers("nobody.registered.this", 1)

    def test_it_refuses_an_url_too_long_for_one_header_line(self, subscriptions, settings):
        settings.SITE_URL = "https://example.org/" + "x" * 900
        with pytest.raises(ValidationError):
            unsubscribe.unsubscribe_headers(KIND, 42)

    def test_it_refuses_a_site_url_that_would_inject_a_header(self, subscriptions, settings):
        settings.SITE_URL = "https://example.org\r\nBcc: x@evil.test"
        with pytest.raises(ValidationError):
            unsubscribe.unsubscribe_headers(KIND, 42)


@pytest.mark.django_db
class TestPage:
    def test_get_shows_a_button_and_changes_nothing(self, client, url, subscriptions):
        response = client.get(url)
        assert response.status_code == 200
        assert "the test letter #42" in response.text
        assert '<form method="post"' in response.text
        assert 'name="List-Unsubscribe" value="One-Click"' in response.text
        assert subscriptions["42"] is True

    def test_head_changes_nothing(self, client, url, subscriptions):
        client.head(url)
        assert subscriptions["42"] is True

    def test_it_is_never_cached(self, client, url):
        assert "no-store" in client.get(url)["Cache-Control"]

    def test_the_pages_button_unsubscribes(self, client, url, subscriptions):
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert "You are unsubscribed" in response.text
        assert subscriptions["42"] is False

    def test_it_says_so_when_the_subscription_is_gone(self, client, subscriptions):
        response = client.get(urlsplit(unsubscribe.link(KIND, 7).url).path)
        assert response.status_code == 200
        assert "no longer exists" in response.text
        assert "<form" not in response.text.split('id="main"')[1]


@pytest.mark.django_db
class TestOneClick:
    def post(self, url, body=ONE_CLICK):
        # As a mail client does it: no cookie, no CSRF token, the RFC 8058 body.
        client = Client(enforce_csrf_checks=True)
        return client.post(url, body, content_type=FORM)

    def test_a_mail_clients_post_unsubscribes_without_csrf_token(self, url, subscriptions):
        response = self.post(url)
        assert response.status_code == 200
        assert subscriptions["42"] is False

    def test_it_is_idempotent(self, url, subscriptions):
        assert self.post(url).status_code == 200
        assert self.post(url).status_code == 200
        assert subscriptions["42"] is False

    def test_it_refuses_a_tampered_token(self, url, subscriptions):
        tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
        response = self.post(tampered)
        assert response.status_code == 400
        assert "This link does not work" in response.text
        assert subscriptions["42"] is True

    def test_it_refuses_a_token_signed_for_something_else(self, subscriptions):
        token = signing.Signer(salt="petitions.signature.confirm").sign_object([KIND, "42"])
        assert self.post(f"/unsubscribe/{token}/").status_code == 400
        assert subscriptions["42"] is True

    def test_it_refuses_a_token_of_a_kind_nobody_registers(self, db):
        token = signing.Signer(salt=unsubscribe.SALT).sign_object(["gone.kind", "42"])
        assert self.post(f"/unsubscribe/{token}/").status_code == 400

    def test_it_refuses_garbage(self, db):
        assert self.post("/unsubscribe/not-a-token/").status_code == 400

    def test_other_methods_are_not_allowed(self, url, subscriptions):
        assert Client().put(url).status_code == 405
        assert subscriptions["42"] is True


@pytest.mark.django_db
class TestSerialisedMail:
    """Python folds long headers without whitespace into RFC 2047 encoded words, which mail
    providers do not decode in List-Unsubscribe: the outbox's mails keep it on one line."""

    @pytest.fixture
    def mail_bytes(self, subscriptions, settings):
        settings.SITE_URL = "https://sister-city-campaign.example.org"
        message = outbox.queue(
            to_email="fan@example.org",
            subject="News " * 30,
            body_text="한국어 " * 50,
            category="test",
            headers=unsubscribe.unsubscribe_headers(KIND, 42),
        )
        return message, message.build_email().message(policy=email.policy.SMTP).as_bytes()

    def test_it_writes_list_unsubscribe_as_one_plain_line(self, mail_bytes):
        message, raw = mail_bytes
        header = message.headers["List-Unsubscribe"]
        assert len("List-Unsubscribe: " + header) > 78  # what Python would otherwise fold
        assert f"List-Unsubscribe: {header}\r\n".encode() in raw
        assert b"=?utf-8?" not in raw.split(b"\r\n\r\n")[0]
        assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw

    def test_it_parses_back_to_the_same_url(self, mail_bytes):
        message, raw = mail_bytes
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["List-Unsubscribe"] == message.headers["List-Unsubscribe"]
        assert parsed["Subject"] == message.subject

    def test_it_still_folds_the_other_headers(self, mail_bytes):
        _message, raw = mail_bytes
        head = raw.split(b"\r\n\r\n")[0].decode()
        subject = head[head.index("Subject: ") :].split("\r\nFrom:")[0].split("\r\n")
        assert len(subject) > 1 and max(len(line) for line in subject) <= 78
