import time

import pytest
from django.core import signing
from django.test import Client

from petitions.models import Signature
from tests import factories

from .helpers import link_in


@pytest.fixture
def confirm_url(sign, mailoutbox):
    sign()
    return link_in(mailoutbox[-1].body, "confirm")


@pytest.mark.django_db
class TestConfirmLink:
    def test_it_shows_a_button_and_does_not_confirm_on_get(self, client, confirm_url, petition):
        response = client.get(confirm_url)
        html = response.content.decode()
        assert response.status_code == 200
        assert '<form method="post"' in html and "Confirm my signature" in html
        assert Signature.objects.get().status == Signature.Status.PENDING
        assert petition.confirmed_count() == 0

    def test_it_does_not_confirm_on_head(self, client, confirm_url):
        client.head(confirm_url)
        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_it_is_never_cached(self, client, confirm_url):
        assert "no-store" in client.get(confirm_url)["Cache-Control"]


@pytest.mark.django_db
class TestConfirm:
    def test_it_confirms_and_counts(self, client, confirm_url, petition):
        assert petition.confirmed_count() == 0  # cached now
        response = client.post(confirm_url)
        assert response.status_code == 302
        assert response["Location"].startswith("/petitions/thanks/")
        signature = Signature.objects.get()
        assert signature.status == Signature.Status.CONFIRMED
        assert signature.confirmed_at is not None
        assert petition.confirmed_count() == 1

    def test_it_needs_the_csrf_token(self, confirm_url):
        response = Client(enforce_csrf_checks=True).post(confirm_url)
        assert response.status_code == 403
        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_it_is_idempotent(self, client, confirm_url, petition):
        client.post(confirm_url)
        confirmed_at = Signature.objects.get().confirmed_at
        again = client.post(confirm_url)
        assert again.status_code == 302
        assert Signature.objects.get().confirmed_at == confirmed_at
        assert petition.confirmed_count() == 1

    def test_it_says_so_when_already_confirmed(self, client, confirm_url):
        client.post(confirm_url)
        assert "already confirmed" in client.get(confirm_url).content.decode()

    def test_it_refreshes_the_cached_sign_page_count(
        self, client, confirm_url, sign_url, django_capture_on_commit_callbacks
    ):
        assert "0 people have signed" in client.get(sign_url).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(confirm_url)
        assert "1 person has signed" in client.get(sign_url).content.decode()


@pytest.mark.django_db
class TestBadConfirmLink:
    def test_it_is_a_clear_404_for_a_tampered_token(self, client, confirm_url):
        response = client.get(confirm_url[:-3] + "xx/")
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()

    def test_it_is_404_for_a_withdraw_token(self, client, confirm_url, mailoutbox):
        withdraw_url = link_in(mailoutbox[-1].body, "withdraw")
        token = withdraw_url.split("/")[-2]
        assert client.post(f"/petitions/confirm/{token}/").status_code == 404
        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_it_is_404_when_expired(self, client, confirm_url, settings, monkeypatch):
        later = time.time() + settings.PETITION_PENDING_TTL.total_seconds() + 1
        monkeypatch.setattr(signing, "time", type("Later", (), {"time": lambda: later}))
        assert client.post(confirm_url).status_code == 404
        assert Signature.objects.get().status == Signature.Status.PENDING

    def test_it_is_404_for_garbage(self, client, db):
        assert client.get("/petitions/confirm/%3Cscript%3E/").status_code == 404


@pytest.mark.django_db
class TestThanks:
    @pytest.fixture
    def thanks(self, client, confirm_url):
        return client.get(client.post(confirm_url)["Location"])

    def test_it_offers_the_next_actions(self, thanks, campaign):
        html = thanks.content.decode()
        assert thanks.status_code == 200
        assert "Thank you, Jane!" in html
        assert f'href="/campaigns/{campaign.slug}/#act-title">Email the officials' in html
        assert "Call the officials" in html and "Send a tweet" in html
        assert f'href="/campaigns/{campaign.slug}/letter/"' in html

    def test_it_offers_share_links_built_on_the_server(self, thanks, campaign):
        html = thanks.content.decode()
        assert "https://twitter.com/intent/tweet?" in html
        assert "<script" not in html.split("</header>")[1]

    def test_it_links_to_withdrawing(self, thanks):
        assert 'href="/petitions/withdraw/' in thanks.content.decode()

    def test_it_leaves_out_actions_the_campaign_does_not_offer(self, client, db, form_data):
        petition = factories.petition(factories.campaign(actions=["sign", "email"]))
        signature = factories.signature(petition, status=Signature.Status.CONFIRMED)
        html = client.get(f"/petitions/thanks/{signature.token('thanks')}/").content.decode()
        assert "Email the officials" in html
        assert "letter/" not in html and "Send a tweet" not in html

    def test_it_is_404_before_confirmation(self, client, petition):
        signature = factories.signature(petition)
        response = client.get(f"/petitions/thanks/{signature.token('thanks')}/")
        assert response.status_code == 404
