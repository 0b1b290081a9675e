import pytest
from django.core.exceptions import ImproperlyConfigured

from core.mailurl import mailer_from_url


class TestMailerFromUrl:
    def test_it_maps_console(self):
        assert mailer_from_url("console://") == {
            "BACKEND": "django.core.mail.backends.console.EmailBackend",
            "OPTIONS": {},
        }

    def test_it_maps_file_with_path(self):
        config = mailer_from_url("file:///srv/mail")
        assert config["BACKEND"].endswith("filebased.EmailBackend")
        assert config["OPTIONS"] == {"file_path": "/srv/mail"}

    def test_it_maps_smtp_with_starttls_and_quoted_credentials(self):
        config = mailer_from_url("smtp+tls://user%40x.org:p%3Ass@mail.example.org:587")
        assert config["OPTIONS"] == {
            "host": "mail.example.org",
            "port": 587,
            "username": "user@x.org",
            "password": "p:ss",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 20,
        }

    def test_it_maps_smtps_to_implicit_tls_on_465(self):
        options = mailer_from_url("smtps://relay.example.org")["OPTIONS"]
        assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)

    def test_it_maps_an_anymail_esp(self):
        assert mailer_from_url("anymail://postmark")["BACKEND"] == (
            "anymail.backends.postmark.EmailBackend"
        )

    @pytest.mark.parametrize("url", ["gopher://x", "anymail://not-an-esp!"])
    def test_it_rejects_unknown_schemes(self, url):
        with pytest.raises(ImproperlyConfigured):
            mailer_from_url(url)
