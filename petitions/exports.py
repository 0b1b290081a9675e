"""Streaming CSV export of a petition's counted signatures, in flat memory.

Rows come from a server-side cursor (``iterator``) as plain tuples (``values_list``, no model
instances) and leave as CSV a chunk at a time, so a million signatures use the memory of one
chunk. Every cell passes ``core.csvsafe`` so a name like ``=HYPERLINK(...)`` is not run by a
spreadsheet.
"""

import csv
import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.csvsafe import safe_row

CHUNK_SIZE = 2000

# (field, column heading)
COLUMNS = (
    ("confirmed_at", _("confirmed at (UTC)")),
    ("name", _("name")),
    ("email", _("email")),
    ("country", _("country")),
    ("city", _("city or postcode")),
    ("comment", _("comment")),
    ("consent_updates", _("consents to updates")),
)


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, line):
        return line


def signature_rows(petition):
    """The counted signatures as tuples of ``COLUMNS`` fields, oldest confirmation first."""
    return (
        petition.signatures.counted()
        .order_by("confirmed_at", "pk")
        .values_list(*(field for field, _heading in COLUMNS))
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _cells(row):
    confirmed_at, *rest, consent = row
    return [confirmed_at.astimezone(datetime.UTC).isoformat(), *rest, "yes" if consent else "no"]


def csv_chunks(petition):
    """The CSV text in pieces of up to ``CHUNK_SIZE`` lines (one socket write each)."""
    writer = csv.writer(_Echo())
    lines = [writer.writerow([str(heading) for _field, heading in COLUMNS])]
    for row in signature_rows(petition):
        lines.append(writer.writerow(safe_row(_cells(row))))
        if len(lines) >= CHUNK_SIZE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def csv_response(petition):
    response = StreamingHttpResponse(csv_chunks(petition), content_type="text/csv; charset=utf-8")
    filename = f"signatures-{petition.campaign.slug}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
