"""Production settings refuse unsafe configurations and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    # make test sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; --deploy rightly flags it.
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PRODUCTION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(  # noqa: S603 (fixed argv, our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_env(**overrides):
    return {
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "campaign.example.org",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    } | overrides


class TestProductionSettings:
    def test_it_passes_check_deploy_without_warnings(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
        assert result.returncode == 0, result.stderr + result.stdout
        assert "no issues" in result.stdout

    def test_it_refuses_debug_on(self):
        result = manage("check", **production_env(DEBUG="true"))
        assert result.returncode != 0
        assert "refuses to run with DEBUG on" in result.stderr

    @pytest.mark.parametrize("key", ["", "dev-only-insecure-secret-key-change-me", "short"])
    def test_it_refuses_a_default_or_weak_secret_key(self, key):
        env = production_env(SECRET_KEY=key)
        if not key:
            del env["SECRET_KEY"]
        result = manage("check", **env)
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr

    def test_it_reports_a_console_mailer_in_production(self):
        result = manage("check", "--deploy", **production_env(EMAIL_URL="console://"))
        assert result.returncode != 0
        assert "mail.E001" in result.stderr + result.stdout
