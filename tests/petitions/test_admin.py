"""The petition admin: who may use which page, petitions with counts, read-only signatures."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.roles import CAMPAIGN_ADMINS
from core.iphash import hash_ip
from petitions.models import Petition, Signature
from tests import factories

CONFIRMED = Signature.Status.CONFIRMED


@pytest.fixture
def objects(petition, superuser):
    signature = factories.signature(petition, status=CONFIRMED, ip_hash=hash_ip("203.0.113.9"))
    return {
        "petition": petition,
        "signature": signature,
        "invalidation": factories.invalidation(petition, superuser, ip_hash="0" * 64),
    }


# (url name, object the url needs or None)
CAMPAIGN_ADMIN_PAGES = [
    ("petitions_petition_changelist", None),
    ("petitions_petition_add", None),
    ("petitions_petition_change", "petition"),
    ("petitions_petition_export", "petition"),
    ("petitions_petition_handin", "petition"),
    ("petitions_signature_changelist", None),
    ("petitions_signature_change", "signature"),
    ("petitions_invalidation_changelist", None),
    ("petitions_invalidation_add", None),
    ("petitions_invalidation_change", "invalidation"),
]
SUPERUSER_PAGES = [("petitions_signature_personal_data", None)]


def page_url(objects, name, obj):
    return reverse(f"admin:{name}", args=[objects[obj].pk] if obj else [])


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize(("name", "obj"), CAMPAIGN_ADMIN_PAGES + SUPERUSER_PAGES)
    def test_it_sends_anonymous_visitors_to_login(self, client, objects, name, obj):
        response = client.get(page_url(objects, name, obj))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    @pytest.mark.parametrize(("name", "obj"), CAMPAIGN_ADMIN_PAGES + SUPERUSER_PAGES)
    def test_it_refuses_staff_without_permissions(self, client, objects, staff_user, name, obj):
        client.force_login(staff_user)
        assert client.get(page_url(objects, name, obj)).status_code == 403

    @pytest.mark.parametrize(("name", "obj"), CAMPAIGN_ADMIN_PAGES)
    def test_it_opens_to_campaign_admins(self, client, objects, campaign_admin, name, obj):
        client.force_login(campaign_admin)
        assert client.get(page_url(objects, name, obj)).status_code == 200

    @pytest.mark.parametrize(("name", "obj"), SUPERUSER_PAGES)
    def test_it_keeps_personal_data_requests_from_campaign_admins(
        self, client, objects, campaign_admin, name, obj
    ):
        client.force_login(campaign_admin)
        assert client.get(page_url(objects, name, obj)).status_code == 403

    @pytest.mark.parametrize(("name", "obj"), CAMPAIGN_ADMIN_PAGES + SUPERUSER_PAGES)
    def test_it_opens_to_superusers(self, client, objects, superuser, name, obj):
        client.force_login(superuser)
        assert client.get(page_url(objects, name, obj)).status_code == 200


@pytest.mark.django_db
class TestCampaignAdminRole:
    @pytest.fixture
    def codenames(self):
        group = Group.objects.get(name=CAMPAIGN_ADMINS)
        return set(
            group.permissions.filter(content_type__app_label="petitions").values_list(
                "codename", flat=True
            )
        )

    def test_it_may_manage_petitions_but_not_delete_them(self, codenames):
        assert {"add_petition", "change_petition", "view_petition"} <= codenames
        assert "delete_petition" not in codenames

    def test_it_may_only_read_signatures(self, codenames):
        assert "view_signature" in codenames
        assert not {"add_signature", "change_signature", "delete_signature"} & codenames

    def test_it_may_invalidate_and_revert_but_not_delete_invalidations(self, codenames):
        assert {"add_invalidation", "change_invalidation", "view_invalidation"} <= codenames
        assert "delete_invalidation" not in codenames


@pytest.mark.django_db
class TestPetitionAdmin:
    def test_it_creates_a_petition_for_a_campaign(self, client, campaign_admin):
        campaign = factories.campaign()
        client.force_login(campaign_admin)
        response = client.post(
            reverse("admin:petitions_petition_add"),
            {
                "campaign": campaign.pk,
                "title": "Suspend the relationship",
                "text": "Dear Mayor,\nplease suspend it.",
                "goal": "2500",
                "is_open": "on",
                "closes_at_0": "2027-01-31",
                "closes_at_1": "12:00:00",
            },
        )
        assert response.status_code == 302
        petition = Petition.objects.get()
        assert (petition.campaign, petition.goal, petition.is_open) == (campaign, 2500, True)
        assert petition.closes_at.date().isoformat() == "2027-01-31"

    def test_it_closes_a_petition(self, client, campaign_admin, petition):
        client.force_login(campaign_admin)
        response = client.post(
            reverse("admin:petitions_petition_change", args=[petition.pk]),
            {"title": petition.title, "text": petition.text, "goal": "10"},
        )
        assert response.status_code == 302
        petition.refresh_from_db()
        assert not petition.is_open and petition.goal == 10

    def test_it_keeps_a_petition_on_its_campaign(self, client, campaign_admin, petition):
        other = factories.campaign()
        client.force_login(campaign_admin)
        client.post(
            reverse("admin:petitions_petition_change", args=[petition.pk]),
            {"campaign": other.pk, "title": "T", "text": "T", "goal": "10", "is_open": "on"},
        )
        petition.refresh_from_db()
        assert petition.campaign != other

    def test_it_lists_exact_confirmed_counts(self, client, campaign_admin, petition, superuser):
        for _ in range(3):
            factories.signature(petition, status=CONFIRMED)
        factories.signature(petition, status=CONFIRMED, email="bot@spam.example")
        factories.signature(petition)
        factories.invalidation(petition, superuser, email_domain="spam.example")
        client.force_login(campaign_admin)
        response = client.get(reverse("admin:petitions_petition_changelist"))
        assert "status__exact=confirmed" in response.text
        assert ">3</a></td>" in response.text

    def test_it_lists_petitions_with_constant_queries(self, client, superuser):
        client.force_login(superuser)

        def list_queries(petitions):
            for _ in range(petitions - Petition.objects.count()):
                factories.signature(factories.petition(), status=CONFIRMED)
            with CaptureQueriesContext(connection) as context:
                response = client.get(reverse("admin:petitions_petition_changelist"))
            assert response.text.count(">1</a></td>") == petitions
            return context.captured_queries

        few, many = list_queries(3), list_queries(20)
        assert len(few) == len(many)
        # the counts come with the rows, in the same query
        assert len([q for q in many if "petitions_signature" in q["sql"]]) == 1

    def test_it_links_the_staff_tools(self, client, campaign_admin, petition):
        client.force_login(campaign_admin)
        html = client.get(reverse("admin:petitions_petition_change", args=[petition.pk])).text
        for name in ["export", "handin"]:
            assert reverse(f"admin:petitions_petition_{name}", args=[petition.pk]) in html
        assert reverse("admin:campaigns_campaign_change", args=[petition.campaign_id]) in html
        assert f"{reverse('admin:petitions_invalidation_add')}?petition={petition.pk}" in html


@pytest.mark.django_db
class TestSignatureAdmin:
    @pytest.fixture
    def signatures(self, petition):
        return {
            "jane": factories.signature(
                petition,
                name="Jane Doe",
                email="jane@example.org",
                country="GB",
                status=CONFIRMED,
                consent_updates=True,
                ip_hash=hash_ip("198.51.100.7"),
            ),
            "kim": factories.signature(
                petition, name="Kim Minji", email="minji@example.kr", country="KR"
            ),
        }

    def names(self, response):
        return sorted(str(obj.name) for obj in response.context["cl"].result_list)

    def test_it_searches_names_and_emails(self, client, campaign_admin, signatures):
        client.force_login(campaign_admin)
        url = reverse("admin:petitions_signature_changelist")
        assert self.names(client.get(url, {"q": "minji@EXAMPLE"})) == ["Kim Minji"]
        assert self.names(client.get(url, {"q": "doe"})) == ["Jane Doe"]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"status__exact": "pending"}, ["Kim Minji"]),
            ({"country__exact": "GB"}, ["Jane Doe"]),
            ({"consent_updates__exact": "1"}, ["Jane Doe"]),
            ({"invalidated": "no"}, ["Jane Doe", "Kim Minji"]),
            ({"invalidated": "yes"}, []),
        ],
    )
    def test_it_filters(self, client, campaign_admin, signatures, query, expected):
        client.force_login(campaign_admin)
        response = client.get(reverse("admin:petitions_signature_changelist"), query)
        assert self.names(response) == expected

    def test_it_filters_by_petition(self, client, campaign_admin, signatures):
        other = factories.signature(factories.petition(), name="Other Petition")
        client.force_login(campaign_admin)
        response = client.get(
            reverse("admin:petitions_signature_changelist"),
            {"petition__id__exact": other.petition_id},
        )
        assert self.names(response) == ["Other Petition"]

    def test_it_groups_signatures_by_ip_hash(self, client, campaign_admin, signatures, petition):
        same = factories.signature(petition, name="Same Source", ip_hash=hash_ip("198.51.100.7"))
        client.force_login(campaign_admin)
        response = client.get(
            reverse("admin:petitions_signature_changelist"), {"ip_hash": same.ip_hash}
        )
        assert self.names(response) == ["Jane Doe", "Same Source"]

    def test_it_never_shows_an_ip_address(self, client, superuser, signatures):
        client.force_login(superuser)
        jane = signatures["jane"]
        html = client.get(reverse("admin:petitions_signature_change", args=[jane.pk])).text
        html += client.get(reverse("admin:petitions_signature_changelist")).text
        assert "198.51.100.7" not in html
        assert jane.ip_hash in html

    def test_it_is_read_only_even_for_superusers(self, client, superuser, signatures):
        client.force_login(superuser)
        jane = signatures["jane"]
        url = reverse("admin:petitions_signature_change", args=[jane.pk])
        client.post(url, {"name": "Changed", "email": "x@example.org", "country": "FR"})
        jane.refresh_from_db()
        assert jane.name == "Jane Doe"
        assert client.get(reverse("admin:petitions_signature_add")).status_code == 403
        delete = reverse("admin:petitions_signature_delete", args=[jane.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert Signature.objects.filter(pk=jane.pk).exists()

    def test_it_links_personal_data_requests_for_superusers_only(
        self, client, superuser, campaign_admin, signatures
    ):
        url = reverse("admin:petitions_signature_changelist")
        link = reverse("admin:petitions_signature_personal_data")
        client.force_login(superuser)
        assert link in client.get(url).text
        client.force_login(campaign_admin)
        assert link not in client.get(url).text
