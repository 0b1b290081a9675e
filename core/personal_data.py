"""What the site holds about one person, found by email address: export it, erase it, and
age personal data out after a while (GDPR access and erasure requests, data retention).

The data lives in several apps and ``core`` may import none of them (STYLE.md), so each app
``register()``s its sections and ``register_retention()``s its steps from ``AppConfig.ready``;
the staff page (``petitions.staff.personal_data``) and the daily ``core.tasks.apply_retention``
call them through here. Sections run in registration order (``INSTALLED_APPS`` order, then the
order within an app), which lets an app erase dependent rows before the rows they hang on.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .emails import normalize_email
from .pagecache import invalidate_pages

logger = logging.getLogger(__name__)

# Rows per UPDATE or DELETE of a retention step: each batch is its own short transaction, so
# signing or commenting never waits behind one long statement.
RETENTION_BATCH_SIZE = 1000
# Keys of the export document that are not sections.
RESERVED = frozenset({"email", "exported_at"})


@dataclass(frozen=True)
class Section:
    """One kind of personal data, matched by the person's normalised email address.

    ``label`` is a lazy plural with a ``count`` key (``ngettext_lazy("%(count)d signature",
    "%(count)d signatures", "count")``). ``export(email)`` returns JSON-ready records (a list
    of dicts, see ``record()``); ``erase(email)`` deletes or anonymises them and returns how
    many, and must only write to the database: ``erase()`` below runs every section in one
    transaction, so a failure anywhere leaves everything as it was.
    """

    name: str
    label: object
    export: Callable[[str], list]
    erase: Callable[[str], int]


_sections: dict[str, Section] = {}
_retention: dict[str, Callable] = {}


def register(name, *, label, export, erase):
    """Declare a section (call it from the owning app's ``ready()``)."""
    if name in RESERVED:
        raise ValueError(f"{name!r} is a reserved key of the export document")
    _sections[name] = Section(name=name, label=label, export=export, erase=erase)


def sections():
    return list(_sections.values())


def register_retention(name, step):
    """Declare a retention step: ``step(now)`` deletes or anonymises personal data that is
    old enough (``in_batches``), is idempotent, and returns how many rows it changed."""
    _retention[name] = step


def summary(email):
    """``{section name: number of records}`` held for ``email``."""
    return counts(export(email))


def counts(document):
    """``{section name: number of records}`` in an ``export()`` document."""
    return {section.name: len(document[section.name]) for section in sections()}


def describe(counts):
    """``["2 signatures", "1 email"]`` for ``summary()`` or ``erase()`` counts; empty sections
    are left out."""
    return [
        section.label % {"count": counts[section.name]}
        for section in sections()
        if counts.get(section.name)
    ]


def export(email):
    """Everything held for ``email``: one JSON-ready document with a key per section."""
    return {
        "email": normalize_email(email),
        "exported_at": timezone.now().isoformat(),
        **{section.name: section.export(email) for section in sections()},
    }


def erase(email):
    """Erase what every section holds for ``email``; ``{section name: count}``.

    One transaction: either all of the person's data goes or none of it. Cached pages are
    invalidated after the commit (sections that recount something add their own
    ``on_commit`` callbacks).
    """
    with transaction.atomic():
        counts = {section.name: section.erase(email) for section in sections()}
        invalidate_pages()
    return counts


def apply_retention(now=None):
    """Run every retention step; ``{step name: rows changed}``.

    One failing step is logged and does not stop the others (it is left out of the result);
    the next daily run retries it, and the steps that ran are idempotent.
    """
    now = now or timezone.now()
    done = {}
    for name, step in _retention.items():
        try:
            done[name] = step(now)
        except Exception:
            logger.exception("retention: step %r failed", name)
    logger.info("retention: %s", done)
    return done


def in_batches(queryset, apply, batch_size=RETENTION_BATCH_SIZE):
    """Call ``apply(rows)`` on ``queryset`` in batches of primary keys, each in its own
    transaction, until no row matches; the sum of what ``apply`` returns.

    ``apply`` must take the rows out of ``queryset`` (delete them, or clear the field it
    filters on). If a batch changes nothing (say another process got there first, or a
    broken ``apply``), it stops rather than loop for ever.
    """
    total = 0
    while batch := list(queryset.order_by().values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            changed = apply(queryset.filter(pk__in=batch))
        if not changed:
            break
        total += changed
    return total


def record(instance, fields, **extra):
    """``{field: value}`` of ``instance`` for the export, dates as ISO 8601, plus ``extra``."""
    return {field: json_value(getattr(instance, field)) for field in fields} | {
        key: json_value(value) for key, value in extra.items()
    }


def json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "code"):  # a django-countries Country
        return value.code
    return value
