"""Small factories for tests: each returns a saved object with sensible defaults."""

import datetime
import itertools

from django.utils import timezone

from campaigns.models import Campaign, Centre, Pairing, SuggestedMessage
from officials.models import KOREA, Contact, Office, OfficeHolder, Place
from petitions.models import Invalidation, Petition, Signature

_seq = itertools.count(1)


def korean_province(name=None, name_ko=""):
    name = name or f"Province {next(_seq)}"
    place, _ = Place.objects.get_or_create(
        country=KOREA,
        name=name,
        parent=None,
        defaults={"kind": Place.Kind.PROVINCE, "name_ko": name_ko},
    )
    return place


def korean_locality(name=None, province=None, name_ko=""):
    province = province or korean_province()
    name = name or f"Locality {next(_seq)}"
    place, _ = Place.objects.get_or_create(
        country=KOREA,
        name=name,
        parent=province,
        defaults={"kind": Place.Kind.LOCALITY, "name_ko": name_ko},
    )
    return place


def foreign_place(name=None, country="United Kingdom", name_ko=""):
    name = name or f"Town {next(_seq)}"
    place, _ = Place.objects.get_or_create(
        country=country,
        name=name,
        parent=None,
        defaults={"kind": Place.Kind.FOREIGN, "name_ko": name_ko},
    )
    return place


def pairing(korean=None, foreign=None, **fields):
    fields.setdefault("relationship", Pairing.Relationship.SISTER)
    fields.setdefault("agreement_date", datetime.date(2006, 1, 1))
    if fields.get("response_date"):
        fields.setdefault("status", Pairing.Status.RESPONSE_RECEIVED)
    elif fields.get("campaign_date"):
        fields.setdefault("status", Pairing.Status.CAMPAIGNING)
    return Pairing.objects.create(
        korean_place=korean or korean_locality(), foreign_place=foreign or foreign_place(), **fields
    )


def office(place=None, title="Mayor", holder=None, **holder_fields):
    office = Office.objects.create(place=place or foreign_place(), title=title)
    if holder:
        OfficeHolder.objects.create(office=office, name=holder, **holder_fields)
    return office


def contact(office, kind=Contact.Kind.EMAIL, value=None, **fields):
    value = value or f"mayor{next(_seq)}@example.invalid"
    return Contact.objects.create(office=office, kind=kind, value=value, **fields)


def campaign(pairing_=None, slug=None, targets=(), published=True, **fields):
    pairing_ = pairing_ or pairing(campaign_date=datetime.date(2016, 3, 1))
    fields.setdefault("title", f"Campaign {pairing_}")
    campaign = Campaign.objects.create(
        pairing=pairing_, slug=slug or f"campaign-{next(_seq)}", is_published=published, **fields
    )
    campaign.targets.set(targets)
    return campaign


def message(campaign, target=None, body="Dear {official}, please act.", **fields):
    return SuggestedMessage.objects.create(campaign=campaign, target=target, body=body, **fields)


def centre(scope=Centre.Scope.NON_US, title="Sister City Campaign Center", intro="Intro"):
    centre, _ = Centre.objects.update_or_create(
        scope=scope, defaults={"title": title, "intro": intro}
    )
    return centre


def petition(campaign_=None, **fields):
    fields.setdefault("title", "Suspend the sister city relationship")
    fields.setdefault("text", "We ask you to suspend the relationship until an apology is made.")
    return Petition.objects.create(campaign=campaign_ or campaign(), **fields)


def signature(petition_, email=None, **fields):
    """A signature (pending unless ``status`` says otherwise; confirmed ones get a date), as
    one that has been there a while: its confirmation mail is no longer due."""
    fields.setdefault("name", "Jane Doe")
    fields.setdefault("mail_due", False)
    fields.setdefault("country", "GB")
    if fields.get("status") == Signature.Status.CONFIRMED:
        fields.setdefault("confirmed_at", fields.get("created_at") or timezone.now())
    return Signature.objects.create(
        petition=petition_, email=email or f"signer{next(_seq)}@example.invalid", **fields
    )


def invalidation(petition_, created_by, reason="Bulk signatures from one source", **criteria):
    """An invalidation of ``petition_``'s signatures matching ``criteria``, applied."""
    invalidation = Invalidation.objects.create(
        petition=petition_, created_by=created_by, reason=reason, criteria=criteria
    )
    invalidation.apply()
    return invalidation
