import threading

import pytest
from django.db import connection
from django.test import Client

from core.iphash import hash_ip
from mailer.models import OutboxMessage
from petitions.models import Signature

from .helpers import link_in

FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}


@pytest.mark.django_db
class TestRateLimitPerIp:
    @pytest.fixture(autouse=True)
    def _strict(self, settings):
        settings.PETITION_SIGN_RATES_PER_IP = ["1/60"]

    def test_it_answers_a_friendly_429_page(self, sign):
        assert sign().status_code == 302
        response = sign({"email": "second@example.invalid"})
        assert response.status_code == 429
        assert "Please slow down" in response.content.decode()
        assert "site-header" in response.content.decode()  # the site's own design
        assert Signature.objects.count() == 1

    def test_it_answers_in_place_too(self, sign):
        sign()
        response = sign({"email": "second@example.invalid"}, headers=FETCH)
        assert response.status_code == 429
        assert "Too many signatures" in response.json()["html"]

    def test_it_does_not_count_invalid_submissions(self, sign):
        assert sign({"email": "typo"}).status_code == 200
        assert sign().status_code == 302

    def test_it_limits_each_address_separately(self, sign):
        assert sign(REMOTE_ADDR="198.51.100.1").status_code == 302
        other = sign({"email": "second@example.invalid"}, REMOTE_ADDR="198.51.100.2")
        assert other.status_code == 302


@pytest.mark.django_db
class TestRateLimitPerPetition:
    def test_it_answers_429_when_the_petition_gets_too_many(self, sign, settings):
        settings.PETITION_SIGN_RATES_PER_PETITION = ["2/60"]
        for n in range(2):
            assert sign({"email": f"s{n}@example.invalid"}, REMOTE_ADDR=f"192.0.2.{n}").status_code
        response = sign({"email": "s9@example.invalid"}, REMOTE_ADDR="192.0.2.9")
        assert response.status_code == 429
        assert Signature.objects.count() == 2


@pytest.mark.django_db
class TestForwardedFor:
    @pytest.fixture(autouse=True)
    def _strict(self, settings):
        settings.PETITION_SIGN_RATES_PER_IP = ["1/60"]

    def post(self, sign, n, forwarded_for):
        return sign(
            {"email": f"s{n}@example.invalid"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    def test_it_ignores_a_spoofed_header_by_default(self, sign):
        assert self.post(sign, 1, "198.51.100.1").status_code == 302
        assert self.post(sign, 2, "198.51.100.2").status_code == 429
        assert Signature.objects.get().ip_hash == hash_ip("10.0.0.1")

    def test_it_trusts_the_header_behind_a_configured_proxy(self, sign, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert self.post(sign, 1, "198.51.100.1").status_code == 302
        assert self.post(sign, 2, "6.6.6.6, 198.51.100.2").status_code == 302
        assert set(Signature.objects.values_list("ip_hash", flat=True)) == {
            hash_ip("198.51.100.1"),
            hash_ip("198.51.100.2"),
        }


@pytest.mark.django_db
class TestHoneypot:
    def test_it_answers_like_a_real_signature_and_stores_nothing(self, sign, mailoutbox):
        response = sign({"website": "http://spam.invalid"})
        assert response.status_code == 302
        assert response["Location"].endswith("/sign/sent/")
        assert not Signature.objects.exists()
        assert not OutboxMessage.objects.exists()
        assert mailoutbox == []

    def test_it_answers_in_place_exactly_like_a_real_signature(self, sign):
        bot = sign({"website": "x", "email": "bot@example.invalid"}, headers=FETCH)
        human = sign(headers=FETCH)
        assert bot.content == human.content
        assert Signature.objects.count() == 1


@pytest.mark.django_db
class TestHostileInput:
    HOSTILE = "<script>alert(1)</script> Doe"

    def test_it_escapes_a_name_with_markup_in_pages_and_mail(self, sign, client, mailoutbox):
        sign({"name": self.HOSTILE})
        confirm_url = link_in(mailoutbox[0].body, "confirm")
        pages = [client.get(confirm_url)]
        pages.append(client.get(client.post(confirm_url)["Location"]))
        for html in [
            *(page.content.decode() for page in pages),
            mailoutbox[0].alternatives[0].content,
        ]:
            assert "<script>alert" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert Signature.objects.get().name == self.HOSTILE  # stored as typed

    def test_it_keeps_plain_text_mail_plain(self, sign, mailoutbox):
        sign({"name": "Jane & <Joe>"})
        assert "Hello Jane," in mailoutbox[0].body
        assert "&amp;" not in mailoutbox[0].body

    @pytest.mark.parametrize(
        "field, value",
        [
            ("name", "Jane\r\nBcc: victim@example.invalid"),
            ("name", "Jane\nDoe"),
            ("name", "Jane\u2028Doe"),
            ("email", "jane@example.invalid\r\nBcc: victim@example.invalid"),
            ("email", "jane@example.invalid\nX: y"),
        ],
    )
    def test_it_refuses_line_breaks_in_header_fields(self, sign, field, value, mailoutbox):
        response = sign({field: value})
        assert response.status_code == 200
        assert f'id="sign-{field}_error"' in response.content.decode()
        assert not Signature.objects.exists() and mailoutbox == []

    @pytest.mark.parametrize(
        "field, value",
        [
            ("name", "n" * 101),
            ("email", "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "invalid"),  # 255 characters
            ("city", "c" * 101),
            ("comment", "c" * 501),
            ("country", "Narnia"),
        ],
    )
    def test_it_refuses_oversize_or_unknown_values(self, sign, field, value):
        response = sign({field: value})
        assert response.status_code == 200
        assert f'id="sign-{field}_error"' in response.content.decode()
        assert not Signature.objects.exists()

    def test_it_needs_the_csrf_token(self, sign_url, form_data):
        response = Client(enforce_csrf_checks=True).post(sign_url, form_data)
        assert response.status_code == 403
        assert not Signature.objects.exists()


@pytest.mark.django_db(transaction=True)
class TestConcurrentSigning:
    def test_it_keeps_one_row_and_never_fails(self, sign_url, form_data):
        emails = ["jane@example.invalid", "JANE@example.invalid", " Jane@Example.Invalid "] * 2
        start = threading.Barrier(len(emails))
        statuses = []

        def post(email):
            try:
                start.wait()
                response = Client().post(sign_url, {**form_data, "email": email})
                statuses.append(response.status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(email,)) for email in emails]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [302] * len(emails)
        assert Signature.objects.count() == 1
        assert OutboxMessage.objects.count() == 1
