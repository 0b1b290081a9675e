"""What ``/healthz`` checks: the database, Redis and a live Celery worker.

Each check answers a word, never an error message: the endpoint is public (load balancers
and uptime monitors call it without credentials) and must not leak hosts or versions.
Only the database and Redis decide the status code: a node that cannot reach them cannot
serve, but a stopped worker is no reason to take web nodes out of the load balancer
(mail then waits in the outbox), so a stale heartbeat is reported, not failed on.
"""

import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import Error as DatabaseError
from django.db import connections

OK = "ok"
DOWN = "down"
NOT_CONFIGURED = "not configured"
STALE = "stale"

HEARTBEAT_KEY = "core:celery-heartbeat"
# Celery beat writes the heartbeat every 30 seconds; four missed beats make it stale.
HEARTBEAT_MAX_AGE = 120
# A health check must answer before the load balancer's own timeout.
REDIS_TIMEOUT = 1.0


def beat(now=None):
    """Record that a worker ran a task just now (``core.tasks.heartbeat``)."""
    cache.set(HEARTBEAT_KEY, time.time() if now is None else now, timeout=None)


def check_database(alias="default"):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return DOWN
    return OK


def redis_urls():
    """The Redis servers this process depends on: the cache and the Celery broker."""
    urls = [settings.REDIS_URL, settings.CELERY_BROKER_URL]
    return sorted({url for url in urls if url.startswith(("redis://", "rediss://", "unix://"))})


def check_redis():
    """PING every Redis in ``redis_urls()`` directly: the cache itself fails open, so a
    cache call cannot tell whether Redis answered."""
    urls = redis_urls()
    if not urls:
        return NOT_CONFIGURED
    for url in urls:
        try:
            with redis.Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
            ) as client:
                client.ping()
        except (redis.RedisError, OSError):
            return DOWN
    return OK


def heartbeat_age(now=None):
    """Seconds since a worker last ran ``core.tasks.heartbeat``; None if never (or unknown)."""
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        return None
    return max(0, round((time.time() if now is None else now) - last))


def check_celery(age):
    if settings.CELERY_TASK_ALWAYS_EAGER:  # tasks run in the web process: no worker to check
        return NOT_CONFIGURED
    return OK if age is not None and age <= HEARTBEAT_MAX_AGE else STALE


def report():
    """``{"status": "ok"|"down", <component>: <word>…, "celery_heartbeat_age": seconds}``."""
    database = check_database()
    redis_state = check_redis()
    age = heartbeat_age() if not settings.CELERY_TASK_ALWAYS_EAGER else None
    healthy = database == OK and redis_state in (OK, NOT_CONFIGURED)
    return {
        "status": OK if healthy else DOWN,
        "database": database,
        "redis": redis_state,
        "celery": check_celery(age),
        "celery_heartbeat_age": age,
    }
