"""Confirmed counts, the progress section of the campaign page and the status table column."""

import datetime
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import pagecache
from petitions.models import Petition, Signature, _cache_prefixes
from tests import factories

CONFIRMED = Signature.Status.CONFIRMED


def confirmed(petition, **fields):
    return factories.signature(petition, status=CONFIRMED, **fields)


def campaign_page(client, petition):
    return client.get(petition.campaign.get_absolute_url())


def page_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    return response, context.captured_queries


def signature_queries(queries):
    return [query for query in queries if "petitions_signature" in query["sql"]]


def count_queries(queries):
    """The signature queries of the status table's count column (not the centre's charts,
    which group by country and by week)."""
    return [
        query
        for query in signature_queries(queries)
        if '"petitions_signature"."country" AS' not in query["sql"]
        and "DATE_TRUNC" not in query["sql"].upper()
    ]


def progress_section(response):
    return re.search(
        r'<section class="petition-progress".*?</section>', response.text, flags=re.S
    ).group(0)


@pytest.mark.django_db
class TestConfirmedCount:
    def test_it_counts_only_confirmed_and_valid_signatures(self, petition, superuser):
        confirmed(petition)
        confirmed(petition, email="bot@spam.example")
        factories.signature(petition)  # pending
        factories.invalidation(petition, superuser, email_domain="spam.example")
        assert petition.confirmed_count() == 1

    def test_it_is_served_from_the_cache_without_queries(self, petition, django_assert_num_queries):
        confirmed(petition)
        petition.confirmed_count()
        with django_assert_num_queries(0):
            assert petition.confirmed_count() == 1

    def test_it_counts_many_petitions_in_one_query(self, db, django_assert_num_queries):
        petitions = [factories.petition() for _ in range(4)]
        confirmed(petitions[0])
        confirmed(petitions[2])
        confirmed(petitions[2])
        with django_assert_num_queries(1):
            counts = Petition.confirmed_counts(petitions)
        assert counts == {
            petitions[0].pk: 1,
            petitions[1].pk: 0,
            petitions[2].pk: 2,
            petitions[3].pk: 0,
        }
        with django_assert_num_queries(0):
            assert Petition.confirmed_counts(petitions) == counts

    def test_it_never_serves_a_count_stored_after_it_was_forgotten(self, petition):
        # A slow request read the rows before a confirmation and stores its count after the
        # confirmation forgot the cache: that count lands where nobody reads.
        prefix = _cache_prefixes([petition])[petition.pk]
        confirmed(petition)
        petition.forget_count()
        cache.set(f"{prefix}:count", 0)
        assert petition.confirmed_count() == 1

    def test_it_serves_the_last_count_while_another_request_recounts(
        self, petition, django_assert_num_queries
    ):
        # A burst of confirmations forgets the count again and again: one request recounts,
        # the others show the previous number meanwhile instead of all counting at once.
        confirmed(petition)
        assert petition.confirmed_count() == 1
        confirmed(petition)
        petition.forget_count()
        cache.add(f"petition:{petition.pk}:count:lock", 1)
        with django_assert_num_queries(0):
            assert petition.confirmed_count() == 1
        cache.delete(f"petition:{petition.pk}:count:lock")
        assert petition.confirmed_count() == 2

    def test_it_counts_while_another_request_recounts_if_it_has_no_earlier_count(self, petition):
        confirmed(petition)
        cache.add(f"petition:{petition.pk}:count:lock", 1)
        assert petition.confirmed_count() == 1

    def test_it_is_forgotten_when_a_signature_is_confirmed(self, petition):
        signature = factories.signature(petition)
        assert petition.confirmed_count() == 0
        signature.confirm()
        assert petition.confirmed_count() == 1

    def test_it_is_forgotten_when_a_signature_is_withdrawn(
        self, petition, django_capture_on_commit_callbacks
    ):
        signature = confirmed(petition)
        assert petition.confirmed_count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            signature.withdraw()
        assert petition.confirmed_count() == 0

    def test_it_annotates_exact_counts_for_lists(self, petition, superuser):
        confirmed(petition)
        confirmed(petition, email="x@spam.example")
        factories.signature(petition)
        factories.invalidation(petition, superuser, email_domain="spam.example")
        assert Petition.objects.with_confirmed_counts().get().n_confirmed == 1


@pytest.mark.django_db(transaction=True)
class TestConcurrentCounting:
    def test_it_ends_exact_after_concurrent_confirmations_and_reads(self):
        petition = factories.petition()
        signatures = [factories.signature(petition) for _ in range(24)]

        def confirm(signature):
            try:
                signature.confirm()
                return Petition.objects.get(pk=petition.pk).confirmed_count()
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(confirm, signatures))
        assert petition.confirmed_count() == 24
        assert petition.stats().by_country == [("GB", 24)]


@pytest.mark.django_db
class TestStats:
    def test_it_groups_by_country_most_first(self, petition):
        for country in ["DE", "GB", "GB", "KR", "GB", "DE"]:
            confirmed(petition, country=country)
        factories.signature(petition, country="FR")  # pending: not counted
        assert petition.stats().by_country == [("GB", 3), ("DE", 2), ("KR", 1)]

    def test_it_groups_by_day_of_confirmation(self, petition):
        day = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)
        confirmed(petition, confirmed_at=day)
        confirmed(petition, confirmed_at=day + datetime.timedelta(hours=5))
        confirmed(petition, confirmed_at=day + datetime.timedelta(days=2))
        assert petition.stats().by_day == [
            (datetime.date(2026, 3, 1), 2),
            (datetime.date(2026, 3, 3), 1),
        ]

    def test_it_lists_the_latest_public_signers_first_name_and_country(self, petition):
        start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
        for number in range(12):
            confirmed(
                petition,
                name=f"Person{number} Surname",
                confirmed_at=start + datetime.timedelta(minutes=number),
            )
        confirmed(petition, name="Hidden Person", show_publicly=False)
        factories.signature(petition, name="Pending Person")
        recent = petition.stats().recent
        assert [name for name, _country in recent] == [f"Person{n}" for n in range(11, 1, -1)]
        assert {country for _name, country in recent} == {"GB"}

    def test_it_is_cached_with_the_count(self, petition, django_assert_num_queries):
        confirmed(petition)
        petition.stats()
        with django_assert_num_queries(0):
            stats = petition.stats()
        assert stats.count == 1 and stats.by_country == [("GB", 1)]

    def test_it_is_forgotten_with_the_count(self, petition):
        signature = factories.signature(petition, country="KR")
        assert petition.stats().by_country == []
        signature.confirm()
        stats = petition.stats()
        assert stats.by_country == [("KR", 1)]
        assert stats.recent == [("Jane", "KR")]

    def test_it_reports_progress_towards_the_goal(self, db):
        petition = factories.petition(goal=3)
        confirmed(petition)
        assert petition.stats().percent == 33
        assert not petition.stats().goal_reached
        for _ in range(3):
            confirmed(petition)
        petition.forget_count()
        assert petition.stats().percent == 100
        assert petition.stats().goal_reached


@pytest.mark.django_db
class TestProgressSection:
    def test_it_shows_the_count_the_goal_and_a_progress_bar(self, client, db):
        petition = factories.petition(goal=500)
        for _ in range(3):
            confirmed(petition)
        factories.signature(petition)  # pending
        section = progress_section(campaign_page(client, petition))
        assert "3 confirmed signatures of a goal of 500" in section
        assert '<progress class="progress-bar" max="500" value="3"' in section
        assert 'aria-labelledby="progress-label"' in section

    def test_it_uses_no_inline_styles(self, client, petition):
        confirmed(petition)
        response = campaign_page(client, petition)
        assert " style=" not in response.text
        assert "<style" not in response.text

    def test_it_lists_recent_signers_by_first_name_and_country_only(self, client, petition):
        confirmed(
            petition,
            name="Marie Curie-Skłodowska",
            email="marie@example.invalid",
            country="FR",
            city="Paris",
            comment="Vive la paix",
        )
        section = progress_section(campaign_page(client, petition))
        assert '<li>Marie <span class="signer-country">(France)</span></li>' in section
        for private in ["Curie", "marie@example.invalid", "Paris", "Vive la paix"]:
            assert private not in section

    def test_it_leaves_out_signers_who_opted_out(self, client, petition):
        confirmed(petition, name="Visible Person")
        confirmed(petition, name="Private Person", show_publicly=False)
        section = progress_section(campaign_page(client, petition))
        assert "Visible" in section
        assert "Private" not in section
        assert "2 confirmed signatures" in section  # still counted

    def test_it_leaves_out_pending_and_invalidated_signers(self, client, petition, superuser):
        factories.signature(petition, name="Pending Person")
        confirmed(petition, name="Spam Bot", email="bot@spam.example")
        factories.invalidation(petition, superuser, email_domain="spam.example")
        section = progress_section(campaign_page(client, petition))
        assert "Pending" not in section and "Spam" not in section
        assert "0 confirmed signatures" in section

    def test_it_escapes_hostile_names(self, client, petition):
        confirmed(petition, name='<script>alert("x")</script> Doe')
        confirmed(petition, name="<img/src=x/onerror=alert(1)>")
        html = campaign_page(client, petition).text
        assert "<script>alert" not in html and "<img/src" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "&lt;img/src=x/onerror=alert(1)&gt;" in html

    def test_it_is_left_out_without_a_petition(self, client, db):
        campaign = factories.campaign()
        response = client.get(campaign.get_absolute_url())
        assert response.status_code == 200
        assert "petition-progress" not in response.text

    def test_it_is_left_out_when_signing_is_not_a_campaign_action(self, client, petition):
        petition.campaign.actions = ["email", "share"]
        petition.campaign.save()
        assert "petition-progress" not in campaign_page(client, petition).text

    def test_it_shows_a_changed_goal_through_the_page_cache(
        self, client, petition, django_capture_on_commit_callbacks
    ):
        assert "of a goal of 1000" in progress_section(campaign_page(client, petition))
        with django_capture_on_commit_callbacks(execute=True):
            petition.goal = 50
            petition.save()
        assert "of a goal of 50<" in progress_section(campaign_page(client, petition))

    def test_it_shows_a_new_count_once_a_signature_is_confirmed(
        self, client, petition, django_capture_on_commit_callbacks
    ):
        confirmed(petition)
        assert "1 confirmed signature of" in progress_section(campaign_page(client, petition))
        with django_capture_on_commit_callbacks(execute=True):
            factories.signature(petition).confirm()
        assert "2 confirmed signatures" in progress_section(campaign_page(client, petition))

    def test_it_needs_the_same_queries_for_few_and_many_signers(self, client, petition):
        def render(signers):
            for number in range(signers - petition.signatures.count()):
                confirmed(petition, country=["GB", "DE", "KR", "US", "FR"][number % 5])
            petition.forget_count()
            pagecache.invalidate()
            response, queries = page_queries(client, petition.campaign.get_absolute_url())
            assert f"{signers} confirmed signatures" in response.text
            return queries

        few, many = render(3), render(30)
        assert len(few) == len(many)
        # by country, by day, recent signers, the count
        assert len(signature_queries(many)) == 4

    def test_it_takes_the_numbers_from_the_count_cache(self, client, petition):
        confirmed(petition)
        campaign_page(client, petition)
        pagecache.invalidate()
        response, queries = page_queries(client, petition.campaign.get_absolute_url())
        assert "1 confirmed signature of" in response.text
        assert signature_queries(queries) == []


def status_cells(response):
    """``{partner city: signature count cell}`` of the status table."""
    rows = re.findall(r'<tr class="status-[a-z]+">(.*?)</tr>', response.text, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for row in rows]
    return {re.sub(r"<[^>]+>", "", row[3]): row[-1] for row in cells}


@pytest.mark.django_db
class TestStatusTableColumn:
    def test_it_shows_each_main_campaign_petitions_count(self, client, db):
        factories.centre()
        with_petition = factories.campaign(
            factories.pairing(
                foreign=factories.foreign_place("Rome", country="Italy"),
                campaign_date=datetime.date(2016, 3, 1),
            )
        )
        petition = factories.petition(with_petition)
        for _ in range(4):
            confirmed(petition)
        factories.signature(petition)
        factories.campaign(
            factories.pairing(
                foreign=factories.foreign_place("Milan", country="Italy"),
                campaign_date=datetime.date(2016, 3, 1),
            )
        )
        factories.pairing(foreign=factories.foreign_place("Turin", country="Italy"))
        cells = status_cells(client.get("/"))
        assert cells == {"Rome": "4", "Milan": "", "Turin": ""}
        assert '<th scope="col" class="number">Signatures</th>' in client.get("/").text

    def test_it_counts_the_main_campaign_not_a_follow_up(self, client, db):
        pairing = factories.pairing(
            foreign=factories.foreign_place("Rome", country="Italy"),
            campaign_date=datetime.date(2016, 3, 1),
        )
        main = factories.petition(factories.campaign(pairing))
        follow_up = factories.petition(factories.campaign(pairing, is_main=False))
        confirmed(main)
        confirmed(follow_up)
        confirmed(follow_up)
        assert status_cells(client.get("/")) == {"Rome": "1"}

    def test_it_needs_the_same_queries_for_few_and_many_petitions(self, client, db):
        factories.centre()
        province = factories.korean_province("Seoul")

        def render(pairings):
            for number in range(Petition.objects.count(), pairings):
                pairing = factories.pairing(
                    factories.korean_locality(province=province),
                    factories.foreign_place(country=["Italy", "Canada"][number % 2]),
                    number=number,
                    campaign_date=datetime.date(2016, 3, 1),
                )
                confirmed(factories.petition(factories.campaign(pairing)))
            for petition in Petition.objects.all():
                petition.forget_count()
            pagecache.invalidate()
            response, queries = page_queries(client, "/")
            assert list(status_cells(response).values()) == ["1"] * pairings
            return queries

        few, many = render(5), render(50)
        assert len(few) == len(many)
        assert len(count_queries(many)) == 1  # one grouped COUNT for the page

    def test_it_takes_the_counts_from_the_count_cache(self, client, petition):
        confirmed(petition)
        client.get("/")
        pagecache.invalidate()
        response, queries = page_queries(client, "/")
        assert list(status_cells(response).values()) == ["1"]
        assert count_queries(queries) == []

    def test_it_shows_a_confirmation_after_the_page_cache(
        self, client, petition, django_capture_on_commit_callbacks
    ):
        petition.campaign.pairing.foreign_place.country = "Italy"
        petition.campaign.pairing.foreign_place.save()
        confirmed(petition)
        assert list(status_cells(client.get("/")).values()) == ["1"]
        with django_capture_on_commit_callbacks(execute=True):
            factories.signature(petition).confirm()
        assert list(status_cells(client.get("/")).values()) == ["2"]
