"""Inbound replies (anymail's Postmark inbound webhook, and ``receive`` that the webhook and
the import command share): matching, triage, idempotency, text and attachments."""

import pytest

from outreach.inbound import html_to_text, receive
from outreach.models import Response
from tests.outreach.replies import (
    REPLY_DOMAIN,
    WEBHOOK_SECRET,
    parsed,
    post_webhook,
    postmark_inbound,
    raw_reply,
    reply_address,
    sent_outreach,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.ANYMAIL_WEBHOOK_SECRET = [WEBHOOK_SECRET]
    settings.OUTREACH_REPLY_DOMAIN = REPLY_DOMAIN
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sent():
    return sent_outreach()


def receive_raw(raw):
    return receive(parsed(raw))


class TestWebhook:
    def test_it_stores_a_reply_to_the_token_address(self, client, sent):
        payload = postmark_inbound(reply_address(sent.outbox), text="We will consider it.")
        assert post_webhook(client, "inbound", payload).status_code == 200
        response = Response.objects.get()
        assert response.status == Response.Status.NEW
        assert response.in_reply_to == sent.outbox
        assert (response.campaign, response.pairing) == (sent.campaign, sent.pairing)
        assert response.office == sent.bakersfield_mayor
        assert response.from_email == "mayor@bakersfield.example.invalid"
        assert response.from_name == "Office of the Mayor"
        assert response.subject == "Re: Sister City Bucheon"
        assert response.body_text.strip() == "We will consider it."
        assert response.message_id == "<pm-reply-1@bakersfield.example.invalid>"
        assert response.received_at.isoformat() == "2024-03-05T17:30:00+00:00"

    def test_it_refuses_a_post_without_the_secret(self, client, sent):
        payload = postmark_inbound(reply_address(sent.outbox))
        assert post_webhook(client, "inbound", payload, secret=None).status_code == 401
        assert Response.objects.count() == 0

    def test_a_retried_webhook_stores_one_response(self, client, sent):
        payload = postmark_inbound(reply_address(sent.outbox))
        for _ in range(3):
            assert post_webhook(client, "inbound", payload).status_code == 200
        assert Response.objects.count() == 1

    def test_it_matches_by_in_reply_to_from_the_webhook_headers(self, client, sent):
        payload = postmark_inbound(
            "campaign@example.org", headers=[("In-Reply-To", sent.outbox.message_id)]
        )
        post_webhook(client, "inbound", payload)
        assert Response.objects.get().in_reply_to == sent.outbox

    def test_it_keeps_the_webhooks_attachments(self, client, sent):
        payload = postmark_inbound(
            reply_address(sent.outbox),
            attachments=[("reply.pdf", "application/pdf", b"%PDF-1.4 letter")],
        )
        post_webhook(client, "inbound", payload)
        (attachment,) = Response.objects.get().attachments.all()
        assert attachment.filename == "reply.pdf"
        assert attachment.file.read() == b"%PDF-1.4 letter"


class TestMatching:
    def test_it_matches_the_token_in_cc_or_delivered_to(self, sent):
        raw = raw_reply(Cc=f"Campaign <{reply_address(sent.outbox)}>")
        assert receive_raw(raw).matched_by == "token"
        raw = raw_reply(message_id="<other@x>", Delivered_To=reply_address(sent.outbox).upper())
        assert receive_raw(raw).response.in_reply_to == sent.outbox

    def test_it_matches_by_in_reply_to(self, sent):
        received = receive_raw(raw_reply(In_Reply_To=sent.outbox.message_id))
        assert received.matched_by == "in-reply-to"
        assert received.response.in_reply_to == sent.outbox
        assert received.response.pairing == sent.pairing

    def test_it_matches_by_references(self, sent):
        references = f"<start@elsewhere.example> {sent.outbox.message_id} <later@elsewhere.example>"
        received = receive_raw(raw_reply(References=references))
        assert received.matched_by == "references"
        assert received.response.in_reply_to == sent.outbox

    def test_a_token_of_another_domain_does_not_match(self, sent):
        received = receive_raw(raw_reply(to=f"reply+{sent.outbox.reply_token}@evil.example"))
        assert received.matched_by == ""

    def test_it_keeps_an_unmatched_reply_for_triage(self, sent):
        received = receive_raw(raw_reply(to="campaign@example.org", In_Reply_To="<nope@x>"))
        response = received.response
        assert response.status == Response.Status.UNMATCHED
        assert (response.in_reply_to, response.pairing, response.campaign) == (None, None, None)
        assert response.body_text.strip() == (
            "Thank you for your letter. The council will discuss it."
        )

    def test_a_reply_to_other_mail_of_ours_is_matched_without_a_pairing(self, sent):
        from mailer.models import OutboxMessage

        confirmation = OutboxMessage.objects.create(
            category="petition", to_email="a@example.org", subject="Confirm", body_text="…"
        )
        response = receive_raw(raw_reply(In_Reply_To=confirmation.message_id)).response
        assert response.status == Response.Status.NEW
        assert (response.in_reply_to, response.pairing) == (confirmation, None)


class TestIdempotency:
    def test_the_same_mail_twice_is_one_response(self, sent):
        first = receive_raw(raw_reply(to=reply_address(sent.outbox)))
        again = receive_raw(raw_reply(to=reply_address(sent.outbox)))
        assert first.created and not again.created
        assert again.response.pk == first.response.pk
        assert Response.objects.count() == 1

    def test_a_mail_without_message_id_is_still_stored_once(self, sent):
        for _ in range(2):
            receive_raw(raw_reply(to=reply_address(sent.outbox), message_id=None))
        response = Response.objects.get()
        assert response.message_id.endswith("@no-message-id.invalid>")


class TestText:
    def test_an_html_only_mail_is_reduced_to_text(self, sent):
        html = (
            "<html><head><style>p{color:red}</style></head><body><p>Dear campaigners,</p>"
            "<p>We &amp; the council <b>agree</b>.</p><script>alert(1)</script></body></html>"
        )
        response = receive_raw(raw_reply(text=None, html=html)).response
        assert response.body_text == "Dear campaigners,\nWe & the council agree."
        assert "no plain text part" in response.notes

    def test_it_prefers_the_plain_text_part(self, sent):
        response = receive_raw(raw_reply(text="Plain words.", html="<p>Rich words</p>")).response
        assert response.body_text.strip() == "Plain words."
        assert response.attachments.count() == 0

    def test_it_decodes_korean_mail(self, sent):
        response = receive_raw(raw_reply(text="검토하겠습니다. 감사합니다.")).response
        assert response.body_text.strip() == "검토하겠습니다. 감사합니다."

    def test_html_to_text_drops_markup_it_cannot_show(self):
        assert html_to_text('<img src=x onerror="alert(1)">Hi<br>there') == "Hi\nthere"

    def test_it_notes_an_automatic_reply(self, sent):
        response = receive_raw(raw_reply(Auto_Submitted="auto-replied")).response
        assert "Sent automatically" in response.notes


class TestAttachments:
    def test_it_keeps_allowed_files(self, sent):
        files = [
            ("답변.hwp", "application/x-hwp", b"HWP Document File"),
            ("scan.pdf", "application/pdf", b"%PDF-1.4"),
        ]
        response = receive_raw(raw_reply(attachments=files)).response
        kept = {
            a.filename: (a.content_type, a.size, a.file.read()) for a in response.attachments.all()
        }
        assert kept == {
            "답변.hwp": ("application/x-hwp", 17, b"HWP Document File"),
            "scan.pdf": ("application/pdf", 8, b"%PDF-1.4"),
        }
        assert response.notes == ""

    def test_an_hwp_sent_as_octet_stream_is_recognised_by_its_name(self, sent):
        files = [("reply.hwp", "application/octet-stream", b"HWP Document File")]
        (attachment,) = receive_raw(raw_reply(attachments=files)).response.attachments.all()
        assert attachment.content_type == "application/x-hwp"

    def test_it_skips_a_file_of_another_type_and_notes_it(self, sent):
        files = [("run-me.exe", "application/x-msdownload", b"MZ\x90\x00")]
        response = receive_raw(raw_reply(attachments=files)).response
        assert response.attachments.count() == 0
        assert "“run-me.exe” left out: type application/x-msdownload" in response.notes

    def test_it_skips_a_file_over_the_size_limit_and_notes_it(self, sent, settings):
        settings.INBOUND_ATTACHMENT_MAX_BYTES = 1024
        files = [
            ("big.pdf", "application/pdf", b"x" * 1025),
            ("small.pdf", "application/pdf", b"x" * 1024),
        ]
        response = receive_raw(raw_reply(attachments=files)).response
        assert [a.filename for a in response.attachments.all()] == ["small.pdf"]
        assert "“big.pdf” left out: 1.0\xa0KB is over the limit of 1.0\xa0KB" in response.notes

    def test_a_file_name_cannot_escape_the_storage_folder(self, sent, tmp_path):
        files = [("../../etc/passwd.txt", "text/plain", b"root")]
        (attachment,) = receive_raw(raw_reply(attachments=files)).response.attachments.all()
        assert attachment.file.path.startswith(str(tmp_path / "responses"))
        assert ".." not in attachment.file.name
