import pytest

from tests import factories

from .helpers import FOLLOWER_EMAIL


@pytest.fixture(autouse=True)
def _generous_rates(settings):
    """Tests follow many times from 127.0.0.1; the rate-limit tests set their own rates."""
    settings.FOLLOW_RATES_PER_IP = ["1000/60"]


@pytest.fixture
def campaign(db):
    return factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")


@pytest.fixture
def centre(db):
    return factories.centre(title="Sister City Campaign Center (Non-US)")


@pytest.fixture
def follow_url(campaign):
    return f"/campaigns/{campaign.slug}/follow/"


@pytest.fixture
def follow(client, follow_url, django_capture_on_commit_callbacks):
    """POST the follow form (to ``url``, the campaign's by default), running on-commit
    callbacks, so the confirmation mail is sent."""

    def post(data=None, url=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                url or follow_url, {"email": FOLLOWER_EMAIL, "website": "", **(data or {})}, **extra
            )

    return post
