"""Log output for machines: one JSON object per line (``LOG_FORMAT=json``), and Sentry.

A log collector (journald, Loki, CloudWatch…) then needs no parsing rules, and a multi-line
traceback stays inside its record instead of becoming many unrelated lines.
"""

import datetime
import json
import logging

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"}``, the ``extra=`` fields, and ``exception``."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a request object or a lazy translation in ``extra`` must not lose the line.
        return json.dumps(entry, default=str, ensure_ascii=False)


def init_sentry(dsn, *, environment, traces_sample_rate=0.0):
    """Send errors to Sentry, from web processes and Celery workers alike.

    Imported only when ``SENTRY_DSN`` is set, so sentry-sdk stays an optional extra. No
    personal data: supporters' names, emails and IPs stay out of error reports.
    """
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
