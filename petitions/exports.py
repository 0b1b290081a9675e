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

# (field, column heading): what staff export.
COLUMNS = (
    ("confirmed_at", _("confirmed at (UTC)")),
    ("name", _("name")),
    ("email", _("email")),
    ("country", _("country")),
    ("city", _("city or postcode")),
    ("comment", _("comment")),
    ("consent_updates", _("consents to updates")),
)
# What the officials a petition is delivered to get: who signed and from where, not how to
# reach them (signers gave their email address to the campaign, not to the officials).
DELIVERY_COLUMNS = (
    ("confirmed_at", _("confirmed at (UTC)")),
    ("name", _("name")),
    ("country", _("country")),
    ("city", _("city or postcode")),
    ("comment", _("comment")),
)
FORMATS = {
    "confirmed_at": lambda value: value.astimezone(datetime.UTC).isoformat(),
    "consent_updates": lambda value: "yes" if value else "no",
}


class _Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, line):
        return line


def signature_rows(petition, columns=COLUMNS):
    """The counted signatures as tuples of ``columns`` fields, oldest confirmation first."""
    return (
        petition.signatures.counted()
        .order_by("confirmed_at", "pk")
        .values_list(*(field for field, _heading in columns))
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _formatter(columns):
    """A function turning a row of ``columns`` values into its CSV cells."""
    formats = [
        (i, FORMATS[field]) for i, (field, _heading) in enumerate(columns) if field in FORMATS
    ]

    def cells(row):
        row = list(row)
        for i, format_value in formats:
            row[i] = format_value(row[i])
        return row

    return cells


def csv_chunks(petition, columns=COLUMNS):
    """The CSV text in pieces of up to ``CHUNK_SIZE`` lines (one socket write each)."""
    writer = csv.writer(_Echo())
    cells = _formatter(columns)
    lines = [writer.writerow([str(heading) for _field, heading in columns])]
    for row in signature_rows(petition, columns):
        lines.append(writer.writerow(safe_row(cells(row))))
        if len(lines) >= CHUNK_SIZE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def csv_response(petition, columns=COLUMNS):
    response = StreamingHttpResponse(
        csv_chunks(petition, columns), content_type="text/csv; charset=utf-8"
    )
    filename = f"signatures-{petition.campaign.slug}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
