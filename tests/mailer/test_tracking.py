"""Delivery tracking through django-anymail's Postmark webhook: authentication, the row's
delivery status, replays and events for messages we do not know."""

import datetime
import logging
from unittest import mock

import pytest

from mailer.models import DeliveryEvent, OutboxMessage
from tests.outreach.replies import WEBHOOK_SECRET, post_webhook

pytestmark = pytest.mark.django_db

ESP_ID = "883953f4-6105-42a2-a16a-77a8eac79483"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL_WEBHOOK_SECRET = [WEBHOOK_SECRET]


@pytest.fixture
def sent():
    return OutboxMessage.objects.create(
        category="outreach",
        to_email="mayor@bakersfield.example.invalid",
        subject="Sister City Bucheon",
        body_text="Dear Mayor,",
        status=OutboxMessage.Status.SENT,
        esp_message_id=ESP_ID,
    )


def delivery(message, at="2024-03-05T16:34:52Z", **fields):
    """Postmark's Delivery webhook (no event id: Postmark gives ids to bounces only)."""
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": ESP_ID,
        "Recipient": message.to_email,
        "Tag": "",
        "DeliveredAt": at,
        "Details": "smtp;250 2.0.0 OK",
        "Metadata": {"outbox_id": str(message.pk)},
        **fields,
    }


def bounce(message, at="2024-03-05T16:30:00Z", **fields):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": ESP_ID,
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": message.to_email,
        "From": "campaign@example.org",
        "BouncedAt": at,
        "DumpAvailable": False,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Sister City Bucheon",
        "Metadata": {"outbox_id": str(message.pk)},
        **fields,
    }


def opened(message, at="2024-03-05T17:00:00Z"):
    return {
        "RecordType": "Open",
        "MessageStream": "outbound",
        "FirstOpen": True,
        "Client": {"Name": "Thunderbird", "Company": "Mozilla", "Family": "Thunderbird"},
        "OS": {"Name": "Windows", "Company": "Microsoft", "Family": "Windows"},
        "Platform": "Desktop",
        "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Thunderbird/115.0",
        "Geo": {},
        "MessageID": ESP_ID,
        "Metadata": {"outbox_id": str(message.pk)},
        "ReceivedAt": at,
        "Tag": "",
        "Recipient": message.to_email,
    }


def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class TestAuthentication:
    def test_it_answers_401_without_credentials_and_changes_nothing(self, client, sent):
        response = post_webhook(client, "tracking", bounce(sent), secret=None)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic ")
        sent.refresh_from_db()
        assert sent.delivery_status == ""
        assert DeliveryEvent.objects.count() == 0

    def test_it_answers_401_to_a_wrong_secret(self, client, sent):
        response = post_webhook(client, "tracking", bounce(sent), secret="anymail:guess")
        assert response.status_code == 401
        assert DeliveryEvent.objects.count() == 0

    def test_it_is_closed_while_no_secret_is_configured(self, client, sent, settings):
        settings.ANYMAIL_WEBHOOK_SECRET = []
        response = post_webhook(client, "tracking", bounce(sent), secret=None)
        assert response.status_code == 404
        assert DeliveryEvent.objects.count() == 0

    def test_it_accepts_the_secret(self, client, sent):
        assert post_webhook(client, "tracking", delivery(sent)).status_code == 200


class TestDeliveryStatus:
    def test_it_marks_a_row_delivered(self, client, sent):
        post_webhook(client, "tracking", delivery(sent))
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.DELIVERED
        assert sent.delivery_detail == "smtp;250 2.0.0 OK"
        assert sent.delivery_updated_at == at("2024-03-05T16:34:52Z")
        event = DeliveryEvent.objects.get()
        assert (event.message, event.event_type) == (sent, "delivered")

    def test_it_marks_a_row_bounced_with_the_reason(self, client, sent):
        post_webhook(client, "tracking", bounce(sent))
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.BOUNCED
        assert "bounced" in sent.delivery_detail
        assert "550 5.1.1 The email account" in sent.delivery_detail

    def test_it_sets_opened_at_on_the_first_open_only(self, client, sent):
        post_webhook(client, "tracking", opened(sent, at="2024-03-05T17:00:00Z"))
        post_webhook(client, "tracking", opened(sent, at="2024-03-06T08:00:00Z"))
        sent.refresh_from_db()
        assert sent.opened_at == at("2024-03-05T17:00:00Z")
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.OPENED
        assert DeliveryEvent.objects.filter(event_type="opened").count() == 2

    def test_a_late_delivery_does_not_hide_a_bounce(self, client, sent):
        post_webhook(client, "tracking", bounce(sent, at="2024-03-05T16:30:00Z"))
        post_webhook(client, "tracking", delivery(sent, at="2024-03-05T16:40:00Z"))
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.BOUNCED
        assert DeliveryEvent.objects.count() == 2

    def test_a_late_open_does_not_hide_a_complaint(self, client, sent):
        complaint = bounce(sent, RecordType="SpamComplaint", Type="SpamComplaint", ID=77)
        post_webhook(client, "tracking", complaint)
        post_webhook(client, "tracking", opened(sent, at="2024-03-07T10:00:00Z"))
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.COMPLAINED
        assert sent.opened_at == at("2024-03-07T10:00:00Z")

    def test_an_earlier_delivery_arriving_late_is_only_kept_as_an_event(self, client, sent):
        post_webhook(client, "tracking", opened(sent, at="2024-03-05T17:00:00Z"))
        post_webhook(client, "tracking", delivery(sent, at="2024-03-05T16:34:52Z"))
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.OPENED
        assert sent.delivery_updated_at == at("2024-03-05T17:00:00Z")

    def test_it_finds_the_row_by_the_esp_id_without_metadata(self, client, sent):
        post_webhook(client, "tracking", delivery(sent, Metadata={}))
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.DELIVERED

    def test_it_stores_the_esp_id_of_a_row_found_by_metadata(self, client, sent):
        OutboxMessage.objects.filter(pk=sent.pk).update(esp_message_id="")
        post_webhook(client, "tracking", delivery(sent))
        sent.refresh_from_db()
        assert sent.esp_message_id == ESP_ID


class TestReplay:
    def test_the_same_bounce_100_times_is_one_event_and_one_change(self, client, sent):
        with mock.patch.object(
            OutboxMessage,
            "apply_delivery_event",
            autospec=True,
            side_effect=OutboxMessage.apply_delivery_event,
        ) as apply:
            for _ in range(100):
                assert post_webhook(client, "tracking", bounce(sent)).status_code == 200
        assert DeliveryEvent.objects.count() == 1
        assert apply.call_count == 1
        sent.refresh_from_db()
        assert sent.delivery_status == OutboxMessage.DeliveryStatus.BOUNCED

    def test_a_replayed_delivery_without_event_id_is_one_event(self, client, sent):
        for _ in range(3):
            post_webhook(client, "tracking", delivery(sent))
        (event,) = DeliveryEvent.objects.all()
        assert event.event_id.startswith("postmark:derived:")

    def test_two_deliveries_at_different_times_are_two_events(self, client, sent):
        post_webhook(client, "tracking", delivery(sent, at="2024-03-05T16:34:52Z"))
        post_webhook(client, "tracking", delivery(sent, at="2024-03-05T16:35:52Z"))
        assert DeliveryEvent.objects.count() == 2


class TestUnknownMessage:
    def test_it_answers_200_logs_and_keeps_the_event(self, client, caplog):
        payload = {
            "RecordType": "Delivery",
            "MessageID": "00000000-dead-beef-0000-000000000000",
            "Recipient": "someone@example.org",
            "DeliveredAt": "2024-03-05T16:34:52Z",
            "Details": "smtp;250 OK",
            "Metadata": {},
        }
        with caplog.at_level(logging.WARNING, logger="mailer.tracking"):
            response = post_webhook(client, "tracking", payload)
        assert response.status_code == 200
        event = DeliveryEvent.objects.get()
        assert event.message is None
        assert event.esp_message_id == "00000000-dead-beef-0000-000000000000"
        assert "unknown message" in caplog.text
        assert "00000000-dead-beef-0000-000000000000" in caplog.text

    def test_it_ignores_a_metadata_id_that_is_no_number(self, client, sent):
        response = post_webhook(
            client, "tracking", delivery(sent, MessageID="other", Metadata={"outbox_id": "1; --"})
        )
        assert response.status_code == 200
        assert DeliveryEvent.objects.get().message is None
