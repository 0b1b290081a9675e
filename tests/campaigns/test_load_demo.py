"""manage.py load_demo: the demo data, loaded twice without duplicates."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from campaigns.models import Campaign, Centre, Pairing, SuggestedMessage
from campaigns.roles import CAMPAIGN_ADMINS
from officials.models import KOREA, Contact, Office, OfficeHolder, Place
from petitions.models import Petition

MODELS = (
    Centre,
    Place,
    Pairing,
    Office,
    OfficeHolder,
    Contact,
    Campaign,
    SuggestedMessage,
    Petition,
    User,
)
LOGIN = re.compile(r"Demo staff login: demo-admin / (\S+) at ")


def load_demo(*options):
    out = io.StringIO()
    call_command("load_demo", *options, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def office(title, place):
    return Office.objects.with_holders().get(title=title, place__name=place)


@pytest.fixture
def demo(db):
    return load_demo()


class TestIdempotence:
    def test_it_duplicates_nothing_when_run_twice(self, demo):
        first = counts()

        out = load_demo()

        assert counts() == first
        assert "Status table: 0 rows created, 72 already there" in out

    def test_it_leaves_what_an_admin_changed(self, demo):
        Centre.objects.filter(scope=Centre.Scope.US).update(intro="Edited")
        Pairing.objects.filter(number=1).update(status=Pairing.Status.VICTORY)

        load_demo()

        assert Centre.objects.get(scope=Centre.Scope.US).intro == "Edited"
        assert Pairing.objects.get(number=1).status == Pairing.Status.VICTORY


class TestContent:
    def test_it_gives_the_bakersfield_campaign_an_open_petition_to_sign(self, demo, client):
        petition = Petition.objects.get(campaign__slug="bucheon-bakersfield")
        assert petition.accepts_signatures()
        assert petition.title_ko and petition.text_ko
        html = client.get("/campaigns/bucheon-bakersfield/").text
        assert 'id="sign-email"' in html
        assert "Bakersfield: urge your Sister City Bucheon" in html

    def test_it_loads_both_centres(self, demo):
        centres = {centre.scope: centre for centre in Centre.objects.all()}

        assert centres[Centre.Scope.NON_US].title == "Sister City Campaign Center (Non-US)"
        assert (
            "Sister Cities the truth about the dog and cat meat trades"
            in centres[Centre.Scope.NON_US].intro
        )
        assert centres[Centre.Scope.US].title == "Sister City Campaign Center (US)"
        assert centres[Centre.Scope.US].intro

    def test_it_loads_the_71_table_rows_and_bakersfield(self, demo):
        assert Pairing.objects.count() == 72
        bakersfield = Pairing.objects.get(foreign_place__name="Bakersfield, California")
        assert bakersfield.foreign_place.country == "United States"
        assert bakersfield.korean_place.name_ko == "부천시"
        assert bakersfield.korean_place.parent.name == "Gyeonggi-do"
        assert bakersfield.relationship == Pairing.Relationship.SISTER
        assert bakersfield.agreement_date.year == 2006
        assert bakersfield.campaign_date == datetime.date(2016, 3, 1)
        assert bakersfield.response_date == datetime.date(2016, 11, 1)
        assert bakersfield.status == Pairing.Status.RESPONSE_RECEIVED

    def test_the_mayor_of_bakersfield_is_karen_goh_now(self, demo):
        mayor = office("Mayor", "Bakersfield, California")

        holder = mayor.current_holder()

        assert (holder.honorific, holder.name) == ("The Honorable", "Karen K. Goh")
        assert mayor.current_holder(on=datetime.date(2016, 3, 1)).name == "Harvey L. Hall"

    @pytest.mark.parametrize(
        ("title", "place", "day", "name", "name_ko"),
        [
            ("Mayor", "Bucheon", datetime.date(2016, 11, 2), "Man-Soo Kim", "김만수"),
            ("Mayor", "Bucheon", datetime.date(2020, 1, 1), "Jang Deog-cheon", "장덕천"),
            ("Mayor", "Bucheon", datetime.date(2024, 1, 1), "Cho Yong-ik", "조용익"),
            ("Governor", "Gyeonggi-do", datetime.date(2016, 3, 1), "Kyung-Pil Nam", "남경필"),
            ("Governor", "Gyeonggi-do", datetime.date(2019, 1, 1), "Lee Jae-myung", "이재명"),
            ("Governor", "Gyeonggi-do", datetime.date(2024, 1, 1), "Kim Dong-yeon", "김동연"),
        ],
    )
    def test_it_loads_the_korean_office_holders(self, demo, title, place, day, name, name_ko):
        holder = office(title, place).current_holder(on=day)

        assert (holder.name, holder.name_ko) == (name, name_ko)

    def test_it_loads_the_contacts_from_the_seed(self, demo):
        bakersfield = office("Mayor", "Bakersfield, California")
        bucheon = office("Mayor", "Bucheon")

        assert [c.value for c in bakersfield.contacts_of(Contact.Kind.PHONE)] == ["(661)326-3770"]
        assert [c.twitter_handle for c in bakersfield.contacts_of(Contact.Kind.TWITTER)] == [
            "BKFcityfire"
        ]
        postal = bucheon.contacts_of(Contact.Kind.POSTAL)[0]
        assert postal.value_ko == "14547 경기도 부천시 원미구 길주로 210(중동)"
        assert "Bucheon City Hall" in postal.value
        assert [c.value for c in bucheon.contacts_of(Contact.Kind.PHONE)] == ["82-32-320-3000"]

    def test_every_contact_is_unverified_and_every_email_fake(self, demo):
        assert Contact.objects.exists()
        assert not Contact.objects.filter(verified=True).exists()
        emails = Contact.objects.filter(kind=Contact.Kind.EMAIL).values_list("value", flat=True)
        assert emails
        assert all(email.endswith("@example.invalid") for email in emails)

    def test_the_main_campaign_targets_both_sides(self, demo):
        campaign = Campaign.objects.get(slug="bucheon-bakersfield")

        assert campaign.is_main
        assert campaign.is_published
        assert campaign.pairing.foreign_place.name == "Bakersfield, California"
        assert {office.place.country == KOREA for office in campaign.targets.all()} == {True, False}
        assert campaign.targets.count() == 3
        assert set(campaign.actions) == set(Campaign.Action.values)

    def test_the_main_campaign_has_messages_in_english_and_korean_and_a_tweet(self, demo):
        messages = SuggestedMessage.objects.filter(campaign__slug="bucheon-bakersfield")

        assert set(messages.values_list("language", flat=True)) == {"en", "ko"}
        tweet = messages.get(kind=SuggestedMessage.Kind.TWEET)
        assert tweet.rendered_body.startswith("@BKFcityfire @bucheon4u Mayor Karen K. Goh, Plz")
        letter = messages.filter(target__place__name="Bakersfield, California").first()
        assert letter.rendered_body.startswith(
            "Dear Mayor Karen K. Goh and the Bakersfield City Officials:"
        )

    def test_the_follow_up_is_the_2016_visit(self, demo):
        visit = Campaign.objects.get(slug="bucheon-mayor-visit-2016")

        assert not visit.is_main
        assert visit.is_published
        assert visit.pairing == Campaign.objects.get(slug="bucheon-bakersfield").pairing
        assert visit.title.startswith("Bucheon Mayor Kim is visiting Sister City Bakersfield")
        assert "Thank you again for your efforts here." in visit.messages.get().body


class TestDemoLogin:
    def test_it_prints_a_working_password(self, demo):
        password = LOGIN.search(demo).group(1)

        user = User.objects.get(username="demo-admin")
        assert user.check_password(password)
        assert user.is_staff
        assert not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [CAMPAIGN_ADMINS]
        assert user.has_perm("campaigns.change_pairing")

    def test_it_resets_the_password_on_the_second_run(self, demo):
        first = LOGIN.search(demo).group(1)

        second = LOGIN.search(load_demo()).group(1)

        user = User.objects.get(username="demo-admin")
        assert second != first
        assert user.check_password(second)
        assert not user.check_password(first)

    def test_no_staff_skips_the_login(self, db):
        out = load_demo("--no-staff")

        assert "Demo staff login" not in out
        # Only the seed comments' "campaign team" author exists, and it cannot log in.
        assert not [user for user in User.objects.all() if user.has_usable_password()]
        assert Pairing.objects.count() == 72
