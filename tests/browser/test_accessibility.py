"""axe-core finds no WCAG 2.2 AA violation on the public pages, the moderation pages and the
error pages, in English and Korean, at phone and desktop widths; the moderation queue and the
skip link work with the keyboard alone.

axe-core comes from the npm registry, pinned and integrity-checked by ``scripts/fetch_axe.py``
(``make test`` fetches it first), and is injected into each page by Playwright. The browser
context bypasses the site's CSP only so that the injected script may run.
"""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults
from playwright.sync_api import expect

from comments.models import Comment
from comments.roles import MODERATORS
from petitions.models import Signature
from tests import factories
from tests.campaigns.builders import bucheon_bakersfield
from tests.comments.moderation_builders import comment, commenter

# WCAG 2.0, 2.1 and 2.2 level A and AA rules.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
MODERATOR_PASSWORD = "pw-volunteer-12345"


def _fetch_axe_module():
    path = Path(__file__).resolve().parents[2] / "scripts" / "fetch_axe.py"
    spec = importlib.util.spec_from_file_location("fetch_axe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def axe_source():
    path = _fetch_axe_module().axe_path()
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make axe` (make test does it) to fetch axe-core")
    return path.read_text(encoding="utf-8")


def axe_violations(page, axe_source):
    """axe's violations on the page as loaded now."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return result["violations"]


def describe(url, violations):
    """The violations as lines a person can act on: rule, impact, help, and each element."""
    lines = [f"{url}: {len(violations)} axe violation(s)"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    - {' '.join(node['target'])}")
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def check_pages(browser, base_url, paths, axe_source, *, locale="en", viewport=DESKTOP):
    """Open each path in a fresh context and collect axe's findings; '' when none."""
    context = browser.new_context(bypass_csp=True, locale=locale, viewport=viewport)
    page = context.new_page()
    reports = []
    try:
        for path in paths:
            page.goto(base_url + path)
            violations = axe_violations(page, axe_source)
            if violations:
                reports.append(describe(f"{path} ({locale}, {viewport['width']} px)", violations))
    finally:
        context.close()
    return "\n\n".join(reports)


@pytest.fixture
def site():
    """The Bucheon-Bakersfield campaign with a petition, signatures in every state, a
    discussion (with a campaign-team reply), held comments and a moderator."""
    factories.centre()
    built = bucheon_bakersfield()
    campaign = built.campaign
    petition = factories.petition(campaign, goal=100)
    confirmed = factories.signature(petition, status=Signature.Status.CONFIRMED)
    pending = factories.signature(petition, name="Ji-woo Park", country="KR")
    withdrawable = factories.signature(petition, status=Signature.Status.CONFIRMED)
    known = commenter(name="Emma Owens", confirmed_at=confirmed.confirmed_at)
    published = comment(campaign, status=Comment.Status.PUBLISHED, author=known, minutes_ago=5)
    comment(campaign, status=Comment.Status.PUBLISHED, parent=published, text="Thank you!")
    comment(campaign, text="A first comment waiting for review", minutes_ago=1)
    comment(campaign, text="Another comment waiting for review")
    unknown = commenter(name="Sam Carter")
    moderator = User.objects.create_user(
        "volunteer", "volunteer@example.invalid", MODERATOR_PASSWORD, is_staff=True
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    slug = campaign.slug
    return SimpleNamespace(
        campaign=campaign,
        moderator=moderator,
        withdraw_path=f"/petitions/withdraw/{withdrawable.token('withdraw')}/",
        public_paths=[
            "/",
            "/us/",
            f"/campaigns/{slug}/",
            f"/campaigns/{slug}/sign/",
            f"/campaigns/{slug}/sign/sent/",
            f"/petitions/confirm/{pending.token('confirm')}/",
            f"/petitions/confirm/{confirmed.token('confirm')}/",
            f"/petitions/thanks/{confirmed.token('thanks')}/",
            f"/petitions/withdraw/{withdrawable.token('withdraw')}/",
            "/petitions/thanks/not-a-token/",
            f"/campaigns/{slug}/letter/",
            f"/campaigns/{slug}/?comment=held",
            f"/comments/{published.pk}/reply/",
            f"/comments/{published.pk}/report/",
            f"/comments/confirm/{unknown.confirmation_token()}/",
            f"/comments/confirm/{known.confirmation_token()}/",
            "/comments/confirm/not-a-token/",
            f"/campaigns/{slug}/embassy/",
            f"/campaigns/{slug}/embed/",
            f"/campaigns/{slug}/follow/",
            f"/campaigns/{slug}/follow/sent/",
            "/centres/non-us/follow/",
            "/follow/confirm/not-a-token/",
            "/unsubscribe/not-a-token/",
            "/no-such-page/",
        ],
    )


def log_in(page, base_url, username="volunteer", password=MODERATOR_PASSWORD):
    page.goto(base_url + "/moderation/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/moderation/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestAxe:
    def test_it_finds_nothing_on_the_public_pages_in_english(
        self, live_server, browser, site, axe_source
    ):
        report = check_pages(browser, live_server.url, site.public_paths, axe_source)
        report += check_pages(
            browser, live_server.url, site.public_paths, axe_source, viewport=PHONE
        )
        assert not report, report

    def test_it_finds_nothing_on_the_public_pages_in_korean(
        self, live_server, browser, site, axe_source
    ):
        report = check_pages(
            browser, live_server.url, site.public_paths, axe_source, locale="ko", viewport=PHONE
        )
        assert not report, report

    def test_it_finds_nothing_on_the_pages_after_a_form_is_sent(
        self, live_server, browser, site, axe_source
    ):
        """Forms answered in place with their errors, the written letter, the withdrawn page."""
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        reports = []
        campaign_url = f"{live_server.url}/campaigns/{site.campaign.slug}/"

        # Blank names pass the browser's own checks and fail the server's.
        page.goto(campaign_url)
        page.get_by_label("Your name").fill("   ")
        page.get_by_label("Your email").fill("jane@example.invalid")
        page.get_by_label("Country:", exact=True).select_option("GB")
        page.locator(".sign-form").get_by_role("button", name="Sign the petition").click()
        expect(page.locator(".sign-form .errorlist").first).to_be_visible()
        discussion = page.locator("#discussion")
        discussion.get_by_role("textbox", name="Name").fill("   ")
        discussion.get_by_role("textbox", name="Email").fill("jane@example.invalid")
        discussion.get_by_role("textbox", name="Comment").fill("   ")
        discussion.get_by_role("button", name="Post comment").click()
        expect(discussion.locator(".errorlist").first).to_be_visible()
        reports.append(("forms with errors", axe_violations(page, axe_source)))

        page.goto(campaign_url + "letter/")
        page.get_by_label("Your name").fill("Jane Doe")
        page.get_by_label("Your address").fill("1 High Street\nLondon")
        page.get_by_role("button", name="Show my letter").click()
        expect(page.locator("article.letter")).to_be_visible()
        reports.append(("written letter", axe_violations(page, axe_source)))

        page.goto(live_server.url + site.withdraw_path)
        page.get_by_role("button", name="Withdraw and erase my data").click()
        withdrawn = page.get_by_role("heading", name="Your signature has been withdrawn")
        expect(withdrawn).to_be_visible()
        reports.append(("withdrawn", axe_violations(page, axe_source)))
        context.close()
        report = "\n\n".join(describe(name, found) for name, found in reports if found)
        assert not report, report

    def test_it_finds_nothing_on_the_moderation_pages(self, live_server, browser, site, axe_source):
        context = browser.new_context(bypass_csp=True, viewport=DESKTOP)
        page = context.new_page()
        log_in(page, live_server.url)
        reports = []
        held = Comment.objects.filter(status=Comment.Status.HELD).first()
        for path in [
            "/moderation/",
            "/moderation/flagged/",
            "/moderation/published/",
            "/moderation/rejected/",
            f"/moderation/comments/{held.pk}/",
            f"/moderation/comments/{held.pk}/edit/",
            f"/moderation/comments/{held.pk}/block/",
        ]:
            page.goto(live_server.url + path)
            found = axe_violations(page, axe_source)
            if found:
                reports.append(describe(path, found))
        context.close()
        assert not reports, "\n\n".join(reports)

    def test_it_finds_nothing_on_the_error_pages(
        self, live_server, browser, client, site, axe_source, settings
    ):
        """404 as the site answers it; 429 as signing too often answers it; 400, 403 and 500
        as Django's handlers render them. Pages other than the 404 are served to the browser
        at the live server's address (so the stylesheet loads)."""
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        reports = []
        response = page.goto(live_server.url + "/no-such-page/")
        assert response.status == 404
        reports.append(("404", axe_violations(page, axe_source)))

        settings.PETITION_SIGN_RATES_PER_IP = ["1/60"]
        sign_url = f"/campaigns/{site.campaign.slug}/sign/"
        for email in ("first@example.invalid", "second@example.invalid"):
            answer = client.post(sign_url, {"name": "Jane Doe", "email": email, "country": "GB"})
        assert answer.status_code == 429
        pages = {429: answer.content.decode(), **rendered_error_pages(site.moderator)}
        for status, html in pages.items():
            url = f"{live_server.url}/error-{status}/"
            page.route(url, serve(status, html))
            page.goto(url)
            reports.append((str(status), axe_violations(page, axe_source)))
        context.close()
        report = "\n\n".join(describe(name, found) for name, found in reports if found)
        assert not report, report


def serve(status, html):
    """A Playwright route handler answering with ``html`` and ``status``."""
    return lambda route: route.fulfill(
        status=status, content_type="text/html; charset=utf-8", body=html
    )


def rendered_error_pages(user):
    """The HTML of Django's 400, 403 and 500 handlers with our templates, in English."""
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("en"):
        return {
            400: defaults.bad_request(request, Exception()).content.decode(),
            403: defaults.permission_denied(request, Exception()).content.decode(),
            500: defaults.server_error(request).content.decode(),
        }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestKeyboard:
    def test_it_approves_a_comment_by_tabbing_to_the_approve_button(self, live_server, page, site):
        log_in(page, live_server.url)
        held = Comment.objects.filter(status=Comment.Status.HELD).order_by("created_at")
        first = held.first()
        approve = page.locator(f"#comment-{first.pk}").get_by_role("button", name="Approve")
        for _ in range(80):
            page.keyboard.press("Tab")
            if approve.evaluate("button => button === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reached the approve button")
        outline = approve.evaluate("button => getComputedStyle(button).outlineStyle")
        assert outline != "none"  # the focus is visible
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Approved the comment by")
        first.refresh_from_db()
        assert first.status == Comment.Status.PUBLISHED

    def test_it_skips_to_the_content_with_the_first_tab(self, live_server, page, site):
        page.goto(f"{live_server.url}/campaigns/{site.campaign.slug}/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
