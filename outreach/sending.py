"""Sending to officials: who gets which mail, when, and queuing it all in one transaction.

A ``Plan`` is built twice per send: once for the confirmation page (what would go out), and
again from the confirmed form, so what is queued is rendered from the data as it is at that
moment. Every mail is rendered now, with plain values, and stored on its outbox row.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.headers import check_header_value
from mailer import outbox
from mailer.models import OutboxMessage
from officials.models import Contact

from .context import context_for
from .models import Outreach, OutreachMessage
from .rendering import TemplateRenderError

OFFICE_OPENS = datetime.time(9)
OFFICE_CLOSES = datetime.time(17)
DELIVERY_TEMPLATE = "outreach/mail/petition_delivery"
CSV_LINK_SALT = "outreach.signatures-csv"
SUBJECT_MAX_LENGTH = OutboxMessage._meta.get_field("subject").max_length
ADDRESS_MAX_LENGTH = OutboxMessage._meta.get_field("to_email").max_length


def office_hours_start(zone, now):
    """The first moment from ``now`` on inside office hours in ``zone``, in UTC.

    Office hours are Monday to Friday, 09:00 to 17:00 local time. The result is ``now``
    itself when it already is inside, otherwise 09:00 of the next working day. Public
    holidays are not known here.
    """
    local_day = now.astimezone(zone).date()
    for offset in range(8):
        day = local_day + datetime.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        opens = datetime.datetime.combine(day, OFFICE_OPENS, tzinfo=zone)
        closes = datetime.datetime.combine(day, OFFICE_CLOSES, tzinfo=zone)
        if now < opens:
            return opens.astimezone(datetime.UTC)
        if now < closes:
            return now.astimezone(datetime.UTC)
    raise AssertionError("a week always has a working day")  # pragma: no cover


def csv_link(petition, now=None):
    """``(url, expires)``: a signed address of the petition's signatures CSV that works for
    ``OUTREACH_CSV_LINK_DAYS`` days (``views.signatures_csv`` checks it)."""
    now = now or timezone.now()
    token = signing.dumps(petition.pk, salt=CSV_LINK_SALT)
    url = settings.SITE_URL + reverse("outreach:signatures_csv", kwargs={"token": token})
    return url, now + datetime.timedelta(days=settings.OUTREACH_CSV_LINK_DAYS)


def petition_from_csv_token(token):
    """The petition pk of a ``csv_link`` token; raises ``signing.BadSignature`` (or its
    subclass ``SignatureExpired``) for a forged, altered or expired one."""
    max_age = datetime.timedelta(days=settings.OUTREACH_CSV_LINK_DAYS)
    return signing.loads(token, salt=CSV_LINK_SALT, max_age=max_age)


@dataclass
class Letter:
    """One office's mail, rendered for its current holder, to each of its verified addresses."""

    office: object
    holder: object
    contacts: list
    language: str
    subject: str
    text: str
    html: str
    send_after: datetime.datetime

    @property
    def official_name(self):
        return self.holder.addressed_name if self.holder else ""

    @property
    def to_name(self):
        return self.holder.name if self.holder else ""


@dataclass
class Plan:
    """What a send would do: the letters, the offices left out and why, and blocking errors."""

    campaign: object
    kind: str
    schedule: str
    template: object = None
    letters: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # {"office_id", "office", "reason"}
    errors: list = field(default_factory=list)
    # Offices whose place has no time zone of its own (office hours use a fallback).
    without_timezone: list = field(default_factory=list)

    @property
    def recipient_count(self):
        return sum(len(letter.contacts) for letter in self.letters)

    @property
    def can_send(self):
        return bool(self.letters) and not self.errors

    def send(self, user, submission_key=""):
        """Queue every letter: ``(outreach, created)``.

        One transaction holds the ``Outreach`` row, an outbox row per address and the links
        between them, so a failure queues nothing and the mail leaves only after commit.
        A submission key seen before returns that earlier outreach, sending nothing again.
        """
        if not self.can_send:
            raise ValueError("nothing to send, or the plan has errors")
        with transaction.atomic():
            try:
                with transaction.atomic():
                    outreach = Outreach.objects.create(
                        campaign=self.campaign,
                        kind=self.kind,
                        template=self.template,
                        schedule=self.schedule,
                        created_by=user,
                        skipped=self.skipped,
                        submission_key=submission_key,
                    )
            except IntegrityError:
                if not submission_key:
                    raise
                return Outreach.objects.get(submission_key=submission_key), False
            OutreachMessage.objects.bulk_create(
                OutreachMessage(
                    outreach=outreach,
                    outbox=self._queue(letter, contact),
                    office=letter.office,
                    contact=contact,
                    official_name=letter.official_name,
                )
                for letter in self.letters
                for contact in letter.contacts
            )
        return outreach, True

    def _queue(self, letter, contact):
        message = outbox.queue(
            to_email=contact.value.strip(),
            to_name=letter.to_name,
            subject=letter.subject,
            body_text=letter.text,
            body_html=letter.html,
            category=self.kind,
            send_after=letter.send_after,
        )
        # The reply token is made when the row is saved; replies come back by it.
        if reply_address := message.reply_address:
            message.reply_to = reply_address
            message.save(update_fields=["reply_to"])
        return message


def plan_outreach(campaign, template, offices, schedule, now=None):
    """A ``Plan`` sending ``template`` (in its language) to ``offices``' verified addresses."""
    petition = getattr(campaign, "petition", None)
    petition_count = petition.confirmed_count() if petition else 0

    def render(office, holder):
        with translation.override(template.language):
            context = context_for(campaign, office, holder, petition_count=petition_count)
            return template.language, *template.render(context)

    plan = Plan(campaign, Outreach.Kind.OUTREACH, schedule, template=template)
    return _fill(plan, offices, render, now)


def plan_petition_delivery(campaign, offices, schedule, now=None):
    """A ``Plan`` delivering the campaign's petition (text, count, countries, CSV link) to
    ``offices``: in Korean to Korean offices when a Korean template exists, else English."""
    petition = campaign.petition
    stats = petition.stats()
    url, expires = csv_link(petition, now)

    def render(office, holder):
        language = "ko" if office.place.is_korean else "en"
        with translation.override(language):
            context = {
                "petition": petition,
                "stats": stats,
                "campaign": campaign,
                "pairing": campaign.pairing,
                "office": office,
                "official_name": holder.addressed_name if holder else "",
                "official_name_ko": holder.name_ko if holder else "",
                "csv_url": url,
                "csv_expires": expires,
                "sender_name": settings.OUTREACH_SENDER_NAME,
            }
            return language, *outbox.render_email(delivery_template(language), context)

    plan = Plan(campaign, Outreach.Kind.PETITION_DELIVERY, schedule)
    return _fill(plan, offices, render, now)


def delivery_template(language):
    """The language's own petition delivery templates (``…/ko/``) when they exist."""
    localised = f"{DELIVERY_TEMPLATE}/{language}"
    try:
        get_template(f"{localised}/body.txt")
    except TemplateDoesNotExist:
        return DELIVERY_TEMPLATE
    return localised


def _fill(plan, offices, render, now):
    """Add a letter (or a skip, or an error) per office; ``render(office, holder)`` returns
    ``(language, subject, text, html)``."""
    now = now or timezone.now()
    seen = set()
    for office in offices:
        holder = office.current_holder()
        if not office.place.timezone:
            plan.without_timezone.append(office)
        contacts, reason = verified_emails(office, seen)
        if not contacts:
            plan.skipped.append({"office_id": office.pk, "office": str(office), "reason": reason})
            continue
        try:
            if holder:
                check_header_value(holder.name)
            language, subject, text, html = render(office, holder)
        except TemplateRenderError as error:
            plan.errors.append(_("%(office)s: %(error)s") % {"office": office, "error": error})
            continue
        except ValidationError:
            plan.errors.append(
                _("%(office)s: the name of the official contains a line break; correct it first.")
                % {"office": office}
            )
            continue
        if len(subject) > SUBJECT_MAX_LENGTH:
            plan.errors.append(
                _("%(office)s: the subject is longer than %(max)d characters.")
                % {"office": office, "max": SUBJECT_MAX_LENGTH}
            )
            continue
        send_after = now
        if plan.schedule == Outreach.Schedule.OFFICE_HOURS:
            send_after = office_hours_start(office.place.zone, now)
        plan.letters.append(
            Letter(office, holder, contacts, language, subject, text, html, send_after)
        )
    return plan


def verified_emails(office, seen):
    """``(contacts, reason)``: the office's (and current holder's) verified, valid email
    contacts not already in ``seen`` (lower-cased addresses, updated here), or ``[]`` and
    why none is left."""
    emails = office.contacts_of(Contact.Kind.EMAIL)
    usable = []
    for contact in emails:
        address = contact.value.strip().lower()
        if not contact.verified or address in seen or len(address) > ADDRESS_MAX_LENGTH:
            continue
        try:
            validate_email(address)
        except ValidationError:
            continue
        seen.add(address)
        usable.append(contact)
    if usable:
        return usable, ""
    if not emails:
        return [], _("No email address.")
    if not any(contact.verified for contact in emails):
        return [], _("No verified email address (unverified: %(addresses)s).") % {
            "addresses": ", ".join(contact.value for contact in emails)
        }
    return [], _("No usable email address (invalid, or already addressed via another office).")
