"""The status-table CSV import, fed arbitrary bytes and rows (hypothesis): every line is either
imported or reported with its line number; nothing else ever escapes.

The documented errors: ``TableFileError`` for a file that cannot be read at all (its message
names the line of the first bad byte), and ``LineError(line, reason)`` entries in the report
for each bad line.
"""

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.importing import COLUMNS, TableFileError, import_csv, read_file

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "Gyeonggi-do",
            "Bucheon",
            "부천시",
            "United States",
            "Korea",
            "Bakersfield",
            "윌로비시(Willoughby/)",
            "Sister",
            "Friendship",
            "2011-08-25",
            "7/18/2017",
            "2017-02-30",
            "13/45/2020",
            "0000-00-00",
            "12",
            "99999999999",
            "=cmd|' /C calc'!A0",
            "'=1+1",
            "\x00",
            "a\x00b",
            '"quoted, with comma"',
            "line\nbreak",
            "\r",
        ]
    ),
    st.text(max_size=30),
    st.text(min_size=150, max_size=400),
)
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=len(COLUMNS) + 2), max_size=15)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,  # leave no .hypothesis/ in the checkout; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def as_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def records_in(text):
    """How many non-blank records the file holds after its header (what must be accounted for)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    return sum(1 for cells in reader if any(cell.strip() for cell in cells))


def check_report(report, text):
    lines = len(re.split(r"\r\n|\r|\n", text))  # line breaks as the csv module counts them
    for error in report.errors:
        assert isinstance(error.line, int) and 1 <= error.line <= lines
        assert str(error).startswith(f"line {error.line}: ")


@pytest.mark.django_db
class TestImportNeverBreaks:
    @FUZZ
    @given(rows=ROWS)
    def test_every_row_is_imported_or_reported(self, rows):
        text = as_csv(COLUMNS, rows)
        report = import_csv(text, dry_run=True)
        check_report(report, text)
        imported = report.created + report.updated + report.unchanged + report.kept
        assert imported + len(report.errors) == records_in(text)

    @FUZZ
    @given(header=st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=20))), rows=ROWS)
    def test_any_header_is_accepted_or_refused_on_line_1(self, header, rows):
        text = as_csv(header, rows)
        report = import_csv(text, dry_run=True)
        check_report(report, text)

    @FUZZ
    @given(data=st.binary(max_size=2000))
    def test_any_bytes_are_read_or_refused_with_a_line_number(self, data, tmp_path_factory):
        path = tmp_path_factory.mktemp("csv") / "table.csv"
        path.write_bytes(data)
        try:
            text = read_file(path)
        except TableFileError as error:
            assert re.search(r"\(line \d+\)", str(error))
            return
        check_report(import_csv(text, dry_run=True), text)

    @FUZZ
    @given(prefix=st.binary(max_size=200), rows=ROWS)
    def test_a_table_with_garbage_bytes_is_read_or_refused(self, prefix, rows, tmp_path_factory):
        path = tmp_path_factory.mktemp("csv") / "table.csv"
        path.write_bytes(as_csv(COLUMNS, rows).encode() + prefix)
        try:
            text = read_file(path)
        except TableFileError as error:
            assert re.search(r"\(line \d+\)", str(error))
            return
        check_report(import_csv(text, dry_run=True), text)
