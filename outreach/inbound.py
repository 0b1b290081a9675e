"""Replies from officials, however they arrive (django-anymail's inbound webhook, or
``manage.py import_replies`` for a mailbox on a plain SMTP setup), become ``Response`` rows.

A reply is matched to the outreach email it answers by the token of the address it was sent
to (``reply+<token>@OUTREACH_REPLY_DOMAIN``), else by the Message-IDs it quotes
(In-Reply-To, then References). Unmatched mail is kept for a campaign admin to triage. The
same mail delivered twice (ESP retries, a mailbox imported again) is stored once, by its
Message-ID. Only text is kept: an HTML-only mail is reduced to its text, never rendered.
"""

import datetime
import hashlib
import html
import logging
import mimetypes
import re
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from mailer.models import OutboxMessage

from .models import Response, ResponseAttachment

logger = logging.getLogger(__name__)

# Where a reply address can show up: the headers, and (from the ESP) the envelope recipient.
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
# A long thread quotes many ids; the ones we sent are among the latest.
MAX_REFERENCES = 50
# Mail clients that do not know .hwp (the Korean government's word processor) send it as
# application/octet-stream; then its name says what it is.
EXTENSION_TYPES = {".hwp": "application/x-hwp"}
HTML_INVISIBLE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
HTML_BREAK = re.compile(r"<br\s*/?>|</(p|div|li|tr|h[1-6])\s*>", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
UNSAFE_FILENAME = re.compile(r"[^\w.-]+")


@dataclass
class Received:
    response: Response
    created: bool
    # "token", "in-reply-to", "references", or "" when unmatched.
    matched_by: str


def handle_inbound(sender, event, esp_name, **kwargs):
    """Receiver of ``anymail.signals.inbound`` (connected in ``OutreachConfig.ready``)."""
    message = event.message
    received = receive(message, envelope_recipients=[message.envelope_recipient or ""])
    logger.info(
        "%s inbound mail %s: response %s (%s)",
        esp_name,
        received.response.message_id,
        received.response.pk,
        "new" if received.created else "already stored",
    )


def receive(message, envelope_recipients=()):
    """Store an inbound ``message`` (``email.message.EmailMessage``, ``policy.default``)
    as a ``Response``; the one stored before when the same mail comes again."""
    body, text, from_html = _body(message)
    kept, notes = _attachments(message, body)
    if from_html:
        notes.insert(0, _("The mail had no plain text part; its HTML was reduced to text."))
    if message.get("Auto-Submitted", "no").strip().lower() != "no":
        notes.insert(0, _("Sent automatically (Auto-Submitted: %s).") % message["Auto-Submitted"])
    outbox, matched_by = match(message, envelope_recipients)
    link = _outreach_link(outbox)
    from_name, from_email = parseaddr(str(message.get("From", "")))
    message_id = _message_id(message) or _derived_message_id(message, text)
    response = Response(
        campaign=link.outreach.campaign if link else None,
        pairing=link.outreach.campaign.pairing if link else None,
        office=link.office if link else None,
        in_reply_to=outbox,
        source=Response.Source.EMAIL,
        status=Response.Status.NEW if outbox else Response.Status.UNMATCHED,
        from_email=from_email[:254],
        from_name=from_name[:200],
        subject=" ".join(str(message.get("Subject", "")).split())[:500],
        body_text=text[:200000],
        notes="\n".join(notes)[:5000],
        message_id=message_id,
        received_at=_received_at(message),
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:
            existing = Response.objects.get(message_id=message_id)
            return Received(existing, created=False, matched_by=matched_by)
        _store_files(response, kept)
    return Received(response, created=True, matched_by=matched_by)


def match(message, envelope_recipients=()):
    """``(outbox row, how)`` for the email ``message`` answers, or ``(None, "")``."""
    rows = OutboxMessage.objects.select_related("outreach__outreach__campaign__pairing")
    tokens = reply_tokens(message, envelope_recipients)
    if tokens:
        row = rows.filter(reply_token__in=tokens).first()
        if row is not None:
            return row, "token"
    for how, header in (("in-reply-to", "In-Reply-To"), ("references", "References")):
        quoted = _quoted_ids(message, header)
        if quoted:
            found = {row.message_id: row for row in rows.filter(message_id__in=quoted)}
            # Latest first: References lists the thread from its start.
            for message_id in reversed(quoted):
                if message_id in found:
                    return found[message_id], how
    return None, ""


def reply_tokens(message, envelope_recipients=()):
    """The tokens of ``reply+<token>@OUTREACH_REPLY_DOMAIN`` addresses the mail went to."""
    domain = settings.OUTREACH_REPLY_DOMAIN.lower()
    if not domain:
        return []
    values = [str(value) for name in RECIPIENT_HEADERS for value in message.get_all(name, [])]
    pattern = re.compile(r"reply\+([0-9a-z]{1,32})@" + re.escape(domain))
    tokens = []
    for _name, address in getaddresses([*values, *envelope_recipients]):
        found = pattern.fullmatch(address.strip().lower())
        if found:
            tokens.append(found.group(1))
    return tokens


def _quoted_ids(message, header):
    values = " ".join(str(value) for value in message.get_all(header, []))
    return MESSAGE_ID.findall(values)[-MAX_REFERENCES:]


def _outreach_link(outbox):
    """The ``OutreachMessage`` of an outbox row (office, campaign), None for other mail."""
    if outbox is None:
        return None
    try:
        return outbox.outreach
    except OutboxMessage.outreach.RelatedObjectDoesNotExist:
        return None


def _message_id(message):
    value = str(message.get("Message-ID", "")).strip()
    found = MESSAGE_ID.search(value)
    return found.group(0) if found else value[:255]


def _derived_message_id(message, text):
    """A stand-in for a missing Message-ID: the same mail gives the same one again."""
    parts = [str(message.get(name, "")) for name in ("From", "Date", "Subject")] + [text]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"<{digest}@no-message-id.invalid>"


def _received_at(message):
    """The Date header, never in the future (a wrong clock must not date a response ahead)."""
    now = timezone.now()
    try:
        date = message["Date"].datetime if message.get("Date") else None
    except (AttributeError, TypeError, ValueError):
        return now
    if date is None:
        return now
    if timezone.is_naive(date):
        date = timezone.make_aware(date, datetime.UTC)
    return min(date, now)


def _body(message):
    """``(part, text, from_html)``: the plain text part, else the HTML part as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return None, "", False
    content = _decoded_text(part)
    if part.get_content_type() == "text/html":
        return part, html_to_text(content), True
    return part, content, False


def _decoded_text(part):
    try:
        return part.get_content()
    except (LookupError, UnicodeError, KeyError):  # an unknown or lying charset
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")


def html_to_text(markup):
    """Crude text of an HTML mail: tags stripped, entities decoded; enough to review it."""
    markup = HTML_INVISIBLE.sub("", markup)
    markup = HTML_BREAK.sub("\n", markup)
    text = html.unescape(strip_tags(markup))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _attachments(message, body):
    """``([(filename, content_type, data)], notes)``: the files within the limits, and a
    note on each one left out (``INBOUND_ATTACHMENT_TYPES``, ``_MAX_BYTES``)."""
    kept, notes = [], []
    allowed = {kind.lower() for kind in settings.INBOUND_ATTACHMENT_TYPES}
    limit = settings.INBOUND_ATTACHMENT_MAX_BYTES
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        filename = " ".join(str(part.get_filename() or "").split())[:255]
        if part.get_content_disposition() != "attachment" and not filename:
            continue  # the HTML twin of the text body, inline parts without a name
        filename = filename or _("attachment")
        content_type = attachment_type(part, filename)
        data = part.get_payload(decode=True) or b""
        if content_type not in allowed:
            notes.append(
                _("Attachment “%(name)s” left out: type %(type)s is not accepted.")
                % {"name": filename, "type": content_type}
            )
        elif len(data) > limit:
            notes.append(
                _("Attachment “%(name)s” left out: %(size)s is over the limit of %(limit)s.")
                % {
                    "name": filename,
                    "size": filesizeformat(len(data)),
                    "limit": filesizeformat(limit),
                }
            )
        else:
            kept.append((filename, content_type, data))
    return kept, notes


def attachment_type(part, filename):
    declared = part.get_content_type().lower()
    if declared != "application/octet-stream":
        return declared
    extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
    return EXTENSION_TYPES.get(extension) or mimetypes.guess_type(filename)[0] or declared


def _store_files(response, kept):
    """Write the kept attachments to the default storage (``MEDIA_ROOT``, never served
    publicly); files already written are removed again if a later one fails."""
    written = []
    try:
        for filename, content_type, data in kept:
            attachment = ResponseAttachment(
                response=response, filename=filename, content_type=content_type, size=len(data)
            )
            attachment.file.save(_storage_name(filename), ContentFile(data), save=False)
            written.append(attachment.file.name)
            attachment.save()
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _storage_name(filename):
    """A safe file name on disk; the original name stays in ``ResponseAttachment.filename``."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    stem = UNSAFE_FILENAME.sub("_", stem).strip("._")[:80] or "attachment"
    extension = UNSAFE_FILENAME.sub("", extension)[:10]
    return f"{stem}.{extension}" if extension else stem
