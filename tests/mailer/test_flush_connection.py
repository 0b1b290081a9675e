"""A flush sends its batch over one mail-server connection and starts afresh after an error."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from mailer import outbox
from mailer.models import OutboxMessage
from mailer.tasks import flush_outbox


def queue_one(subject):
    return outbox.queue(
        to_email="official@city.example.org", subject=subject, body_text="Hi", category="test"
    )


@pytest.mark.django_db
class TestFlushConnection:
    def test_it_sends_a_batch_over_one_connection(self, mailoutbox):
        for n in range(3):
            queue_one(f"m{n}")
        with mock.patch.object(
            mail.mailers, "create_connection", wraps=mail.mailers.create_connection
        ) as connect:
            assert flush_outbox() == {"sent": 3}
        assert connect.call_count == 1
        assert sorted(m.subject for m in mailoutbox) == ["m0", "m1", "m2"]

    def test_it_hangs_up_after_a_failed_mail_so_the_next_one_reconnects(self, mailoutbox):
        queue_one("dropped")
        queue_one("after")
        calls = []
        send_messages = EmailBackend.send_messages

        def send(backend, messages):
            calls.append("send")
            if calls.count("send") == 1:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            return send_messages(backend, messages)

        with (
            mock.patch.object(EmailBackend, "send_messages", autospec=True, side_effect=send),
            mock.patch.object(
                EmailBackend, "close", autospec=True, side_effect=lambda b: calls.append("close")
            ),
            mock.patch("mailer.tasks.send_message.apply_async") as retry,
        ):
            assert flush_outbox() == {"sent": 1}

        assert calls == ["send", "close", "send", "close"]
        statuses = dict(OutboxMessage.objects.values_list("subject", "status"))
        assert statuses == {"dropped": "queued", "after": "sent"}
        assert retry.call_count == 1  # the dropped one is retried later, on its own
        assert [m.subject for m in mailoutbox] == ["after"]
