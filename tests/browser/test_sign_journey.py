"""A supporter signs the petition on the campaign page, confirms from the email, is counted."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories


@pytest.fixture
def petition():
    campaign = factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")
    return factories.petition(campaign, title="Suspend the sister city relationship")


def confirm_path(message):
    return re.search(r"https?://[^/\s]+(/petitions/confirm/[^/\s]+/)", message.body).group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_supporter_signs_confirms_and_is_counted(
    live_server, page, petition, mailoutbox, console_errors
):
    campaign_url = live_server.url + petition.campaign.get_absolute_url()
    page.goto(campaign_url)
    count = page.locator("#progress-label")  # the progress section's "N confirmed signatures"
    expect(count).to_have_text(re.compile(r"^0 confirmed signatures"))

    page.get_by_label("Your name").fill("Jane <b>Doe</b>")
    page.get_by_label("Your email").fill("jane@example.invalid")
    page.locator("#sign-country").select_option("GB")
    expect(page.get_by_label("Email me news about this campaign")).not_to_be_checked()
    page.get_by_role("button", name="Sign the petition").click()

    # Answered in place by petition.js: no page load, the form is replaced by the message.
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.locator("[data-sign-sent]")).to_contain_text("0 people have signed.")
    expect(page.locator("[data-sign-sent]")).to_be_focused()
    expect(page).to_have_url(campaign_url)
    expect(page.get_by_role("status")).to_contain_text("Check your inbox")
    expect(page.get_by_role("button", name="Sign the petition")).to_have_count(0)

    assert len(mailoutbox) == 1
    page.goto(live_server.url + confirm_path(mailoutbox[0]))
    expect(page.get_by_role("heading", name="Confirm your signature")).to_be_visible()
    page.get_by_role("button", name="Confirm my signature").click()

    expect(page.get_by_role("heading", name="Thank you, Jane!")).to_be_visible()
    expect(page.get_by_role("link", name="Write a printable letter")).to_be_visible()

    page.goto(campaign_url)
    expect(count).to_have_text(re.compile(r"^1 confirmed signature "))
    assert console_errors == []
