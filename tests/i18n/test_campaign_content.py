"""Campaign content written in Korean by admins: shown on the Korean interface, with the
English text (marked lang="en") where no Korean was written."""

import pytest

from campaigns.models import Campaign
from petitions.models import Petition
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield

pytestmark = pytest.mark.django_db

KO = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}


@pytest.fixture
def campaign():
    campaign = bucheon_bakersfield().campaign
    Campaign.objects.filter(pk=campaign.pk).update(
        title_ko="자매도시 캠페인 - 부천 - 베이커스필드",
        headline_ko="부천시에 개·고양이 식용 반대를 전해 주세요.",
        intro_ko="베이커스필드는 2006년부터 부천의 자매도시입니다.",
    )
    factories.petition(campaign, title="Close the dog farms", title_ko="개농장을 닫아 주세요")
    return Campaign.objects.get(pk=campaign.pk)


class TestCampaignPage:
    def test_it_shows_the_korean_text_on_the_korean_interface(self, client, campaign):
        html = client.get(campaign.get_absolute_url(), **KO).content.decode()
        assert "<h1>자매도시 캠페인 - 부천 - 베이커스필드</h1>" in html
        assert "부천시에 개·고양이 식용 반대를 전해 주세요." in html
        assert "베이커스필드는 2006년부터 부천의 자매도시입니다." in html
        assert '<h2 id="petition-title">개농장을 닫아 주세요</h2>' in html
        assert "Sister City Campaign - Bucheon" not in html.split("<h1", 1)[1].split("</h1>")[0]

    def test_it_shows_the_english_text_on_the_english_interface(self, client, campaign):
        html = client.get(campaign.get_absolute_url()).content.decode()
        assert f"<h1>{campaign.title}</h1>" in html
        assert "자매도시 캠페인" not in html

    def test_it_marks_english_fallback_text_on_the_korean_interface(self, client, campaign):
        Petition.objects.update(title_ko="")
        html = client.get(campaign.get_absolute_url(), **KO).content.decode()
        assert '<h2 id="petition-title" lang="en">Close the dog farms</h2>' in html

    def test_it_uses_the_korean_title_in_the_share_meta(self, client, campaign):
        html = client.get(campaign.get_absolute_url(), **KO).content.decode()
        assert 'property="og:title" content="자매도시 캠페인 - 부천 - 베이커스필드"' in html


class TestAdmin:
    def test_it_lets_campaign_admins_write_the_korean_text(self, client, campaign_admin, campaign):
        client.force_login(campaign_admin)
        html = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
        for field in ("title_ko", "headline_ko", "intro_ko"):
            assert f'name="{field}"' in html
