"""Campaign admins review responses in the admin: accept (status table updated), dismiss,
triage unmatched mail, enter letters and calls by hand; everyone else gets 403."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from campaigns.models import Pairing
from outreach.models import Response, ResponseAttachment
from tests import factories
from tests.outreach.replies import sent_outreach

pytestmark = pytest.mark.django_db

RECEIVED_AT = datetime.datetime(2024, 3, 5, 17, 30, tzinfo=datetime.UTC)
CHANGELIST = reverse("admin:outreach_response_changelist")
INLINE_MANAGEMENT = {
    "attachments-TOTAL_FORMS": "0",
    "attachments-INITIAL_FORMS": "0",
    "attachments-MIN_NUM_FORMS": "0",
    "attachments-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def sent():
    return sent_outreach()


def reply(sent, **fields):
    fields.setdefault("status", Response.Status.NEW)
    if fields["status"] != Response.Status.UNMATCHED:
        fields.setdefault("campaign", sent.campaign)
        fields.setdefault("pairing", sent.pairing)
        fields.setdefault("office", sent.bakersfield_mayor)
        fields.setdefault("in_reply_to", sent.outbox)
    fields.setdefault("message_id", f"<reply-{Response.objects.count()}@example.invalid>")
    fields.setdefault("subject", "Re: Sister City Bucheon")
    fields.setdefault("from_email", "mayor@bakersfield.example.invalid")
    fields.setdefault("body_text", "Thank you. We will discuss it.")
    fields.setdefault("received_at", RECEIVED_AT)
    return Response.objects.create(**fields)


def review_url(response):
    return reverse("admin:outreach_response_review", args=[response.pk])


def review(client, response, outcome, summary="The mayor will raise it with Bucheon."):
    return client.post(review_url(response), {"outcome": outcome, "public_summary": summary})


@pytest.fixture
def admin_client(client, campaign_admin):
    client.force_login(campaign_admin)
    return client


class TestReviewPage:
    def test_it_shows_the_mail_as_escaped_text(self, admin_client, sent):
        response = reply(sent, body_text="<script>alert(1)</script>\nSecond line")
        page = admin_client.get(review_url(response))
        assert page.status_code == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in page.text
        assert "<script>alert(1)</script>" not in page.text
        assert "Karen Goh, Mayor of Bakersfield" in page.text

    def test_it_links_attachments_for_download(self, admin_client, sent):
        response = reply(sent)
        attachment = ResponseAttachment.objects.create(
            response=response,
            file="x.pdf",
            filename="답변.pdf",
            content_type="application/pdf",
            size=3,
        )
        page = admin_client.get(review_url(response))
        url = reverse("admin:outreach_response_attachment", args=[response.pk, attachment.pk])
        assert f'<a href="{url}">답변.pdf</a>' in page.text


class TestPermissions:
    def test_staff_without_permission_get_403_and_change_nothing(self, client, staff_user, sent):
        response = reply(sent)
        client.force_login(staff_user)
        assert client.get(review_url(response)).status_code == 403
        assert review(client, response, Response.Status.VICTORY).status_code == 403
        assert client.get(CHANGELIST).status_code == 403
        response.refresh_from_db()
        sent.pairing.refresh_from_db()
        assert response.status == Response.Status.NEW
        assert sent.pairing.status == Pairing.Status.CAMPAIGNING

    def test_reviewing_needs_the_pairing_permission_too(self, client, staff_user, sent):
        staff_user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_response", "change_response"])
        )
        client.force_login(staff_user)
        response = reply(sent)
        assert review(client, response, Response.Status.RECEIVED).status_code == 403

    def test_anonymous_visitors_are_sent_to_the_login(self, client, sent):
        page = client.get(review_url(reply(sent)))
        assert page.status_code == 302
        assert "/login/" in page["Location"]

    def test_attachments_download_for_campaign_admins_only(
        self, client, staff_user, campaign_admin, sent, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        response = reply(sent)
        attachment = ResponseAttachment(
            response=response, filename="letter.pdf", content_type="application/pdf", size=8
        )
        attachment.file.save("letter.pdf", ContentFile(b"%PDF-1.4"))
        url = reverse("admin:outreach_response_attachment", args=[response.pk, attachment.pk])
        client.force_login(staff_user)
        assert client.get(url).status_code == 403
        client.force_login(campaign_admin)
        download = client.get(url)
        assert download.status_code == 200
        assert download["Content-Disposition"] == 'attachment; filename="letter.pdf"'
        assert b"".join(download.streaming_content) == b"%PDF-1.4"
        other = reply(sent)
        wrong = reverse("admin:outreach_response_attachment", args=[other.pk, attachment.pk])
        assert client.get(wrong).status_code == 404


class TestReview:
    def test_response_received_updates_the_status_table(self, admin_client, campaign_admin, sent):
        response = reply(sent)
        page = review(admin_client, response, Response.Status.RECEIVED)
        assert page.status_code == 302
        response.refresh_from_db()
        assert response.status == Response.Status.RECEIVED
        assert response.public_summary == "The mayor will raise it with Bucheon."
        assert response.reviewed_by == campaign_admin
        sent.pairing.refresh_from_db()
        assert sent.pairing.status == Pairing.Status.RESPONSE_RECEIVED
        assert sent.pairing.response_date == datetime.date(2024, 3, 5)
        assert sent.pairing.response_note == "The mayor will raise it with Bucheon."
        log = LogEntry.objects.get(object_id=str(response.pk))
        assert log.get_change_message() == "Reviewed: Response received."

    def test_victory_is_not_downgraded_by_a_later_response(self, admin_client, sent):
        review(admin_client, reply(sent), Response.Status.VICTORY, "Bucheon closed the farms.")
        later = reply(sent, received_at=RECEIVED_AT + datetime.timedelta(days=30))
        review(admin_client, later, Response.Status.RECEIVED, "A follow-up letter.")
        sent.pairing.refresh_from_db()
        assert sent.pairing.status == Pairing.Status.VICTORY
        assert sent.pairing.response_date == datetime.date(2024, 3, 5)
        later.refresh_from_db()
        assert later.status == Response.Status.RECEIVED

    def test_the_public_page_shows_the_summary_at_once(
        self, admin_client, sent, django_capture_on_commit_callbacks
    ):
        visitor = Client()
        url = sent.campaign.get_absolute_url()
        assert "Officials' responses" not in visitor.get(url).text  # now cached
        with django_capture_on_commit_callbacks(execute=True):
            review(admin_client, reply(sent), Response.Status.RECEIVED, "We will reply soon.")
        page = visitor.get(url).text
        assert "Officials' responses" in page
        assert "We will reply soon." in page
        assert "<dd>Response received (2024-03-05: We will reply soon.)</dd>" in page

    def test_a_summary_is_required(self, admin_client, sent):
        response = reply(sent)
        page = review(admin_client, response, Response.Status.RECEIVED, summary="  ")
        assert page.status_code == 200
        assert "Write the public summary." in page.text
        response.refresh_from_db()
        assert response.status == Response.Status.NEW

    def test_a_summary_longer_than_the_status_note_is_refused(self, admin_client, sent):
        response = reply(sent)
        page = review(admin_client, response, Response.Status.RECEIVED, summary="x" * 501)
        assert "Ensure this value has at most 500 characters" in page.text
        sent.pairing.refresh_from_db()
        assert sent.pairing.status == Pairing.Status.CAMPAIGNING

    def test_an_unmatched_response_needs_a_pairing_first(self, admin_client, sent):
        response = reply(sent, status=Response.Status.UNMATCHED)
        page = review(admin_client, response, Response.Status.RECEIVED)
        assert "Choose the campaign or pairing this response belongs to first." in page.text
        response.refresh_from_db()
        assert response.status == Response.Status.UNMATCHED


class TestDismiss:
    def test_it_dismisses_a_new_response(self, admin_client, sent):
        response = reply(sent)
        assert review(admin_client, response, "dismiss", summary="").status_code == 302
        response.refresh_from_db()
        assert response.status == Response.Status.DISMISSED
        sent.pairing.refresh_from_db()
        assert sent.pairing.status == Pairing.Status.CAMPAIGNING

    def test_a_reviewed_response_cannot_be_dismissed(self, admin_client, sent):
        response = reply(sent)
        review(admin_client, response, Response.Status.RECEIVED)
        page = review(admin_client, response, "dismiss")
        assert "Only a response awaiting review can be dismissed" in page.text
        response.refresh_from_db()
        assert response.status == Response.Status.RECEIVED

    def test_the_bulk_action_dismisses_only_those_awaiting_review(self, admin_client, sent):
        new, unmatched = reply(sent), reply(sent, status=Response.Status.UNMATCHED)
        reviewed = reply(sent)
        review(admin_client, reviewed, Response.Status.RECEIVED)
        page = admin_client.post(
            CHANGELIST,
            {"action": "dismiss", "_selected_action": [new.pk, unmatched.pk, reviewed.pk]},
            follow=True,
        )
        assert "Dismissed 2 responses. 1 was already reviewed" in page.text
        statuses = dict(Response.objects.values_list("pk", "status"))
        assert statuses == {
            new.pk: Response.Status.DISMISSED,
            unmatched.pk: Response.Status.DISMISSED,
            reviewed.pk: Response.Status.RECEIVED,
        }


class TestTriage:
    def test_choosing_the_campaign_of_an_unmatched_response_makes_it_reviewable(
        self, admin_client, sent
    ):
        response = reply(sent, status=Response.Status.UNMATCHED)
        page = admin_client.post(
            reverse("admin:outreach_response_change", args=[response.pk]),
            {"campaign": sent.campaign.pk, "office": sent.bakersfield_mayor.pk, "notes": "Fax"}
            | INLINE_MANAGEMENT,
        )
        assert page.status_code == 302
        response.refresh_from_db()
        assert (response.pairing, response.status) == (sent.pairing, Response.Status.NEW)
        review(admin_client, response, Response.Status.VICTORY)
        sent.pairing.refresh_from_db()
        assert sent.pairing.status == Pairing.Status.VICTORY

    def test_the_mail_itself_cannot_be_edited(self, admin_client, sent):
        response = reply(sent)
        admin_client.post(
            reverse("admin:outreach_response_change", args=[response.pk]),
            {"campaign": sent.campaign.pk, "body_text": "forged", "status": "victory"}
            | INLINE_MANAGEMENT,
        )
        response.refresh_from_db()
        assert response.body_text == "Thank you. We will discuss it."
        assert response.status == Response.Status.NEW


class TestManualEntry:
    def add(self, client, **data):
        return client.post(
            reverse("admin:outreach_response_add"),
            {
                "source": Response.Source.PHONE,
                "received_at_0": "2024-04-02",
                "received_at_1": "10:00:00",
                "from_name": "Mayor's chief of staff",
                "body_text": "The mayor supports the campaign.",
            }
            | data,
        )

    def test_it_records_a_call_for_a_campaign(self, admin_client, sent):
        assert self.add(admin_client, campaign=sent.campaign.pk).status_code == 302
        response = Response.objects.get()
        assert response.source == Response.Source.PHONE
        assert (response.campaign, response.pairing) == (sent.campaign, sent.pairing)
        assert (response.status, response.message_id) == (Response.Status.NEW, None)
        review(admin_client, response, Response.Status.RECEIVED)
        sent.pairing.refresh_from_db()
        assert sent.pairing.response_date == datetime.date(2024, 4, 2)

    def test_it_needs_a_campaign_or_pairing(self, admin_client, sent):
        page = self.add(admin_client)
        assert "Choose the campaign or the pairing this response is about." in page.text
        assert Response.objects.count() == 0

    def test_it_refuses_a_campaign_of_another_pairing(self, admin_client, sent):
        other = factories.pairing(campaign_date=datetime.date(2020, 1, 1))
        page = self.add(admin_client, campaign=sent.campaign.pk, pairing=other.pk)
        assert "This campaign is about another pairing." in page.text
        assert Response.objects.count() == 0

    def test_email_is_not_a_manual_source(self, admin_client, sent):
        page = self.add(admin_client, campaign=sent.campaign.pk, source=Response.Source.EMAIL)
        assert "Select a valid choice" in page.text


class TestChangelist:
    def test_it_filters_and_searches(self, admin_client, sent):
        reply(sent, subject="About the dog farms")
        reply(sent, status=Response.Status.UNMATCHED, subject="Newsletter")
        page = admin_client.get(CHANGELIST, {"status__exact": "unmatched"})
        assert "Newsletter" in page.text and "About the dog farms" not in page.text
        page = admin_client.get(CHANGELIST, {"q": "dog farms"})
        assert "About the dog farms" in page.text and "Newsletter" not in page.text
        page = admin_client.get(
            CHANGELIST, {"campaign__id__exact": sent.campaign.pk, "source__exact": "email"}
        )
        assert page.status_code == 200
        assert "About the dog farms" in page.text

    def test_it_links_each_response_to_its_review(self, admin_client, sent):
        response = reply(sent)
        assert f'href="{review_url(response)}"' in admin_client.get(CHANGELIST).text


def test_campaign_admins_have_the_response_permissions(campaign_admin):
    assert campaign_admin.has_perms(
        ["outreach.add_response", "outreach.change_response", "outreach.view_responseattachment"]
    )
    assert not campaign_admin.has_perm("outreach.delete_response")
