import datetime
import smtplib
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from mailer import outbox
from mailer.models import OutboxMessage
from mailer.tasks import (
    _claim_batch,
    flush_outbox,
    release_claims_on_start,
    send_message,
    sweep_outbox,
)


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
            mock.patch("mailer.tasks.flush_outbox.delay", side_effect=ConnectionError("down")),
            django_capture_on_commit_callbacks(execute=True),
        ):
            message = queue_one()
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.QUEUED
        # …and the next commit tries the broker again instead of trusting a dead kick.
        assert cache.get(outbox.KICK_KEY) is None


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

        assert sweep_outbox() == {"requeued": 1, "interrupted": 1, "released": 0}

        assert [m.subject for m in mailoutbox] == ["stuck"]
        interrupted.refresh_from_db()
        fresh.refresh_from_db()
        assert interrupted.status == OutboxMessage.Status.FAILED
        assert fresh.status == OutboxMessage.Status.QUEUED


@pytest.fixture
def mail_templates(tmp_path, settings):
    """A mail template set ``test/mail``: subject and both bodies name the user and language."""
    folder = tmp_path / "test" / "mail"
    folder.mkdir(parents=True)
    head = "{% load i18n %}{% get_current_language as lang %}"
    (folder / "subject.txt").write_text(head + "Hello {{ user.username }} ({{ lang }})\n")
    (folder / "body.txt").write_text(head + "Text for {{ user.email }}, {{ n }} new, {{ lang }}")
    (folder / "body.html").write_text(head + "<p>{{ user.username }} &amp; {{ items.0 }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return "test/mail"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("ana", "ana@example.org")


def queue_template(prefix, context, **fields):
    return outbox.queue_template(
        prefix, context, to_email="supporter@example.org", category="test", **fields
    )


@pytest.mark.django_db
class TestQueueTemplate:
    def test_it_renders_in_the_task_not_in_the_request(self, mail_templates, user):
        with mock.patch("mailer.outbox.render_to_string") as render:
            message = queue_template(mail_templates, {"user": user, "n": 3, "items": ["a"]})
        assert render.call_count == 0
        message.refresh_from_db()
        assert (message.subject, message.body_text, message.template) == ("", "", mail_templates)
        assert message.context["user"] == {"__model__": "auth.user", "pk": user.pk}

    def test_it_sends_what_the_templates_render_from_the_committed_objects(
        self, mail_templates, user, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            message = queue_template(mail_templates, {"user": user, "n": 3, "items": ["<b>"]})
            type(user).objects.filter(pk=user.pk).update(email="new@example.org")
        assert mailoutbox[0].subject == "Hello ana (en)"
        assert mailoutbox[0].body == "Text for new@example.org, 3 new, en"
        assert mailoutbox[0].alternatives[0].content == "<p>ana &amp; &lt;b&gt;</p>"
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENT
        assert (message.subject, message.template, message.context) == ("Hello ana (en)", "", {})

    def test_it_renders_in_the_language_of_the_request_that_queued_it(
        self, mail_templates, user, mailoutbox
    ):
        with translation.override("ko"):
            message = queue_template(mail_templates, {"user": user})
        send_message(message.pk)
        assert mailoutbox[0].subject == "Hello ana (ko)"

    @pytest.mark.parametrize(
        "value",
        [datetime.date(2026, 1, 1), translation.gettext_lazy("lazy"), {1: "int key"}, object()],
    )
    def test_it_renders_right_away_what_json_cannot_hold(self, mail_templates, user, value):
        message = queue_template(mail_templates, {"user": user, "n": value})
        message.refresh_from_db()
        assert message.template == ""
        assert message.subject == "Hello ana (en)"

    def test_it_fails_a_mail_whose_object_is_gone_with_the_reason(self, mail_templates, user):
        message = queue_template(mail_templates, {"user": user})
        user.delete()
        send_message(message.pk)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.FAILED
        assert "Rendering failed" in message.last_error
        assert "DoesNotExist" in message.last_error

    def test_it_fails_a_mail_whose_template_is_missing(self, user, mailoutbox):
        message = queue_template("test/no-such-mail", {"user": user})
        send_message(message.pk)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.FAILED
        assert "TemplateDoesNotExist" in message.last_error
        assert mailoutbox == []

    def test_it_refuses_a_header_injecting_rendered_subject(self, mail_templates, user):
        message = queue_template(mail_templates, {"user": user})
        with mock.patch(
            "mailer.outbox.render_email", return_value=("Hi\u2028Bcc: x@evil.test", "b", "")
        ):
            send_message(message.pk)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.FAILED
        assert "Line breaks" in message.last_error

    def test_it_refuses_line_breaks_in_the_recipient_name_at_once(self, mail_templates, user):
        with pytest.raises(ValidationError):
            queue_template(mail_templates, {"user": user}, to_name="Eve\nBcc: x@evil.test")
        assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
class TestKick:
    @pytest.fixture(autouse=True)
    def no_kick_key(self):
        cache.delete(outbox.KICK_KEY)

    def test_it_starts_one_flush_for_many_commits(self, django_capture_on_commit_callbacks):
        with mock.patch("mailer.tasks.flush_outbox.delay") as delay:
            for _ in range(3):
                with django_capture_on_commit_callbacks(execute=True):
                    queue_one()
        assert delay.call_count == 1

    def test_it_starts_another_once_the_flush_is_done(self, django_capture_on_commit_callbacks):
        with mock.patch("mailer.tasks.flush_outbox.delay") as delay:
            with django_capture_on_commit_callbacks(execute=True):
                queue_one()
            outbox.forget_kick()  # what the flush does when it is done
            with django_capture_on_commit_callbacks(execute=True):
                queue_one()
        assert delay.call_count == 2

    def test_it_starts_a_flush_on_every_commit_when_the_cache_is_down(
        self, django_capture_on_commit_callbacks
    ):
        with (
            mock.patch("mailer.outbox.cache.add", side_effect=ConnectionError("down")),
            mock.patch("mailer.tasks.flush_outbox.delay") as delay,
        ):
            for _ in range(2):
                with django_capture_on_commit_callbacks(execute=True):
                    queue_one()
        assert delay.call_count == 2


@pytest.mark.django_db
class TestFlushOutbox:
    def test_it_sends_every_due_row_in_batches(self, mailoutbox, monkeypatch):
        monkeypatch.setattr("mailer.tasks.FLUSH_BATCH", 2)
        for n in range(5):
            queue_one(subject=f"m{n}")
        assert flush_outbox() == {"sent": 5}
        assert sorted(m.subject for m in mailoutbox) == ["m0", "m1", "m2", "m3", "m4"]
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}

    def test_it_leaves_rows_not_due_or_claimed_by_someone_else(self, mailoutbox):
        later = queue_one(subject="later")
        OutboxMessage.objects.filter(pk=later.pk).update(
            send_after=timezone.now() + datetime.timedelta(minutes=5)
        )
        taken = queue_one(subject="taken")
        assert taken.claim()
        assert flush_outbox() == {"sent": 0}
        assert mailoutbox == []

    def test_it_skips_a_row_whose_claim_was_released_meanwhile(self, mailoutbox):
        first, second = queue_one(subject="first"), queue_one(subject="second")
        claimed = _claim_batch()
        OutboxMessage.objects.release_claims()  # e.g. another worker restarted
        assert [m.start_sending() for m in claimed] == [False, False]
        assert flush_outbox() == {"sent": 2}  # the next flush sends each once
        assert sorted(m.subject for m in mailoutbox) == ["first", "second"]
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.attempts, second.attempts) == (1, 1)

    def test_it_strands_only_the_row_in_flight_when_the_worker_dies(self, mailoutbox):
        for n in range(3):
            queue_one(subject=f"m{n}")
        in_flight = _claim_batch()[0]
        assert in_flight.start_sending()
        # SIGKILL here: the worker restarts, gives back what it never tried and flushes.
        release_claims_on_start()
        statuses = dict(OutboxMessage.objects.values_list("subject", "status"))
        assert statuses == {"m0": "sending", "m1": "sent", "m2": "sent"}
        assert sorted(m.subject for m in mailoutbox) == ["m1", "m2"]

    def test_it_stores_the_esp_message_id(self, settings, mailoutbox):
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
        message = queue_one()
        flush_outbox()
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENT
        assert message.esp_message_id == "0"  # the test ESP numbers its messages
        assert mailoutbox[0].metadata == {"outbox_id": str(message.pk)}

    def test_it_never_sends_a_row_twice(self, mailoutbox):
        message = queue_one()
        flush_outbox()
        flush_outbox()
        send_message(message.pk)
        assert len(mailoutbox) == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)

    def test_it_frees_the_kick_when_done(self):
        cache.set(outbox.KICK_KEY, 1, 30)
        flush_outbox()
        assert cache.get(outbox.KICK_KEY) is None

    def test_it_kicks_again_for_a_row_committed_while_it_finished(self):
        # The row commits after the last empty claim but before the kick key is deleted:
        # that request found the key taken and did not enqueue anything itself.
        with (
            mock.patch("mailer.tasks.forget_kick", side_effect=lambda: queue_one()),
            mock.patch("mailer.tasks.kick") as kick,
        ):
            flush_outbox()
        assert kick.call_count == 1

    def test_it_does_not_kick_again_when_nothing_is_left(self):
        queue_one()
        with mock.patch("mailer.tasks.kick") as kick:
            flush_outbox()
        assert kick.call_count == 0

    def test_it_retries_a_temporary_failure_by_itself(self, mailoutbox):
        message = queue_one()
        error = smtplib.SMTPResponseException(451, b"try later")
        with (
            # A flush sends through its batch's connection (the test mail backend's).
            mock.patch(
                "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=error
            ),
            mock.patch("mailer.tasks.send_message.apply_async") as retry,
        ):
            flush_outbox()
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.QUEUED
        assert retry.call_args.args == ((message.pk,),)


@pytest.mark.django_db
class TestSweepClaims:
    def test_it_gives_stale_claims_back_and_flushes_them(self, mailoutbox):
        queue_one(subject="claimed long ago")
        _claim_batch()
        OutboxMessage.objects.update(claimed_at=timezone.now() - datetime.timedelta(hours=1))
        assert sweep_outbox() == {"requeued": 0, "interrupted": 0, "released": 1}
        assert [m.subject for m in mailoutbox] == ["claimed long ago"]
        assert OutboxMessage.objects.get().attempts == 1

    def test_it_leaves_fresh_claims_alone(self):
        queue_one()
        _claim_batch()
        assert sweep_outbox()["released"] == 0
        assert OutboxMessage.objects.get().status == OutboxMessage.Status.CLAIMED


@pytest.mark.django_db
class TestDomainThrottle:
    @pytest.fixture(autouse=True)
    def rates(self, settings):
        settings.OUTBOX_DOMAIN_RATES = ["2/60"]
        settings.OUTBOX_THROTTLED_CATEGORIES = ["outreach"]

    def queue_to(self, email, category="outreach"):
        return outbox.queue(to_email=email, subject=email, body_text="Hi", category=category)

    def test_it_holds_back_mail_over_the_rate_of_one_domain(self, mailoutbox):
        for n in range(3):
            self.queue_to(f"mayor{n}@city.example")
        self.queue_to("mayor@other.example")
        assert flush_outbox() == {"sent": 3}
        held = OutboxMessage.objects.get(status=OutboxMessage.Status.QUEUED)
        assert held.to_email == "mayor2@city.example"
        assert held.send_after > timezone.now() + datetime.timedelta(seconds=50)
        assert held.attempts == 0
        assert "mayor@other.example" in [m.to[0] for m in mailoutbox]

    def test_it_does_not_throttle_other_categories(self, mailoutbox):
        for n in range(4):
            self.queue_to(f"signer{n}@gmail.example", category="petition-confirmation")
        assert flush_outbox() == {"sent": 4}

    def test_it_is_off_with_no_rates(self, settings, mailoutbox):
        settings.OUTBOX_DOMAIN_RATES = []
        for n in range(4):
            self.queue_to(f"mayor{n}@city.example")
        assert flush_outbox() == {"sent": 4}


@pytest.mark.django_db
class TestReplyAddress:
    def test_it_is_a_per_message_token_address(self, settings):
        settings.OUTREACH_REPLY_DOMAIN = "replies.example.org"
        first, second = queue_one(), queue_one()
        assert first.reply_address == f"reply+{first.reply_token}@replies.example.org"
        assert first.reply_token != second.reply_token
        assert len(first.reply_token) == 24

    def test_it_is_empty_without_a_reply_domain(self, settings):
        settings.OUTREACH_REPLY_DOMAIN = ""
        assert queue_one().reply_address == ""
