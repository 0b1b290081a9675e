"""The status table as data: parse its rows, find or create the places, apply them.

One implementation for every way pairings come in: ``manage.py import_pairings``, the admin
import (``campaigns.resources.PairingResource``) and ``manage.py load_demo``. A row is a mapping
of the table's ``COLUMNS`` to cells: text from a CSV file, also numbers and dates from XLSX.
Cells are only ever read as text: a spreadsheet formula is stored as the text it is.
"""

import csv
import datetime
import enum
import functools
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import MultipleObjectsReturned
from django.db import transaction
from django.utils.translation import gettext as _

from core.csvsafe import FORMULA_PREFIXES
from officials.models import KOREA, Place, has_hangul

from .models import Pairing

DATA_DIR = Path(__file__).resolve().parent / "data"
STATUS_TABLE_FILE = DATA_DIR / "sister_city_status.csv"
# Korean names of the provinces and of the localities we are sure of.
KOREAN_NAMES_FILE = DATA_DIR / "korean_place_names.csv"

COLUMNS = Pairing.TABLE_COLUMNS
HEADER_LINE = 1

RELATIONSHIPS = {
    "sister": Pairing.Relationship.SISTER,
    "sister city": Pairing.Relationship.SISTER,
    "friendship": Pairing.Relationship.FRIENDSHIP,
    "friendship city": Pairing.Relationship.FRIENDSHIP,
}
# What the published table writes, so that an export reads like the original.
RELATIONSHIP_LABELS = {
    Pairing.Relationship.SISTER: "Sister",
    Pairing.Relationship.FRIENDSHIP: "Friendship",
}

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
NUMBER = re.compile(r"[0-9]{1,10}")
MAX_NUMBER = 2_147_483_647  # a PositiveIntegerField on every database Django supports
# "뉴사우스웨일주 윌로비시(Willoughby/)": one name outside the parentheses, one inside.
BILINGUAL = re.compile(r"(?P<outer>[^()]*?)\s*\((?P<inner>.*)\)")
LETTER = re.compile(r"[^\W\d_]")
STRAY_PUNCTUATION = " /\\,;:-"

NAME_MAX = Place._meta.get_field("name").max_length
COUNTRY_MAX = Place._meta.get_field("country").max_length
NOTE_MAX = Pairing._meta.get_field("response_note").max_length
# Pairing fields an import sets: a row is "unchanged" when none of them would change.
TRACKED_FIELDS = (
    "number",
    "relationship",
    "agreement_date",
    "campaign_date",
    "response_date",
    "response_note",
    "status",
)
CHANGE_REASON = "Status table import"


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT = "kept"  # existed already and was left alone (``update_existing=False``)


class RowError(ValueError):
    """A row that cannot be imported, with every reason found."""

    def __init__(self, reasons):
        self.reasons = [str(reason) for reason in reasons]
        super().__init__("; ".join(self.reasons))


class TableFileError(Exception):
    """The file cannot be read at all (missing, unreadable, not UTF-8)."""


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self):
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class PairingRow:
    """One valid row of the status table."""

    line: int
    number: int | None
    province: str
    locality: str
    country: str
    partner: str
    partner_ko: str
    relationship: str
    agreement_date: datetime.date
    campaign_date: datetime.date | None
    response_date: datetime.date | None
    response_note: str

    @property
    def pair_key(self):
        """The pairing this row describes, whatever the letter case of its names."""
        return tuple(
            name.casefold() for name in (self.province, self.locality, self.country, self.partner)
        )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    errors: list[LineError] = field(default_factory=list)
    rolled_back: bool = False

    def count(self, outcome):
        setattr(self, str(outcome), getattr(self, str(outcome)) + 1)


# Cells -------------------------------------------------------------------------------------


def clean_text(value):
    """A cell as stripped text.

    A leading ``'`` before a formula-like value is dropped: our exports add it
    (``core.csvsafe``) so spreadsheets show the text, and an export must re-import unchanged.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def clean_name(value):
    """A name cell with runs of whitespace collapsed, so "Chatham  Kent" matches "Chatham Kent"."""
    return " ".join(clean_text(value).split())


def normalise_header(value):
    return clean_name(value).lstrip("\ufeff").casefold()


def _shorten(value, limit=40):
    text = clean_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_date(value):
    """A date from ISO (2011-08-25, 2011-8-25), US-style M/D/YYYY (7/18/2017) or a
    spreadsheet date cell; None for an empty cell. Raises ValueError otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = clean_text(value)
    if not text:
        return None
    if match := ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := US_DATE.fullmatch(text):
        month, day, year = match.groups()
    else:
        raise ValueError(text)
    return datetime.date(int(year), int(month), int(day))


def parse_number(value):
    """The table's "No." (not unique; may be empty). Raises ValueError."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    if not text:
        return None
    if not NUMBER.fullmatch(text) or int(text) > MAX_NUMBER:
        raise ValueError(text)
    return int(text)


def split_bilingual(text):
    """``(English name, Korean name)`` of a partner city cell.

    "뉴사우스웨일주 윌로비시(Willoughby/)" and "Willoughby (윌로비시)" both give the Latin part
    (stray punctuation stripped) as the English name and the Hangul part as the Korean one.
    A Hangul-only name is used for both.
    """
    if not has_hangul(text):
        return text, ""
    if match := BILINGUAL.fullmatch(text):
        parts = [part.strip(STRAY_PUNCTUATION) for part in match.group("outer", "inner")]
        korean = [part for part in parts if has_hangul(part)]
        latin = [part for part in parts if not has_hangul(part) and LETTER.search(part)]
        if len(korean) == 1 and len(latin) == 1:
            return latin[0], korean[0]
    return text, text


def bilingual_name(place):
    """The inverse of ``split_bilingual``: how a partner city is written in the table."""
    if place.name_ko and has_hangul(place.name_ko) and not has_hangul(place.name):
        return f"{place.name_ko}({place.name})"
    return place.name


@functools.cache
def korean_names():
    """``{(province, locality): name_ko}`` from the data table, keys case-folded."""
    with KOREAN_NAMES_FILE.open(encoding="utf-8", newline="") as file:
        return {
            (row["korean_province"].casefold(), row["korean_locality"].casefold()): row["name_ko"]
            for row in csv.DictReader(file)
        }


def korean_name(province, locality=""):
    return korean_names().get((province.casefold(), locality.casefold()), "")


# Rows --------------------------------------------------------------------------------------


def header_errors(headers):
    """Why ``headers`` (normalised) are not the status table's columns; empty when they are.

    Unnamed columns (a trailing comma, an empty spreadsheet column) are ignored.
    """
    names = [name for name in headers if name]
    reasons = []
    if missing := [column for column in COLUMNS if column not in names]:
        reasons.append(_("missing column(s): %s") % ", ".join(missing))
    if unknown := [name for name in names if name not in COLUMNS]:
        reasons.append(_("unknown column(s): %s") % ", ".join(_shorten(name) for name in unknown))
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        reasons.append(_("column(s) given twice: %s") % ", ".join(duplicated))
    return reasons


def parse_row(values: Mapping[str, object], line: int) -> PairingRow:
    """Check one row (a mapping of ``COLUMNS`` to cells) and return it as a ``PairingRow``.

    Raises ``RowError`` listing every problem: bad or missing dates, unknown relationship,
    missing places, oversize text, a response without a campaign or before it.
    """
    reasons = []

    def check_length(column, value, limit):
        if len(value) > limit:
            reasons.append(
                _("%(column)s is longer than %(limit)d characters")
                % {"column": column, "limit": limit}
            )

    def text(column, limit=None, required=False, clean=clean_name):
        value = clean(values.get(column))
        if required and not value:
            reasons.append(_("%(column)s is missing") % {"column": column})
        if "\x00" in value:  # PostgreSQL cannot store it; nobody types it
            reasons.append(_("%(column)s contains a NUL character") % {"column": column})
        if limit:
            check_length(column, value, limit)
        return value

    def date(column, required=False):
        try:
            value = parse_date(values.get(column))
        except ValueError:
            reasons.append(
                _("%(column)s “%(value)s” is not a date (write 2017-07-18 or 7/18/2017)")
                % {"column": column, "value": _shorten(values.get(column))}
            )
            return None
        if value is None and required:
            reasons.append(_("%(column)s is missing") % {"column": column})
        return value

    try:
        number = parse_number(values.get("no"))
    except ValueError:
        number = None
        reasons.append(_("no “%s” is not a whole number") % _shorten(values.get("no")))
    province = text("korean_province", NAME_MAX, required=True)
    locality = text("korean_locality", NAME_MAX)
    country = text("country", COUNTRY_MAX, required=True)
    if country.casefold() == KOREA.casefold():
        reasons.append(_("country: the partner city must be outside %s") % KOREA)
    partner, partner_ko = split_bilingual(text("partner_city", required=True))
    check_length("partner_city", max(partner, partner_ko, key=len), NAME_MAX)
    relationship_text = clean_name(values.get("relationship"))
    relationship = RELATIONSHIPS.get(relationship_text.casefold())
    if relationship is None:
        reasons.append(
            _("unknown relationship “%s” (write Sister or Friendship)")
            % _shorten(relationship_text)
        )
    agreement_date = date("agreement_date", required=True)
    campaign_date = date("campaign_date")
    response_date = date("response_date")
    if response_date and not clean_text(values.get("campaign_date")):
        reasons.append(_("response_date without a campaign_date"))
    if response_date and campaign_date and response_date < campaign_date:
        reasons.append(_("response_date is before campaign_date"))
    response_note = text("response_note", NOTE_MAX, clean=clean_text)
    if reasons:
        raise RowError(reasons)
    return PairingRow(
        line=line,
        number=number,
        province=province,
        locality=locality,
        country=country,
        partner=partner,
        partner_ko=partner_ko,
        relationship=relationship,
        agreement_date=agreement_date,
        campaign_date=campaign_date,
        response_date=response_date,
        response_note=response_note,
    )


def note_pair(seen, row):
    """Remember ``row``'s pairing in ``seen``; RowError if an earlier line had the same one."""
    first = seen.setdefault(row.pair_key, row.line)
    if first != row.line:
        raise RowError([_("same pairing as line %d") % first])


def parse_records(records: Iterable[tuple[int, Mapping[str, object]]]):
    """``(rows, errors)`` for ``(line, values)`` records: the valid rows and the bad lines."""
    rows, errors, seen = [], [], {}
    for line, values in records:
        try:
            row = parse_row(values, line)
            note_pair(seen, row)
        except RowError as error:
            errors.append(LineError(line, str(error)))
        else:
            rows.append(row)
    return rows, errors


def read_csv(text):
    """``(records, errors)`` from CSV text: ``(line, values)`` per non-blank record, where
    ``line`` is the file line the record starts on (the header is line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [LineError(HEADER_LINE, _("unreadable header: %s") % error)]
    if header is None:
        return [], [LineError(HEADER_LINE, _("the file is empty"))]
    names = [normalise_header(name) for name in header]
    if reasons := header_errors(names):
        return [], [LineError(HEADER_LINE, reason) for reason in reasons]
    records, errors = [], []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(LineError(start, _("unreadable CSV: %s") % error))
            cells = []
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            errors.append(
                LineError(
                    start,
                    _("%(found)d fields, the header has %(expected)d")
                    % {"found": len(cells), "expected": len(names)},
                )
            )
            continue
        records.append((start, dict(zip(names, cells, strict=True))))
    return records, errors


def read_file(path):
    """The text of a CSV file (UTF-8, with or without a byte-order mark)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TableFileError(
            _("cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror or error}
        ) from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TableFileError(
            _("%(path)s is not UTF-8 (line %(line)d); save it as CSV UTF-8")
            % {"path": path, "line": line}
        ) from error


# Database ----------------------------------------------------------------------------------


def _place(country, name, kind, parent=None, name_ko=""):
    try:
        place, _created = Place.objects.get_or_create(
            country__iexact=country,
            name__iexact=name,
            parent=parent,
            defaults={"country": country, "name": name, "kind": kind, "name_ko": name_ko},
        )
    except MultipleObjectsReturned as error:
        raise RowError(
            [
                _("several places are called “%(name)s” in %(country)s")
                % {"name": name, "country": country}
            ]
        ) from error
    if place.kind != kind:
        raise RowError(
            [
                _("“%(place)s” exists, but as a %(kind)s")
                % {"place": place, "kind": place.get_kind_display()}
            ]
        )
    # Fill a missing Korean name; never overwrite one a campaign admin may have corrected.
    if name_ko and not place.name_ko:
        place.name_ko = name_ko
        place.save(update_fields=["name_ko"])
    return place


def korean_place(province, locality=""):
    """The Korean province, or its locality when one is given (created if missing)."""
    place = _place(KOREA, province, Place.Kind.PROVINCE, name_ko=korean_name(province))
    if locality:
        place = _place(
            KOREA,
            locality,
            Place.Kind.LOCALITY,
            parent=place,
            name_ko=korean_name(province, locality),
        )
    return place


def foreign_place(name, country, name_ko=""):
    return _place(country, name, Place.Kind.FOREIGN, name_ko=name_ko)


def resolve_places(row):
    """``(Korean place, partner place)`` of ``row``, created when missing."""
    return (
        korean_place(row.province, row.locality),
        foreign_place(row.partner, row.country, row.partner_ko),
    )


def find_pairing(korean, foreign):
    return (
        Pairing.objects.select_for_update()
        .filter(korean_place=korean, foreign_place=foreign)
        .first()
    )


def tracked_values(pairing):
    return tuple(getattr(pairing, name) for name in TRACKED_FIELDS)


def assign(pairing, row):
    """Copy ``row`` onto ``pairing``; the status follows the dates (a victory is kept)."""
    pairing.number = row.number
    pairing.relationship = row.relationship
    pairing.agreement_date = row.agreement_date
    pairing.campaign_date = row.campaign_date
    pairing.response_date = row.response_date
    pairing.response_note = row.response_note
    pairing.status = Pairing.status_for_dates(
        row.campaign_date, row.response_date, current=pairing.status
    )


def apply_row(row, update_existing=True):
    """Create or update the pairing of ``row``: ``(Outcome, pairing)``."""
    korean, foreign = resolve_places(row)
    pairing = find_pairing(korean, foreign)
    if pairing is not None and not update_existing:
        return Outcome.KEPT, pairing
    created = pairing is None
    if created:
        pairing = Pairing(korean_place=korean, foreign_place=foreign)
    before = tracked_values(pairing)
    assign(pairing, row)
    if not created and tracked_values(pairing) == before:
        return Outcome.UNCHANGED, pairing
    pairing._change_reason = CHANGE_REASON
    pairing.save()
    return (Outcome.CREATED if created else Outcome.UPDATED), pairing


def apply_rows(
    rows,
    errors=(),
    *,
    dry_run=False,
    strict=False,
    update_existing=True,
    on_row: Callable[[PairingRow, Outcome, Pairing], None] | None = None,
):
    """Apply parsed ``rows`` in one transaction and report what happened.

    ``errors`` are the bad lines found while parsing. A dry run, or a strict run with any
    bad line, is rolled back: the report then says what *would* have happened.
    """
    report = ImportReport(errors=list(errors))
    with transaction.atomic():
        for row in rows:
            try:
                outcome, pairing = apply_row(row, update_existing=update_existing)
            except RowError as error:
                report.errors.append(LineError(row.line, str(error)))
                continue
            report.count(outcome)
            if on_row:
                on_row(row, outcome, pairing)
        report.rolled_back = dry_run or (strict and bool(report.errors))
        transaction.set_rollback(report.rolled_back)
    report.errors.sort(key=lambda error: error.line)
    return report


def import_csv(text, **options):
    """Import the status table from CSV text; ``options`` as for ``apply_rows``."""
    records, errors = read_csv(text)
    rows, bad_rows = parse_records(records)
    return apply_rows(rows, errors + bad_rows, **options)


def table_row(pairing):
    """``pairing`` in the table's columns: what an export writes and an import reads back."""
    locality = pairing.korean_locality
    return {
        "no": pairing.number,
        "korean_province": pairing.korean_province.name,
        "korean_locality": locality.name if locality else "",
        "country": pairing.foreign_place.country,
        "partner_city": bilingual_name(pairing.foreign_place),
        "agreement_date": _iso(pairing.agreement_date),
        "relationship": RELATIONSHIP_LABELS.get(pairing.relationship, pairing.relationship),
        "campaign_date": _iso(pairing.campaign_date),
        "response_date": _iso(pairing.response_date),
        "response_note": pairing.response_note,
    }


def _iso(date):
    return date.isoformat() if date else ""
