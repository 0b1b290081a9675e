"""Real outages for fault tests: services pointed at a port nobody listens on.

Nothing is mocked to say "ok" or "down": the client libraries really try to connect and
really fail, exactly as when PostgreSQL, Redis or the broker is stopped.
"""

import contextlib
import socket
from unittest import mock

from django.db import connections
from django.test import override_settings

from config.celery import app


def closed_port():
    """A local TCP port with nothing listening (bound once by the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dead_redis_url():
    return f"redis://127.0.0.1:{closed_port()}/0"


@contextlib.contextmanager
def database_down(alias="default"):
    """Every new connection of ``alias`` fails (needs a transactional test: the connection
    is closed, so no test transaction can wrap it)."""
    connection = connections[alias]
    connection.close()
    with mock.patch.dict(connection.settings_dict, {"HOST": "127.0.0.1", "PORT": closed_port()}):
        try:
            yield
        finally:
            connection.close()


@contextlib.contextmanager
def cache_down():
    """The default cache is a Redis that refuses connections."""
    url = dead_redis_url()
    caches = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": url}}
    with override_settings(CACHES=caches, REDIS_URL=url):
        yield


@contextlib.contextmanager
def broker_down():
    """Celery publishes to a broker that refuses connections (and no longer runs eagerly)."""
    # The write URL: Celery lets the CELERY_BROKER_URL variable (set by `make test`) win
    # over a configured broker_url.
    saved = {key: app.conf[key] for key in ("broker_write_url", "task_always_eager")}
    _forget_connections()
    app.conf.update(broker_write_url=dead_redis_url(), task_always_eager=False)
    try:
        yield
    finally:
        _forget_connections()
        app.conf.update(saved)


def _forget_connections():
    """Drop Celery's cached connection and producer pools (built from the broker URL of
    the moment); the next publish builds them from the current one. Not closed: kombu keeps
    a registry of producer pools that a closed pool would poison."""
    app._pool = None
    app.amqp._producer_pool = None
