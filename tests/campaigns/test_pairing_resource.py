"""PairingResource: the admin's import (same parser as the CLI) and export (same columns)."""

import datetime
import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from campaigns import importing
from campaigns.models import Pairing
from campaigns.resources import PairingResource
from officials.models import Place
from tests import factories

REAL_TEXT = importing.STATUS_TABLE_FILE.read_text("utf-8")
HEADER = ",".join(importing.COLUMNS)
MARCH = datetime.date(2016, 3, 1)
APRIL = datetime.date(2016, 4, 1)
GOOD_ROW = "1,Seoul,,United Kingdom,London,2015-12-04,Friendship,2017-07-18,2017-08-01,"


def dataset(text):
    return tablib.Dataset().load(text, format="csv")


def import_text(text, dry_run=False):
    return PairingResource().import_data(dataset(text), dry_run=dry_run)


def validation_messages(result):
    return [message for row in result.invalid_rows for message in row.error.messages]


@pytest.mark.django_db
class TestImport:
    def test_it_writes_nothing_on_a_dry_run(self):
        result = import_text(REAL_TEXT, dry_run=True)

        assert result.totals["new"] == 71
        assert not result.has_errors()
        assert not result.has_validation_errors()
        assert not Pairing.objects.exists()
        assert not Place.objects.exists()

    def test_it_writes_the_rows(self):
        result = import_text(REAL_TEXT)

        assert result.totals["new"] == 71
        assert Pairing.objects.count() == 71
        willoughby = Pairing.objects.get(number=65).foreign_place
        assert (willoughby.name, willoughby.name_ko) == ("Willoughby", "뉴사우스웨일주 윌로비시")

    def test_it_gives_the_same_result_as_the_command(self):
        import_text(REAL_TEXT)
        from_admin = {tuple(importing.table_row(p).values()) for p in Pairing.objects.all()}
        Pairing.objects.all().delete()
        Place.objects.filter(parent__isnull=False).delete()
        Place.objects.all().delete()

        importing.import_csv(REAL_TEXT)

        assert {tuple(importing.table_row(p).values()) for p in Pairing.objects.all()} == from_admin

    def test_it_skips_unchanged_rows_the_second_time(self):
        import_text(REAL_TEXT)

        result = import_text(REAL_TEXT)

        assert result.totals["skip"] == 71
        assert Pairing.objects.count() == 71

    def test_it_updates_a_changed_row_and_its_status(self):
        import_text(HEADER + "\n" + GOOD_ROW.replace("2017-08-01", ""))

        result = import_text(HEADER + "\n" + GOOD_ROW)

        assert result.totals["update"] == 1
        assert Pairing.objects.get().status == Pairing.Status.RESPONSE_RECEIVED

    def test_it_writes_nothing_when_a_row_is_bad(self):
        result = import_text(
            HEADER + "\n" + GOOD_ROW + "\n2,Seoul,,Italy,Rome,2000-03-18,Cousin,,,"
        )

        assert result.has_validation_errors()
        assert validation_messages(result) == [
            "unknown relationship “Cousin” (write Sister or Friendship)"
        ]
        assert not Pairing.objects.exists()

    def test_it_refuses_the_same_pair_twice(self):
        result = import_text(HEADER + "\n" + GOOD_ROW + "\n" + GOOD_ROW)

        assert validation_messages(result) == ["same pairing as line 1"]
        assert not Pairing.objects.exists()

    def test_it_refuses_a_wrong_header(self):
        result = import_text(HEADER.replace("country", "nation") + "\n" + GOOD_ROW)

        assert result.has_errors()
        assert "missing column(s): country" in str(result.base_errors[0].error)
        assert not Pairing.objects.exists()

    def test_it_imports_an_xlsx_export(self):
        import_text(REAL_TEXT)
        workbook = PairingResource().export().export("xlsx")
        Pairing.objects.all().delete()

        result = PairingResource().import_data(tablib.Dataset().load(workbook, format="xlsx"))

        assert result.totals["new"] == 71
        assert Pairing.objects.filter(number=9).count() == 2


@pytest.mark.django_db
class TestExport:
    def test_it_writes_the_status_table_columns(self):
        import_text(REAL_TEXT)

        exported = PairingResource().export()

        assert tuple(exported.headers) == importing.COLUMNS
        assert len(exported) == 71
        assert "65,Seoul,Gangdong-gu,Australia,뉴사우스웨일주 윌로비시(Willoughby),2011-11-10," in (
            exported.csv
        )

    def test_it_reimports_as_unchanged(self):
        import_text(REAL_TEXT)

        result = import_text(PairingResource().export().csv)

        assert result.totals["skip"] == 71
        assert not result.has_validation_errors()

    def test_it_reimports_into_an_empty_database_as_the_same_table(self):
        import_text(REAL_TEXT)
        before = sorted(tuple(importing.table_row(p).values()) for p in Pairing.objects.all())
        exported = PairingResource().export().csv
        Pairing.objects.all().delete()
        Place.objects.filter(parent__isnull=False).delete()
        Place.objects.all().delete()

        import_text(exported)

        assert (
            sorted(tuple(importing.table_row(p).values()) for p in Pairing.objects.all()) == before
        )

    def test_it_neutralises_formulas_in_csv(self):
        formula = '=HYPERLINK("http://evil.example","x")'
        factories.pairing(
            foreign=factories.foreign_place("@SUM(A1)"),
            response_note=formula,
            campaign_date=MARCH,
            response_date=APRIL,
        )

        row = PairingResource().export().dict[0]

        assert row["response_note"] == "'" + formula
        assert row["partner_city"] == "'@SUM(A1)"

    def test_it_writes_formulas_as_text_cells_in_xlsx(self):
        factories.pairing(
            campaign_date=MARCH,
            response_date=APRIL,
            response_note="=1+2",
        )

        workbook = openpyxl.load_workbook(io.BytesIO(PairingResource().export().export("xlsx")))

        note = workbook.active.cell(row=2, column=importing.COLUMNS.index("response_note") + 1)
        assert note.data_type == "s"
        assert note.value == "'=1+2"

    def test_it_reimports_a_neutralised_formula_as_the_original_text(self):
        factories.pairing(response_note="=1+2", campaign_date=MARCH)
        exported = PairingResource().export().csv

        result = import_text(exported)

        assert result.totals["skip"] == 1
        assert Pairing.objects.get().response_note == "=1+2"

    def test_it_keeps_numbers_as_numbers(self):
        factories.pairing(number=9)

        assert PairingResource().export().dict[0]["no"] == 9


def format_index(formats, name):
    return str([fmt.__name__ for fmt in formats].index(name))


@pytest.fixture
def pairing_admin():
    from django.contrib import admin

    return admin.site._registry[Pairing]


@pytest.mark.django_db
class TestAdmin:
    def test_it_registers_this_resource(self, pairing_admin):
        assert pairing_admin.resource_classes == [PairingResource]

    def test_it_previews_then_imports_on_confirm(self, client, superuser, pairing_admin):
        client.force_login(superuser)
        upload = io.BytesIO(REAL_TEXT.encode("utf-8"))
        upload.name = "status.csv"

        preview = client.post(
            reverse("admin:campaigns_pairing_import"),
            {
                "import_file": upload,
                "format": format_index(pairing_admin.get_import_formats(), "CSV"),
                "resource": "0",
            },
        )

        assert preview.status_code == 200
        assert preview.context["result"].totals["new"] == 71
        page = preview.content.decode()
        assert "Willoughby" in page
        assert "Bologna" in page
        assert not Pairing.objects.exists()

        confirm = preview.context["confirm_form"]
        done = client.post(
            reverse("admin:campaigns_pairing_process_import"),
            {name: confirm.initial[name] for name in confirm.fields},
        )

        assert done.status_code == 302
        assert Pairing.objects.count() == 71
        assert Pairing.history.filter(history_user=superuser).count() == 71

    def test_it_offers_no_confirm_step_for_a_bad_file(self, client, superuser, pairing_admin):
        client.force_login(superuser)
        upload = io.BytesIO(f"{HEADER}\n2,Seoul,,Italy,Rome,2000-03-18,Cousin,,,\n".encode())
        upload.name = "bad.csv"

        preview = client.post(
            reverse("admin:campaigns_pairing_import"),
            {
                "import_file": upload,
                "format": format_index(pairing_admin.get_import_formats(), "CSV"),
                "resource": "0",
            },
        )

        assert "confirm_form" not in preview.context
        assert "unknown relationship" in preview.content.decode()
        assert not Pairing.objects.exists()

    def test_it_exports_csv_in_the_import_columns(self, client, superuser, pairing_admin):
        import_text(REAL_TEXT)
        client.force_login(superuser)

        response = client.post(
            reverse("admin:campaigns_pairing_export"),
            {
                "format": format_index(pairing_admin.get_export_formats(), "CSV"),
                "resource": "0",
                **{f"pairingresource_{column}": "on" for column in importing.COLUMNS},
            },
        )

        assert response.status_code == 200
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0] == HEADER
        assert len(lines) == 72
