"""Queue mail: write an outbox row now, have Celery send it once the transaction commits.

Nothing here talks to the broker per message: after commit, ``kick()`` starts one
``flush_outbox`` task unless one was started within the last second (a cache key debounces
it), and that task sends every due row in batches. Template mails are rendered by the task,
not by the request that queues them (``queue_template``).
"""

import itertools
import logging

from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# Cache key of the debounced kick: present while a flush is pending or running.
KICK_KEY = "outbox:kick"
# A flush deletes the key when it is done; the timeout only frees it after a lost task.
KICK_SECONDS = 1
# How a model instance is stored in a deferred template context.
MODEL_REF = "__model__"
# Callables that queue the mail their app keeps as due in its own rows (a new signature is
# one INSERT; its confirmation is queued here), returning how many they queued. Registered
# by the higher apps in ``ready()``; the flush and the sweeper run them.
_producers = []


class NotDeferrable(TypeError):
    """A template context value that cannot be stored as JSON and rebuilt in the task."""


def render_email(template_prefix, context):
    """Render ``<prefix>/subject.txt``, ``body.txt`` and (if present) ``body.html``."""
    subject = " ".join(render_to_string(f"{template_prefix}/subject.txt", context).split())
    text = render_to_string(f"{template_prefix}/body.txt", context)
    try:
        html = render_to_string(f"{template_prefix}/body.html", context)
    except Exception:  # noqa: BLE001 — TemplateDoesNotExist: text-only mail
        html = ""
    return subject, text, html


def queue(
    *,
    to_email,
    subject,
    body_text,
    category,
    to_name="",
    body_html="",
    headers=None,
    reply_to="",
    send_after=None,
):
    """Create an outbox row and have it sent after the surrounding commit.

    ``send_after`` (an aware datetime) holds it back until then: the sweeper sends it once due.
    """
    return _create(
        category=category,
        to_email=to_email,
        to_name=to_name,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        reply_to=reply_to,
        send_after=send_after or timezone.now(),
    )


def queue_template(template_prefix, context, **fields):
    """Queue a mail rendered from ``<prefix>/subject.txt``, ``body.txt``, ``body.html``.

    The send task renders it, in the language active now: the request only stores the
    prefix and the context (model instances as references, loaded again by the task, so it
    sees them as committed). A context holding anything else than JSON values and saved
    model instances (a date, a lazy or safe string…) is rendered right here instead.
    """
    try:
        frozen = freeze_context(context)
    except NotDeferrable:
        subject, text, html = render_email(template_prefix, context)
        return queue(subject=subject, body_text=text, body_html=html, **fields)
    headers = fields.pop("headers", None) or {}
    return _create(
        template=template_prefix,
        context=frozen,
        language=translation.get_language() or "",
        subject="",
        body_text="",
        headers=headers,
        **fields,
    )


def _create(**fields):
    message = OutboxMessage.objects.create(**fields)
    transaction.on_commit(kick)
    return message


def queue_many(rows, batch_size=500):
    """Queue many mails with one INSERT per ``batch_size`` rows and one kick after commit;
    the number queued. Call it inside the business transaction (e.g. a newsletter send).

    ``rows`` are dicts of ``OutboxMessage`` fields, consumed lazily. A row with a
    ``template`` is rendered by the send task from its ``context`` (frozen here like
    ``queue_template`` does) in the row's ``language``. ``bulk_create`` skips ``save()``, so
    each row is ``prepare()``d here: Message-ID, reply token and the header checks.
    """
    queued = 0
    for chunk in itertools.batched(rows, batch_size):
        messages = []
        for fields in chunk:
            message = OutboxMessage(**fields)
            message.context = freeze_context(message.context)
            message.prepare()
            messages.append(message)
        OutboxMessage.objects.bulk_create(messages)
        queued += len(messages)
    if queued:
        transaction.on_commit(kick)
    return queued


def register_producer(producer):
    if producer not in _producers:
        _producers.append(producer)


def run_producers():
    """Let every producer queue its due mail; one failing does not stop the others."""
    queued = 0
    for producer in _producers:
        try:
            queued += producer()
        except Exception:
            logger.exception("outbox: producer %r failed", producer)
    return queued


def kick():
    """Start a ``flush_outbox`` task, unless one was started and has not finished yet.

    ``cache.add`` is atomic, so of many requests committing at once only one enqueues a task;
    the others rely on that flush (see ``tasks.flush_outbox`` for why none is missed). If the
    cache is down, every kick enqueues. A broker outage is not an error: the sweeper sends
    the rows later.
    """
    from .tasks import flush_outbox

    try:
        if not cache.add(KICK_KEY, 1, timeout=KICK_SECONDS):
            return
    except Exception:
        logger.warning("outbox: cache unavailable, kicking without debounce", exc_info=True)
    try:
        flush_outbox.delay()
    except Exception:
        logger.warning("outbox: could not enqueue a flush; the sweeper will", exc_info=True)
        # The next commit must try again instead of trusting a flush that never started.
        forget_kick()


def forget_kick():
    try:
        cache.delete(KICK_KEY)
    except Exception:
        logger.warning("outbox: cache unavailable", exc_info=True)


def freeze_context(value):
    """``value`` as JSON: saved model instances become ``{"__model__": label, "pk": pk}``."""
    if isinstance(value, models.Model):
        if not isinstance(value.pk, (int, str)) or value._state.adding:
            raise NotDeferrable(f"unsaved or oddly keyed {value!r}")
        return {MODEL_REF: value._meta.label_lower, "pk": value.pk}
    # Exact types only: a SafeString or lazy translation would lose what makes it special.
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) in (list, tuple):
        return [freeze_context(item) for item in value]
    if type(value) is dict and MODEL_REF not in value and all(type(k) is str for k in value):
        return {key: freeze_context(item) for key, item in value.items()}
    raise NotDeferrable(f"{type(value).__name__} in a mail context")


def thaw_context(value, _loaded=None):
    """The inverse of ``freeze_context``; raises ``DoesNotExist`` for a deleted instance."""
    loaded = {} if _loaded is None else _loaded
    if isinstance(value, list):
        return [thaw_context(item, loaded) for item in value]
    if isinstance(value, dict):
        if MODEL_REF in value:
            ref = (value[MODEL_REF], value["pk"])
            if ref not in loaded:
                loaded[ref] = apps.get_model(ref[0])._default_manager.get(pk=ref[1])
            return loaded[ref]
        return {key: thaw_context(item, loaded) for key, item in value.items()}
    return value
