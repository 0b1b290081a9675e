"""The "Officials' responses" section of the public campaign page: reviewed summaries only,
escaped, in a constant number of queries, fresh after a change."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outreach.models import Response
from tests import factories
from tests.outreach.replies import sent_outreach

pytestmark = pytest.mark.django_db

HEADING = '<h2 id="responses-title">Officials\' responses</h2>'


@pytest.fixture
def sent():
    return sent_outreach()


def response(sent, status=Response.Status.RECEIVED, summary="The mayor will write.", **fields):
    fields.setdefault("pairing", sent.pairing)
    return Response.objects.create(
        status=status,
        public_summary=summary,
        received_at=fields.pop("received_at", datetime.datetime(2024, 3, 5, tzinfo=datetime.UTC)),
        body_text="Private words of the official's mail.",
        from_email="aide@bakersfield.example.invalid",
        **fields,
    )


def page(client, sent):
    return client.get(sent.campaign.get_absolute_url()).text


class TestSection:
    def test_it_lists_reviewed_responses_with_date_official_outcome_and_summary(self, client, sent):
        response(
            sent,
            office=sent.bakersfield_mayor,
            in_reply_to=sent.outbox,
            summary="The mayor will raise it.\nA visit is planned.",
        )
        response(
            sent,
            status=Response.Status.VICTORY,
            summary="Bucheon closed the dog farms.",
            received_at=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC),
        )
        text = page(client, sent)
        assert HEADING in text
        assert (
            '<time datetime="2024-03-05">2024-03-05</time> · Karen Goh, Mayor of Bakersfield\n'
            '        · <strong class="response-outcome">Response received</strong>'
        ) in text
        assert (
            '<p class="response-summary">The mayor will raise it.<br>A visit is planned.</p>'
            in (text)
        )
        assert '<strong class="response-outcome">Victory</strong>' in text
        # Latest first.
        assert text.index("Bucheon closed the dog farms.") < text.index("The mayor will raise it.")

    def test_it_never_shows_the_mail_itself(self, client, sent):
        response(sent)
        text = page(client, sent)
        assert "Private words" not in text
        assert "aide@bakersfield.example.invalid" not in text

    @pytest.mark.parametrize(
        "status",
        [Response.Status.NEW, Response.Status.UNMATCHED, Response.Status.DISMISSED],
    )
    def test_it_hides_responses_not_reviewed(self, client, sent, status):
        response(sent, status=status, summary="Not for the public")
        text = page(client, sent)
        assert HEADING not in text
        assert "Not for the public" not in text

    def test_it_shows_only_this_pairings_responses(self, client, sent):
        other = factories.pairing(
            campaign_date=datetime.date(2020, 1, 1), response_date=datetime.date(2024, 1, 1)
        )
        Response.objects.create(
            pairing=other, status=Response.Status.RECEIVED, public_summary="Elsewhere"
        )
        assert "Elsewhere" not in page(client, sent)

    def test_it_escapes_the_summary(self, client, sent):
        response(sent, summary='<script>alert("x")</script>')
        text = page(client, sent)
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


class TestFreshness:
    def test_a_changed_summary_shows_at_once_despite_the_page_cache(
        self, client, sent, django_capture_on_commit_callbacks
    ):
        shown = response(sent, summary="First summary")
        assert "First summary" in page(client, sent)
        with django_capture_on_commit_callbacks(execute=True):
            shown.public_summary = "Corrected summary"
            shown.save()
        assert "Corrected summary" in page(client, sent)


class TestQueries:
    @pytest.fixture(autouse=True)
    def _no_page_cache(self, settings):
        settings.PAGE_CACHE_SECONDS = 0

    def count_queries(self, client, sent):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(sent.campaign.get_absolute_url()).status_code == 200
        return len(queries)

    def test_it_needs_the_same_queries_for_no_and_many_responses(self, client, sent):
        without = self.count_queries(client, sent)
        for number in range(5):
            office = factories.office(title=f"Councillor {number}")
            response(sent, office=office, in_reply_to=sent.outbox, summary=f"Answer {number}")
        assert self.count_queries(client, sent) == without
        assert "Answer 4" in page(client, sent)
