"""Petitions' part of a person's data (``core.personal_data``): their signatures on every
petition, matched on the normalised address, and the retention of signers' IP hashes.

Unconfirmed signatures need no retention step of their own: ``tasks.expire_pending_signatures``
deletes them hourly once ``PETITION_PENDING_TTL`` has passed.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import ngettext_lazy

from core import personal_data

from .models import Petition, Signature

SIGNATURE_FIELDS = (
    *Signature.GIVEN_FIELDS,
    "status",
    "ip_hash",
    "created_at",
    "confirmation_sent_at",
    "confirmed_at",
)


def export_signatures(email):
    return [
        personal_data.record(
            signature,
            SIGNATURE_FIELDS,
            petition=signature.petition.title,
            campaign=signature.petition.campaign.absolute_url,
            invalidated=signature.invalidation_id is not None,
        )
        for signature in Signature.objects.of_person(email).select_related("petition__campaign")
    ]


def erase_signatures(email):
    """Delete every signature of ``email``; the petitions are recounted after the commit."""
    signatures = Signature.objects.of_person(email)
    petitions = list(Petition.objects.filter(pk__in=signatures.values("petition")))
    deleted = signatures.delete()[1].get(Signature._meta.label, 0)
    for petition in petitions:
        transaction.on_commit(petition.forget_count)
    return deleted


def clear_old_ip_hashes(now):
    """Blank the IP hash of signatures older than ``RETENTION_IP_HASH_DAYS``: it only serves
    to spot bulk signing (invalidation by IP hash), which is done long before then."""
    cutoff = now - datetime.timedelta(days=settings.RETENTION_IP_HASH_DAYS)
    return personal_data.in_batches(
        Signature.objects.filter(created_at__lt=cutoff).exclude(ip_hash=""),
        lambda rows: rows.update(ip_hash=""),
    )


def register():
    personal_data.register(
        "signatures",
        label=ngettext_lazy("%(count)d signature", "%(count)d signatures", "count"),
        export=export_signatures,
        erase=erase_signatures,
    )
    personal_data.register_retention("signature IP hashes", clear_old_ip_hashes)
