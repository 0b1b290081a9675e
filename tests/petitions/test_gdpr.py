"""A person's data by email address: find, export (JSON), erase after confirmation."""

import json

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from core import personal_data
from core.iphash import hash_ip
from mailer.models import OutboxMessage
from mailer.outbox import queue
from petitions.models import Signature
from tests import factories

CONFIRMED = Signature.Status.CONFIRMED
URL = "admin:petitions_signature_personal_data"


def mail_to(email, subject="Please confirm", status=OutboxMessage.Status.QUEUED):
    message = queue(
        to_email=email, to_name="Jane", subject=subject, body_text="Hello", category="test"
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=status)
    return message


@pytest.fixture
def jane(db):
    """Jane signed two petitions (with different spellings of her address) and got mail."""
    first, second = factories.petition(), factories.petition(title="Second petition")
    factories.signature(
        first,
        name="Jane Doe",
        email="Jane.Doe@Example.org",
        country="GB",
        city="Leeds",
        comment="Peace",
        status=CONFIRMED,
        ip_hash=hash_ip("198.51.100.7"),
    )
    factories.signature(second, name="Jane D.", email=" jane.doe@example.org ", country="GB")
    mail_to("Jane.Doe@Example.org", subject="Please confirm your signature")
    mail_to("jane.doe@example.org", subject="Thank you", status=OutboxMessage.Status.SENT)
    return {"petitions": (first, second)}


@pytest.fixture
def others(db):
    """Someone else's data, which must survive Jane's requests."""
    petition = factories.petition()
    signature = factories.signature(petition, email="john@example.org", status=CONFIRMED)
    mail_to("john@example.org")
    mail_to("jane.doe@example.org.evil.example")
    return signature


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def post(client, action, email="JANE.DOE@example.org", **data):
    return client.post(reverse(URL), {"email": email, "action": action, **data})


@pytest.mark.django_db
class TestFind:
    def test_it_summarises_what_we_hold(self, admin_client, jane, others):
        response = post(admin_client, "find")
        assert response.status_code == 200
        assert response.context["summary"] == {
            "signatures": 2,
            "comments": 0,
            "commenter": 0,
            "emails": 2,
            "responses": 0,
            "followers": 0,
        }
        assert "<li>2 signatures</li>" in response.text
        assert "<li>2 emails</li>" in response.text

    def test_it_rejects_a_malformed_address(self, admin_client, jane):
        response = post(admin_client, "find", email="not an address")
        assert "Enter a valid email address." in response.text
        assert "summary" not in response.context

    def test_it_escapes_the_address(self, admin_client, db):
        response = post(admin_client, "find", email='"<script>x</script>"@example.org')
        assert "<script>x</script>" not in response.text


@pytest.mark.django_db
class TestExport:
    def test_it_downloads_everything_we_hold_as_json(self, admin_client, jane, others):
        response = post(admin_client, "export")
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
        data = json.loads(response.content)
        assert data["email"] == "jane.doe@example.org"
        signatures = sorted(data["signatures"], key=lambda s: s["petition"])
        assert [s["name"] for s in signatures] == ["Jane D.", "Jane Doe"]
        assert signatures[1] | {"created_at": None, "confirmed_at": None} == {
            "petition": "Suspend the sister city relationship",
            "campaign": jane["petitions"][0].campaign.absolute_url,
            "invalidated": False,
            "name": "Jane Doe",
            "email": "Jane.Doe@Example.org",
            "country": "GB",
            "city": "Leeds",
            "comment": "Peace",
            "consent_updates": False,
            "show_publicly": True,
            "status": "confirmed",
            "ip_hash": hash_ip("198.51.100.7"),
            "created_at": None,
            "confirmation_sent_at": None,
            "confirmed_at": None,
        }
        assert sorted(m["subject"] for m in data["emails"]) == [
            "Please confirm your signature",
            "Thank you",
        ]
        assert "john@example.org" not in response.content.decode()

    def test_it_is_logged_without_changing_anything(self, admin_client, jane, superuser):
        post(admin_client, "export")
        entry = LogEntry.objects.get()
        assert entry.user == superuser
        assert "2 signatures, 2 emails" in entry.change_message
        assert Signature.objects.count() == 2 and OutboxMessage.objects.count() == 2


@pytest.mark.django_db
class TestErase:
    def test_it_asks_for_confirmation_first(self, admin_client, jane):
        response = post(admin_client, "erase")
        assert response.status_code == 200
        assert response.context["confirming"]
        assert 'name="confirm"' in response.text
        assert Signature.objects.count() == 2 and OutboxMessage.objects.count() == 2

    def test_it_erases_signatures_and_mail_and_recounts(
        self, admin_client, jane, others, django_capture_on_commit_callbacks
    ):
        first = jane["petitions"][0]
        assert first.confirmed_count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            response = post(admin_client, "erase", confirm="on")
        assert response.status_code == 302
        assert not Signature.objects.of_person("jane.doe@example.org").exists()
        assert not OutboxMessage.objects.filter(to_email__iexact="jane.doe@example.org").exists()
        assert first.confirmed_count() == 0
        assert list(Signature.objects.all()) == [others]
        assert OutboxMessage.objects.count() == 2

    def test_it_logs_the_erasure_without_the_address(self, admin_client, jane, superuser):
        post(admin_client, "erase", confirm="on")
        entry = LogEntry.objects.get()
        assert (entry.user, entry.action_flag) == (superuser, DELETION)
        assert "2 signatures, 2 emails" in entry.change_message
        for personal in ["jane", "Jane", "example.org"]:
            assert personal not in entry.change_message + entry.object_repr

    def test_it_reports_what_it_erased(self, admin_client, jane):
        response = admin_client.post(
            reverse(URL),
            {"email": "jane.doe@example.org", "action": "erase", "confirm": "on"},
            follow=True,
        )
        assert "Erased the personal data of one person: 2 signatures, 2 emails." in response.text

    def test_it_erases_everything_or_nothing(self, jane, monkeypatch):
        def fail(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(OutboxMessage.objects.none().__class__, "delete", fail)
        with pytest.raises(RuntimeError):
            personal_data.erase("jane.doe@example.org")
        assert Signature.objects.count() == 2


@pytest.mark.django_db
class TestPermission:
    @pytest.mark.parametrize("action", ["find", "export", "erase"])
    def test_it_refuses_campaign_admins(self, client, campaign_admin, jane, action):
        client.force_login(campaign_admin)
        response = post(client, action, confirm="on")
        assert response.status_code == 403
        assert Signature.objects.count() == 2

    def test_it_opens_to_staff_with_the_delete_signature_permission(self, client, staff_user, jane):
        staff_user.user_permissions.add(Permission.objects.get(codename="delete_signature"))
        client.force_login(staff_user)
        assert post(client, "find").status_code == 200

    def test_it_needs_the_csrf_token(self, superuser, jane):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        assert post(client, "erase", confirm="on").status_code == 403
        assert Signature.objects.count() == 2
