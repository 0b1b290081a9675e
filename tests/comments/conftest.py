import pytest
from django.contrib.auth.models import Group, User

from comments.roles import MODERATORS
from core.signals import email_confirmed
from tests import factories


@pytest.fixture
def moderator(db):
    """A volunteer: staff (only to log in at the admin login page) in the "Moderators" group."""
    user = User.objects.create_user(
        "moderator", "moderator@example.invalid", "pw-moderator-12345", is_staff=True
    )
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


@pytest.fixture
def supporter(db):
    """A logged-in member of the public: an account, no staff status, no group."""
    return User.objects.create_user("supporter", "supporter@example.invalid", "pw-supporter-123")


# Supporters' side (posting, rules, flags, display, seed).


@pytest.fixture(autouse=True)
def _generous_comment_rates(settings):
    """Tests post many times from 127.0.0.1; the rate-limit tests set their own rates."""
    settings.COMMENT_RATES_PER_IP = ["1000/60"]
    settings.COMMENT_RATES_PER_EMAIL = ["1000/60"]


@pytest.fixture
def campaign(db):
    return factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")


@pytest.fixture
def known(db):
    """A commenter who confirmed their email (via the signal a petition confirmation sends)."""
    email_confirmed.send(sender=None, email="known@example.invalid")
    return "known@example.invalid"
