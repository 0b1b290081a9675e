"""The discussion on campaign and centre pages: threads, escaping, links, no emails, queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Centre
from comments.models import Comment
from comments.templatetags.comment_tags import comment_text
from tests import factories

from .moderation_builders import comment as a_comment
from .moderation_builders import commenter as a_commenter

Status = Comment.Status


def page_of(client, page):
    return client.get(page.get_absolute_url()).content.decode()


def discussion_of(html):
    return html[html.index('id="discussion"') :]


@pytest.mark.django_db
class TestThreads:
    def test_it_shows_published_comments_with_their_published_replies(self, client, campaign):
        top = a_comment(campaign, Status.PUBLISHED, text="Top comment", minutes_ago=9)
        a_comment(campaign, Status.PUBLISHED, text="Published reply", parent=top, minutes_ago=8)
        a_comment(campaign, Status.HELD, text="Held reply", parent=top, minutes_ago=7)
        for status in (Status.HELD, Status.HIDDEN, Status.REJECTED):
            a_comment(campaign, status, text=f"A {status} comment")
        html = discussion_of(page_of(client, campaign))
        assert "Top comment" in html and "Published reply" in html
        assert "Held reply" not in html
        for status in (Status.HELD, Status.HIDDEN, Status.REJECTED):
            assert f"A {status} comment" not in html
        replies = html[html.index(f'data-replies-for="{top.pk}"') :]
        assert replies.index("Published reply") < replies.index("</ol>")
        assert "2 comments" in html

    def test_it_shows_the_comments_in_order_with_dates_and_names(self, client, campaign):
        a_comment(campaign, Status.PUBLISHED, text="Second", minutes_ago=1, author_name="Bo")
        a_comment(campaign, Status.PUBLISHED, text="First", minutes_ago=5, author_name="Al")
        html = discussion_of(page_of(client, campaign))
        assert html.index("First") < html.index("Second")
        assert '<span class="comment-author">Al</span>' in html
        assert "<time datetime=" in html

    def test_comments_stay_on_their_own_page(self, client, campaign):
        other = factories.campaign()
        a_comment(other, Status.PUBLISHED, text="Elsewhere")
        assert "Elsewhere" not in page_of(client, campaign)
        assert "Elsewhere" in page_of(client, other)

    def test_the_staff_reply_has_the_badge(self, client, campaign, staff_user):
        top = a_comment(campaign, Status.PUBLISHED, text="Thanks for this")
        Comment.objects.create(
            campaign=campaign, parent=top, staff_author=staff_user, author_name="admin",
            text="Thank you so much!", status=Status.PUBLISHED,
        )  # fmt: skip
        html = discussion_of(page_of(client, campaign))
        assert re.search(r'comment-staff".*?admin</span> <span class="badge">campaign team', html,
                         re.S)  # fmt: skip

    def test_it_uses_a_constant_number_of_queries(self, client, campaign, supporter):
        client.force_login(supporter)  # not served from the page cache

        def queries():
            with CaptureQueriesContext(connection) as captured:
                page_of(client, campaign)
            return len(captured)

        top = a_comment(campaign, Status.PUBLISHED)
        a_comment(campaign, Status.PUBLISHED, parent=top)
        few = queries()
        for _ in range(10):
            parent = a_comment(campaign, Status.PUBLISHED)
            a_comment(campaign, Status.PUBLISHED, parent=parent)
            a_comment(campaign, Status.PUBLISHED, parent=parent, staff_author=None)
        assert queries() == few


@pytest.mark.django_db
class TestCentres:
    def test_both_centre_pages_carry_their_own_discussion(self, client):
        non_us = factories.centre(Centre.Scope.NON_US)
        us = factories.centre(Centre.Scope.US, title="US centre")
        a_comment(non_us, Status.PUBLISHED, text="On the Non-US centre")
        a_comment(us, Status.PUBLISHED, text="On the US centre")
        home = client.get("/").content.decode()
        assert "On the Non-US centre" in home and "On the US centre" not in home
        assert 'action="/comments/centres/non-us/"' in home
        assert "On the US centre" in client.get("/us/").content.decode()

    def test_a_centre_not_yet_created_has_no_discussion(self, client, db):
        assert 'id="discussion"' not in client.get("/").content.decode()

    def test_one_can_post_on_a_centre(self, client, known):
        centre = factories.centre()
        client.post(
            "/comments/centres/non-us/", {"name": "Jo", "email": known, "text": "Hello centre"}
        )
        assert Comment.objects.get().centre == centre


@pytest.mark.django_db
class TestTextRendering:
    def test_html_and_script_in_text_and_name_are_escaped(self, client, campaign):
        a_comment(
            campaign, Status.PUBLISHED, author_name='<img src=x onerror="alert(1)">',
            text="<script>alert('x')</script><b>bold</b>",
        )  # fmt: skip
        html = discussion_of(page_of(client, campaign))
        assert "<script>alert" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html

    def test_urls_become_links_marked_as_user_content(self):
        html = comment_text("See https://example.org/petition and www.example.com.")
        assert '<a href="https://example.org/petition" rel="nofollow ugc noopener">' in html
        assert '<a href="https://www.example.com" rel="nofollow ugc noopener">' in html
        assert 'rel="nofollow"' not in html

    def test_javascript_urls_are_not_links(self):
        html = comment_text("javascript:alert(1)")
        assert "<a" not in html

    def test_quotes_cannot_break_out_of_a_link(self):
        html = comment_text('https://example.org/" onmouseover="alert(1)')
        assert 'onmouseover="' not in html

    def test_line_breaks_are_kept(self):
        assert comment_text("one\r\ntwo\nthree") == "one<br>two<br>three"

    def test_a_typed_rel_attribute_stays_text(self):
        html = comment_text('<a rel="nofollow" href="x">')
        assert "<a" not in html and "&lt;a rel=&quot;nofollow&quot;" in html


@pytest.mark.django_db
class TestNoEmail:
    def test_no_email_address_appears_on_the_page_or_in_json(self, client, campaign, known):
        author = a_commenter(email="private.person@example.invalid", name="Private Person")
        top = a_comment(campaign, Status.PUBLISHED, author=author, text="Visible text")
        answer = client.post(
            f"/comments/campaigns/{campaign.slug}/",
            {"name": "Known", "email": known, "text": "Reply", "parent": top.pk},
            headers={"X-Requested-With": "fetch"},
        )
        html = page_of(client, campaign) + client.get(f"/comments/{top.pk}/reply/").content.decode()
        html += client.get(f"/comments/{top.pk}/report/").content.decode()
        body = answer.content.decode() + html
        assert "Visible text" in html and "Reply" in body
        for email in ("private.person@example.invalid", known):
            assert email not in body


@pytest.mark.django_db
class TestNotices:
    def test_an_unknown_notice_shows_nothing(self, client, campaign):
        html = client.get(f"/campaigns/{campaign.slug}/?comment=<b>hi</b>").content.decode()
        assert 'class="notice"' not in discussion_of(html)
        assert "<b>hi</b>" not in html

    def test_the_page_has_the_form_and_the_script_with_a_nonce(self, client, campaign):
        html = discussion_of(page_of(client, campaign))
        assert f'action="/comments/campaigns/{campaign.slug}/"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert re.search(r'<script src="/static/js/comments.js" nonce="[^"]+" defer>', html)
        assert 'name="website"' in html  # honeypot
        assert re.search(r'name="text"[^>]* maxlength="3000"', html)
