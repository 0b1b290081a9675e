"""/healthz: the database, Redis and the Celery heartbeat, each really up or really down."""

import time

import pytest
from django.test import override_settings

from config.celery import app
from core import health
from core.tasks import heartbeat
from tests.security.faults import database_down, dead_redis_url

COMPONENTS = {"status", "database", "redis", "celery", "celery_heartbeat_age"}
WORDS = {"ok", "down", "not configured", "stale"}


def healthz(client):
    response = client.get("/healthz")
    body = response.json()
    assert set(body) == COMPONENTS
    assert {value for key, value in body.items() if key != "celery_heartbeat_age"} <= WORDS
    return response, body


@pytest.mark.django_db
class TestHealthz:
    def test_it_is_ok_when_database_and_redis_answer(self, client):
        response, body = healthz(client)
        assert response.status_code == 200
        assert body["status"] == body["database"] == body["redis"] == "ok"

    def test_it_is_never_cached(self, client):
        response, _ = healthz(client)
        assert "no-store" in response["Cache-Control"]
        assert "max-age=0" in response["Cache-Control"]

    def test_it_answers_503_when_redis_is_down(self, client):
        with override_settings(REDIS_URL=dead_redis_url()):
            response, body = healthz(client)
        assert response.status_code == 503
        assert body["status"] == body["redis"] == "down"
        assert body["database"] == "ok"

    def test_it_answers_503_when_the_broker_redis_is_down(self, client):
        with override_settings(CELERY_BROKER_URL=dead_redis_url()):
            response, body = healthz(client)
        assert response.status_code == 503
        assert body["redis"] == "down"

    def test_it_is_ok_without_redis_configured(self, client):
        with override_settings(REDIS_URL="", CELERY_BROKER_URL="memory://"):
            response, body = healthz(client)
        assert response.status_code == 200
        assert body["redis"] == "not configured"

    def test_it_reports_celery_as_not_configured_when_tasks_run_eagerly(self, client):
        with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
            _, body = healthz(client)
        assert body["celery"] == "not configured"
        assert body["celery_heartbeat_age"] is None


@pytest.mark.django_db
class TestCeleryHeartbeat:
    @pytest.fixture(autouse=True)
    def _with_a_worker(self, settings):
        settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: a worker runs the tasks

    def test_it_is_stale_before_any_heartbeat(self, client):
        response, body = healthz(client)
        assert body["celery"] == "stale"
        assert body["celery_heartbeat_age"] is None
        assert response.status_code == 200  # a stopped worker does not take web nodes out

    def test_it_is_ok_after_the_heartbeat_task_ran(self, client):
        heartbeat.delay()  # run by the (eager) test worker
        _, body = healthz(client)
        assert body["celery"] == "ok"
        assert body["celery_heartbeat_age"] <= 1

    def test_it_is_stale_when_the_last_heartbeat_is_over_two_minutes_old(self, client):
        health.beat(now=time.time() - health.HEARTBEAT_MAX_AGE - 5)
        response, body = healthz(client)
        assert body["celery"] == "stale"
        assert body["celery_heartbeat_age"] >= health.HEARTBEAT_MAX_AGE + 5
        assert response.status_code == 200

    def test_beat_runs_the_heartbeat_every_30_seconds(self, settings):
        schedule = [
            entry
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"] == heartbeat.name
        ]
        assert heartbeat.name == "core.tasks.heartbeat"
        assert heartbeat.name in app.tasks
        assert schedule == [
            {"task": "core.tasks.heartbeat", "schedule": 30.0, "options": {"expires": 30}}
        ]


@pytest.mark.django_db(transaction=True)
class TestHealthzWithDatabaseDown:
    def test_it_answers_503_with_the_database_down(self, client):
        with database_down():
            response, body = healthz(client)
        assert response.status_code == 503
        assert body["status"] == body["database"] == "down"
        assert body["redis"] == "ok"

    def test_it_leaks_no_detail_of_the_failure(self, client):
        with database_down():
            response, _ = healthz(client)
        text = response.content.decode().lower()
        for detail in ("127.0.0.1", "connection", "refused", "postgres", "port"):
            assert detail not in text
