"""manage.py import_replies PATH — officials' replies from a .eml file, a directory of .eml
files, or an mbox file (a plain SMTP setup's mailbox), stored like the inbound webhook's."""

import mailbox
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach.inbound import receive

# A header line ("Name: value"); folded continuation lines start with a space or a tab.
HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
# mbox writers quote body lines starting with "From " as ">From " (">>From " for ">From ").
MBOX_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
MATCHED_BY = {
    "token": gettext_lazy("matched by reply address"),
    "in-reply-to": gettext_lazy("matched by In-Reply-To"),
    "references": gettext_lazy("matched by References"),
}


class Command(BaseCommand):
    help = gettext_lazy(
        "Import replies to outreach mail from a .eml file, a directory of .eml files or an "
        "mbox file. Each reply is matched to the email it answers and stored as a response "
        "awaiting review (unmatched ones for triage). Idempotent on the Message-ID. Every "
        "message is checked before any is imported: a bad one stops the import (exit code 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help=gettext_lazy(".eml file, directory of .eml files, or mbox")
        )

    def handle(self, *args, path, **options):
        messages = read_messages(Path(path))
        self.stdout.write(
            _("Importing %(count)d message(s) from %(path)s")
            % {"count": len(messages), "path": path}
        )
        imported = matched = duplicates = 0
        for label, message in messages:
            received = receive(message)
            response = received.response
            if not received.created:
                duplicates += 1
                outcome = _("already imported (response #%d)") % response.pk
            elif received.matched_by:
                imported += 1
                matched += 1
                outcome = _("%(how)s: response #%(id)d about %(about)s") % {
                    "how": MATCHED_BY[received.matched_by],
                    "id": response.pk,
                    "about": response.office or response.pairing or _("an email we sent"),
                }
            else:
                imported += 1
                outcome = _("not matched: response #%d kept for triage") % response.pk
            self.stdout.write(f"  {label}: {outcome}")
        self.stdout.write(
            _(
                "%(read)d read: %(imported)d imported (%(matched)d matched, %(unmatched)d "
                "unmatched), %(duplicates)d already imported."
            )
            % {
                "read": len(messages),
                "imported": imported,
                "matched": matched,
                "unmatched": imported - matched,
                "duplicates": duplicates,
            }
        )


def read_messages(path):
    """``[(label, message)]`` of every message under ``path``, each checked; CommandError
    naming the file (and message number, line) of the first one that is not an email."""
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
            if not files:
                raise CommandError(_("%s: no .eml files in this directory") % path)
            return [(str(file), parse(file.read_bytes(), str(file))) for file in files]
        with path.open("rb") as file:
            is_mbox = file.read(5) == b"From "
        if not is_mbox:
            return [(str(path), parse(path.read_bytes(), str(path)))]
        messages = []
        box = mailbox.mbox(path, create=False)
        try:
            for number, key in enumerate(box.iterkeys(), 1):
                label = _("%(path)s, message %(number)d") % {"path": path, "number": number}
                raw = MBOX_QUOTED_FROM.sub(rb"\1", box.get_bytes(key))
                messages.append((label, parse(raw, label)))
        finally:
            box.close()
        return messages
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror or error}") from error


def parse(raw, label):
    bad_line = _bad_header_line(raw)
    if bad_line:
        raise CommandError(
            _("%(where)s:%(line)d: not an email header line (a mail starts with headers)")
            % {"where": label, "line": bad_line}
        )
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if "From" not in message and "Message-ID" not in message:
        raise CommandError(_("%s: not an email (no From or Message-ID header)") % label)
    return message


def _bad_header_line(raw):
    """The number of the first line of the header block that is no header, or None."""
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            return None  # the blank line that ends the headers
        if line[:1] in (b" ", b"\t") and number > 1:
            continue
        if not HEADER_LINE.match(line):
            return number
    return None
