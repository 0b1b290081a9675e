"""A person's data across every app (``core.personal_data``): export, erasure in one
transaction, and what erasure leaves behind (threads, counts, records, the admin page)."""

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.html import escape

from comments.models import Comment, Commenter, ModerationAction
from core import personal_data
from core.iphash import hash_ip
from mailer.models import DeliveryEvent, OutboxMessage
from outreach.models import Response, ResponseAttachment
from petitions.models import Signature
from tests import factories
from tests.comments.moderation_builders import comment as a_comment
from tests.comments.moderation_builders import commenter as a_commenter
from updates.models import Follower

JANE = "jane.doe@example.org"
SECTIONS = ["signatures", "comments", "commenter", "emails", "responses", "followers"]
PUBLISHED = Comment.Status.PUBLISHED
REMOVED = "[removed at the author's request]"
URL = "admin:petitions_signature_personal_data"


def holdings(email, campaign, prefix):
    """One person's data in every app, each spelled with the address in another case."""
    petition = campaign.petition
    signature = factories.signature(
        petition,
        name=f"{prefix} Signer",
        email=email.upper(),
        status=Signature.Status.CONFIRMED,
        ip_hash=hash_ip("198.51.100.7"),
    )
    author = a_commenter(email=email.title(), name=f"{prefix} Commenter")
    answered = a_comment(campaign, PUBLISHED, author, text=f"{prefix} started a thread")
    alone = a_comment(campaign, PUBLISHED, author, text=f"{prefix} said something alone")
    ModerationAction.objects.create(
        comment=answered, action=ModerationAction.Action.EDIT_APPROVE, previous_text=f"{prefix} v1"
    )
    Follower.objects.create(campaign=campaign, email=email)
    response = Response.objects.create(
        from_email=email.title(),
        from_name=f"{prefix} Replier",
        subject=f"{prefix} wrote back",
        body_text="My reply",
        status=Response.Status.UNMATCHED,
    )
    mail = OutboxMessage.objects.create(
        to_email=email, to_name=prefix, subject=f"Hello {prefix}", body_text="Hi", category="test"
    )
    DeliveryEvent.objects.create(
        message=mail, event_id=f"{prefix}-1", event_type="delivered", occurred_at=mail.created_at
    )
    return {
        "signature": signature,
        "answered": answered,
        "alone": alone,
        "response": response,
        "mail": mail,
    }


@pytest.fixture
def campaign(db):
    campaign = factories.campaign()
    factories.petition(campaign)
    return campaign


@pytest.fixture
def jane(campaign):
    return holdings(JANE, campaign, "Jane")


@pytest.fixture
def john(campaign, jane):
    """Someone else on the same page, who replied to Jane's thread."""
    john = holdings("john@example.org", campaign, "John")
    john["reply"] = a_comment(
        campaign,
        PUBLISHED,
        Commenter.objects.get(email_normalized="john@example.org"),
        text="John answered Jane",
        parent=jane["answered"],
    )
    return john


def everything_of_john():
    return {
        "signatures": Signature.objects.of_person("john@example.org").count(),
        "comments": Comment.objects.filter(commenter__email_normalized="john@example.org").count(),
        "followers": Follower.objects.filter(email="john@example.org").count(),
        "responses": Response.objects.filter(from_email__iexact="john@example.org").count(),
        "emails": OutboxMessage.objects.filter(to_email="john@example.org").count(),
        "events": DeliveryEvent.objects.filter(message__to_email="john@example.org").count(),
    }


@pytest.mark.django_db
class TestExport:
    def test_it_has_a_section_per_app_with_the_persons_data(self, jane, john):
        data = personal_data.export(" Jane.Doe@EXAMPLE.org ")
        assert list(data) == ["email", "exported_at", *SECTIONS]
        assert data["email"] == JANE
        assert [s["name"] for s in data["signatures"]] == ["Jane Signer"]
        assert sorted(c["text"] for c in data["comments"]) == [
            "Jane said something alone",
            "Jane started a thread",
        ]
        assert ["Jane v1"] in [c["earlier_versions"] for c in data["comments"]]
        assert [c["name"] for c in data["commenter"]] == ["Jane Commenter"]
        assert [f["status"] for f in data["followers"]] == ["pending"]
        assert [r["subject"] for r in data["responses"]] == ["Jane wrote back"]
        assert [m["subject"] for m in data["emails"]] == ["Hello Jane"]
        assert [e["event_type"] for e in data["emails"][0]["events"]] == ["delivered"]

    def test_it_holds_nothing_of_another_person(self, jane, john):
        text = json.dumps(personal_data.export(JANE))
        assert "john" not in text.lower()

    def test_it_is_one_json_download_from_the_admin_page(self, client, superuser, jane):
        client.force_login(superuser)
        response = client.post(reverse(URL), {"email": JANE, "action": "export"})
        assert list(json.loads(response.content)) == ["email", "exported_at", *SECTIONS]


@pytest.mark.django_db
class TestErase:
    def test_it_erases_the_person_in_every_app(self, jane, john):
        before = everything_of_john()
        erased = personal_data.erase("Jane.Doe@example.org")
        assert erased == {
            "signatures": 1,
            "comments": 2,
            "commenter": 1,
            "emails": 1,
            "responses": 1,
            "followers": 1,
        }
        assert personal_data.summary(JANE) == dict.fromkeys(SECTIONS, 0)
        assert not Response.objects.filter(pk=jane["response"].pk).exists()
        assert not DeliveryEvent.objects.filter(event_id="Jane-1").exists()
        assert everything_of_john() == before

    def test_it_keeps_a_comment_others_replied_to_as_a_stub(self, jane, john):
        personal_data.erase(JANE)
        stub = Comment.objects.get(pk=jane["answered"].pk)
        assert (stub.text, stub.author_name, stub.status) == (REMOVED, "[removed]", PUBLISHED)
        assert (stub.commenter, stub.ip_hash, stub.text_fingerprint) == (None, "", "")
        assert not stub.actions.exclude(previous_text="").exists()
        assert not Comment.objects.filter(pk=jane["alone"].pk).exists()
        assert Comment.objects.get(pk=john["reply"].pk).parent_id == stub.pk

    def test_the_thread_still_renders_after_erasure(
        self, client, campaign, jane, john, django_capture_on_commit_callbacks
    ):
        assert "Jane started a thread" in client.get(campaign.get_absolute_url()).text  # cached
        with django_capture_on_commit_callbacks(execute=True):
            personal_data.erase(JANE)
        html = client.get(campaign.get_absolute_url()).text
        assert escape(REMOVED) in html and "John answered Jane" in html
        assert "Jane" not in html.replace("John answered Jane", "")

    def test_it_recounts_the_petition(self, campaign, jane, django_capture_on_commit_callbacks):
        assert campaign.petition.confirmed_count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            personal_data.erase(JANE)
        assert campaign.petition.confirmed_count() == 0

    def test_it_erases_nothing_when_the_last_eraser_fails(self, jane, monkeypatch):
        def fail(email):
            raise RuntimeError("database went away")

        failing = personal_data.Section("failing", "", lambda email: [], fail)
        monkeypatch.setitem(personal_data._sections, "failing", failing)
        assert personal_data.sections()[-1] is failing
        before = personal_data.summary(JANE)
        with pytest.raises(RuntimeError):
            personal_data.erase(JANE)
        assert personal_data.summary(JANE) == before
        assert all(before[name] for name in SECTIONS)
        assert Comment.objects.get(pk=jane["answered"].pk).text == "Jane started a thread"

    def test_it_keeps_letters_to_officials_as_records(self, db):
        letter = OutboxMessage.objects.create(
            to_email=JANE, subject="Dear Mayor", body_text="Please", category="outreach"
        )
        assert personal_data.erase(JANE)["emails"] == 0
        assert OutboxMessage.objects.filter(pk=letter.pk).exists()
        assert [m["subject"] for m in personal_data.export(JANE)["emails"]] == ["Dear Mayor"]

    def test_it_strips_a_reviewed_response_and_deletes_its_files(
        self, campaign, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        settings.MEDIA_ROOT = tmp_path
        response = Response.objects.create(
            campaign=campaign,
            pairing=campaign.pairing,
            from_email=JANE,
            from_name="Jane Doe",
            subject="Our answer",
            body_text="Dear campaign",
            notes="Called her back",
            status=Response.Status.RECEIVED,
            public_summary="The mayor will consider it.",
        )
        attachment = ResponseAttachment(
            response=response, filename="letter.pdf", content_type="application/pdf", size=5
        )
        attachment.file.save("letter.pdf", ContentFile(b"%PDF-"), save=True)
        path = tmp_path / attachment.file.name
        assert path.exists()
        with django_capture_on_commit_callbacks(execute=True):
            assert personal_data.erase(JANE)["responses"] == 1
        response.refresh_from_db()
        assert [response.from_email, response.from_name, response.subject] == ["", "", ""]
        assert [response.body_text, response.notes] == ["", ""]
        assert (response.status, response.public_summary) == (
            Response.Status.RECEIVED,
            "The mayor will consider it.",
        )
        assert not response.attachments.exists()
        assert not path.exists()


@pytest.mark.django_db
class TestPage:
    def test_it_lists_what_every_app_holds(self, client, superuser, jane):
        client.force_login(superuser)
        response = client.post(reverse(URL), {"email": JANE, "action": "find"})
        for holding in [
            "1 signature",
            "2 comments",
            "1 commenter profile",
            "1 email",
            "1 reply received",
            "1 followed page",
        ]:
            assert f"<li>{holding}</li>" in response.text

    def test_it_says_when_it_holds_nothing(self, client, superuser):
        client.force_login(superuser)
        response = client.post(reverse(URL), {"email": "nobody@example.org", "action": "find"})
        assert "<li>Nothing.</li>" in response.text

    def test_it_logs_an_erasure_in_every_app(self, client, superuser, jane):
        from django.contrib.admin.models import LogEntry

        client.force_login(superuser)
        response = client.post(reverse(URL), {"email": JANE, "action": "erase", "confirm": "on"})
        assert response.status_code == 302
        assert LogEntry.objects.get().change_message == (
            "Erased the personal data of one person: 1 signature, 2 comments, "
            "1 commenter profile, 1 email, 1 reply received, 1 followed page."
        )

    @pytest.mark.parametrize("action", ["find", "export", "erase"])
    def test_it_refuses_staff_who_are_not_superusers(self, client, staff_user, jane, action):
        client.force_login(staff_user)
        response = client.post(reverse(URL), {"email": JANE, "action": action, "confirm": "on"})
        assert response.status_code == 403
        assert all(personal_data.summary(JANE).values())
