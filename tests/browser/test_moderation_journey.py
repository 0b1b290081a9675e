"""A supporter's first comment is held; a moderator logs in, approves it from the queue with
the keyboard, and the comment appears on the campaign page."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from comments.roles import MODERATORS
from tests import factories
from tests.comments.moderation_builders import comment

COMMENT = "Please keep up the pressure on Bakersfield's council."


@pytest.fixture
def campaign():
    return factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")


@pytest.fixture
def moderator():
    user = User.objects.create_user(
        "volunteer", "volunteer@example.invalid", "pw-volunteer-12345", is_staff=True
    )
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def collect_errors(page):
    """Console errors and uncaught exceptions (a CSP violation is logged as a console error).

    Chromium's own request for /favicon.ico on the admin login page (which names no icon)
    is not an error of ours.
    """
    errors = []

    def on_console(message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, live_server):
    """Open /moderation/, get sent to the admin login page, log in, land on the queue."""
    page.goto(live_server.url + "/moderation/")
    expect(page).to_have_url(live_server.url + "/admin/login/?next=/moderation/")
    page.get_by_label("Username").fill("volunteer")
    page.get_by_label("Password").fill("pw-volunteer-12345")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/moderation/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_moderator_approves_a_held_comment_and_it_appears(
    live_server, browser, page, campaign, moderator
):
    supporter_errors = collect_errors(page)
    campaign_url = live_server.url + campaign.get_absolute_url()
    page.goto(campaign_url)
    discussion = page.locator("#discussion")
    discussion.get_by_role("textbox", name="Name").fill("Emma Owens")
    discussion.get_by_role("textbox", name="Email").fill("emma@example.invalid")
    discussion.get_by_role("textbox", name="Comment").fill(COMMENT)
    discussion.get_by_role("button", name="Post comment").click()
    expect(discussion).to_contain_text("awaits review")
    page.goto(campaign_url)
    expect(discussion).not_to_contain_text(COMMENT)

    # The moderator, in a browser of their own, logs in at the admin login page.
    context = browser.new_context()
    moderation = context.new_page()
    moderator_errors = collect_errors(moderation)
    log_in(moderation, live_server)

    item = moderation.locator("[data-comment]", has_text=COMMENT)
    expect(item).to_contain_text("Emma Owens")
    expect(item).to_contain_text("Bucheon and Bakersfield")
    expect(item).not_to_contain_text("emma@example.invalid")
    expect(moderation.get_by_text("Keyboard:")).to_be_visible()  # moderation.js ran (CSP ok)
    expect(item).to_have_class(re.compile(r"\bis-current\b"))  # the first (only) one
    moderation.keyboard.press("a")
    expect(moderation.get_by_role("status")).to_contain_text("Approved the comment by Emma Owens")
    expect(moderation.get_by_text("Nothing to review here.")).to_be_visible()

    moderation.get_by_role("link", name="Recently published").click()
    published = moderation.locator("[data-comment]", has_text=COMMENT)
    published.get_by_text("Moderation log").click()
    expect(published).to_contain_text("Approved")
    expect(published).to_contain_text("by volunteer")

    # The supporter's (anonymous, page-cached) campaign page now shows it.
    page.goto(campaign_url)
    expect(discussion).to_contain_text(COMMENT)
    assert supporter_errors == []
    assert moderator_errors == []
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_moderator_rejects_the_second_comment_with_the_keyboard(
    live_server, page, campaign, moderator
):
    first = comment(campaign, text="First held comment", minutes_ago=2)
    second = comment(campaign, text="The scum that do this need the same treatment.")
    errors = collect_errors(page)
    log_in(page, live_server)
    expect(page.get_by_text("Keyboard:")).to_be_visible()  # moderation.js is ready

    page.keyboard.press("j")
    current = page.locator("[data-comment].is-current")
    expect(current).to_contain_text("The scum")
    expect(current).to_be_focused()
    page.keyboard.press("r")
    reason = current.get_by_label("Reject as")
    expect(reason).to_be_focused()
    reason.select_option("threat")
    reason.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Rejected the comment")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.reject_reason) == ("held", "rejected", "threat")
    assert errors == []
