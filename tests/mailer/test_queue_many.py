"""``outbox.queue_many``: many rows with ``bulk_create``, which skips ``save()``."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from mailer import outbox
from mailer.models import OutboxMessage


def rows(count, **fields):
    return (
        {
            "category": "test",
            "to_email": f"person{number}@example.org",
            "subject": "News",
            "body_text": "Hello",
            **fields,
        }
        for number in range(count)
    )


@pytest.mark.django_db
class TestQueueMany:
    def test_it_gives_each_row_its_own_message_id_and_reply_token(self):
        assert outbox.queue_many(rows(5), batch_size=2) == 5
        messages = OutboxMessage.objects.all()
        assert len({message.message_id for message in messages}) == 5
        assert len({message.reply_token for message in messages}) == 5
        assert all(message.message_id.startswith("<") for message in messages)

    def test_it_inserts_in_batches_and_kicks_once_after_commit(
        self, mailoutbox, django_capture_on_commit_callbacks, django_assert_num_queries
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with django_assert_num_queries(3):  # 5 rows, 2 per INSERT
                outbox.queue_many(rows(5), batch_size=2)
            assert mailoutbox == []
        assert callbacks == [outbox.kick]
        assert len(mailoutbox) == 5

    def test_it_refuses_header_injection_and_writes_nothing(self):
        bad = [*rows(2), {**next(rows(1)), "headers": {"X-Note": "a\r\nBcc: x@evil.test"}}]
        with pytest.raises(ValidationError), transaction.atomic():
            outbox.queue_many(bad)
        assert not OutboxMessage.objects.exists()

    def test_it_stores_template_contexts_as_references(self, mailoutbox):
        user = User.objects.create_user("ana")
        outbox.queue_many(rows(1, template="some/prefix", context={"user": user}, language="ko"))
        message = OutboxMessage.objects.get()
        assert message.context == {"user": {outbox.MODEL_REF: "auth.user", "pk": user.pk}}
        assert message.language == "ko"

    def test_it_queues_nothing_for_no_rows(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            assert outbox.queue_many([]) == 0
        assert callbacks == []
