"""A known supporter comments and replies in place (JavaScript), and without JavaScript."""

import pytest
from playwright.sync_api import expect

from core.signals import email_confirmed
from tests import factories


@pytest.fixture
def campaign():
    campaign = factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")
    email_confirmed.send(sender=None, email="emma@example.invalid")  # a known commenter
    return campaign


def fill(discussion, text):
    discussion.get_by_role("textbox", name="Name").fill("Emma <b>Owens</b>")
    discussion.get_by_role("textbox", name="Email").fill("emma@example.invalid")
    discussion.get_by_role("textbox", name="Comment").fill(text)
    discussion.get_by_role("button", name="Post comment").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_known_supporter_comments_and_replies_in_place(
    live_server,
    page,
    campaign,
    console_errors,
):
    url = live_server.url + campaign.get_absolute_url()
    page.goto(url)
    discussion = page.locator("#discussion")

    fill(discussion, "Please act now.\nSee https://example.org/facts")
    thread = discussion.locator(".thread").first
    expect(thread).to_contain_text("Please act now.")
    expect(thread.locator(".comment-author")).to_have_text("Emma <b>Owens</b>")
    expect(thread.get_by_role("link", name="https://example.org/facts")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    expect(discussion.locator(".notice")).to_contain_text("Your comment is published")
    expect(page).to_have_url(url)  # no page load

    thread.get_by_role("link", name="Reply").click()
    expect(discussion.locator("[data-replying]")).to_contain_text("Replying to Emma <b>Owens</b>")
    fill(discussion, "And a reply.")
    expect(thread.locator(".replies")).to_contain_text("And a reply.")
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_form_posts_and_comes_back(live_server, browser, campaign):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + campaign.get_absolute_url())
    discussion = page.locator("#discussion")
    fill(discussion, "Posted without JavaScript.")
    comment = campaign.comments.get()
    expect(page).to_have_url(f"{live_server.url}{campaign.get_absolute_url()}"
                             f"?comment=published#comment-{comment.pk}")  # fmt: skip
    expect(discussion).to_contain_text("Posted without JavaScript.")
    expect(discussion.locator(".notice")).to_contain_text("Your comment is published")
    context.close()
