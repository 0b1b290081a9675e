"""The status table's signature column: counts for a page of pairings in one go.

The table belongs to the campaigns app, which knows nothing about petitions; its template
loads these tags instead.
"""

from django import template

from petitions.models import Petition

register = template.Library()


@register.simple_tag
def signature_counts(pairings):
    """``{pairing pk: confirmed count}`` of the main campaign petitions of ``pairings``.

    Needs ``for_table()``'s prefetch (the main campaign with its petition joined), then the
    cached counts, and one grouped query for those not cached: constant queries per page.
    """
    petitions = {}
    for pairing in pairings:
        # A campaign without a petition raises RelatedObjectDoesNotExist, an AttributeError.
        petition = getattr(pairing.main_campaign, "petition", None)
        if petition is not None:
            petitions[pairing.pk] = petition
    counts = Petition.confirmed_counts(petitions.values())
    return {pk: counts[petition.pk] for pk, petition in petitions.items()}


@register.filter
def count_of(counts, pairing):
    """The pairing's count from ``signature_counts``, or "" when it has no petition."""
    return counts.get(pairing.pk, "")
