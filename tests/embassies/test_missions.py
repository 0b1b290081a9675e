"""Korean embassies and consulates: the model, the seed data and the admin."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from campaigns.roles import CAMPAIGN_ADMINS
from embassies import seed
from embassies.models import Mission
from tests.embassies.helpers import mission

pytestmark = pytest.mark.django_db

SEED_COUNTRIES = {"US", "CA", "GB", "AU", "NZ", "JP", "DE", "FR"}
US_CITIES = {
    "Washington",
    "Los Angeles",
    "San Francisco",
    "New York",
    "Chicago",
    "Atlanta",
    "Seattle",
    "Houston",
    "Boston",
    "Honolulu",
}


class TestModel:
    def test_it_lists_the_embassy_first_then_consulates_by_order_and_city(self):
        mission(city="Seattle")
        mission(city="Atlanta")
        mission(city="Auckland", kind=Mission.Kind.CONSULATE)
        mission(city="Washington", kind=Mission.Kind.EMBASSY)
        mission(country="CA", city="Ottawa", kind=Mission.Kind.EMBASSY)

        cities = [m.city for m in Mission.objects.in_country("US")]

        assert cities == ["Washington", "Atlanta", "Seattle", "Auckland"]

    def test_it_builds_a_tel_link_from_the_digits(self):
        assert mission(phone="+1 (202) 939-5600").tel_uri == "tel:+12029395600"

    def test_it_never_links_a_javascript_website(self):
        assert mission(website="javascript:alert(1)").web_url == ""
        assert mission(website="https://example.org/").web_url == "https://example.org/"

    def test_it_refuses_two_missions_of_the_same_name_in_a_country(self):
        mission(city="Seattle", name="Consulate")
        with pytest.raises(IntegrityError):
            mission(city="Tacoma", name="Consulate")

    def test_it_refuses_a_mission_without_phone(self):
        with pytest.raises(IntegrityError):
            mission(phone="")

    def test_it_lists_the_countries_with_missions(self):
        mission("US")
        mission("US")
        mission("JP")
        assert sorted(Mission.objects.country_codes()) == ["JP", "US"]


class TestSeed:
    def test_it_covers_the_us_consulates_and_the_other_countries(self):
        missions = seed.read_missions()

        assert {m.country.code for m in missions} >= SEED_COUNTRIES
        assert {m.city for m in missions if m.country == "US"} >= US_CITIES
        assert all(m.phone and m.address and not m.verified for m in missions)
        for code in SEED_COUNTRIES:
            assert [m for m in missions if m.country == code and m.kind == Mission.Kind.EMBASSY]

    def test_it_loads_unverified_rows_once(self):
        created, total = seed.load_missions()
        assert created == total == len(seed.read_missions())

        assert seed.load_missions() == (0, total)
        assert not Mission.objects.filter(verified=True).exists()

    def test_it_keeps_what_an_admin_changed(self):
        seed.load_missions()
        Mission.objects.filter(city="Seattle").update(phone="+1 206-000-0000", verified=True)

        seed.load_missions()

        seattle = Mission.objects.get(city="Seattle")
        assert (seattle.phone, seattle.verified) == ("+1 206-000-0000", True)

    def test_it_reports_a_bad_line_with_its_number(self, tmp_path):
        path = tmp_path / "missions.csv"
        path.write_text(
            "kind,country,city,name,name_ko,phone,address,email,website\n"
            "embassy,US,Washington,Embassy,,+1 202,Somewhere,,\n"
            "palace,XX,Nowhere,Palace,,+1,Somewhere,,\n",
            encoding="utf-8",
        )
        with pytest.raises(seed.MissionDataError, match=r"line 3: .*kind.*country"):
            seed.read_missions(path)

    def test_it_is_loaded_with_the_demo_data(self):
        out = io.StringIO()
        call_command("load_demo", "--no-staff", stdout=out)

        assert Mission.objects.count() == len(seed.read_missions())
        assert f"Korean embassies and consulates: {Mission.objects.count()} new" in out.getvalue()


class TestAdmin:
    def test_it_lets_campaign_admins_edit_missions(self, client, campaign_admin):
        client.force_login(campaign_admin)
        washington = mission(city="Washington", kind=Mission.Kind.EMBASSY)

        assert client.get(reverse("admin:embassies_mission_changelist")).status_code == 200
        response = client.post(
            reverse("admin:embassies_mission_change", args=[washington.pk]),
            {
                "kind": "embassy",
                "country": "US",
                "city": "Washington",
                "name": "Embassy of the Republic of Korea",
                "name_ko": "주미국 대한민국 대사관",
                "order": "0",
                "phone": "+1 202-939-5600",
                "address": "2450 Massachusetts Avenue NW",
                "email": "",
                "website": "",
                "hours": "",
                "verified": "on",
            },
        )

        assert response.status_code == 302
        washington.refresh_from_db()
        assert washington.verified and washington.name_ko == "주미국 대한민국 대사관"

    def test_it_marks_missions_verified_in_bulk(self, client, campaign_admin):
        client.force_login(campaign_admin)
        chosen, _other = mission(), mission()

        client.post(
            reverse("admin:embassies_mission_changelist"),
            {"action": "mark_verified", "_selected_action": [chosen.pk]},
        )

        assert list(Mission.objects.filter(verified=True)) == [chosen]

    def test_it_keeps_staff_without_the_role_out(self, client, staff_user):
        client.force_login(staff_user)
        assert client.get(reverse("admin:embassies_mission_changelist")).status_code == 403

    def test_it_gives_campaign_admins_every_mission_permission(self):
        codenames = set(
            Group.objects.get(name=CAMPAIGN_ADMINS)
            .permissions.filter(content_type__app_label="embassies")
            .values_list("codename", flat=True)
        )
        assert codenames == {f"{a}_mission" for a in ("add", "change", "delete", "view")}
