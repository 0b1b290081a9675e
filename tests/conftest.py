import os

import pytest
from django.contrib.auth.models import Group, User

from campaigns.roles import CAMPAIGN_ADMINS


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test starts with an empty cache (Redis under `make test`)."""
    from django.core.cache import cache

    from core import pagecache
    from petitions import lookup

    cache.clear()
    pagecache.forget_local()
    lookup.forget_all()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Korean leaves Korean active in the thread (LocaleMiddleware never
    deactivates it); the next test starts in the default language again."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test starts a real worker itself."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def staff_user(db):
    """Staff, but in no group: may log in to the admin and do nothing there."""
    return User.objects.create_user(
        "staff", "staff@example.invalid", "pw-staff-12345", is_staff=True
    )


@pytest.fixture
def campaign_admin(db):
    user = User.objects.create_user(
        "campaigner", "campaigner@example.invalid", "pw-campaign-12345", is_staff=True
    )
    user.groups.add(Group.objects.get(name=CAMPAIGN_ADMINS))
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.invalid", "pw-root-12345")


# Browser tests: Debian's Chromium, never a downloaded browser.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions (a CSP violation is logged as a console error)."""
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
