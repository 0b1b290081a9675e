"""The outbox with a real Celery worker and the Redis broker, not eager tasks.

Every other mail test runs tasks in-process (tests/conftest.py). This one proves the path
production takes: the commit's kick goes through Redis to a worker, whose flush sends each
row once. The worker is Celery's embedded test worker, a thread of this process, so the
in-memory mail backend it sends through is the one ``mailoutbox`` shows.
"""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.db import transaction

from config.celery import app
from mailer import outbox
from mailer.models import OutboxMessage

SEND_TIMEOUT = 30


@pytest.fixture
def celery_worker(_eager_celery):
    """A worker thread of the project's app on its broker; tasks are not eager meanwhile.

    Depends on the autouse eager fixture so it switches eagerness off after it, and that
    fixture switches it back after the worker stopped.
    """
    if not app.conf.broker_url.startswith(("redis://", "rediss://")):
        pytest.fail(
            f"needs the Redis broker (CELERY_BROKER_URL, REDIS_URL), not {app.conf.broker_url!r}; "
            "`make test` sets them"
        )
    hijack = app.conf.worker_hijack_root_logger
    app.conf.task_always_eager = False
    # pytest owns the root logger; the worker must not take it over.
    app.conf.worker_hijack_root_logger = False
    try:
        # No result backend here, so no ping round trip: the worker consumes once this yields.
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        app.conf.worker_hijack_root_logger = hijack


@pytest.fixture
def task_threads():
    """Names of the tasks run, with the thread each ran in."""
    runs = []

    def record(task, **kwargs):
        runs.append((task.name, threading.get_ident()))

    task_prerun.connect(record, weak=False)
    yield runs
    task_prerun.disconnect(record)


def wait_until_settled(pks):
    """Rows leave QUEUED/CLAIMED/SENDING once the worker's flush got to them."""
    deadline = time.monotonic() + SEND_TIMEOUT
    busy = [OutboxMessage.Status.QUEUED, OutboxMessage.Status.CLAIMED, OutboxMessage.Status.SENDING]
    while OutboxMessage.objects.filter(pk__in=pks, status__in=busy).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not send the rows within {SEND_TIMEOUT} s")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
class TestRealWorker:
    def test_it_sends_committed_rows_once_through_the_broker(
        self, celery_worker, task_threads, mailoutbox
    ):
        with transaction.atomic():
            messages = [
                outbox.queue(
                    to_email=f"official{n}@city.example.org",
                    subject=f"Letter {n}",
                    body_text="Dear official",
                    category="outreach",
                )
                for n in range(3)
            ]
        wait_until_settled([message.pk for message in messages])

        for message in messages:
            message.refresh_from_db()
            assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)
        assert sorted(mail.extra_headers["Message-ID"] for mail in mailoutbox) == sorted(
            message.message_id for message in messages
        )
        # The flush ran in the worker's thread, taken from the broker, not inline at commit.
        flushes = [ident for name, ident in task_threads if name == "mailer.tasks.flush_outbox"]
        assert flushes
        assert threading.get_ident() not in flushes
