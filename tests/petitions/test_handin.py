"""The printable hand-in document for delivering a petition to the officials."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions.models import Signature
from tests import factories

CONFIRMED = Signature.Status.CONFIRMED


@pytest.fixture
def petition(db):
    mayor = factories.office(
        factories.foreign_place("Bakersfield", country="United States"),
        title="Mayor",
        holder="Karen Goh",
        honorific="The Honorable",
    )
    korean_mayor = factories.office(
        factories.korean_locality("Bucheon", province=factories.korean_province("Gyeonggi-do")),
        title="Mayor",
        holder="Cho Yong-ik",
    )
    korean_mayor.title_ko = "시장"
    korean_mayor.save()
    campaign = factories.campaign(targets=[mayor, korean_mayor])
    petition = factories.petition(
        campaign,
        title="Suspend the sister city relationship",
        text="Dear Mayors,\n\nwe ask you to suspend <b>the relationship</b>.",
    )
    for country in ["GB", "GB", "KR", "US"]:
        factories.signature(petition, status=CONFIRMED, country=country)
    factories.signature(petition, country="FR")  # pending: not counted
    return petition


@pytest.fixture
def document(client, campaign_admin, petition):
    client.force_login(campaign_admin)
    return client.get(reverse("admin:petitions_petition_handin", args=[petition.pk]))


@pytest.mark.django_db
class TestHandIn:
    def test_it_shows_the_petition_text_escaped(self, document):
        html = document.text
        assert "<h1>Suspend the sister city relationship</h1>" in html
        assert "<p>Dear Mayors,</p>" in html
        assert "&lt;b&gt;the relationship&lt;/b&gt;" in html

    def test_it_names_the_officials_it_is_addressed_to(self, document):
        html = document.text
        assert "The Honorable Karen Goh, Mayor, Bakersfield" in html
        korean = 'Cho Yong-ik, Mayor (<span lang="ko">시장</span>), Gyeonggi-do \u203a Bucheon'
        assert korean in html

    def test_it_gives_the_confirmed_count_and_the_date(self, document):
        html = document.text
        assert "4 people have signed this petition" in html
        assert f'datetime="{timezone.localdate().isoformat()}"' in html

    def test_it_tabulates_signatures_by_country(self, document):
        cells = re.findall(
            r'<th scope="row">([^<]+)</th><td class="number">(\d+)</td>', document.text
        )
        assert cells == [
            ("United Kingdom", "2"),
            ("South Korea", "1"),
            ("United States of America", "1"),
            ("Total", "4"),
        ]

    def test_it_is_a_printable_page_without_inline_styles(self, document):
        html = document.text
        assert "css/petitions.css" in html
        assert " style=" not in html and "<style" not in html
        assert re.search(r'<script src="[^"]*print\.js" nonce="[^"]+"', html)

    def test_it_needs_the_view_petition_permission(self, client, staff_user, petition):
        client.force_login(staff_user)
        response = client.get(reverse("admin:petitions_petition_handin", args=[petition.pk]))
        assert response.status_code == 403

    def test_it_leaves_out_invalidated_signatures(
        self, client, campaign_admin, petition, superuser
    ):
        factories.signature(petition, status=CONFIRMED, email="bot@spam.example", country="RU")
        factories.invalidation(petition, superuser, email_domain="spam.example")
        client.force_login(campaign_admin)
        html = client.get(reverse("admin:petitions_petition_handin", args=[petition.pk])).text
        assert "4 people have signed" in html
        assert "Russia" not in html
