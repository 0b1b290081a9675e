"""A supporter follows a campaign from its page, confirms from the email, gets the news and
unsubscribes from the news mail's link."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from updates.models import Follower

from .helpers import confirm_link, news_post, unsubscribe_link


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_supporter_follows_confirms_reads_and_unsubscribes(
    live_server, page, mailoutbox, console_errors
):
    campaign = factories.campaign(slug="bucheon-bakersfield", title="Bucheon and Bakersfield")
    news_post(campaign, title="The mayor answered", published_at=timezone.now())
    page.goto(live_server.url + campaign.get_absolute_url())
    updates = page.locator("#updates")
    expect(updates.get_by_role("heading", name="The mayor answered")).to_be_visible()

    updates.get_by_label("Email address").fill("fan@example.invalid")
    updates.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    assert len(mailoutbox) == 1
    page.goto(live_server.url + confirm_link(mailoutbox[0].body))
    assert Follower.objects.get().status == Follower.Status.PENDING  # opening changes nothing
    page.get_by_role("button", name="Yes, send me the news").click()
    expect(page.get_by_role("status")).to_contain_text("You follow “Bucheon and Bakersfield”")
    assert Follower.objects.get().status == Follower.Status.CONFIRMED

    assert news_post(campaign, title="Second news").send() == 1
    (news,) = [mail for mail in mailoutbox if mail.subject == "Second news"]
    page.goto(live_server.url + unsubscribe_link(news.body))
    assert Follower.objects.get().status == Follower.Status.CONFIRMED
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert Follower.objects.get().status == Follower.Status.UNSUBSCRIBED
    assert console_errors == []
