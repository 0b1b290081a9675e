"""bench/petitions.py: the signatures `make bench` generates by SQL are rows the app accepts.

They bypass the ORM (a million rows in one INSERT … SELECT), so a column added to Signature
must be added there too; these tests fail when it is not.
"""

import io

import pytest

from bench.petitions import EXPORT_SLUG, ensure_export_petition
from petitions.exports import csv_chunks
from petitions.models import Signature
from tests import factories

pytestmark = pytest.mark.django_db


class TestExportPetition:
    def test_it_generates_confirmed_signatures_that_count(self):
        factories.pairing()
        out = io.StringIO()

        petition = ensure_export_petition(40, out)

        assert petition.campaign.slug == EXPORT_SLUG.format(rows=40)
        assert petition.signatures.counted().count() == 40
        assert not petition.signatures.filter(mail_due=True).exists()
        assert set(petition.signatures.values_list("language", flat=True)) == {"en", "ko"}
        assert "generated 40 signatures" in out.getvalue()

    def test_its_rows_export_with_formulas_neutralised(self):
        factories.pairing()
        petition = ensure_export_petition(16, io.StringIO())

        lines = "".join(csv_chunks(petition)).splitlines()

        assert len(lines) == 1 + 16  # the heading, then one line per signature
        assert any(",'=cmd Signer 7," in line for line in lines)

    def test_it_keeps_what_is_already_there(self):
        factories.pairing()
        petition = ensure_export_petition(8, io.StringIO())
        first_ids = set(Signature.objects.values_list("pk", flat=True))
        out = io.StringIO()

        assert ensure_export_petition(8, out) == petition

        assert set(Signature.objects.values_list("pk", flat=True)) == first_ids
        assert "8 signatures already there" in out.getvalue()
