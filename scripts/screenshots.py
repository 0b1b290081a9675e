"""``make screenshots``: PNGs of the main pages at phone and desktop widths for the README.

Runs the real site (``manage.py runserver``) on a free port against a throwaway
SQLite database holding the demo data, plus what the demo lacks for these pages (a petition
with signatures, a thank-you link, held comments and a moderator), and photographs each page
in Debian's Chromium (never a downloaded browser). Writes ``docs/screenshots/*.png``.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUTPUT_DIR = BASE_DIR / "docs" / "screenshots"
WIDTHS = {"phone": 375, "desktop": 1280}
# Long pages are cut at this height: the README shows how they start, not all 71 rows.
MAX_HEIGHT = 2400
MODERATOR = ("screenshots-moderator", "screenshots-pw-12345")
CAMPAIGN = "bucheon-bakersfield"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(workdir):
    """The settings of the throwaway site: SQLite, no Redis, mail to files.

    DEBUG is on so that WhiteNoise serves the stylesheets from the source tree (with DEBUG
    off it serves STATIC_ROOT, which may hold an old collectstatic).
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_URL": f"file://{workdir / 'mail'}",
        "DEBUG": "true",
        "PRODUCTION": "false",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "SITE_URL": "http://127.0.0.1",
    }


def manage(env, *args):
    subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True
    )


def prepare_data():
    """What the demo data lacks for the pictures; returns the thank-you page's path."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.urls import reverse

    from campaigns.models import Campaign
    from comments.posting import post_comment
    from comments.roles import MODERATORS
    from petitions.models import Petition, Signature

    campaign = Campaign.objects.get(slug=CAMPAIGN)
    petition, _ = Petition.objects.get_or_create(
        campaign=campaign,
        defaults={
            "title": "Bakersfield: urge Sister City Bucheon to end the dog and cat meat trade",
            "text": (
                "We ask the Mayor and City Council of Bakersfield to urge the Mayor of "
                "Bucheon, in the spirit of friendship, to enforce the law and close the "
                "illegal dog and cat meat trade in Bucheon."
            ),
            "goal": 1000,
        },
    )
    signers = [("Emma Owens", "GB"), ("Ji-woo Park", "KR"), ("Lucas Martin", "FR")]
    signers += [("Mia Johnson", "US"), ("Noah Williams", "US"), ("Sofia Rossi", "IT")]
    thanks = None
    for number, (name, country) in enumerate(signers):
        signature = Signature.objects.create(
            petition=petition, name=name, email=f"signer{number}@example.invalid", country=country
        )
        signature.confirm()
        thanks = reverse("petitions:thanks", args=[signature.token("thanks")])
    for name, text in [
        ("Dana Whitfield", "I wrote to the council today. Please keep this campaign going."),
        ("Sam Carter", "Thank you for making the contacts so easy to find."),
    ]:
        post_comment(
            campaign, name=name, email=f"{name.split()[0].lower()}@example.invalid", text=text
        )
    user, _ = User.objects.get_or_create(
        username=MODERATOR[0], defaults={"email": "moderator@example.invalid", "is_staff": True}
    )
    user.set_password(MODERATOR[1])
    user.save()
    user.groups.add(Group.objects.get(name=MODERATORS))
    return thanks


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local server)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise SystemExit(f"error: the site did not answer at {url}")


def photograph(base_url, thanks_path):
    from playwright.sync_api import sync_playwright

    pages = [
        ("home", "/", "en"),
        ("home-ko", "/", "ko"),
        ("us-centre", "/us/", "en"),
        ("campaign", f"/campaigns/{CAMPAIGN}/", "en"),
        ("campaign-ko", f"/campaigns/{CAMPAIGN}/", "ko"),
        ("sign-thanks", thanks_path, "en"),
    ]
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        for label, width in WIDTHS.items():
            for name, path, language in pages:
                context = browser.new_context(
                    viewport={"width": width, "height": 800}, locale=language
                )
                page = context.new_page()
                page.goto(base_url + path)
                shoot(page, f"{name}-{label}")
                context.close()
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="en")
            page = context.new_page()
            page.goto(base_url + "/moderation/")
            page.get_by_label("Username").fill(MODERATOR[0])
            page.get_by_label("Password").fill(MODERATOR[1])
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(base_url + "/moderation/")
            shoot(page, f"moderation-{label}")
            context.close()
        browser.close()


def shoot(page, name):
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    width = page.viewport_size["width"]
    path = OUTPUT_DIR / f"{name}.png"
    page.screenshot(
        path=path, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
    )
    print(f"wrote {path.relative_to(BASE_DIR)}")


def main():
    workdir = Path(tempfile.mkdtemp(prefix="sistercity-screenshots-"))
    env = environment(workdir)
    server = None
    try:
        manage(env, "migrate", "--noinput", "--verbosity=0")
        manage(env, "load_demo", "--no-staff")
        os.environ.update(env)
        sys.path.insert(0, str(BASE_DIR))
        thanks = prepare_data()
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, "manage.py", "runserver", "--noreload",
             f"127.0.0.1:{port}"],
            cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        wait_for(base_url + "/")
        photograph(base_url, thanks)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
