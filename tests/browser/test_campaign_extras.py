"""In Chromium: click-to-load videos and the embassy picker on a campaign page."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import CampaignVideo
from embassies.models import Mission
from tests.browser.test_accessibility import (  # the axe fixture and helpers
    PHONE,
    axe_source,  # noqa: F401
    axe_violations,
    describe,
)
from tests.campaigns.builders import bucheon_bakersfield
from tests.campaigns.test_media import add_image
from tests.embassies.helpers import mission

VIDEO_SITES = re.compile(r"youtube|ytimg|vimeo")


@pytest.fixture
def demo():
    demo = bucheon_bakersfield()
    CampaignVideo.objects.create(
        campaign=demo.campaign,
        url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        title="Undercover video",
    )
    mission("GB", kind=Mission.Kind.EMBASSY, city="London", phone="+44 20 7227 5500")
    mission("US", kind=Mission.Kind.EMBASSY, city="Washington", phone="+1 202-939-5600")
    return demo


@pytest.fixture
def video_requests(page):
    """Requests to the video sites (aborted: the tests never leave this machine)."""
    seen = []

    def block(route):
        seen.append(route.request.url)
        route.abort()

    page.route(VIDEO_SITES, block)
    return seen


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_video_loads_from_youtube_only_after_a_click(live_server, page, demo, video_requests):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + demo.campaign.get_absolute_url())

    poster = page.get_by_role("link", name=re.compile("Undercover video"))
    expect(poster).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert video_requests == []
    assert errors == []

    poster.click()

    frame = page.locator("iframe.video-frame")
    expect(frame).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
    )
    expect(frame).to_have_attribute("title", "Undercover video")
    page.wait_for_timeout(300)
    assert video_requests and all("youtube-nocookie.com" in url for url in video_requests)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_embassy_picker_defaults_to_the_browser_country(live_server, page, demo):
    page.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.8"})
    page.goto(live_server.url + demo.campaign.get_absolute_url())

    section = page.locator("section.embassy")
    expect(section.get_by_role("link", name="+44 20 7227 5500")).to_be_visible()
    expect(section.get_by_label("Your country")).to_have_value("GB")

    section.get_by_label("Your country").select_option("US")
    section.get_by_role("button", name="Show").click()

    expect(section.get_by_role("link", name="+1 202-939-5600")).to_be_visible()
    expect(section.get_by_text("+44 20 7227 5500")).to_have_count(0)
    expect(page).to_have_url(live_server.url + demo.campaign.get_absolute_url())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_axe_finds_nothing_in_media_picker_and_widget(
    live_server,
    browser,
    demo,
    axe_source,  # noqa: F811 (the fixture imported above)
    locale,
    settings,
    tmp_path,
):
    settings.PUBLIC_MEDIA_ROOT = tmp_path
    add_image(demo.campaign, caption="A dog farm near Bucheon")
    mission("KR", kind=Mission.Kind.EMBASSY, city="Seoul", phone="+82 2 000 0000")
    context = browser.new_context(bypass_csp=True, locale=locale, viewport=PHONE)
    page = context.new_page()
    page.route(VIDEO_SITES, lambda route: route.abort())
    slug = demo.campaign.slug
    reports = []
    try:
        for path, ready in [
            (f"/campaigns/{slug}/", ".embassy-list"),
            (f"/campaigns/{slug}/embassy/?country=GB", ".embassy-list"),
            (f"/campaigns/{slug}/embassy/?country=BR", ".empty"),
            (f"/campaigns/{slug}/embed/", ".widget"),
        ]:
            page.goto(live_server.url + path)
            page.locator(ready).first.wait_for()
            if violations := axe_violations(page, axe_source):
                reports.append(describe(f"{path} ({locale})", violations))
    finally:
        context.close()
    assert not reports, "\n\n".join(reports)
