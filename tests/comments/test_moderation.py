"""The moderation queues and actions at /moderation/, as a moderator uses them."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import moderation_views
from comments.models import Comment, Flag, ModerationAction
from core import pagecache
from tests import factories

from .moderation_builders import comment, commenter

HELD, PUBLISHED = Comment.Status.HELD, Comment.Status.PUBLISHED
HIDDEN, REJECTED = Comment.Status.HIDDEN, Comment.Status.REJECTED
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def post(mod_client, django_capture_on_commit_callbacks):
    """POST as the moderator, running on-commit callbacks (page cache invalidation)."""

    def post(url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return mod_client.post(url, data or {})

    return post


def texts(response):
    """The comment texts of a queue page, in order."""
    return [item.text for item in response.context["page"].object_list]


def actions(item):
    return list(item.actions.values_list("action", "moderator__username", "reason"))


def refreshed(item):
    item.refresh_from_db()
    return item


class TestQueues:
    def test_the_held_queue_lists_held_comments_oldest_first(self, mod_client, campaign):
        comment(campaign, text="newer", minutes_ago=1)
        comment(campaign, text="older", minutes_ago=5)
        comment(campaign, status=PUBLISHED, text="published")
        assert texts(mod_client.get("/moderation/")) == ["older", "newer"]

    @pytest.mark.parametrize(
        ("url", "status"),
        [
            ("/moderation/flagged/", HIDDEN),
            ("/moderation/published/", PUBLISHED),
            ("/moderation/rejected/", REJECTED),
        ],
    )
    def test_the_other_queues_list_their_comments_newest_first(
        self, mod_client, campaign, url, status
    ):
        comment(campaign, status=status, text="older", minutes_ago=5)
        comment(campaign, status=status, text="newer", minutes_ago=1)
        for other in {HELD, PUBLISHED, HIDDEN, REJECTED} - {status}:
            comment(campaign, status=other, text=f"not {status}")
        assert texts(mod_client.get(url)) == ["newer", "older"]

    def test_the_tabs_count_each_queue(self, mod_client, campaign):
        for status in (HELD, HELD, HIDDEN, REJECTED):
            comment(campaign, status=status)
        tabs = mod_client.get("/moderation/").context["queues"]
        assert [(tab["queue"].value, tab["count"]) for tab in tabs] == [
            ("held", 2),
            ("flagged", 1),
            ("published", 0),
            ("rejected", 1),
        ]

    def test_it_paginates(self, mod_client, campaign, settings):
        for minutes in range(moderation_views.PAGE_SIZE + 2):
            comment(campaign, text=f"comment {minutes}", minutes_ago=minutes)
        first = mod_client.get("/moderation/")
        second = mod_client.get("/moderation/?page=2")
        assert len(texts(first)) == moderation_views.PAGE_SIZE
        assert texts(second) == ["comment 1", "comment 0"]
        assert mod_client.get("/moderation/?page=banana").status_code == 200

    @pytest.mark.parametrize(
        ("status", "can_approve", "can_reject"),
        [
            (HELD, True, True),
            (HIDDEN, True, True),
            (PUBLISHED, False, True),
            (REJECTED, True, False),
        ],
    )
    def test_it_offers_the_actions_the_state_allows(
        self, mod_client, campaign, status, can_approve, can_reject
    ):
        item = comment(campaign, status=status)
        html = mod_client.get(f"/moderation/comments/{item.pk}/").content.decode()
        assert (f"/moderation/comments/{item.pk}/approve/" in html) is can_approve
        assert (f"/moderation/comments/{item.pk}/reject/" in html) is can_reject
        assert f"/moderation/comments/{item.pk}/edit/" in html
        assert f"/moderation/comments/{item.pk}/block/" in html

    def test_it_says_when_a_queue_is_empty(self, mod_client, db):
        assert "Nothing to review here." in mod_client.get("/moderation/").content.decode()

    def test_it_costs_the_same_queries_for_many_comments(self, mod_client, campaign):
        def build(count):
            centre = factories.centre()
            for _ in range(count):
                author = commenter()
                parent = comment(campaign, status=PUBLISHED, author=author)
                comment(centre, status=REJECTED, author=author)
                item = comment(campaign, parent=parent)
                comment(campaign, parent=parent, status=PUBLISHED)
                Flag.objects.create(comment=item, reason="rude", flagger_key=f"key{item.pk}")
                item.approve(None)
                item.reject(None, "spam")
                item.approve(None)
                comment(campaign, author=author)

        def queries(url):
            with CaptureQueriesContext(connection) as context:
                assert mod_client.get(url).status_code == 200
            return len(context.captured_queries)

        build(2)
        few = {url: queries(url) for url in ("/moderation/", "/moderation/published/")}
        build(10)
        assert {url: queries(url) for url in few} == few


class TestCommentInContext:
    """Everything a moderator needs to decide, on the queue and on the comment's own page."""

    @pytest.fixture
    def reply(self, campaign):
        author = commenter(name="Angry Person")
        parent = comment(campaign, status=PUBLISHED, text="The parent comment")
        comment(campaign, status=PUBLISHED, parent=parent, text="A sibling reply")
        comment(
            factories.centre(),
            status=REJECTED,
            author=author,
            text="Earlier rejected one",
            reject_reason="hate",
        )
        item = comment(
            campaign,
            parent=parent,
            author=author,
            text="I agree with them",
            status_reason="Reply to a comment awaiting review",
        )
        Flag.objects.create(comment=item, reason="This is a threat", flagger_key="reader-1")
        ModerationAction.objects.create(
            comment=item, action=ModerationAction.Action.AUTO_HOLD, reason="Suspect phrase: die"
        )
        return item

    @pytest.mark.parametrize("url", ["/moderation/", "/moderation/comments/{pk}/"])
    def test_it_shows_page_thread_history_reasons_and_log(self, mod_client, reply, url):
        html = mod_client.get(url.format(pk=reply.pk)).content.decode()
        assert 'href="/campaigns/bucheon-bakersfield/"' in html
        assert "The parent comment" in html
        assert "A sibling reply" in html
        assert "Earlier rejected one" in html
        assert "2 comments, 1 rejected" in html
        assert "Reply to a comment awaiting review" in html
        assert "This is a threat" in html
        assert "Held by a rule" in html and "Suspect phrase: die" in html

    def test_it_shows_the_replies_of_a_top_level_comment(self, mod_client, campaign):
        parent = comment(campaign, text="Top level")
        comment(campaign, parent=parent, status=PUBLISHED, text="An answer to it")
        html = mod_client.get(f"/moderation/comments/{parent.pk}/").content.decode()
        assert "An answer to it" in html

    def test_it_escapes_html_in_names_and_texts(self, mod_client, campaign):
        comment(
            campaign,
            author=commenter(name="<b>Bold</b>"),
            author_name="<b>Bold</b>",
            text='<script>alert("x")</script>',
        )
        html = mod_client.get("/moderation/").content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html
        assert "<b>Bold</b>" not in html

    def test_it_404s_for_unknown_comments(self, mod_client, db):
        assert mod_client.get("/moderation/comments/999999/").status_code == 404


class TestApprove:
    @pytest.mark.parametrize("status", [HELD, HIDDEN, REJECTED])
    def test_it_publishes_and_logs(self, post, moderator, campaign, status):
        item = comment(campaign, status=status)
        response = post(f"/moderation/comments/{item.pk}/approve/", {"reason": "Fine"})
        assert response.status_code == 302
        assert refreshed(item).status == PUBLISHED
        assert actions(item) == [("approve", "moderator", "Fine")]

    def test_it_makes_cached_pages_stale(self, post, campaign):
        item = comment(campaign)
        before = pagecache.version()
        post(f"/moderation/comments/{item.pk}/approve/")
        assert pagecache.version() != before

    def test_it_refuses_an_already_published_comment(self, post, mod_client, campaign):
        item = comment(campaign, status=PUBLISHED)
        response = post(f"/moderation/comments/{item.pk}/approve/")
        assert not ModerationAction.objects.exists()
        page = mod_client.get(response["Location"]).content.decode()
        assert "no longer in a state that allows it" in page

    def test_it_goes_back_to_the_page_it_came_from(self, post, campaign):
        item = comment(campaign)
        response = post(f"/moderation/comments/{item.pk}/approve/", {"next": "/moderation/?page=2"})
        assert response["Location"] == "/moderation/?page=2"

    @pytest.mark.parametrize(
        "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
    )
    def test_it_never_redirects_elsewhere(self, post, campaign, next_url):
        item = comment(campaign)
        response = post(f"/moderation/comments/{item.pk}/approve/", {"next": next_url})
        assert response["Location"] == "/moderation/"

    def test_the_log_shows_who_did_it(self, post, mod_client, campaign):
        item = comment(campaign)
        post(f"/moderation/comments/{item.pk}/approve/", {"reason": "Checked the facts"})
        html = mod_client.get(f"/moderation/comments/{item.pk}/").content.decode()
        assert re.search(r"Approved</strong>\s*by moderator: Checked the facts", html)


class TestReject:
    @pytest.mark.parametrize("status", [HELD, HIDDEN, PUBLISHED])
    @pytest.mark.parametrize("reason", Comment.RejectReason.values)
    def test_it_rejects_with_the_reason_and_logs(self, post, campaign, status, reason):
        item = comment(campaign, status=status)
        post(f"/moderation/comments/{item.pk}/reject/", {"reject_reason": reason, "reason": "x"})
        item = refreshed(item)
        assert (item.status, item.reject_reason) == (REJECTED, reason)
        label = Comment.RejectReason(reason).label
        assert actions(item) == [("reject", "moderator", f"{label}: x")]

    def test_unpublishing_makes_cached_pages_stale(self, post, campaign):
        item = comment(campaign, status=PUBLISHED)
        before = pagecache.version()
        post(f"/moderation/comments/{item.pk}/reject/", {"reject_reason": "hate"})
        assert pagecache.version() != before

    @pytest.mark.parametrize("data", [{}, {"reject_reason": "rude"}, {"reject_reason": "x" * 500}])
    def test_it_needs_a_known_reason(self, post, mod_client, campaign, data):
        item = comment(campaign)
        response = post(f"/moderation/comments/{item.pk}/reject/", data)
        assert refreshed(item).status == HELD
        assert not ModerationAction.objects.exists()
        assert '<li class="error">' in mod_client.get(response["Location"]).content.decode()

    def test_it_refuses_an_oversized_note(self, post, campaign):
        item = comment(campaign)
        post(
            f"/moderation/comments/{item.pk}/reject/",
            {"reject_reason": "spam", "reason": "x" * 301},
        )
        assert refreshed(item).status == HELD


class TestEditAndApprove:
    def test_the_form_shows_the_text(self, mod_client, campaign):
        item = comment(campaign, text="Original <text>")
        html = mod_client.get(f"/moderation/comments/{item.pk}/edit/").content.decode()
        assert "Original &lt;text&gt;</textarea>" in html

    @pytest.mark.parametrize("status", [HELD, HIDDEN, REJECTED, PUBLISHED])
    def test_it_saves_the_text_publishes_and_keeps_the_old_text(self, post, campaign, status):
        item = comment(campaign, status=status, text="You idiots, stop this!")
        response = post(
            f"/moderation/comments/{item.pk}/edit/",
            {"text": "Stop this!", "reason": "Removed an insult"},
        )
        assert response.status_code == 302
        item = refreshed(item)
        assert (item.status, item.text) == (PUBLISHED, "Stop this!")
        log = item.actions.get()
        assert (log.action, log.moderator.username, log.reason, log.previous_text) == (
            "edit-approve",
            "moderator",
            "Removed an insult",
            "You idiots, stop this!",
        )

    def test_the_log_shows_the_previous_text(self, post, mod_client, campaign):
        item = comment(campaign, text="Before <em>edit</em>")
        post(f"/moderation/comments/{item.pk}/edit/", {"text": "After"})
        html = mod_client.get(f"/moderation/comments/{item.pk}/").content.decode()
        assert "Before &lt;em&gt;edit&lt;/em&gt;" in html

    @pytest.mark.parametrize("text", ["", "   ", "x" * 3001])
    def test_it_refuses_an_empty_or_oversized_text(self, post, campaign, text):
        item = comment(campaign, text="Original")
        response = post(f"/moderation/comments/{item.pk}/edit/", {"text": text})
        assert response.status_code == 200
        assert response.context["form"].errors["text"]
        assert (refreshed(item).text, item.status) == ("Original", HELD)
        assert not ModerationAction.objects.exists()


class TestBlock:
    def test_the_page_says_what_blocking_does(self, mod_client, campaign):
        author = commenter()
        item = comment(campaign, author=author)
        comment(campaign, author=author)
        html = mod_client.get(f"/moderation/comments/{item.pk}/block/").content.decode()
        assert "their 2 comments waiting for review are rejected now" in html

    def test_it_blocks_and_rejects_their_held_comments_only(self, post, campaign):
        author = commenter()
        first = comment(campaign, author=author)
        second = comment(campaign, author=author)
        published = comment(campaign, author=author, status=PUBLISHED)
        someone_else = comment(campaign)
        response = post(f"/moderation/comments/{first.pk}/block/", {"reason": "Threats"})
        assert response.status_code == 302
        author.refresh_from_db()
        assert author.is_blocked and author.blocked_reason == "Threats"
        assert [refreshed(c).status for c in (first, second, published, someone_else)] == [
            REJECTED,
            REJECTED,
            PUBLISHED,
            HELD,
        ]
        assert actions(first) == actions(second) == [("block", "moderator", "Threats")]

    def test_it_needs_a_reason(self, post, campaign):
        item = comment(campaign)
        response = post(f"/moderation/comments/{item.pk}/block/", {"reason": ""})
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        assert not refreshed(item).commenter.is_blocked

    def test_there_is_nobody_to_block_behind_a_staff_reply(self, mod_client, moderator, campaign):
        item = Comment.objects.create(
            campaign=campaign,
            author_name="Team",
            text="Thanks",
            staff_author=moderator,
            status=PUBLISHED,
        )
        assert mod_client.get(f"/moderation/comments/{item.pk}/block/").status_code == 404


class TestBulk:
    def test_it_approves_the_selected_comments(self, post, campaign):
        chosen = [comment(campaign), comment(campaign, status=HIDDEN)]
        other = comment(campaign)
        post("/moderation/bulk/", {"comments": [c.pk for c in chosen], "action": "approve"})
        assert [refreshed(c).status for c in chosen] == [PUBLISHED, PUBLISHED]
        assert refreshed(other).status == HELD
        assert all(actions(c) == [("approve", "moderator", "")] for c in chosen)

    def test_it_rejects_the_selected_comments_with_a_reason(self, post, campaign):
        chosen = [comment(campaign), comment(campaign)]
        post(
            "/moderation/bulk/",
            {"comments": [c.pk for c in chosen], "action": "reject", "reject_reason": "spam"},
        )
        assert [(refreshed(c).status, c.reject_reason) for c in chosen] == [(REJECTED, "spam")] * 2

    def test_rejecting_needs_a_reason(self, post, campaign):
        item = comment(campaign)
        post("/moderation/bulk/", {"comments": [item.pk], "action": "reject"})
        assert refreshed(item).status == HELD

    def test_it_skips_comments_already_in_that_state(self, post, mod_client, campaign):
        held, published = comment(campaign), comment(campaign, status=PUBLISHED)
        response = post(
            "/moderation/bulk/", {"comments": [held.pk, published.pk], "action": "approve"}
        )
        assert refreshed(held).status == PUBLISHED
        assert not published.actions.exists()
        html = mod_client.get(response["Location"]).content.decode()
        assert "Approved 1 comment. 1 was skipped" in html

    @pytest.mark.parametrize(
        "data",
        [
            {"action": "approve"},
            {"comments": ["abc"], "action": "approve"},
            {"comments": ["999999"], "action": "approve"},
            {"comments": ["{pk}"], "action": "delete"},
        ],
    )
    def test_it_refuses_bad_selections(self, post, campaign, data):
        item = comment(campaign)
        data = {
            k: [v.format(pk=item.pk) for v in value] if isinstance(value, list) else value
            for k, value in data.items()
        }
        assert post("/moderation/bulk/", data).status_code == 302
        assert refreshed(item).status == HELD
        assert not ModerationAction.objects.exists()


class TestNoEmailLeaks:
    """Moderators never see commenters' addresses; with the admin permission one does."""

    @pytest.fixture
    def item(self, campaign):
        author = commenter(email="secret.person@example.org", name="Secret Person")
        parent = comment(campaign, status=PUBLISHED, author=commenter(email="parent@example.org"))
        comment(campaign, status=REJECTED, author=author)
        item = comment(campaign, author=author, parent=parent)
        ModerationAction.objects.create(comment=item, action=ModerationAction.Action.AUTO_HOLD)
        return item

    def urls(self, item):
        return [
            "/moderation/",
            "/moderation/flagged/",
            "/moderation/published/",
            "/moderation/rejected/",
            f"/moderation/comments/{item.pk}/",
            f"/moderation/comments/{item.pk}/edit/",
            f"/moderation/comments/{item.pk}/block/",
        ]

    def test_a_moderator_sees_no_email_address_anywhere(self, mod_client, item):
        assert "Secret Person" in mod_client.get("/moderation/").content.decode()
        for url in self.urls(item):
            html = mod_client.get(url).content.decode()
            assert not EMAIL.search(html), (url, EMAIL.search(html))

    def test_an_admin_sees_it(self, client, superuser, item):
        client.force_login(superuser)
        html = client.get(f"/moderation/comments/{item.pk}/").content.decode()
        assert "secret.person@example.org" in html

    def test_a_moderator_given_the_admin_permission_sees_it(self, mod_client, moderator, item):
        moderator.user_permissions.add(Permission.objects.get(codename="view_commenter"))
        html = mod_client.get("/moderation/").content.decode()
        assert "secret.person@example.org" in html
