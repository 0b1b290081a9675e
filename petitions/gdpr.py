"""A person's data by email address (GDPR access and erasure requests).

What we hold about a supporter: their signatures on every petition and the mails we queued
or sent to them (``mailer.OutboxMessage``). Both are matched on the normalised address.
"""

from django.db import transaction
from django.utils import timezone

from core.emails import normalize_email
from core.pagecache import invalidate_pages
from mailer.models import OutboxMessage

from .models import Petition, Signature

SIGNATURE_FIELDS = (
    "name",
    "email",
    "country",
    "city",
    "comment",
    "consent_updates",
    "show_publicly",
    "status",
    "ip_hash",
    "created_at",
    "confirmation_sent_at",
    "confirmed_at",
)
MESSAGE_FIELDS = (
    "category",
    "to_email",
    "to_name",
    "subject",
    "body_text",
    "status",
    "created_at",
    "sent_at",
)


def signatures_of(email):
    return Signature.objects.of_person(email).select_related("petition__campaign")


def messages_to(email):
    # Stored as typed; the normalised form only differs in case (EmailField strips spaces).
    return OutboxMessage.objects.filter(to_email__iexact=normalize_email(email))


def summary(email):
    """How much we hold: ``{"signatures": n, "petitions": [titles], "messages": n}``."""
    titles = list(Signature.objects.of_person(email).values_list("petition__title", flat=True))
    return {
        "signatures": len(titles),
        "petitions": sorted(set(titles)),
        "messages": messages_to(email).count(),
    }


def export(email):
    """Everything we hold for ``email``, as a JSON-ready dict."""
    signatures = [
        {
            "petition": signature.petition.title,
            "campaign": signature.petition.campaign.absolute_url,
            "invalidated": signature.invalidation_id is not None,
            **{field: _json(getattr(signature, field)) for field in SIGNATURE_FIELDS},
        }
        for signature in signatures_of(email)
    ]
    messages = [
        {field: _json(value) for field, value in row.items()}
        for row in messages_to(email).values(*MESSAGE_FIELDS)
    ]
    return {
        "email": normalize_email(email),
        "exported_at": timezone.now().isoformat(),
        "signatures": signatures,
        "emails": messages,
    }


def erase(email):
    """Delete every signature of ``email`` and every mail to it; recount the petitions.

    One transaction: either all of the person's data goes or none. Returns
    ``{"signatures": n, "messages": n}``.
    """
    with transaction.atomic():
        signatures = Signature.objects.of_person(email)
        petitions = list(Petition.objects.filter(pk__in=signatures.values("petition")))
        signatures_deleted = signatures.delete()[1].get(Signature._meta.label, 0)
        messages_deleted = messages_to(email).delete()[1].get(OutboxMessage._meta.label, 0)
        for petition in petitions:
            transaction.on_commit(petition.forget_count)
        invalidate_pages()
    return {"signatures": signatures_deleted, "messages": messages_deleted}


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "code"):  # a django-countries Country
        return value.code
    return value
