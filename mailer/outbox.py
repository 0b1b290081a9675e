"""Queue mail: write an outbox row now, hand it to Celery once the transaction commits."""

import logging

from django.db import transaction
from django.template.loader import render_to_string

from .models import OutboxMessage

logger = logging.getLogger(__name__)


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
    *, to_email, subject, body_text, category, to_name="", body_html="", headers=None, reply_to=""
):
    """Create an outbox row and enqueue its send task after the surrounding commit."""
    message = OutboxMessage.objects.create(
        category=category,
        to_email=to_email,
        to_name=to_name,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        reply_to=reply_to,
    )
    transaction.on_commit(lambda: enqueue(message.pk))
    return message


def queue_template(template_prefix, context, **fields):
    subject, text, html = render_email(template_prefix, context)
    return queue(subject=subject, body_text=text, body_html=html, **fields)


def enqueue(message_id):
    """Hand a row to Celery. A broker outage is not an error: the sweeper retries later."""
    from .tasks import send_message

    try:
        send_message.delay(message_id)
    except Exception:
        logger.warning(
            "outbox: could not enqueue message %s; the sweeper will", message_id, exc_info=True
        )
