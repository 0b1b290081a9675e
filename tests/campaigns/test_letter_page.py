"""The printable letter: a small form, then the letter with the supporter's name filled in."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from tests import factories
from tests.campaigns.builders import BUCHEON_POSTAL_KO, bucheon_bakersfield

pytestmark = pytest.mark.django_db

URL = reverse("campaigns:letter", kwargs={"slug": "bucheon-bakersfield"})


@pytest.fixture
def demo():
    return bucheon_bakersfield()


def write(client, demo, office=None, **fields):
    data = {
        "name": "Jane Doe",
        "address": "1 High Street\nLondon",
        "target": (office or demo.bakersfield_mayor).pk,
    }
    return client.post(URL, data | fields)


class TestForm:
    def test_it_shows_the_form_with_a_csrf_token(self, client, demo):
        response = client.get(URL)
        assert response.status_code == 200
        assert '<form method="post" class="letter-form">' in response.text
        assert 'name="csrfmiddlewaretoken"' in response.text
        assert 'name="name" maxlength="100" required' in response.text

    def test_it_offers_each_target_with_its_current_holder(self, client, demo):
        response = client.get(URL)
        bakersfield = demo.bakersfield_mayor.pk
        assert (
            f'<option value="{bakersfield}">Mayor of Bakersfield — Karen K. Goh</option>'
            in response.text
        )
        assert (
            f'<option value="{demo.bucheon_mayor.pk}">Mayor of Bucheon — Man-Soo Kim</option>'
            in response.text
        )

    def test_it_offers_the_partner_side_first(self, client, demo):
        options = re.findall(r'<option value="(\d+)"', client.get(URL).text)
        assert options == [str(demo.bakersfield_mayor.pk), str(demo.bucheon_mayor.pk)]

    def test_it_is_never_cached(self, client, demo):
        assert "no-store" in client.get(URL)["Cache-Control"]

    def test_it_is_404_when_the_campaign_has_no_letter_action(self, client):
        bucheon_bakersfield(actions=[Campaign.Action.EMAIL])
        assert client.get(URL).status_code == 404

    def test_it_is_404_for_an_unpublished_campaign(self, client):
        bucheon_bakersfield(published=False)
        assert client.get(URL).status_code == 404

    def test_it_lets_campaign_admins_preview_it(self, client, campaign_admin):
        bucheon_bakersfield(published=False)
        client.force_login(campaign_admin)
        response = client.get(URL)
        assert response.status_code == 200
        assert "preview-banner" in response.text


class TestLetter:
    def test_it_renders_the_letter_to_the_current_holder_at_the_office_address(self, client, demo):
        response = write(client, demo)
        assert response.status_code == 200
        assert '<article class="letter">' in response.text
        assert "The Honorable Karen K. Goh<br>Mayor of Bakersfield" in response.text
        assert (
            "<br>City of Bakersfield<br>Mayor&#x27;s Office<br>1600 Truxtun Avenue" in response.text
        )
        assert "<p>Dear Karen K. Goh,</p>" in response.text
        assert 'class="letter-form"' not in response.text

    def test_it_fills_in_the_supporters_name_and_address(self, client, demo):
        response = write(client, demo)
        assert (
            '<address class="letter-sender">Jane Doe<br>1 High Street<br>London</address>'
            in response.text
        )
        assert '<p class="letter-signature-name">Jane Doe</p>' in response.text

    def test_it_escapes_the_name_and_address(self, client, demo):
        response = write(
            client, demo, name="<script>alert(1)</script>", address='<img src=x onerror="alert(2)">'
        )
        assert "<script>alert(1)</script>" not in response.text
        assert "<img src=x" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in response.text

    def test_it_adds_the_korean_address_in_korean_for_the_korean_target(self, client, demo):
        response = write(client, demo, office=demo.bucheon_mayor)
        assert (
            f'<address class="letter-recipient" lang="ko">{BUCHEON_POSTAL_KO}</address>'
            in response.text
        )
        assert "<p>Dear Mayor Man-Soo Kim,</p>" in response.text

    def test_it_has_no_korean_address_for_the_partner_target(self, client, demo):
        assert '<address class="letter-recipient" lang="ko">' not in write(client, demo).text

    def test_it_signs_in_place_of_the_messages_signature_placeholder(self, client, demo):
        demo.letter.body = "Dear {official},\n\nPlease act.\n\n[Your Name & Address]"
        demo.letter.save()
        letter = write(client, demo).text
        assert "<p>Please act.</p>" in letter
        assert "[Your Name &amp; Address]" not in letter
        campaign_page = client.get(
            reverse("campaigns:detail", kwargs={"slug": "bucheon-bakersfield"})
        )
        assert "<p>[Your Name &amp; Address]</p>" in campaign_page.text

    def test_it_stores_nothing(self, client, demo, django_assert_max_num_queries):
        with django_assert_max_num_queries(6) as queries:
            write(client, demo)
        statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
        assert set(statements) == {"SELECT"}

    def test_it_prints_without_navigation_or_forms(self):
        css = Path("static/css/site.css").read_text(encoding="utf-8")
        print_rules = css.split("@media print", 1)[1]
        for selector in (".site-header", ".site-footer", ".no-print", "form", "button"):
            assert selector in print_rules.split("display: none")[0]


class TestValidation:
    def test_it_requires_a_name(self, client, demo):
        response = write(client, demo, name="  ")
        assert '<article class="letter">' not in response.text
        assert re.search(
            r'<ul class="errorlist" id="id_name_error"><li>This field is required.</li></ul>',
            response.text,
        )

    def test_it_limits_the_lengths(self, client, demo):
        response = write(client, demo, name="x" * 101, address="y" * 501)
        assert "Ensure this value has at most 100 characters (it has 101)." in response.text
        assert "Ensure this value has at most 500 characters (it has 501)." in response.text
        assert '<article class="letter">' not in response.text

    def test_it_refuses_an_office_that_is_not_a_target(self, client, demo):
        stranger = factories.office(title="Governor")
        response = write(client, demo, office=stranger)
        assert "Select a valid choice." in response.text
        assert '<article class="letter">' not in response.text

    def test_it_keeps_what_was_typed_when_it_shows_errors(self, client, demo):
        response = write(client, demo, name="", address="1 High Street")
        assert re.search(r">\s*1 High Street</textarea>", response.text)


class TestCsrf:
    def test_it_refuses_a_post_without_the_csrf_token(self, demo):
        client = Client(enforce_csrf_checks=True)
        assert write(client, demo).status_code == 403

    def test_it_accepts_a_post_with_the_csrf_token(self, demo):
        client = Client(enforce_csrf_checks=True)
        token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(URL).text
        ).group(1)
        response = write(client, demo, csrfmiddlewaretoken=token)
        assert response.status_code == 200
        assert '<article class="letter">' in response.text


class TestCsp:
    def test_it_loads_its_script_with_the_csp_nonce(self, client, demo):
        response = client.get(URL)
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert f'<script src="/static/js/print.js" nonce="{nonce}" defer></script>' in response.text
        assert "unsafe-inline" not in policy
