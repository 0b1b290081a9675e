import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _generous_rates(settings):
    """Tests sign many times from 127.0.0.1; the rate-limit tests set their own rates."""
    settings.PETITION_SIGN_RATES_PER_IP = ["1000/60"]
    settings.PETITION_SIGN_RATES_PER_PETITION = ["1000/60"]


@pytest.fixture
def campaign(db):
    return factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")


@pytest.fixture
def petition(campaign):
    return factories.petition(campaign, title="Suspend the sister city relationship")


@pytest.fixture
def sign_url(petition):
    return f"/campaigns/{petition.campaign.slug}/sign/"


@pytest.fixture
def form_data():
    return {
        "name": "Jane Doe",
        "email": "jane@example.invalid",
        "country": "GB",
        "city": "London",
        "comment": "",
        "show_publicly": "on",
        "website": "",
    }


@pytest.fixture
def sign(client, sign_url, form_data, django_capture_on_commit_callbacks):
    """POST the sign form (``form_data`` updated by ``data``), running on-commit callbacks."""

    def post(data=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(sign_url, {**form_data, **(data or {})}, **extra)

    return post
