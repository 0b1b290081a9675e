"""The public campaign page: pairing, current officials and every action made concrete."""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from campaigns.models import Campaign, SuggestedMessage
from officials.models import Contact, OfficeHolder
from tests import factories
from tests.campaigns.builders import BUCHEON_POSTAL_KO, bucheon_bakersfield

pytestmark = pytest.mark.django_db

URL = reverse("campaigns:detail", kwargs={"slug": "bucheon-bakersfield"})


def hrefs(response, prefix):
    """The unescaped href values starting with ``prefix``."""
    return [
        html.unescape(href)
        for href in re.findall(r'href="([^"]*)"', response.text)
        if html.unescape(href).startswith(prefix)
    ]


def section(response, heading):
    """The HTML from the ``<h3>`` ``heading`` to the next ``<h3>`` or the end."""
    text = response.text.split(f"<h3>{heading}</h3>", 1)[1]
    return text.split("<h3>", 1)[0]


@pytest.fixture
def demo():
    return bucheon_bakersfield()


class TestVisibility:
    def test_it_shows_a_published_campaign(self, client, demo):
        response = client.get(URL)
        assert response.status_code == 200
        assert (
            "<h1>Sister City Campaign - Bucheon, South Korea - Bakersfield, California</h1>"
            in response.text
        )
        assert "preview-banner" not in response.text

    def test_it_is_404_for_an_unknown_slug(self, client, demo):
        assert client.get("/campaigns/nowhere/").status_code == 404

    def test_it_is_404_unpublished_for_anonymous_visitors(self, client):
        bucheon_bakersfield(published=False)
        assert client.get(URL).status_code == 404

    def test_it_is_404_unpublished_for_staff_without_permission(self, client, staff_user):
        bucheon_bakersfield(published=False)
        client.force_login(staff_user)
        assert client.get(URL).status_code == 404

    def test_it_lets_campaign_admins_preview_an_unpublished_campaign(self, client, campaign_admin):
        bucheon_bakersfield(published=False)
        client.force_login(campaign_admin)
        response = client.get(URL)
        assert response.status_code == 200
        assert (
            '<p class="preview-banner" role="status">Preview: this campaign is not published.'
            in response.text
        )


class TestContent:
    def test_it_shows_headline_and_intro_as_escaped_paragraphs(self, client, demo):
        demo.campaign.intro = "First paragraph.\n\n<script>alert(1)</script>"
        demo.campaign.save()
        response = client.get(URL)
        assert '<p class="headline">Tell Sister City Bucheon that we oppose' in response.text
        assert "<p>First paragraph.</p>" in response.text
        assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in response.text

    def test_it_shows_the_pairing(self, client, demo):
        response = client.get(URL)
        korean_place = 'Gyeonggi-do › Bucheon (<span lang="ko">경기도 부천시</span>)'
        assert korean_place in response.text
        assert "<dd>Bakersfield, United States</dd>" in response.text
        assert "<dd>Sister City</dd>" in response.text
        assert "<dd>2006-06-01</dd>" in response.text
        assert "<dd>Campaigning</dd>" in response.text

    def test_it_groups_targets_by_side(self, client, demo):
        response = client.get(URL)
        korean = section(response, "Korean side")
        partner = section(response, "Partner city side")
        assert "Mayor of Bucheon" in korean and "Mayor of Bakersfield" not in korean
        assert "Mayor of Bakersfield" in partner and "Mayor of Bucheon" not in partner

    def test_it_shows_the_current_holder_not_the_previous_one(self, client, demo):
        response = client.get(URL)
        assert "The Honorable Karen K. Goh" in response.text
        assert "Harvey L. Hall" not in response.text

    def test_it_shows_a_holder_only_contact_of_the_current_holder(self, client, demo):
        old, new = demo.bakersfield_mayor.holders.order_by("term_start")
        factories.contact(demo.bakersfield_mayor, value="hall@example.invalid", holder=old)
        factories.contact(demo.bakersfield_mayor, value="goh@example.invalid", holder=new)
        response = client.get(URL)
        assert "goh@example.invalid" in response.text
        assert "hall@example.invalid" not in response.text

    def test_it_says_when_nobody_holds_an_office(self, client, demo):
        OfficeHolder.objects.filter(office=demo.bucheon_mayor).delete()
        response = client.get(URL)
        assert "Nobody is recorded as holding this office now." in section(response, "Korean side")

    def test_it_escapes_html_in_officials_and_messages(self, client, demo):
        OfficeHolder.objects.filter(name="Karen K. Goh").update(name="<script>alert(1)</script>")
        demo.letter.body = "Dear {official}, <b>bold</b>"
        demo.letter.save()
        response = client.get(URL)
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert "&lt;b&gt;bold&lt;/b&gt;" in response.text


class TestActions:
    def test_it_prefills_a_mailto_link_with_subject_and_body(self, client, demo):
        (mailto,) = hrefs(client.get(URL), "mailto:mayor@bakersfield.example.invalid?")
        query = parse_qs(urlsplit(mailto).query)
        assert query["subject"] == ["Sister City Bucheon: end the dog & cat meat trade"]
        assert query["body"] == [
            "Dear Karen K. Goh,\n\nPlease urge Bucheon to close its dog farms.\n\nThank you."
        ]
        # RFC 6068: spaces as %20 (a '+' would stay a plus sign in mail clients).
        assert "Sister%20City%20Bucheon%3A%20end%20the%20dog%20%26%20cat" in mailto
        assert "+" not in mailto

    def test_it_shows_the_suggested_message_in_full_with_a_copy_button(self, client, demo):
        response = client.get(URL)
        assert "<p>Dear Karen K. Goh,</p>" in response.text
        assert "<p>Please urge Bucheon to close its dog farms.</p>" in response.text
        match = re.search(
            r'<button type="button" class="copy-button" data-copy="([^"]+)"[^>]*hidden>',
            response.text,
        )
        assert match and f'id="{match.group(1)}"' in response.text

    def test_it_marks_unverified_contacts(self, client, demo):
        response = client.get(URL)
        assert re.search(
            r'>mayor@bakersfield.example.invalid</a> <span class="unverified">unverified</span>',
            response.text,
        )
        assert re.search(r">\(661\) 326-3770</a></li>", response.text)

    def test_it_links_phone_numbers(self, client, demo):
        response = client.get(URL)
        assert '<a href="tel:6613263770">(661) 326-3770</a>' in response.text
        assert '<a href="tel:82323203000">82-32-320-3000</a>' in response.text

    def test_it_links_a_tweet_intent(self, client, demo):
        (tweet,) = hrefs(client.get(URL), "https://twitter.com/intent/tweet?text=.%40BKFcityfire")
        assert parse_qs(urlsplit(tweet).query)["text"] == [
            ".@BKFcityfire Mayor, please urge Sister City Bucheon to end the dog meat trade"
        ]

    def test_it_links_twitter_accounts(self, client, demo):
        assert (
            '<a href="https://x.com/BKFcityfire" rel="noopener noreferrer">@BKFcityfire</a>'
            in client.get(URL).text
        )

    def test_it_shows_postal_addresses_with_the_korean_one_in_korean(self, client, demo):
        response = client.get(URL)
        assert (
            "<address>City of Bakersfield<br>Mayor&#x27;s Office<br>1600 Truxtun Avenue"
            in response.text
        )
        korean = BUCHEON_POSTAL_KO
        assert f'<address lang="ko">{korean}</address>' in response.text

    def test_it_links_the_printable_letter(self, client, demo):
        assert (
            reverse("campaigns:letter", kwargs={"slug": "bucheon-bakersfield"})
            in client.get(URL).text
        )

    def test_it_builds_share_links_on_the_server(self, client, demo, settings):
        settings.SITE_URL = "https://sistercity.example.org"
        response = client.get(URL)
        links = hrefs(response, "https://www.facebook.com/sharer/")
        assert links == [
            "https://www.facebook.com/sharer/sharer.php?u="
            "https%3A%2F%2Fsistercity.example.org%2Fcampaigns%2Fbucheon-bakersfield%2F"
        ]
        assert len(hrefs(response, "https://wa.me/?text=")) == 1
        assert (
            "<code>https://sistercity.example.org/campaigns/bucheon-bakersfield/</code>"
            in response.text
        )

    def test_it_shows_only_the_campaigns_actions(self, client):
        bucheon_bakersfield(actions=[Campaign.Action.EMAIL])
        response = client.get(URL)
        assert hrefs(response, "mailto:mayor@")
        assert not hrefs(response, "tel:")
        assert not hrefs(response, "https://twitter.com/intent/")
        assert "<address" not in response.text
        assert "/letter/" not in response.text
        assert "Share this campaign" not in response.text

    def test_it_addresses_a_message_for_all_targets_to_each_holder(self, client, demo):
        SuggestedMessage.objects.all().delete()
        factories.message(demo.campaign, subject="To {office}", body="Dear {official}, act now.")
        response = client.get(URL)
        assert "<p>Dear Karen K. Goh, act now.</p>" in section(response, "Partner city side")
        assert "<p>Dear Man-Soo Kim, act now.</p>" in section(response, "Korean side")
        (mailto,) = hrefs(response, "mailto:mayor@bucheon.example.invalid?")
        assert parse_qs(urlsplit(mailto).query)["subject"] == ["To Mayor of Bucheon"]

    def test_it_never_links_a_javascript_web_form(self, client, demo):
        factories.contact(
            demo.bakersfield_mayor, kind=Contact.Kind.WEBFORM, value="javascript:alert(1)"
        )
        factories.contact(
            demo.bakersfield_mayor,
            kind=Contact.Kind.WEBFORM,
            value="https://bakersfield.example.invalid/contact",
        )
        response = client.get(URL)
        assert "javascript:" not in response.text
        assert 'href="https://bakersfield.example.invalid/contact"' in response.text


class TestFollowUps:
    def test_it_links_follow_ups_and_the_main_campaign_both_ways(self, client, demo):
        factories.campaign(
            demo.pairing, slug="mayor-kim-visit", is_main=False, title="Mayor Kim is visiting"
        )
        main = client.get(URL).text
        follow_up = client.get("/campaigns/mayor-kim-visit/").text
        assert '<a href="/campaigns/mayor-kim-visit/">Mayor Kim is visiting</a>' in main
        assert '<a href="/campaigns/bucheon-bakersfield/">Sister City Campaign' in follow_up
        assert "(main campaign)" in follow_up

    def test_it_does_not_link_an_unpublished_follow_up(self, client, demo):
        factories.campaign(demo.pairing, slug="draft-visit", is_main=False, published=False)
        assert "draft-visit" not in client.get(URL).text


class TestPageSafety:
    def test_it_gives_each_response_of_the_cached_page_its_own_csrf_token(self, client, demo):
        """The page is cached whole, yet its forms (comments, petition) must still post."""
        first, second = client.get(URL), client.get(URL)
        tokens = [
            re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text).group(1)
            for r in (first, second)
        ]
        assert tokens[0] != tokens[1]
        assert "__page_cache_" not in second.text
        assert "csrftoken" in second.cookies

    def test_it_loads_its_script_with_the_csp_nonce(self, client, demo):
        response = client.get(URL)
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert f'<script src="/static/js/copy.js" nonce="{nonce}" defer></script>' in response.text
        assert "unsafe-inline" not in policy
        assert "<script>" not in response.text and " style=" not in response.text

    def test_it_gives_a_cached_page_a_fresh_nonce(self, client, demo, django_assert_num_queries):
        first = client.get(URL)
        with django_assert_num_queries(0):
            second = client.get(URL)
        nonces = [
            re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
            for r in (first, second)
        ]
        assert nonces[0] != nonces[1]
        assert f'nonce="{nonces[1]}"' in second.text
        assert nonces[0] not in second.text

    def test_its_cache_is_invalidated_when_an_official_changes(
        self, client, demo, django_capture_on_commit_callbacks
    ):
        client.get(URL)
        with django_capture_on_commit_callbacks(execute=True):
            OfficeHolder.objects.create(
                office=demo.bakersfield_mayor,
                name="Zack Scrivner",
                term_start=datetime.date(2025, 1, 1),
            )
        assert "Zack Scrivner" in client.get(URL).text

    def test_its_cache_is_invalidated_when_targets_change(
        self, client, demo, django_capture_on_commit_callbacks
    ):
        client.get(URL)
        with django_capture_on_commit_callbacks(execute=True):
            demo.campaign.targets.remove(demo.bucheon_mayor)
        assert "Mayor of Bucheon" not in client.get(URL).text


class TestQueries:
    @pytest.fixture(autouse=True)
    def _no_page_cache(self, settings):
        settings.PAGE_CACHE_SECONDS = 0

    @pytest.mark.parametrize("extra_targets", [0, 6])
    def test_it_needs_the_same_queries_for_few_and_many_targets(
        self, client, demo, extra_targets, django_assert_num_queries
    ):
        for number in range(extra_targets):
            office = factories.office(title=f"Councillor {number}", holder=f"Person {number}")
            OfficeHolder.objects.create(
                office=office, name=f"Old {number}", term_end=datetime.date(2000, 1, 1)
            )
            factories.contact(office)
            factories.contact(office, kind=Contact.Kind.PHONE, value=f"+44 20 7946 00{number:02}")
            factories.message(demo.campaign, target=office, subject="Hi {official}")
            demo.campaign.targets.add(office)
        factories.campaign(demo.pairing, slug="follow-up", is_main=False)
        # campaign + pairing + places (+ petition), targets, holders, contacts, messages,
        # sibling campaigns, officials' responses (outreach), news posts (updates), published
        # comments with their replies
        with django_assert_num_queries(9):
            response = client.get(URL)
        assert response.text.count('class="target"') == 2 + extra_targets
