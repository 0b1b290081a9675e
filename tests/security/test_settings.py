"""Production security settings, response headers, JSON logging and optional Sentry.

Settings are read once per process, so production ones are checked in a fresh process with
the production environment (``tests.config.test_settings``' helpers).
"""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core.logging import JsonFormatter
from tests.config.test_settings import ROOT, manage, production_env

SETTINGS_DUMP = """
import json, sys
import django
django.setup()
from django.conf import settings as s
names = sys.argv[1:]
print(json.dumps({name: getattr(s, name, None) for name in names}, default=str))
"""


def settings_in(env, *names):
    """The values of ``names`` in a fresh process with ``env`` (and ours, minus debug ones)."""
    result = run_python(SETTINGS_DUMP, *names, **env)
    return json.loads(result.stdout)


def run_python(code, *args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PRODUCTION", "SENTRY_DSN", "LOG_FORMAT"}
    }
    return subprocess.run(  # noqa: S603 (fixed argv, our own code)
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestProductionSecurity:
    def test_it_turns_on_https_hsts_and_secure_cookies(self):
        values = settings_in(
            production_env(),
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE",
            "CSRF_COOKIE_SECURE",
            "CSRF_COOKIE_HTTPONLY",
            "SECURE_REFERRER_POLICY",
            "SECURE_REDIRECT_EXEMPT",
            "SECURE_PROXY_SSL_HEADER",
        )
        assert values == {
            "SECURE_SSL_REDIRECT": True,
            "SECURE_HSTS_SECONDS": 31536000,
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
            "SECURE_HSTS_PRELOAD": False,  # an opt-in: leaving the preload list takes months
            "SESSION_COOKIE_SECURE": True,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "CSRF_COOKIE_SECURE": True,
            "CSRF_COOKIE_HTTPONLY": True,
            "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
            "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
            "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        }

    def test_hsts_is_tunable_and_preload_can_be_opted_into(self):
        env = production_env(
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
            SECURE_HSTS_PRELOAD="true",
        )
        values = settings_in(
            env, "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"
        )
        assert values == {
            "SECURE_HSTS_SECONDS": 600,
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
            "SECURE_HSTS_PRELOAD": True,
        }

    def test_check_deploy_is_clean_with_preload_on_too(self):
        env = production_env(SECURE_HSTS_PRELOAD="true")
        result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
        assert result.returncode == 0, result.stderr + result.stdout

    @pytest.mark.django_db
    def test_the_healthz_probe_is_not_redirected_to_https(self, client, settings):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
        assert client.get("/status.json").status_code == 301
        assert client.get("/healthz").status_code in (200, 503)


class TestHeaders:
    def test_the_csp_never_allows_inline_or_eval(self):
        for directive, sources in settings.SECURE_CSP.items():
            for source in sources:
                assert "unsafe" not in str(source).lower(), (directive, source)

    @pytest.mark.django_db
    def test_pages_send_the_csp_and_permissions_policy(self, client):
        response = client.get("/")
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp
        assert response["Permissions-Policy"] == (
            "camera=(), microphone=(), geolocation=(), interest-cohort=(), browsing-topics=()"
        )
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"

    @pytest.mark.django_db
    def test_the_admin_gets_them_too(self, client):
        response = client.get("/admin/login/")
        assert "Permissions-Policy" in response
        assert "unsafe-inline" not in response["Content-Security-Policy"]


LOG_A_LINE = """
import logging
import sys
import django
django.setup()
logging.getLogger("sistercity.test").warning("hello %s", "world", extra={"petition": 7})
print("sentry_sdk" in sys.modules)
"""


class TestLogging:
    def test_log_format_json_writes_one_object_per_line(self):
        result = run_python(LOG_A_LINE, LOG_FORMAT="json")
        assert result.returncode == 0, result.stderr
        line = json.loads(result.stderr.strip().splitlines()[-1])
        assert line["message"] == "hello world"
        assert line["level"] == "WARNING"
        assert line["logger"] == "sistercity.test"
        assert line["petition"] == 7
        assert line["time"].endswith("+00:00")

    def test_text_is_the_default(self):
        result = run_python(LOG_A_LINE)
        assert " WARNING sistercity.test hello world" in result.stderr
        assert result.stdout.strip() == "False"  # and no Sentry without a DSN

    def test_an_unknown_log_format_is_refused(self):
        result = run_python(LOG_A_LINE, LOG_FORMAT="xml")
        assert result.returncode != 0
        assert "LOG_FORMAT must be json or text" in result.stderr

    def test_the_formatter_keeps_the_traceback_in_the_record(self):
        try:
            raise ValueError("broken")
        except ValueError:
            record = logging.getLogger("x").makeRecord(
                "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
            )
        entry = json.loads(JsonFormatter().format(record))
        assert entry["message"] == "failed"
        assert "ValueError: broken" in entry["exception"]


SENTRY_STATE = """
import django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(client.is_active(), client.options["send_default_pii"], sorted(client.integrations))
"""


class TestSentry:
    def test_a_dsn_turns_on_sentry_without_personal_data(self):
        # A DSN on a closed local port: nothing is sent (no event), nothing leaves the machine.
        result = run_python(SENTRY_STATE, SENTRY_DSN="http://public@127.0.0.1:9/1")
        assert result.returncode == 0, result.stderr
        active, pii, integrations = result.stdout.split(" ", 2)
        assert (active, pii) == ("True", "False")
        assert "'django'" in integrations and "'celery'" in integrations
