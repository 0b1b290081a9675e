import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions.lookup import petition_for_slug
from petitions.models import Petition, Signature
from tests import factories


def petition_queries(sign, data=None):
    """The sign POST and its queries looking the petition up by the campaign's slug."""
    with CaptureQueriesContext(connection) as queries:
        response = sign(data)
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "petitions_petition"') and '"slug" =' in q["sql"]
    ]
    return response, lookups


@pytest.mark.django_db
class TestPetitionLookup:
    def test_it_serves_the_petition_from_the_cache(self, sign, petition):
        _, first = petition_queries(sign)
        assert len(first) == 1  # the first POST looks it up (and shows the filter works)
        response, queries = petition_queries(sign, {"email": "second@example.invalid"})
        assert response.status_code == 302
        assert queries == []
        assert Signature.objects.filter(petition=petition).count() == 2

    def test_it_forgets_a_petition_closed_since(self, sign, petition):
        sign({"email": "first@example.invalid"})
        petition.is_open = False
        petition.save()
        response = sign()
        assert response.status_code == 403
        assert Signature.objects.count() == 1

    def test_it_forgets_a_campaign_unpublished_since(self, sign, petition):
        sign({"email": "first@example.invalid"})
        campaign = petition.campaign
        campaign.is_published = False
        campaign.save()
        assert sign().status_code == 404

    def test_it_forgets_a_deleted_petition(self, client, sign_url, petition):
        assert client.get(sign_url).status_code == 200
        Petition.objects.get(pk=petition.pk).delete()
        assert petition_for_slug(petition.campaign.slug) is None

    def test_it_finds_a_petition_added_to_a_campaign(self, db):
        campaign = factories.campaign()
        assert petition_for_slug(campaign.slug) is None
        petition = factories.petition(campaign)
        assert petition_for_slug(campaign.slug) == petition

    def test_it_loads_the_campaign_with_the_petition(self, petition, django_assert_num_queries):
        petition_for_slug(petition.campaign.slug)
        with django_assert_num_queries(0):
            assert petition_for_slug(petition.campaign.slug).campaign == petition.campaign
