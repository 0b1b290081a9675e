"""Outreach's part of a person's data (``core.personal_data``): the replies received from
their address (usually an official's office, but a supporter may answer too).

A reviewed response (received, victory) is the record behind the status table and the
campaign page's "Officials' responses": it stays, with its staff-written public summary,
but the sender's address and name, the mail's subject and text, the staff notes about it and
its attachments go. Responses not reviewed (new, unmatched, dismissed) are deleted.

The letters we sent to officials and the petition deliveries are a record too: they are
declared to the outbox (``mailer.personal_data.keep_as_record``) so that neither erasure nor
retention deletes them (``OutreachMessage`` protects them anyway).
"""

from django.db import transaction
from django.utils.translation import ngettext_lazy

from core import personal_data
from core.emails import normalize_email
from mailer.personal_data import keep_as_record

from .models import (
    OUTREACH_CATEGORY,
    PETITION_DELIVERY_CATEGORY,
    Response,
    ResponseAttachment,
)

RESPONSE_FIELDS = (
    "source",
    "status",
    "from_email",
    "from_name",
    "subject",
    "body_text",
    "notes",
    "received_at",
    "public_summary",
)
REVIEWED = (Response.Status.RECEIVED, Response.Status.VICTORY)


def responses_from(email):
    # Stored as the mail's From header had it: compare case-insensitively.
    return Response.objects.filter(from_email__iexact=normalize_email(email))


def export_responses(email):
    return [
        personal_data.record(
            response,
            RESPONSE_FIELDS,
            campaign=str(response.campaign) if response.campaign_id else None,
            attachments=[attachment.filename for attachment in response.attachments.all()],
        )
        for response in responses_from(email)
        .select_related("campaign")
        .prefetch_related("attachments")
    ]


def erase_responses(email):
    """Strip reviewed responses, delete the others; attachment files go after the commit."""
    responses = responses_from(email)
    attachments = ResponseAttachment.objects.filter(response__in=responses)
    files = [(a.file.storage, a.file.name) for a in attachments.only("file")]
    attachments.delete()
    stripped = responses.filter(status__in=REVIEWED).update(
        from_email="", from_name="", subject="", body_text="", notes=""
    )
    # Stripped rows no longer match the address: only the unreviewed ones are left to delete.
    deleted = responses.delete()[1].get(Response._meta.label, 0)
    if files:
        transaction.on_commit(lambda: _delete_files(files))
    return stripped + deleted


def _delete_files(files):
    for storage, name in files:
        storage.delete(name)


def register():
    keep_as_record(OUTREACH_CATEGORY, PETITION_DELIVERY_CATEGORY)
    personal_data.register(
        "responses",
        label=ngettext_lazy("%(count)d reply received", "%(count)d replies received", "count"),
        export=export_responses,
        erase=erase_responses,
    )
