"""The demo data: both centres, the status table and the Bucheon-Bakersfield campaign.

Safe to run on every ``make run``: it creates what is missing and leaves alone what exists,
so nothing is duplicated and nothing a campaign admin changed is overwritten. Only the demo
staff login gets a fresh password each time.
"""

import datetime
import json
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from officials.models import KOREAN_TIMEZONE, Contact, Office, OfficeHolder, Place

from . import importing
from .models import Campaign, Centre, Pairing, SuggestedMessage
from .roles import CAMPAIGN_ADMINS, ensure_roles

DEMO_FILE = importing.DATA_DIR / "demo.json"
DEMO_USERNAME = "demo-admin"


class DemoDataError(Exception):
    """The demo data files have a bad row (a bug in the repository, not in the database)."""


def read_data(path=DEMO_FILE):
    with Path(path).open(encoding="utf-8") as file:
        return json.load(file)


def _text(value):
    """Long texts are lists of paragraphs in the data file."""
    return "\n\n".join(value) if isinstance(value, list) else value


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _korean_place(ref):
    return importing.korean_place(ref["korean_province"], ref.get("korean_locality", ""))


def _foreign_place(ref):
    name, name_ko = importing.split_bilingual(ref["partner_city"])
    return importing.foreign_place(name, ref["country"], name_ko)


def _place(ref):
    """A place named like in the status table: a Korean province/locality or a partner city."""
    return _korean_place(ref) if "korean_province" in ref else _foreign_place(ref)


def load(data):
    """Load ``data`` (read from ``demo.json``) in one transaction.

    Returns the import report of the pairings: the status table file plus the data's own
    pairings, existing ones kept as they are.
    """
    with transaction.atomic():
        for centre in data["centres"]:
            Centre.objects.get_or_create(
                scope=centre["scope"],
                defaults={"title": centre["title"], "intro": _text(centre["intro"])},
            )
        report = load_pairings(data["pairings"])
        offices = {spec["key"]: load_office(spec) for spec in data["offices"]}
        for spec in data["campaigns"]:
            load_campaign(spec, offices)
        # Office hours of outreach are counted in the place's time zone.
        Place.objects.korean().filter(timezone="").update(timezone=KOREAN_TIMEZONE)
    return report


def load_pairings(extra_rows):
    """The status table file, then ``extra_rows`` (pairings outside the published table)."""
    records, errors = importing.read_csv(importing.read_file(importing.STATUS_TABLE_FILE))
    rows, bad = importing.parse_records(records)
    extra, bad_extra = importing.parse_records(enumerate(extra_rows, start=1))
    if errors or bad or bad_extra:
        raise DemoDataError("; ".join(str(error) for error in errors + bad + bad_extra))
    return importing.apply_rows(rows + extra, strict=True, update_existing=False)


def load_office(spec):
    place = _place(spec["place"])
    if spec["place"].get("timezone") and not place.timezone:
        place.timezone = spec["place"]["timezone"]
        place.save(update_fields=["timezone"])
    office, _created = Office.objects.get_or_create(
        place=place,
        title=spec["title"],
        defaults={"title_ko": spec.get("title_ko", "")},
    )
    for holder in spec["holders"]:
        OfficeHolder.objects.get_or_create(
            office=office,
            name=holder["name"],
            defaults={
                "name_ko": holder.get("name_ko", ""),
                "honorific": holder.get("honorific", ""),
                "term_start": _date(holder.get("term_start")),
                "term_end": _date(holder.get("term_end")),
            },
        )
    for order, contact in enumerate(spec["contacts"]):
        Contact.objects.get_or_create(
            office=office,
            kind=contact["kind"],
            value=contact["value"],
            # The seed's addresses are redacted or unchecked: a campaign admin verifies them.
            defaults={
                "label": contact.get("label", ""),
                "value_ko": contact.get("value_ko", ""),
                "order": order,
                "verified": False,
            },
        )
    return office


def load_campaign(spec, offices):
    """Create the campaign with its targets and messages, unless its slug exists already."""
    pairing = Pairing.objects.get(
        korean_place=_korean_place(spec["pairing"]),
        foreign_place=_foreign_place(spec["pairing"]),
    )
    campaign, created = Campaign.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "pairing": pairing,
            "is_main": spec["is_main"],
            "title": spec["title"],
            "headline": spec.get("headline", ""),
            "intro": _text(spec["intro"]),
            "actions": spec["actions"],
            "is_published": spec["is_published"],
        },
    )
    if not created:
        return campaign
    campaign.targets.set([offices[key] for key in spec["targets"]])
    SuggestedMessage.objects.bulk_create(
        SuggestedMessage(
            campaign=campaign,
            target=offices[message["target"]] if message.get("target") else None,
            kind=message.get("kind", SuggestedMessage.Kind.MESSAGE),
            language=message["language"],
            subject=message.get("subject", ""),
            body=_text(message["body"]),
            order=order,
        )
        for order, message in enumerate(spec["messages"])
    )
    return campaign


def reset_demo_admin():
    """The demo staff login (a campaign admin) with a new random password: ``(user, password)``."""
    ensure_roles()
    password = secrets.token_urlsafe(12)
    user, _created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": f"{DEMO_USERNAME}@example.invalid"}
    )
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=CAMPAIGN_ADMINS))
    return user, password
