"""Invalidating batches of signatures (domain, IP hash, time window), reverting, recounting,
and the cached counts and pages that must follow."""

import datetime
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from core.iphash import hash_ip
from petitions.models import Invalidation, Signature
from tests import factories

CONFIRMED = Signature.Status.CONFIRMED
BOT_IP = hash_ip("203.0.113.66")
T0 = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)


def confirmed(petition, **fields):
    return factories.signature(petition, status=CONFIRMED, **fields)


def invalidated(petition):
    return set(
        petition.signatures.filter(invalidation__isnull=False).values_list("email", flat=True)
    )


def shown_count(client, petition):
    """The count the public campaign page shows (anonymous: through the page cache)."""
    html = client.get(petition.campaign.get_absolute_url()).text
    return int(re.search(r'<progress class="progress-bar" max="\d+" value="(\d+)"', html)[1])


@pytest.mark.django_db
class TestCriteria:
    def test_it_matches_an_email_domain_exactly(self, petition, superuser):
        confirmed(petition, email="a@Spam.Example")
        confirmed(petition, email="b@spam.example")
        confirmed(petition, email="c@mail.spam.example")
        confirmed(petition, email="d@notspam.example")
        invalidation = factories.invalidation(petition, superuser, email_domain="spam.example")
        assert invalidated(petition) == {"a@Spam.Example", "b@spam.example"}
        assert invalidation.signatures.count() == 2

    def test_it_matches_an_ip_hash(self, petition, superuser):
        confirmed(petition, email="bot1@example.org", ip_hash=BOT_IP)
        confirmed(petition, email="bot2@example.org", ip_hash=BOT_IP)
        confirmed(petition, email="human@example.org", ip_hash=hash_ip("198.51.100.1"))
        factories.invalidation(petition, superuser, ip_hash=BOT_IP)
        assert invalidated(petition) == {"bot1@example.org", "bot2@example.org"}

    def test_it_matches_a_time_window_of_signing(self, petition, superuser):
        for minutes in (-1, 0, 30, 60):
            confirmed(
                petition,
                email=f"at{minutes}@example.org",
                created_at=T0 + datetime.timedelta(minutes=minutes),
            )
        factories.invalidation(
            petition,
            superuser,
            signed_after=T0.isoformat(),
            signed_before=(T0 + datetime.timedelta(minutes=60)).isoformat(),
        )
        assert invalidated(petition) == {"at0@example.org", "at30@example.org"}

    def test_it_needs_every_given_criterion_to_match(self, petition, superuser):
        confirmed(petition, email="a@spam.example", ip_hash=BOT_IP)
        confirmed(petition, email="b@spam.example")
        confirmed(petition, email="c@example.org", ip_hash=BOT_IP)
        factories.invalidation(petition, superuser, email_domain="spam.example", ip_hash=BOT_IP)
        assert invalidated(petition) == {"a@spam.example"}

    def test_it_leaves_other_petitions_alone(self, petition, superuser):
        other = confirmed(factories.petition(), email="a@spam.example")
        factories.invalidation(petition, superuser, email_domain="spam.example")
        other.refresh_from_db()
        assert other.invalidation is None

    def test_it_links_pending_signatures_so_they_never_count(self, petition, superuser):
        pending = factories.signature(petition, email="late@spam.example")
        factories.invalidation(petition, superuser, email_domain="spam.example")
        pending.refresh_from_db()
        pending.confirm()
        assert petition.confirmed_count() == 0

    def test_it_keeps_signatures_with_the_invalidation_that_took_them(self, petition, superuser):
        confirmed(petition, email="a@spam.example", ip_hash=BOT_IP)
        first = factories.invalidation(petition, superuser, ip_hash=BOT_IP)
        second = factories.invalidation(petition, superuser, email_domain="spam.example")
        assert first.signatures.count() == 1 and second.signatures.count() == 0

    def test_it_refuses_to_run_without_criteria(self, petition, superuser):
        confirmed(petition)
        with pytest.raises(ValueError):
            factories.invalidation(petition, superuser)
        assert invalidated(petition) == set()


@pytest.mark.django_db
class TestRecount:
    def test_it_takes_invalidated_signatures_out_of_the_count(
        self, petition, superuser, django_capture_on_commit_callbacks
    ):
        confirmed(petition, email="a@spam.example")
        confirmed(petition, email="b@example.org")
        assert petition.confirmed_count() == 2
        with django_capture_on_commit_callbacks(execute=True):
            factories.invalidation(petition, superuser, email_domain="spam.example")
        assert petition.confirmed_count() == 1
        assert petition.stats().by_country == [("GB", 1)]

    def test_it_counts_them_again_after_a_revert(
        self, petition, superuser, django_capture_on_commit_callbacks
    ):
        confirmed(petition, email="a@spam.example")
        with django_capture_on_commit_callbacks(execute=True):
            invalidation = factories.invalidation(petition, superuser, email_domain="spam.example")
        assert petition.confirmed_count() == 0
        with django_capture_on_commit_callbacks(execute=True):
            assert invalidation.revert() == 1
        assert petition.confirmed_count() == 1
        invalidation.refresh_from_db()
        assert invalidation.reverted_at is not None
        assert invalidation.criteria == {"email_domain": "spam.example"}

    def test_it_reverts_only_once(self, petition, superuser):
        confirmed(petition, email="a@spam.example")
        invalidation = factories.invalidation(petition, superuser, email_domain="spam.example")
        invalidation.revert()
        reverted_at = Invalidation.objects.get().reverted_at
        assert invalidation.revert() == 0
        assert Invalidation.objects.get().reverted_at == reverted_at


@pytest.mark.django_db
class TestCacheInvalidation:
    """The public page is cached twice over (whole page, counts): both must follow."""

    def test_it_shows_a_new_count_after_a_confirmation(
        self, client, petition, django_capture_on_commit_callbacks
    ):
        confirmed(petition)
        assert shown_count(client, petition) == 1
        assert shown_count(client, petition) == 1  # from the caches now
        with django_capture_on_commit_callbacks(execute=True):
            factories.signature(petition).confirm()
        assert shown_count(client, petition) == 2

    def test_it_drops_the_count_on_invalidation_and_restores_it_on_revert(
        self, client, petition, campaign_admin, django_capture_on_commit_callbacks
    ):
        for number in range(3):
            confirmed(petition, email=f"bot{number}@spam.example")
        confirmed(petition, email="human@example.org")
        assert shown_count(client, petition) == 4
        staff = Client()
        staff.force_login(campaign_admin)
        with django_capture_on_commit_callbacks(execute=True):
            staff.post(
                reverse("admin:petitions_invalidation_add"),
                {
                    "petition": petition.pk,
                    "reason": "Throwaway domain",
                    "email_domain": "spam.example",
                },
            )
        assert shown_count(client, petition) == 1
        with django_capture_on_commit_callbacks(execute=True):
            staff.post(
                reverse("admin:petitions_invalidation_changelist"),
                {"action": "revert", "_selected_action": [Invalidation.objects.get().pk]},
            )
        assert shown_count(client, petition) == 4


def add(client, **data):
    return client.post(reverse("admin:petitions_invalidation_add"), data, follow=True)


@pytest.mark.django_db
class TestInvalidationAdmin:
    @pytest.fixture
    def staff(self, client, campaign_admin):
        client.force_login(campaign_admin)
        return client

    @pytest.fixture
    def bots(self, petition):
        for number in range(3):
            confirmed(petition, email=f"bot{number}@spam.example", ip_hash=BOT_IP)
        confirmed(petition, email="human@example.org")

    def test_it_invalidates_by_domain_and_says_how_many(
        self, staff, petition, bots, campaign_admin
    ):
        response = add(
            staff, petition=petition.pk, reason="Throwaway domain", email_domain=" @SPAM.example "
        )
        assert "3 signatures invalidated" in response.text
        invalidation = Invalidation.objects.get()
        assert invalidation.criteria == {"email_domain": "spam.example"}
        assert invalidation.reason == "Throwaway domain"
        assert invalidation.created_by == campaign_admin
        assert len(invalidated(petition)) == 3
        assert LogEntry.objects.filter(object_id=str(invalidation.pk)).exists()

    def test_it_invalidates_by_ip_hash(self, staff, petition, bots):
        response = add(staff, petition=petition.pk, reason="One source", ip_hash=BOT_IP.upper())
        assert "3 signatures invalidated" in response.text
        assert Invalidation.objects.get().criteria == {"ip_hash": BOT_IP}

    def test_it_invalidates_a_time_window(self, staff, petition):
        for minutes in (0, 10, 90):
            confirmed(petition, created_at=T0 + datetime.timedelta(minutes=minutes))
        response = add(
            staff,
            petition=petition.pk,
            reason="Burst",
            signed_after_0="2026-03-01",
            signed_after_1="12:00:00",
            signed_before_0="2026-03-01",
            signed_before_1="13:00:00",
        )
        assert "2 signatures invalidated" in response.text
        assert Invalidation.objects.get().criteria == {
            "signed_after": "2026-03-01T12:00:00+00:00",
            "signed_before": "2026-03-01T13:00:00+00:00",
        }

    def test_it_warns_when_nothing_matched(self, staff, petition, bots):
        response = add(staff, petition=petition.pk, reason="Typo", email_domain="nomatch.example")
        assert "0 signatures invalidated" in response.text
        assert 'class="warning"' in response.text

    def test_it_needs_a_reason(self, staff, petition, bots):
        response = add(staff, petition=petition.pk, reason="", email_domain="spam.example")
        assert "This field is required." in response.text
        assert not Invalidation.objects.exists()
        assert invalidated(petition) == set()

    def test_it_needs_a_criterion(self, staff, petition, bots):
        response = add(staff, petition=petition.pk, reason="Everything?")
        assert "Give at least one criterion" in response.text
        assert not Invalidation.objects.exists()
        assert invalidated(petition) == set()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("email_domain", "%"),
            ("email_domain", "_pam.example"),
            ("email_domain", "a@spam.example"),
            ("email_domain", "spam"),
            ("email_domain", "<script>.example"),
            ("ip_hash", "203.0.113.66"),
            ("ip_hash", BOT_IP[:-1] + "g"),
        ],
    )
    def test_it_rejects_criteria_that_are_not_a_domain_or_hash(
        self, staff, petition, bots, field, value
    ):
        response = add(staff, petition=petition.pk, reason="Hostile", **{field: value})
        assert response.status_code == 200
        assert "errorlist" in response.text
        assert not Invalidation.objects.exists()

    def test_it_rejects_a_window_that_ends_before_it_starts(self, staff, petition, bots):
        response = add(
            staff,
            petition=petition.pk,
            reason="Burst",
            signed_after_0="2026-03-02",
            signed_after_1="12:00:00",
            signed_before_0="2026-03-01",
            signed_before_1="12:00:00",
        )
        assert "The end must come after the start." in response.text
        assert not Invalidation.objects.exists()

    def test_it_prefills_the_form_from_a_signature(self, staff, petition):
        signature = confirmed(petition, ip_hash=BOT_IP)
        html = staff.get(reverse("admin:petitions_signature_change", args=[signature.pk])).text
        link = re.search(r'href="([^"]*/invalidation/add/\?[^"]*)"', html)[1].replace("&amp;", "&")
        form = staff.get(link).context["adminform"].form
        assert form.initial["ip_hash"] == BOT_IP
        assert str(form.initial["petition"]) == str(petition.pk)

    def test_it_reverts_with_the_admin_action(self, staff, petition, bots, superuser):
        invalidation = factories.invalidation(petition, superuser, email_domain="spam.example")
        response = staff.post(
            reverse("admin:petitions_invalidation_changelist"),
            {"action": "revert", "_selected_action": [invalidation.pk]},
            follow=True,
        )
        assert "Reverted: 3 signatures count again." in response.text
        invalidation.refresh_from_db()
        assert invalidation.reverted_at is not None
        assert invalidated(petition) == set()
        assert petition.confirmed_count() == 4

    def test_it_lists_invalidations_with_links_to_their_signatures(
        self, staff, petition, bots, superuser
    ):
        factories.invalidation(petition, superuser, email_domain="spam.example")
        html = staff.get(reverse("admin:petitions_invalidation_changelist")).text
        link = re.search(r'<a href="([^"]*invalidation__id__exact=\d+)">3</a>', html)[1]
        result = staff.get(link.replace("&amp;", "&")).context["cl"].result_list
        assert {signature.email for signature in result} == invalidated(petition)

    def test_it_shows_an_invalidation_read_only(self, staff, petition, bots, superuser):
        invalidation = factories.invalidation(petition, superuser, email_domain="spam.example")
        url = reverse("admin:petitions_invalidation_change", args=[invalidation.pk])
        html = staff.get(url).text
        assert "email domain: spam.example" in html
        staff.post(url, {"reason": "Changed", "email_domain": "example.org"})
        invalidation.refresh_from_db()
        assert invalidation.reason == "Bulk signatures from one source"
        assert invalidation.criteria == {"email_domain": "spam.example"}

    def test_it_cannot_be_deleted(self, client, superuser, petition, bots):
        invalidation = factories.invalidation(petition, superuser, email_domain="spam.example")
        client.force_login(superuser)
        url = reverse("admin:petitions_invalidation_delete", args=[invalidation.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert len(invalidated(petition)) == 3
