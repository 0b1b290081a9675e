"""The admin for campaign admins: the status table, campaigns, centres and who may use them."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Centre, Pairing
from campaigns.roles import CAMPAIGN_ADMINS
from tests import factories

MARCH_1 = datetime.date(2016, 3, 1)


def url(name, *args):
    return reverse(f"admin:campaigns_{name}", args=args)


def changelist_post(pairing, **fields):
    """The POST of the status table's "Save" button for one edited row."""
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(pairing.pk),
        "form-0-campaign_date": pairing.campaign_date or "",
        "form-0-response_date": pairing.response_date or "",
        "form-0-status": pairing.status,
        "_save": "Save",
    }
    data.update({f"form-0-{name}": value for name, value in fields.items()})
    return data


@pytest.fixture
def objects(db):
    """One of each object the admin pages open."""
    pairing = factories.pairing(campaign_date=MARCH_1)
    return {
        "pairing": pairing,
        "campaign": factories.campaign(pairing),
        "centre": factories.centre(),
    }


PAGES = [
    ("pairing_changelist", None),
    ("pairing_add", None),
    ("pairing_change", "pairing"),
    ("pairing_history", "pairing"),
    ("pairing_import", None),
    ("pairing_export", None),
    ("campaign_changelist", None),
    ("campaign_add", None),
    ("campaign_change", "campaign"),
    ("campaign_history", "campaign"),
    ("centre_changelist", None),
    ("centre_change", "centre"),
]


def page_url(objects, name, obj):
    return url(name, objects[obj].pk) if obj else url(name)


class TestAccess:
    @pytest.mark.parametrize(("name", "obj"), PAGES)
    def test_it_sends_anonymous_visitors_to_login(self, client, objects, name, obj):
        response = client.get(page_url(objects, name, obj))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    @pytest.mark.parametrize(
        "name", ["pairing_changelist", "pairing_change", "pairing_import", "pairing_export"]
    )
    def test_it_forbids_staff_without_a_role(self, client, staff_user, objects, name):
        client.force_login(staff_user)
        obj = "pairing" if name == "pairing_change" else None
        assert client.get(page_url(objects, name, obj)).status_code == 403

    @pytest.mark.parametrize(("name", "obj"), PAGES)
    def test_it_opens_every_page_to_campaign_admins(
        self, client, campaign_admin, objects, name, obj
    ):
        client.force_login(campaign_admin)
        assert client.get(page_url(objects, name, obj)).status_code == 200

    @pytest.mark.parametrize("name", ["admin:auth_user_changelist", "admin:auth_group_changelist"])
    def test_it_keeps_campaign_admins_out_of_users_and_groups(self, client, campaign_admin, name):
        client.force_login(campaign_admin)
        assert client.get(reverse(name)).status_code == 403

    def test_it_opens_the_status_table_to_superusers(self, client, superuser, objects):
        client.force_login(superuser)
        assert client.get(url("pairing_changelist")).status_code == 200


class TestCampaignAdminsGroup:
    def test_it_has_exactly_the_content_permissions(self, db):
        group = Group.objects.get(name=CAMPAIGN_ADMINS)
        granted = set(group.permissions.values_list("content_type__app_label", "codename"))
        models = {
            "campaigns": [
                "centre",
                "pairing",
                "campaign",
                "suggestedmessage",
                "campaignimage",
                "campaignvideo",
            ],
            "officials": ["place", "office", "officeholder", "contact"],
            "embassies": ["mission"],
        }
        expected = {
            (app, f"{action}_{model}")
            for app, names in models.items()
            for model in names
            for action in ("add", "change", "delete", "view")
        }
        # Petitions: no deleting petitions, signatures read-only, invalidations reverted.
        expected |= {
            ("petitions", codename)
            for codename in [
                "add_petition",
                "change_petition",
                "view_petition",
                "view_signature",
                "add_invalidation",
                "change_invalidation",
                "view_invalidation",
            ]
        }
        # Outreach is the record of what officials were sent and answered: never deleted
        # (a reply that answers nothing is dismissed); attachments only read.
        expected |= {
            ("outreach", f"{action}_{model}")
            for model in ["outreachtemplate", "outreach", "outreachmessage", "response"]
            for action in ("add", "change", "view")
        } | {("outreach", "view_responseattachment")}
        # News posts are theirs; followers add and remove themselves.
        expected |= {
            ("updates", f"{action}_newspost") for action in ("add", "change", "delete", "view")
        } | {("updates", "view_follower")}
        assert granted == expected


class TestStatusTable:
    def test_it_lists_each_pairing_with_its_country(self, client, campaign_admin):
        bucheon = factories.korean_locality("Bucheon", factories.korean_province("Gyeonggi-do"))
        factories.pairing(bucheon, factories.foreign_place("Bakersfield", "United States"))
        client.force_login(campaign_admin)

        response = client.get(url("pairing_changelist"))

        assert response.status_code == 200
        content = response.content.decode()
        assert bucheon.full_name in content
        assert "Bakersfield" in content
        assert "United States" in content

    def test_it_filters_by_country(self, client, campaign_admin):
        factories.pairing(foreign=factories.foreign_place("Bakersfield", "United States"))
        factories.pairing(foreign=factories.foreign_place("Ostrava", "Czech Republic"))
        client.force_login(campaign_admin)

        response = client.get(
            url("pairing_changelist"), {"foreign_place__country": "Czech Republic"}
        )

        assert [p.foreign_place.name for p in response.context["cl"].result_list] == ["Ostrava"]

    def test_it_filters_by_province_with_its_localities(self, client, campaign_admin):
        seoul = factories.korean_province("Seoul")
        in_seoul = factories.pairing(factories.korean_locality("Gangseo-gu", seoul))
        seoul_itself = factories.pairing(seoul)
        factories.pairing(factories.korean_locality("Bucheon"))
        client.force_login(campaign_admin)

        response = client.get(url("pairing_changelist"), {"province": seoul.pk})

        assert set(response.context["cl"].result_list) == {in_seoul, seoul_itself}

    def test_it_sends_a_malformed_province_to_the_admin_error_page(self, client, campaign_admin):
        factories.pairing(factories.korean_province("Seoul"))
        client.force_login(campaign_admin)

        response = client.get(url("pairing_changelist"), {"province": "1 OR 1=1"})

        assert response.status_code == 302
        assert response.url.endswith("?e=1")

    @pytest.mark.parametrize("term", ["Bakers", "베이커즈필드", "Bucheon", "부천", "Gyeonggi"])
    def test_it_searches_english_and_korean_names(self, client, campaign_admin, term):
        wanted = factories.pairing(
            factories.korean_locality(
                "Bucheon", factories.korean_province("Gyeonggi-do"), name_ko="부천시"
            ),
            factories.foreign_place("Bakersfield", "United States", name_ko="베이커즈필드"),
        )
        factories.pairing(foreign=factories.foreign_place("Ostrava", "Czech Republic"))
        client.force_login(campaign_admin)

        response = client.get(url("pairing_changelist"), {"q": term})

        assert list(response.context["cl"].result_list) == [wanted]

    def test_it_escapes_markup_in_place_names(self, client, campaign_admin):
        factories.pairing(foreign=factories.foreign_place("<script>alert(1)</script>"))
        client.force_login(campaign_admin)

        content = client.get(url("pairing_changelist")).content.decode()

        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content

    def test_it_uses_the_same_number_of_queries_for_5_or_50_pairings(
        self, client, campaign_admin, django_assert_max_num_queries
    ):
        def add_pairings(count):
            for _ in range(count):
                province = factories.korean_province()
                factories.pairing(
                    factories.korean_locality(province=province),
                    factories.foreign_place(country=f"Country {province.pk}"),
                    campaign_date=MARCH_1,
                )
                factories.campaign(Pairing.objects.latest("pk"))

        client.force_login(campaign_admin)
        add_pairings(5)
        with CaptureQueriesContext(connection) as few:
            assert client.get(url("pairing_changelist")).status_code == 200
        add_pairings(45)

        with django_assert_max_num_queries(len(few)):
            response = client.get(url("pairing_changelist"))

        assert len(response.context["cl"].result_list) == 50


class TestInlineEditing:
    def test_it_saves_dates_and_status_and_records_who_changed_what(self, client, campaign_admin):
        pairing = factories.pairing()
        client.force_login(campaign_admin)

        response = client.post(
            url("pairing_changelist"),
            changelist_post(pairing, campaign_date="2016-03-01", status=Pairing.Status.CAMPAIGNING),
        )

        assert response.status_code == 302
        pairing.refresh_from_db()
        assert pairing.campaign_date == MARCH_1
        assert pairing.status == Pairing.Status.CAMPAIGNING
        latest, previous = pairing.history.all()[:2]
        assert latest.history_user == campaign_admin
        assert set(latest.diff_against(previous).changed_fields) == {"campaign_date", "status"}

    def test_it_refuses_a_response_before_the_campaign(self, client, campaign_admin):
        pairing = factories.pairing(campaign_date=MARCH_1)
        client.force_login(campaign_admin)

        response = client.post(
            url("pairing_changelist"),
            changelist_post(
                pairing, response_date="2016-02-01", status=Pairing.Status.RESPONSE_RECEIVED
            ),
        )

        assert response.status_code == 200
        assert "The response cannot come before the campaign started." in response.content.decode()
        pairing.refresh_from_db()
        assert pairing.response_date is None
        assert pairing.status == Pairing.Status.CAMPAIGNING
        assert pairing.history.count() == 1

    def test_it_refuses_a_status_that_the_dates_do_not_support(self, client, campaign_admin):
        pairing = factories.pairing()
        client.force_login(campaign_admin)

        response = client.post(
            url("pairing_changelist"), changelist_post(pairing, status=Pairing.Status.VICTORY)
        )

        assert response.status_code == 200
        assert "A campaign status needs a campaign date." in response.content.decode()
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.NO_CAMPAIGN


class TestStartCampaignAction:
    def test_it_starts_only_pairings_without_a_campaign(self, client, campaign_admin):
        fresh = [factories.pairing(), factories.pairing()]
        running = factories.pairing(campaign_date=MARCH_1)
        client.force_login(campaign_admin)

        response = client.post(
            url("pairing_changelist"),
            {
                "action": "start_campaigns",
                "_selected_action": [p.pk for p in [*fresh, running]],
            },
            follow=True,
        )

        today = timezone.localdate()
        for pairing in fresh:
            pairing.refresh_from_db()
            assert (pairing.campaign_date, pairing.status) == (today, Pairing.Status.CAMPAIGNING)
            assert pairing.history.first().history_user == campaign_admin
        running.refresh_from_db()
        assert running.campaign_date == MARCH_1
        assert running.history.count() == 1
        content = response.content.decode()
        assert "Started the campaign of 2 pairings." in content
        assert "1 pairing already had a campaign and was left unchanged." in content

    def test_it_is_not_offered_to_staff_who_may_only_view(self, client, staff_user):
        staff_user.user_permissions.add(Permission.objects.get(codename="view_pairing"))
        pairing = factories.pairing()
        client.force_login(staff_user)

        response = client.post(
            url("pairing_changelist"),
            {"action": "start_campaigns", "_selected_action": [pairing.pk]},
        )

        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.NO_CAMPAIGN
        assert response.status_code == 200


# simple-history's history view calls select_related() with no fields for a model without
# tracked foreign keys, which Django 6.1 deprecates: the pages must render warning-free.
@pytest.mark.filterwarnings("error::PendingDeprecationWarning", "error::DeprecationWarning")
class TestHistory:
    def test_it_shows_who_changed_which_field(self, client, campaign_admin):
        pairing = factories.pairing()
        client.force_login(campaign_admin)
        client.post(
            url("pairing_changelist"),
            changelist_post(pairing, campaign_date="2016-03-01", status=Pairing.Status.CAMPAIGNING),
        )

        response = client.get(url("pairing_history", pairing.pk))

        assert response.status_code == 200
        content = response.content.decode()
        user_link = reverse("admin:auth_user_change", args=[campaign_admin.pk])
        assert f'<a href="{user_link}">campaigner</a>' in content
        assert "Campaign date:</strong>\n                    None" in content
        assert "Status:</strong>\n                    No campaign yet" in content
        assert "&nbsp;&nbsp;Campaigning" in content

    def test_it_shows_one_past_version(self, client, campaign_admin):
        pairing = factories.pairing()
        record = pairing.history.get()
        client.force_login(campaign_admin)

        response = client.get(url("pairing_simple_history", pairing.pk, record.pk))

        assert response.status_code == 200
        assert response.context["original"].pk == pairing.pk


STATUS_CSV = (
    "no,korean_province,korean_locality,country,partner_city,agreement_date,relationship,"
    "campaign_date,response_date,response_note\n"
    "1,Gyeonggi-do,Bucheon,United States,Bakersfield,2006-11-20,Sister,2016-03-01,,\n"
    "2,Seoul,,United Kingdom,London,2015-12-04,Friendship,,,\n"
)


def format_index(form, name):
    """The value of the import/export form's ``format`` choice called ``name`` ("csv")."""
    return next(value for value, label in form.fields["format"].choices if label == name)


class TestImportExport:
    def test_it_offers_import_and_export_to_campaign_admins(self, client, campaign_admin):
        client.force_login(campaign_admin)

        content = client.get(url("pairing_changelist")).content.decode()

        assert url("pairing_import") in content
        assert url("pairing_export") in content

    def test_it_refuses_import_to_staff_who_may_only_change(self, client, staff_user):
        staff_user.user_permissions.add(Permission.objects.get(codename="change_pairing"))
        client.force_login(staff_user)

        assert client.get(url("pairing_import")).status_code == 403
        assert client.get(url("pairing_export")).status_code == 200

    def test_it_previews_an_import_and_writes_it_once_confirmed(self, client, campaign_admin):
        client.force_login(campaign_admin)
        form = client.get(url("pairing_import")).context["form"]
        upload = SimpleUploadedFile("status.csv", STATUS_CSV.encode(), "text/csv")

        preview = client.post(
            url("pairing_import"), {"format": format_index(form, "csv"), "import_file": upload}
        )

        assert preview.status_code == 200
        assert [row.import_type for row in preview.context["result"].rows] == ["new", "new"]
        assert not Pairing.objects.exists()

        response = client.post(
            url("pairing_process_import"), preview.context["confirm_form"].initial
        )

        assert response.status_code == 302
        bakersfield = Pairing.objects.get(foreign_place__name="Bakersfield")
        assert bakersfield.campaign_date == MARCH_1
        assert bakersfield.history.get().history_user == campaign_admin
        assert Pairing.objects.count() == 2

    def test_it_exports_the_status_table_as_csv(self, client, campaign_admin):
        factories.pairing(foreign=factories.foreign_place("=HYPERLINK(1)", "Czech Republic"))
        client.force_login(campaign_admin)
        form = client.get(url("pairing_export")).context["form"]
        chosen = {name: "on" for name, field in form.fields.items() if field.initial is True}

        response = client.post(
            url("pairing_export"), {"format": format_index(form, "csv"), **chosen}
        )

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        header, row = response.content.decode().splitlines()
        assert header.startswith("no,korean_province,korean_locality,country,partner_city")
        assert "'=HYPERLINK(1)" in row


def campaign_form(pairing, **fields):
    data = {
        "pairing": pairing.pk,
        "is_main": "on",
        "title": "Bucheon, speak up",
        "slug": "bucheon-speak-up",
        "headline": "",
        "intro": "",
        "is_published": "on",
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "videos-TOTAL_FORMS": "0",
        "videos-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


class TestCampaignAdmin:
    def test_it_saves_checked_actions_as_a_list_in_canonical_order(self, client, campaign_admin):
        pairing = factories.pairing(campaign_date=MARCH_1)
        client.force_login(campaign_admin)

        response = client.post(
            url("campaign_add"), campaign_form(pairing, actions=["letter", "sign", "email"])
        )

        assert response.status_code == 302
        assert Campaign.objects.get().actions == ["sign", "email", "letter"]

    def test_it_saves_no_checked_action_as_an_empty_list(self, client, campaign_admin):
        pairing = factories.pairing(campaign_date=MARCH_1)
        client.force_login(campaign_admin)

        client.post(url("campaign_add"), campaign_form(pairing))

        assert Campaign.objects.get().actions == []

    def test_it_refuses_an_unknown_action(self, client, campaign_admin):
        pairing = factories.pairing(campaign_date=MARCH_1)
        client.force_login(campaign_admin)

        response = client.post(
            url("campaign_add"), campaign_form(pairing, actions=["sign", "hack"])
        )

        assert response.status_code == 200
        assert "hack is not one of the available choices" in response.content.decode()
        assert not Campaign.objects.exists()

    def test_it_shows_the_stored_actions_checked(self, client, campaign_admin):
        campaign = factories.campaign(actions=["call"])
        client.force_login(campaign_admin)

        form = client.get(url("campaign_change", campaign.pk)).context["adminform"].form

        assert form.initial["actions"] == ["call"]

    def test_it_saves_targets_and_suggested_messages(self, client, campaign_admin):
        pairing = factories.pairing(campaign_date=MARCH_1)
        mayor = factories.office(pairing.foreign_place)
        governor = factories.office(pairing.korean_place, title="Governor")
        client.force_login(campaign_admin)

        response = client.post(
            url("campaign_add"),
            campaign_form(
                pairing,
                targets=[mayor.pk, governor.pk],
                **{
                    "messages-TOTAL_FORMS": "1",
                    "messages-0-target": mayor.pk,
                    "messages-0-kind": "message",
                    "messages-0-language": "en",
                    "messages-0-subject": "Please speak up",
                    "messages-0-body": "Dear {official}, …",
                    "messages-0-order": "0",
                },
            ),
        )

        assert response.status_code == 302
        campaign = Campaign.objects.get()
        assert set(campaign.targets.all()) == {mayor, governor}
        assert [(m.target, m.subject) for m in campaign.messages.all()] == [
            (mayor, "Please speak up")
        ]
        assert campaign.history.get().history_user == campaign_admin

    def test_it_links_to_the_public_page(self, client, campaign_admin):
        campaign = factories.campaign(published=False)
        client.force_login(campaign_admin)
        content = client.get(url("campaign_change", campaign.pk)).content.decode()
        content_type = ContentType.objects.get_for_model(Campaign)
        view_on_site = reverse("admin:view_on_site", args=[content_type.pk, campaign.pk])
        assert view_on_site in content

        response = client.get(view_on_site)

        assert response.status_code == 302
        assert response.url.endswith(f"/campaigns/{campaign.slug}/")

    def test_it_filters_by_published(self, client, campaign_admin):
        factories.campaign(published=False, title="Draft")
        live = factories.campaign(published=True, title="Live")
        client.force_login(campaign_admin)

        response = client.get(url("campaign_changelist"), {"is_published__exact": "1"})

        assert list(response.context["cl"].result_list) == [live]


class TestCentreAdmin:
    def test_it_edits_title_and_intro_but_not_the_scope(self, client, campaign_admin):
        centre = factories.centre(Centre.Scope.NON_US)
        client.force_login(campaign_admin)

        response = client.post(
            url("centre_change", centre.pk),
            {"scope": Centre.Scope.US, "title": "Campaign Center", "intro": "<b>Hello</b>"},
        )

        assert response.status_code == 302
        centre.refresh_from_db()
        assert (centre.scope, centre.title, centre.intro) == (
            Centre.Scope.NON_US,
            "Campaign Center",
            "<b>Hello</b>",
        )

    def test_it_adds_only_a_missing_centre(self, client, campaign_admin):
        factories.centre(Centre.Scope.NON_US)
        client.force_login(campaign_admin)
        assert client.get(url("centre_add")).status_code == 200

        factories.centre(Centre.Scope.US)

        assert client.get(url("centre_add")).status_code == 403

    def test_it_never_deletes_a_centre(self, client, campaign_admin):
        centre = factories.centre()
        client.force_login(campaign_admin)

        assert client.get(url("centre_delete", centre.pk)).status_code == 403
        assert Centre.objects.filter(pk=centre.pk).exists()
