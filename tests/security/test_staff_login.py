"""Staff login protection: lockout after repeated failures (django-axes), optional two-factor
(django-otp TOTP), password rules, a configurable admin URL."""

import datetime
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.admin import OTPAdminSite
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.config.test_settings import ROOT

LOGIN = "/admin/login/"
PASSWORD = "pw-staff-12345"


def log_in(client, password, username="staff", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def is_logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Every login here hashes a password; the production hasher takes ~0.3 s each time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
class TestLockout:
    def test_it_locks_out_after_five_failures(self, client, staff_user):
        statuses = [log_in(client, "wrong").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]

    def test_the_right_password_does_not_get_in_while_locked(self, client, staff_user):
        for _ in range(5):
            log_in(client, "wrong")
        response = log_in(client, PASSWORD)
        assert response.status_code == 429
        assert not is_logged_in(client)

    def test_the_lockout_page_says_how_long_to_wait(self, client, staff_user):
        for _ in range(4):
            log_in(client, "wrong")
        response = log_in(client, "wrong")
        html = response.content.decode()
        assert "Too many failed logins" in html
        assert "try again in 15 minutes" in html
        assert response["Retry-After"] == "900"
        assert 'class="site-header"' in html

    def test_the_limit_and_cooloff_come_from_settings(self, client, staff_user, settings):
        settings.AXES_FAILURE_LIMIT = 2
        settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)
        statuses = [log_in(client, "wrong").status_code for _ in range(2)]
        assert statuses == [200, 429]
        assert "try again in 1 minute." in log_in(client, "wrong").content.decode()

    def test_it_lets_the_user_in_after_the_cooloff(self, client, staff_user):
        for _ in range(5):
            log_in(client, "wrong")
        AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
        assert log_in(client, PASSWORD).status_code == 302
        assert is_logged_in(client)

    def test_it_locks_the_username_from_that_ip_only(self, client, staff_user):
        for _ in range(5):
            log_in(client, "wrong", REMOTE_ADDR="203.0.113.7")
        assert log_in(client, PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302

    def test_a_success_resets_the_failures(self, client, staff_user):
        for _ in range(4):
            log_in(client, "wrong")
        assert log_in(client, PASSWORD).status_code == 302
        client.logout()
        assert [log_in(client, "wrong").status_code for _ in range(4)] == [200] * 4

    def test_a_spoofed_forwarded_for_does_not_escape_the_lockout(self, client, staff_user):
        # TRUSTED_PROXY_COUNT=0: X-Forwarded-For is the client's own claim, ignored.
        statuses = [
            log_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
            for n in range(5)
        ]
        assert statuses[-1] == 429

    def test_behind_a_proxy_it_uses_the_forwarded_client_ip(self, client, staff_user, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        for _ in range(5):
            log_in(client, "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1")
        assert log_in(client, "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
        response = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.2")
        assert response.status_code == 302


class TestPasswordRules:
    @pytest.mark.parametrize(
        "password", ["short-pw-1", "a1b2c3d4e5f", "password1234", "1234567890123"]
    )
    def test_it_refuses_weak_passwords(self, password):
        with pytest.raises(ValidationError):
            validate_password(password)

    def test_it_accepts_a_long_uncommon_one(self):
        assert validate_password("correct horse battery staple") is None  # raises if refused


@pytest.fixture
def otp_admin(monkeypatch):
    """The admin as STAFF_2FA_REQUIRED=true makes it (config.urls swaps the class)."""
    monkeypatch.setattr(admin.site, "__class__", OTPAdminSite)


@pytest.fixture
def device(staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    return TOTPDevice.objects.create(user=staff_user, name="phone", confirmed=True)


def code(device):
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


@pytest.mark.django_db
class TestTwoFactor:
    def test_the_admin_asks_for_a_code(self, client, otp_admin):
        assert 'name="otp_token"' in client.get(LOGIN).content.decode()

    def test_password_and_code_let_staff_in(self, client, otp_admin, device):
        # The password first: the form then offers the user's devices (django-otp's flow).
        first = client.post(LOGIN, {"username": "staff", "password": PASSWORD})
        assert f'value="{device.persistent_id}"' in first.content.decode()
        data = {
            "username": "staff",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": code(device),
        }
        assert client.post(LOGIN, data).status_code == 302
        assert client.get("/admin/").status_code == 200

    def test_a_wrong_code_keeps_staff_out(self, client, otp_admin, device):
        data = {
            "username": "staff",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": "000000",
        }
        if code(device) == "000000":  # one chance in a million
            data["otp_token"] = "111111"
        assert client.post(LOGIN, data).status_code == 200
        assert not is_logged_in(client)

    def test_a_password_alone_is_not_enough(self, client, otp_admin, device):
        response = client.post(LOGIN, {"username": "staff", "password": PASSWORD})
        assert response.status_code == 200
        assert not is_logged_in(client)

    def test_a_session_without_a_code_is_not_staff(self, client, otp_admin, device, staff_user):
        client.force_login(staff_user)
        assert client.get("/admin/").status_code == 302

    def test_without_the_switch_a_password_is_enough(self, client, device):
        assert client.post(LOGIN, {"username": "staff", "password": PASSWORD}).status_code == 302

    def test_superusers_manage_devices_in_the_admin(self, client, superuser, device):
        client.force_login(superuser)
        response = client.get("/admin/otp_totp/totpdevice/")
        assert response.status_code == 200
        assert "phone" in response.content.decode()


def run_django(statement, **env):
    """``statement``'s output in a fresh process whose settings see ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in {"STAFF_2FA_REQUIRED", "ADMIN_URL"}}
    result = subprocess.run(  # noqa: S603 (fixed argv, our own code)
        [sys.executable, "-c", f"import django; django.setup(); {statement}"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


class TestSwitches:
    # admin.site is a lazy proxy: __class__ is the class of the site behind it.
    SITE_CLASS = "import config.urls; print(config.urls.admin.site.__class__.__name__)"

    def test_staff_2fa_required_switches_the_admin_site(self):
        assert run_django(self.SITE_CLASS) == "AdminSite"
        assert run_django(self.SITE_CLASS, STAFF_2FA_REQUIRED="true") == "OTPAdminSite"

    def test_the_admin_url_is_configurable(self):
        statement = "from django.urls import reverse; print(reverse('admin:index'))"
        assert run_django(statement, ADMIN_URL="staff-only-7f3a/") == "/staff-only-7f3a/"
