"""The admin for places and offices, with the people holding them and their contacts inline."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officials.models import Contact, Office, OfficeHolder, Place
from tests import factories


def url(name, *args):
    return reverse(f"admin:officials_{name}", args=args)


@pytest.fixture
def bakersfield(db):
    """The Mayor of Bakersfield: a past and a current holder (seed 000)."""
    office = factories.office(
        factories.foreign_place("Bakersfield", "United States"),
        holder="Harvey L. Hall",
        term_start=datetime.date(2001, 1, 1),
        term_end=datetime.date(2016, 12, 31),
    )
    OfficeHolder.objects.create(
        office=office, name="Karen K. Goh", term_start=datetime.date(2017, 1, 1)
    )
    return office


def office_form(office, holders=(), contacts=(), **fields):
    """The change form's POST: the office fields plus the two inline formsets."""
    data = {
        "place": office.place_id,
        "title": office.title,
        "title_ko": office.title_ko,
        **fields,
        "holders-TOTAL_FORMS": str(len(holders)),
        "holders-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": "0",
    }
    for prefix, rows in (("holders", holders), ("contacts", contacts)):
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    return data


PAGES = [
    ("place_changelist", False),
    ("place_add", False),
    ("place_change", True),
    ("office_changelist", False),
    ("office_add", False),
    ("office_change", True),
]


def page_url(office, name, needs_object):
    if not needs_object:
        return url(name)
    return url(name, office.place_id if name.startswith("place") else office.pk)


class TestAccess:
    @pytest.mark.parametrize(("name", "needs_object"), PAGES)
    def test_it_sends_anonymous_visitors_to_login(self, client, bakersfield, name, needs_object):
        response = client.get(page_url(bakersfield, name, needs_object))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    @pytest.mark.parametrize(("name", "needs_object"), PAGES)
    def test_it_forbids_staff_without_a_role(
        self, client, staff_user, bakersfield, name, needs_object
    ):
        client.force_login(staff_user)
        assert client.get(page_url(bakersfield, name, needs_object)).status_code == 403

    @pytest.mark.parametrize(("name", "needs_object"), PAGES)
    def test_it_opens_every_page_to_campaign_admins(
        self, client, campaign_admin, bakersfield, name, needs_object
    ):
        client.force_login(campaign_admin)
        assert client.get(page_url(bakersfield, name, needs_object)).status_code == 200


class TestPlaces:
    def test_it_searches_english_and_korean_names(self, client, campaign_admin):
        bucheon = factories.korean_locality("Bucheon", name_ko="부천시")
        factories.foreign_place("Ostrava", "Czech Republic")
        client.force_login(campaign_admin)

        response = client.get(url("place_changelist"), {"q": "부천"})

        assert list(response.context["cl"].result_list) == [bucheon]

    def test_it_filters_by_kind_and_country(self, client, campaign_admin):
        factories.korean_province("Seoul")
        ostrava = factories.foreign_place("Ostrava", "Czech Republic")
        factories.foreign_place("Bakersfield", "United States")
        client.force_login(campaign_admin)

        response = client.get(
            url("place_changelist"), {"kind__exact": "foreign", "country": "Czech Republic"}
        )

        assert list(response.context["cl"].result_list) == [ostrava]

    def test_it_finds_the_parent_province_by_autocomplete(self, client, campaign_admin):
        seoul = factories.korean_province("Seoul", name_ko="서울특별시")
        factories.korean_province("Busan")
        client.force_login(campaign_admin)

        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "officials",
                "model_name": "place",
                "field_name": "parent",
                "term": "서울",
            },
        )

        assert [r["id"] for r in response.json()["results"]] == [str(seoul.pk)]

    def test_it_saves_a_locality_under_its_province(self, client, campaign_admin):
        seoul = factories.korean_province("Seoul")
        client.force_login(campaign_admin)

        response = client.post(
            url("place_add"),
            {
                "kind": "locality",
                "name": "Gangseo-gu",
                "name_ko": "강서구",
                "parent": seoul.pk,
                "country": "South Korea",
            },
        )

        assert response.status_code == 302
        assert Place.objects.get(name="Gangseo-gu").parent == seoul

    def test_it_refuses_a_locality_without_a_province(self, client, campaign_admin):
        client.force_login(campaign_admin)

        response = client.post(
            url("place_add"), {"kind": "locality", "name": "Nowhere", "country": "South Korea"}
        )

        assert response.status_code == 200
        assert not Place.objects.filter(name="Nowhere").exists()


class TestOffices:
    def test_it_saves_holders_and_contacts_inline(self, client, campaign_admin):
        office = factories.office(factories.korean_locality("Bucheon"))
        client.force_login(campaign_admin)

        response = client.post(
            url("office_change", office.pk),
            office_form(
                office,
                title_ko="시장",
                holders=[{"name": "Kim Man-soo", "name_ko": "김만수", "term_start": "2010-07-01"}],
                contacts=[
                    {
                        "kind": "postal",
                        "label": "City hall",
                        "value": "1 City Hall, Bucheon",
                        "value_ko": "부천시청",
                        "verified": "on",
                        "order": "0",
                    },
                    {"kind": "email", "value": "mayor@example.invalid", "order": "1"},
                ],
            ),
        )

        assert response.status_code == 302
        office.refresh_from_db()
        assert office.title_ko == "시장"
        assert [(h.name_ko, h.term_start) for h in office.holders.all()] == [
            ("김만수", datetime.date(2010, 7, 1))
        ]
        assert [(c.kind, c.value_ko, c.verified) for c in office.contacts.all()] == [
            (Contact.Kind.POSTAL, "부천시청", True),
            (Contact.Kind.EMAIL, "", False),
        ]

    def test_it_refuses_a_term_ending_before_it_starts(self, client, campaign_admin):
        office = factories.office()
        client.force_login(campaign_admin)

        response = client.post(
            url("office_change", office.pk),
            office_form(
                office,
                holders=[
                    {"name": "Backwards", "term_start": "2020-01-01", "term_end": "2019-01-01"}
                ],
            ),
        )

        assert response.status_code == 200
        assert not office.holders.exists()

    def test_it_shows_the_current_holder_in_the_list(self, client, campaign_admin, bakersfield):
        client.force_login(campaign_admin)

        content = client.get(url("office_changelist")).content.decode()

        assert "Karen K. Goh" in content
        assert "Harvey L. Hall" not in content

    def test_it_searches_by_holder_name(self, client, campaign_admin, bakersfield):
        factories.office(title="Governor")
        client.force_login(campaign_admin)

        response = client.get(url("office_changelist"), {"q": "Harvey"})

        assert list(response.context["cl"].result_list) == [bakersfield]

    def test_it_escapes_markup_in_holder_names(self, client, campaign_admin):
        factories.office(holder="<img src=x onerror=alert(1)>")
        client.force_login(campaign_admin)

        content = client.get(url("office_changelist")).content.decode()

        assert "<img src=x onerror=alert(1)>" not in content
        assert "&lt;img src=x onerror=alert(1)&gt;" in content

    def test_it_uses_the_same_number_of_queries_for_3_or_30_offices(
        self, client, campaign_admin, django_assert_max_num_queries
    ):
        def add_offices(count):
            for _ in range(count):
                office = factories.office(factories.korean_locality(), holder="Past")
                OfficeHolder.objects.create(
                    office=office, name="Current", term_start=datetime.date(2020, 1, 1)
                )

        client.force_login(campaign_admin)
        add_offices(3)
        with CaptureQueriesContext(connection) as few:
            assert client.get(url("office_changelist")).status_code == 200
        add_offices(27)

        with django_assert_max_num_queries(len(few)):
            response = client.get(url("office_changelist"))

        assert len(response.context["cl"].result_list) == Office.objects.count() == 30
