"""The hot queries reach their tables through indexes: PostgreSQL's plans, on realistic volumes.

Each test fills the big table of one area with thousands of rows (``bulk_create``), runs
ANALYZE so the planner knows how many there are, then asks PostgreSQL how it would run the
app's own queries: a queryset method's query (``explain``), or every statement a real code
path ran (captured, then EXPLAINed). The plan must use the named index and never read the
big table whole (a Seq Scan): on a table that keeps growing, that is the difference between
a query that stays fast and one that gets slower every month.
"""

import datetime
import json
from email.message import EmailMessage

import pytest
from anymail.signals import AnymailTrackingEvent
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.forms import StatusFilterForm
from campaigns.models import Campaign, Centre, Pairing
from campaigns.views import STATUS_PAGE_SIZE
from comments.models import Comment, Commenter, ModerationQueue
from comments.moderation_views import PAGE_SIZE as MODERATION_PAGE_SIZE
from comments.pages import page_fields
from mailer.models import OutboxMessage
from mailer.tasks import flush_outbox, sweep_outbox
from mailer.tracking import find_message
from officials.models import KOREA, Place
from outreach.inbound import match
from outreach.models import Response
from petitions.lookup import petition_for_slug
from petitions.models import Petition, Signature
from tests import factories

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
COUNTRY_CODES = ("GB", "US", "KR", "DE", "FR", "JP", "CA", "AU")


@pytest.fixture(autouse=True)
def _postgresql():
    assert connection.vendor == "postgresql", (
        "These tests read PostgreSQL's query plans: run them on PostgreSQL (make test)."
    )


# Plans: ask PostgreSQL, walk the tree.


def analyze(*models):
    """Refresh the planner's statistics after a bulk insert (autovacuum would, later)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def plan(queryset):
    """The plan PostgreSQL chooses for ``queryset``'s query."""
    return json.loads(queryset.explain(format="json"))[0]["Plan"]


def plans_run_by(action, model):
    """The plans of the statements on ``model``'s table that ``action()`` runs."""
    table = f'"{model._meta.db_table}"'
    with CaptureQueriesContext(connection) as captured:
        action()
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith(("SELECT", "UPDATE", "DELETE")) and table in query["sql"]
    ]
    assert statements, f"{action} ran no query on {table}"
    plans = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plans.append(cursor.fetchone()[0][0]["Plan"])
    return plans


def nodes(plan):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def describe(plans):
    """One line per node (type, table, index), indented: what a failure shows."""

    def lines(node, depth):
        where = " ".join(
            f"{key}={node[key]}" for key in ("Relation Name", "Index Name") if key in node
        )
        yield f"{'  ' * depth}{node['Node Type']} {where}"
        for child in node.get("Plans", ()):
            yield from lines(child, depth + 1)

    # A code path repeats statements (one UPDATE per row sent): each plan shape once.
    shapes = dict.fromkeys("\n".join(lines(plan, 0)) for plan in plans)
    return "\n".join(shapes)


def assert_indexed(plans, model, *indexes):
    """No plan reads ``model``'s table with a Seq Scan, and the plans use every index named.

    An index is a name, or a set of names of which any will do (indexes the planner may
    choose between for the same lookup).
    """
    plans = plans if isinstance(plans, list) else [plans]
    table = model._meta.db_table
    every_node = [node for plan in plans for node in nodes(plan)]
    seq_scans = [
        node
        for node in every_node
        if node["Node Type"] == "Seq Scan" and node["Relation Name"] == table
    ]
    used = {node["Index Name"] for node in every_node if "Index Name" in node}
    assert not seq_scans, f"Seq Scan on {table}:\n{describe(plans)}"
    for index in indexes:
        names = {index} if isinstance(index, str) else index
        assert names & used, f"None of {names} used:\n{describe(plans)}"


def indexes_on(model, field):
    """The names of the indexes Django made for one column (``unique``, ``db_index``, a
    foreign key): they end in a hash, so they are looked up. On PostgreSQL a text column
    also gets a ``_like`` index, which serves equality as well as the unique one."""
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    names = {
        name
        for name, constraint in constraints.items()
        if constraint["columns"] == [column]
        and (constraint["unique"] or constraint["index"])
        and not constraint["foreign_key"]
    }
    assert names, f"no index on {model._meta.db_table}.{column}"
    return names


# Petitions: signatures are the big table (every supporter of every petition).

PETITIONS = 20
SIGNATURES_PER_PETITION = 500


def signature_row(petition, n, now):
    """Mostly confirmed; 1 in 20 awaiting confirmation (a few of them with the mail still to
    queue), 1 in 20 past the confirmation deadline."""
    email = f"signer{n}.{petition.pk}@example.invalid"
    signed = now - n * 7 * MINUTE
    pending = n % 20 in (0, 1)
    if n % 20 == 1:
        signed -= settings.PETITION_PENDING_TTL
    return Signature(
        petition=petition,
        name=f"Signer {n}",
        email=email,
        email_normalized=email,
        country=COUNTRY_CODES[n % len(COUNTRY_CODES)],
        status=Signature.Status.PENDING if pending else Signature.Status.CONFIRMED,
        created_at=signed,
        confirmed_at=None if pending else signed + 5 * MINUTE,
        confirmation_sent_at=signed,
        mail_due=n % 200 == 0,
        show_publicly=n % 3 != 0,
    )


@pytest.fixture
def petitions():
    now = timezone.now()
    petitions = [factories.petition() for _ in range(PETITIONS)]
    Signature.objects.bulk_create(
        signature_row(petition, n, now)
        for petition in petitions
        for n in range(SIGNATURES_PER_PETITION)
    )
    analyze(Signature, Petition)
    return petitions


def by_petition():
    """The indexes that lead with the petition. For a petition's counted signatures the
    planner takes the count index or the smaller foreign-key index alike: most signatures
    count, so the status narrows the rows little."""
    return {"signature_count_idx", *indexes_on(Signature, "petition")}


class TestSignatureQueries:
    def test_it_finds_a_duplicate_signer_through_the_unique_email_constraint(self, petitions):
        # Signing twice: the INSERT fails on the constraint, then the pending signature
        # is looked up to re-send its confirmation.
        petition = petitions[3]
        again = {"name": "Signer 20", "email": f"signer20.{petition.pk}@example.invalid"}
        plans = plans_run_by(lambda: petition.sign({**again, "country": "GB"}), Signature)

        assert_indexed(plans, Signature, "petition_signature_unique_email")

    def test_it_counts_a_petitions_signatures_through_a_petition_index(self, petitions):
        plans = plans_run_by(lambda: Petition.confirmed_counts(petitions[:1]), Signature)

        assert_indexed(plans, Signature, by_petition())

    def test_it_annotates_a_petition_lists_counts_through_a_petition_index(self, petitions):
        assert_indexed(plan(Petition.objects.with_confirmed_counts()), Signature, by_petition())

    def test_it_reads_the_progress_statistics_through_the_count_index(self, petitions):
        plans = plans_run_by(petitions[5].stats, Signature)

        # The count, signatures by country, by day and the latest public signers (these
        # newest first: along the count index's confirmed_at).
        assert_indexed(plans, Signature, "signature_count_idx")

    def test_it_finds_expired_pending_signatures_through_the_pending_index(self, petitions):
        plans = plans_run_by(Signature.objects.delete_expired, Signature)

        assert_indexed(plans, Signature, "signature_pending_idx")

    def test_it_finds_due_confirmation_mails_through_the_partial_index(self, petitions):
        plans = plans_run_by(Signature.objects.queue_due_confirmations, Signature)

        assert_indexed(plans, Signature, "signature_mail_due_idx")


# Mailer: the outbox keeps every mail ever sent.

OUTBOX_ROWS = 12_000


def outbox_row(n, now):
    """Mostly sent (with the ESP's id). 1 in 100 queued, half of them held back until later
    (throttled, retrying); 1 in 500 each claimed by a flush that died, interrupted while
    sending, failed."""
    created = now - n * MINUTE
    status, send_after, claimed_at = OutboxMessage.Status.SENT, created, created
    if n % 100 == 0:
        status = OutboxMessage.Status.QUEUED
        send_after = created if n % 200 == 0 else now + n * MINUTE
        claimed_at = None
    elif n % 500 in (1, 2, 3):
        status = {
            1: OutboxMessage.Status.CLAIMED,
            2: OutboxMessage.Status.SENDING,
            3: OutboxMessage.Status.FAILED,
        }[n % 500]
        claimed_at = now - 10 * MINUTE
    sent = status == OutboxMessage.Status.SENT
    return OutboxMessage(
        category="petition.confirm",
        to_email=f"person{n}@example.invalid",
        subject="Please confirm your signature",
        body_text="Please confirm.",
        attempts=0 if status == OutboxMessage.Status.QUEUED else 1,
        message_id=f"<{n}.outbox@example.invalid>",
        reply_token=f"{n:024x}",
        esp_message_id=f"esp-{n}" if sent else "",
        status=status,
        created_at=created,
        send_after=send_after,
        claimed_at=claimed_at,
        sent_at=created if sent else None,
    )


@pytest.fixture
def outbox():
    now = timezone.now()
    OutboxMessage.objects.bulk_create(outbox_row(n, now) for n in range(OUTBOX_ROWS))
    analyze(OutboxMessage)


@pytest.fixture
def reply_domain(settings):
    settings.OUTREACH_REPLY_DOMAIN = "replies.example.org"
    return settings.OUTREACH_REPLY_DOMAIN


def inbound(**headers):
    message = EmailMessage()
    message["From"] = "Office of the Mayor <mayor@example.invalid>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Thank you for your letter.")
    return message


class TestOutboxQueries:
    def test_it_finds_due_rows_through_the_queued_index_when_flushing(self, outbox):
        plans = plans_run_by(flush_outbox, OutboxMessage)

        assert_indexed(plans, OutboxMessage, "outbox_queued_send_after_idx")

    def test_it_finds_due_and_stuck_rows_through_indexes_when_sweeping(self, outbox):
        plans = plans_run_by(sweep_outbox, OutboxMessage)

        assert_indexed(plans, OutboxMessage, "outbox_queued_send_after_idx", "outbox_in_flight_idx")

    def test_it_finds_a_tracked_message_through_the_esp_id_index(self, outbox):
        event = AnymailTrackingEvent(event_type="delivered", message_id="esp-4321", metadata={})
        plans = plans_run_by(lambda: find_message(event), OutboxMessage)

        assert_indexed(plans, OutboxMessage, "outbox_esp_message_id_idx")

    def test_it_matches_a_reply_by_its_token_through_the_unique_index(self, outbox, reply_domain):
        reply = inbound(To=f"reply+{4321:024x}@{reply_domain}")
        plans = plans_run_by(lambda: match(reply), OutboxMessage)

        assert_indexed(plans, OutboxMessage, indexes_on(OutboxMessage, "reply_token"))

    def test_it_matches_a_reply_by_its_message_id_through_the_unique_index(self, outbox):
        reply = inbound(In_Reply_To="<4321.outbox@example.invalid>")
        plans = plans_run_by(lambda: match(reply), OutboxMessage)

        assert_indexed(plans, OutboxMessage, indexes_on(OutboxMessage, "message_id"))


# Campaigns: the status table (every pairing of a Korean local government) and its pages.

PAIRINGS = 5_000
LARGE_PARTNERS = ("Japan", "China", "Germany", "Australia", "Canada", "France")


@pytest.fixture
def status_table():
    """``PAIRINGS`` pairings: a third with US cities, a third in six other large partner
    countries, the rest in 32 small ones; 70 % without a campaign, 3 % won; a published
    campaign for each pairing that has one."""
    provinces = Place.objects.bulk_create(
        Place(kind=Place.Kind.PROVINCE, country=KOREA, name=f"Province {n}") for n in range(17)
    )
    localities = Place.objects.bulk_create(
        Place(
            kind=Place.Kind.LOCALITY,
            country=KOREA,
            name=f"Locality {n}",
            parent=provinces[n % len(provinces)],
        )
        for n in range(230)
    )
    partners = Place.objects.bulk_create(
        Place(kind=Place.Kind.FOREIGN, country=partner_country(n), name=f"Town {n}")
        for n in range(PAIRINGS)
    )
    pairings = Pairing.objects.bulk_create(
        pairing_row(n, localities[n % len(localities)], partners[n]) for n in range(PAIRINGS)
    )
    Campaign.objects.bulk_create(
        Campaign(pairing=pairing, slug=f"campaign-{pairing.pk}", title=f"Campaign {pairing.pk}")
        for pairing in pairings
        if pairing.status != Pairing.Status.NO_CAMPAIGN
    )
    analyze(Place, Pairing, Campaign)


def partner_country(n):
    if n % 3 == 0:
        return "United States"
    return LARGE_PARTNERS[n % len(LARGE_PARTNERS)] if n % 2 else f"Country {n % 64}"


def pairing_row(n, korean, partner):
    status = [
        *[Pairing.Status.NO_CAMPAIGN] * 70,
        *[Pairing.Status.CAMPAIGNING] * 20,
        *[Pairing.Status.RESPONSE_RECEIVED] * 7,
        *[Pairing.Status.VICTORY] * 3,
    ][n % 100]
    started = status != Pairing.Status.NO_CAMPAIGN
    answered = status in (Pairing.Status.RESPONSE_RECEIVED, Pairing.Status.VICTORY)
    return Pairing(
        number=n + 1,
        korean_place=korean,
        foreign_place=partner,
        status=status,
        campaign_date=datetime.date(2016, 3, 1) if started else None,
        response_date=datetime.date(2017, 3, 1) if answered else None,
    )


def status_page(scope, **filters):
    """What ``campaigns.views.centre`` runs for the first page of a centre's table filtered
    by ``filters``: the count, the rows and their campaigns. (The country choices read the
    whole table on purpose, before.)"""
    pairings = Pairing.objects.in_scope(scope)
    form = StatusFilterForm(filters, countries=pairings.countries())
    rows = form.filter(pairings).for_table()
    return lambda: list(Paginator(rows, STATUS_PAGE_SIZE).get_page(1))


class TestStatusTableQueries:
    # Not here: the country filter and the search. The table holds every real pairing (a
    # few thousand at most, and the page is cached); for a country with 1 % of the rows
    # PostgreSQL rightly prefers one sequential read of it to a random read per row through
    # the country and foreign-key indexes, and a search for a word inside names (icontains)
    # can use no B-tree index at all.

    def test_it_filters_by_status_through_the_status_index(self, status_table):
        plans = plans_run_by(status_page(Centre.Scope.NON_US, status="victory"), Pairing)

        assert_indexed(plans, Pairing, "pairing_status_idx")

    def test_it_loads_a_campaign_page_by_its_slug_through_the_unique_index(self, status_table):
        slug = Campaign.objects.order_by("pk")[500].slug

        assert_indexed(
            plan(Campaign.objects.for_page().filter(slug=slug)),
            Campaign,
            indexes_on(Campaign, "slug"),
        )

    def test_it_finds_a_petition_by_its_campaign_slug_through_the_unique_index(self, status_table):
        campaigns = list(Campaign.objects.order_by("pk")[:200])
        Petition.objects.bulk_create(
            Petition(campaign=campaign, title=campaign.title, text="Please act.")
            for campaign in campaigns
        )
        analyze(Petition)
        plans = plans_run_by(lambda: petition_for_slug(campaigns[100].slug), Campaign)

        assert_indexed(plans, Campaign, indexes_on(Campaign, "slug"))


# Comments: every comment on every page, published or held for moderation.

COMMENTS = 12_000
COMMENTED_CAMPAIGNS = 40
COMMENTERS = 1_500


@pytest.fixture
def comment_pages():
    """Comments on 40 campaign pages and (1 in 20) the two centres: 1 in 100 held for
    moderation, 1 in 50 rejected, 1 in 100 hidden after flags, the others published."""
    now = timezone.now()
    campaigns = [factories.campaign() for _ in range(COMMENTED_CAMPAIGNS)]
    centres = [factories.centre(scope) for scope in Centre.Scope]
    commenters = Commenter.objects.bulk_create(
        Commenter(email=f"reader{n}@example.invalid", email_normalized=f"reader{n}@example.invalid")
        for n in range(COMMENTERS)
    )
    statuses = {
        0: Comment.Status.HELD,
        1: Comment.Status.REJECTED,
        2: Comment.Status.HIDDEN,
        51: Comment.Status.REJECTED,
    }
    Comment.objects.bulk_create(
        Comment(
            campaign=None if n % 20 == 0 else campaigns[n % COMMENTED_CAMPAIGNS],
            centre=centres[n % 40 // 20] if n % 20 == 0 else None,
            commenter=commenters[n % COMMENTERS],
            author_name=f"Reader {n}",
            text="Please end the dog meat trade.",
            status=statuses.get(n % 100, Comment.Status.PUBLISHED),
            created_at=now - n * MINUTE,
        )
        for n in range(COMMENTS)
    )
    analyze(Commenter, Comment)
    return campaigns, centres


class TestCommentQueries:
    def test_it_reads_a_campaign_pages_comments_through_the_campaign_index(self, comment_pages):
        campaign = comment_pages[0][7]
        plans = plans_run_by(
            lambda: Comment.objects.filter(**page_fields(campaign)).threads(), Comment
        )

        assert_indexed(plans, Comment, {"comment_campaign_idx", *indexes_on(Comment, "campaign")})

    def test_it_reads_a_centres_comments_through_the_centre_index(self, comment_pages):
        centre = comment_pages[1][0]
        plans = plans_run_by(
            lambda: Comment.objects.filter(**page_fields(centre)).threads(), Comment
        )

        assert_indexed(plans, Comment, {"comment_centre_idx", *indexes_on(Comment, "centre")})

    def test_it_reads_the_held_queue_oldest_first_through_the_queue_index(self, comment_pages):
        # The queue page (``moderation_views.queue``): its rows and everything prefetched.
        queue = Comment.objects.in_queue(ModerationQueue.HELD).for_moderation()
        plans = plans_run_by(
            lambda: list(Paginator(queue, MODERATION_PAGE_SIZE).get_page(1)), Comment
        )

        assert_indexed(
            plans,
            Comment,
            "comment_queue_idx",
            indexes_on(Comment, "commenter"),
        )


# Outreach: what officials answered, kept for good.

RESPONSES = 5_000


@pytest.fixture
def responses():
    """Mostly reviewed (received, or dismissed as spam and autoreplies); 1 in 100 new, 1 in
    100 unmatched: the review queue."""
    campaign = factories.campaign()
    statuses = {0: Response.Status.NEW, 1: Response.Status.UNMATCHED}
    Response.objects.bulk_create(
        Response(
            campaign=campaign,
            pairing=campaign.pairing,
            status=statuses.get(
                n % 100, Response.Status.DISMISSED if n % 5 == 0 else Response.Status.RECEIVED
            ),
            from_email=f"office{n}@example.invalid",
            subject="Re: Sister city",
            message_id=f"<{n}.reply@example.invalid>",
        )
        for n in range(RESPONSES)
    )
    analyze(Response)


class TestResponseQueries:
    def test_it_finds_responses_awaiting_review_through_the_status_index(self, responses):
        assert_indexed(plan(Response.objects.awaiting_review()), Response, "response_status_idx")
