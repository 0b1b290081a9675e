"""The streaming CSV export of a petition's counted signatures."""

import csv
import datetime
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions import exports
from petitions.models import Signature
from tests import factories

CONFIRMED = Signature.Status.CONFIRMED
T0 = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)


def url(petition):
    return reverse("admin:petitions_petition_export", args=[petition.pk])


def rows(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def staff(client, campaign_admin):
    client.force_login(campaign_admin)
    return client


@pytest.mark.django_db
class TestExport:
    def test_it_streams_a_csv_attachment(self, staff, petition):
        response = staff.get(url(petition))
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith(
            f'attachment; filename="signatures-{petition.campaign.slug}-'
        )

    def test_it_exports_counted_signatures_oldest_first(self, staff, petition, superuser):
        factories.signature(
            petition,
            name="Second Signer",
            email="second@example.org",
            country="KR",
            city="Seoul",
            comment="For peace",
            consent_updates=True,
            status=CONFIRMED,
            confirmed_at=T0 + datetime.timedelta(hours=1),
        )
        factories.signature(
            petition,
            name="First Signer",
            email="first@example.org",
            status=CONFIRMED,
            confirmed_at=T0,
        )
        factories.signature(petition, name="Pending Signer")
        factories.signature(petition, name="Bot", email="bot@spam.example", status=CONFIRMED)
        factories.invalidation(petition, superuser, email_domain="spam.example")
        factories.signature(factories.petition(), name="Other Petition", status=CONFIRMED)
        assert rows(staff.get(url(petition))) == [
            [
                "confirmed at (UTC)",
                "name",
                "email",
                "country",
                "city or postcode",
                "comment",
                "consents to updates",
            ],
            ["2026-03-01T09:30:00+00:00", "First Signer", "first@example.org", "GB", "", "", "no"],
            [
                "2026-03-01T10:30:00+00:00",
                "Second Signer",
                "second@example.org",
                "KR",
                "Seoul",
                "For peace",
                "yes",
            ],
        ]

    @pytest.mark.parametrize(
        "hostile",
        ['=HYPERLINK("http://evil.example","Click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"],
    )
    def test_it_neutralises_spreadsheet_formulas(self, staff, petition, hostile):
        factories.signature(petition, name=hostile, comment=hostile, city=hostile, status=CONFIRMED)
        row = rows(staff.get(url(petition)))[1]
        assert row[1] == row[4] == row[5] == "'" + hostile

    def test_it_reads_nothing_before_the_response_is_consumed(self, staff, petition):
        factories.signature(petition, status=CONFIRMED)
        response = staff.get(url(petition))
        with CaptureQueriesContext(connection) as queries:
            lines = rows(response)
        assert len(lines) == 2
        assert any("petitions_signature" in query["sql"] for query in queries)

    def test_it_iterates_tuples_in_chunks_without_model_instances(
        self, staff, petition, monkeypatch
    ):
        for _ in range(3):
            factories.signature(petition, status=CONFIRMED)
        chunk_sizes = []
        iterator = QuerySet.iterator

        def spy(queryset, chunk_size=None):
            chunk_sizes.append(chunk_size)
            return iterator(queryset, chunk_size=chunk_size)

        def no_instances(*args, **kwargs):
            raise AssertionError("the export built a model instance")

        monkeypatch.setattr(QuerySet, "iterator", spy)
        monkeypatch.setattr(Signature, "from_db", classmethod(no_instances))
        assert len(rows(staff.get(url(petition)))) == 4
        assert chunk_sizes == [exports.CHUNK_SIZE]

    def test_it_writes_large_exports_in_chunks(self, petition, monkeypatch):
        monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
        for _ in range(5):
            factories.signature(petition, status=CONFIRMED)
        chunks = list(exports.csv_chunks(petition))
        assert [chunk.count("\r\n") for chunk in chunks] == [2, 2, 2]  # header + 5 rows

    def test_it_is_logged(self, staff, petition, campaign_admin):
        staff.get(url(petition))
        entry = LogEntry.objects.get()
        assert (entry.user, entry.object_id) == (campaign_admin, str(petition.pk))
        assert "CSV" in entry.change_message

    def test_it_needs_the_view_signature_permission(self, client, staff_user, petition):
        client.force_login(staff_user)
        assert client.get(url(petition)).status_code == 403

    @pytest.mark.parametrize("object_id", ["999999", "abc", "1%20OR%201=1"])
    def test_it_answers_404_for_unknown_petitions(self, staff, db, object_id):
        response = staff.get(f"/admin/petitions/petition/{object_id}/signatures.csv")
        assert response.status_code == 404
