import smtplib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from mailer import outbox
from mailer.models import OutboxMessage
from mailer.tasks import send_message, sweep_outbox


def queue_one(**fields):
    return outbox.queue(
        to_email=fields.pop("to_email", "supporter@example.org"),
        subject=fields.pop("subject", "Please confirm"),
        body_text=fields.pop("body_text", "Hello"),
        category="test",
        **fields,
    )


@pytest.mark.django_db
class TestQueue:
    def test_it_sends_after_commit(self, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            message = queue_one(to_name="Ana Díaz")
            assert mailoutbox == []
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENT
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["Ana Díaz <supporter@example.org>"]
        assert mailoutbox[0].extra_headers["Message-ID"] == message.message_id

    def test_it_writes_nothing_when_the_transaction_rolls_back(
        self, mailoutbox, django_capture_on_commit_callbacks
    ):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            queue_one()
            raise RuntimeError("business change failed")
        assert callbacks == []
        assert OutboxMessage.objects.count() == 0
        assert mailoutbox == []

    @pytest.mark.parametrize(
        "field", [{"subject": "Hi\r\nBcc: x@evil.test"}, {"to_name": "Eve\nBcc: x@evil.test"}]
    )
    def test_it_refuses_line_breaks_in_header_fields(self, field):
        with pytest.raises(ValidationError):
            queue_one(**field)
        assert OutboxMessage.objects.count() == 0

    def test_it_keeps_the_row_when_the_broker_is_down(self, django_capture_on_commit_callbacks):
        with (
            mock.patch("mailer.tasks.send_message.delay", side_effect=ConnectionError("down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            message = queue_one()
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.QUEUED


@pytest.mark.django_db
class TestSendMessage:
    def test_it_sends_a_row_only_once(self, mailoutbox):
        message = queue_one()
        send_message(message.pk)
        send_message(message.pk)
        assert len(mailoutbox) == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)

    def test_it_retries_a_temporary_failure(self, mailoutbox):
        message = queue_one()
        error = smtplib.SMTPResponseException(451, b"try later")
        with (
            mock.patch("django.core.mail.EmailMessage.send", side_effect=error),
            mock.patch("mailer.tasks.send_message.apply_async") as retry,
        ):
            send_message(message.pk)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.QUEUED
        assert "try later" in message.last_error
        assert retry.call_args.kwargs["eta"] == message.send_after

    def test_it_fails_a_permanent_error_with_the_reason(self):
        message = queue_one()
        error = smtplib.SMTPResponseException(550, b"no such user")
        with mock.patch("django.core.mail.EmailMessage.send", side_effect=error):
            send_message(message.pk)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.FAILED
        assert "no such user" in message.last_error


@pytest.mark.django_db
class TestSweepOutbox:
    def test_it_requeues_rows_never_picked_up_and_fails_interrupted_ones(self, mailoutbox):
        import datetime

        from django.utils import timezone

        old = timezone.now() - datetime.timedelta(hours=1)
        stuck = queue_one(subject="stuck")
        OutboxMessage.objects.filter(pk=stuck.pk).update(send_after=old)
        interrupted = queue_one(subject="interrupted")
        OutboxMessage.objects.filter(pk=interrupted.pk).update(
            status=OutboxMessage.Status.SENDING, claimed_at=old
        )
        fresh = queue_one(subject="fresh")

        assert sweep_outbox() == {"requeued": 1, "interrupted": 1}

        assert [m.subject for m in mailoutbox] == ["stuck"]
        interrupted.refresh_from_db()
        fresh.refresh_from_db()
        assert interrupted.status == OutboxMessage.Status.FAILED
        assert fresh.status == OutboxMessage.Status.QUEUED
