import pytest

from mailer.models import OutboxMessage
from petitions.models import Signature
from tests import factories

from .helpers import link_in


@pytest.fixture
def withdraw_url(sign, mailoutbox):
    sign()
    return link_in(mailoutbox[-1].body, "withdraw")


def withdraw(client, url, capture):
    with capture(execute=True):
        return client.post(url)


@pytest.mark.django_db
class TestWithdrawPage:
    def test_it_explains_and_deletes_nothing_on_get(self, client, withdraw_url):
        response = client.get(withdraw_url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "we delete your signature" in html
        assert '<form method="post"' in html
        assert Signature.objects.count() == 1

    def test_it_is_404_for_a_confirm_token(self, client, withdraw_url, mailoutbox):
        token = link_in(mailoutbox[-1].body, "confirm").split("/")[-2]
        assert client.post(f"/petitions/withdraw/{token}/").status_code == 404
        assert Signature.objects.count() == 1


@pytest.mark.django_db
class TestWithdraw:
    def test_it_deletes_the_signature(
        self, client, withdraw_url, django_capture_on_commit_callbacks
    ):
        response = withdraw(client, withdraw_url, django_capture_on_commit_callbacks)
        assert response.status_code == 200
        assert "Your signature has been withdrawn" in response.content.decode()
        assert not Signature.objects.exists()

    def test_it_erases_the_queued_confirmation_mail(
        self, client, withdraw_url, django_capture_on_commit_callbacks
    ):
        OutboxMessage.objects.update(status=OutboxMessage.Status.QUEUED)
        withdraw(client, withdraw_url, django_capture_on_commit_callbacks)
        assert not OutboxMessage.objects.filter(to_email="jane@example.invalid").exists()

    def test_it_leaves_other_signers_and_mail_alone(
        self, client, withdraw_url, sign, django_capture_on_commit_callbacks
    ):
        sign({"email": "other@example.invalid"})
        withdraw(client, withdraw_url, django_capture_on_commit_callbacks)
        assert list(Signature.objects.values_list("email", flat=True)) == ["other@example.invalid"]
        assert OutboxMessage.objects.get().to_email == "other@example.invalid"

    def test_it_lowers_the_count_and_refreshes_cached_pages(
        self, client, petition, sign_url, django_capture_on_commit_callbacks
    ):
        signature = factories.signature(petition, status=Signature.Status.CONFIRMED)
        assert "1 person has signed" in client.get(sign_url).content.decode()
        url = f"/petitions/withdraw/{signature.token('withdraw')}/"
        withdraw(client, url, django_capture_on_commit_callbacks)
        assert petition.confirmed_count() == 0
        assert "0 people have signed" in client.get(sign_url).content.decode()

    def test_it_is_404_the_second_time(
        self, client, withdraw_url, django_capture_on_commit_callbacks
    ):
        withdraw(client, withdraw_url, django_capture_on_commit_callbacks)
        response = withdraw(client, withdraw_url, django_capture_on_commit_callbacks)
        assert response.status_code == 404

    def test_it_lets_the_person_sign_again(
        self, client, withdraw_url, sign, django_capture_on_commit_callbacks, mailoutbox
    ):
        withdraw(client, withdraw_url, django_capture_on_commit_callbacks)
        sign()
        assert Signature.objects.count() == 1
        assert len(mailoutbox) == 2
