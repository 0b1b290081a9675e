"""A supporter's journey in Chromium: status table → campaign page → printable letter."""

import re

import pytest
from django.core.management import call_command, get_commands
from playwright.sync_api import expect

from tests.campaigns.builders import bucheon_bakersfield


@pytest.fixture
def demo_data():
    """The real demo data when ``load_demo`` exists, else the campaign built by factories."""
    if "load_demo" in get_commands():
        call_command("load_demo", "--no-staff", verbosity=0)
    else:
        bucheon_bakersfield()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_supporter_finds_bakersfield_and_prints_a_letter(
    live_server, page, demo_data, console_errors
):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="US centre").click()
    expect(page).to_have_url(live_server.url + "/us/")

    page.get_by_label("Search").fill("Bakersfield")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/us/\?q=Bakersfield&"))
    page.locator(".status-table").get_by_role("link", name="Bakersfield").click()
    expect(page).to_have_url(live_server.url + "/campaigns/bucheon-bakersfield/")

    partner = page.locator(".side", has=page.get_by_role("heading", name="Partner city side"))
    expect(partner.locator(".holder").first).to_contain_text("Karen K. Goh")
    expect(page.get_by_text("Harvey L. Hall")).to_have_count(0)
    mailto = partner.get_by_role("link", name="Email this message").first.get_attribute("href")
    assert mailto.startswith("mailto:") and "subject=" in mailto and "body=" in mailto
    # The copy buttons appear only when the nonce'd script ran under the CSP.
    expect(page.get_by_role("button", name="Copy the message").first).to_be_visible()

    page.get_by_role("link", name="Write a printable letter").click()
    page.get_by_label("Your name").fill("Jane <b>Doe</b>")
    page.get_by_label("Your address").fill("1 High Street\nLondon")
    target = page.get_by_label("Write to")
    target.select_option(target.locator("option", has_text="Karen K. Goh").get_attribute("value"))
    page.get_by_role("button", name="Show my letter").click()

    letter = page.locator("article.letter")
    expect(letter.locator(".letter-sender")).to_contain_text("Jane <b>Doe</b>")
    expect(letter.locator(".letter-recipient").first).to_contain_text("Karen K. Goh")
    expect(letter).to_contain_text("1600 Truxtun Avenue")
    expect(page.get_by_role("button", name="Print the letter")).to_be_visible()
    assert console_errors == []
