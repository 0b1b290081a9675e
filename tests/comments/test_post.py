"""Posting a comment: known vs unknown commenters, staff, replies, and hostile submissions."""

import re

import pytest
from django.test import Client

from comments.models import Comment, Commenter, ModerationAction
from core.iphash import hash_ip
from petitions.models import Signature
from tests import factories

FETCH = {"headers": {"X-Requested-With": "fetch", "Accept": "application/json"}}
TEXT = "Please end the dog meat trade in Bucheon."


def a_comment(page, status):
    return Comment.objects.create(
        campaign=page, author_name="Someone", text="A comment under review", status=status
    )


@pytest.fixture
def post_url(campaign):
    return f"/comments/campaigns/{campaign.slug}/"


@pytest.fixture
def post(client, post_url, django_capture_on_commit_callbacks):
    """POST the comment form with valid defaults, overridden by ``data``."""

    def send(data=None, **extra):
        fields = {"name": "Jane Doe", "email": "jane@example.invalid", "text": TEXT}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(post_url, {**fields, **(data or {})}, **extra)

    return send


@pytest.mark.django_db
class TestUnknownCommenter:
    def test_it_holds_the_first_comment(self, post):
        post()
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.HELD
        assert comment.status_reason == "First comments of a new commenter are reviewed"
        assert comment.actions.get().action == ModerationAction.Action.AUTO_HOLD

    def test_it_redirects_to_the_awaits_review_message(self, client, post, campaign):
        response = post()
        assert response.status_code == 302
        assert response["Location"] == f"/campaigns/{campaign.slug}/?comment=held#discussion"
        page = client.get(response["Location"]).content.decode()
        assert "Your comment awaits review" in page
        assert TEXT not in page

    def test_it_answers_fetch_with_the_message_and_no_comment(self, post):
        answer = post(**FETCH).json()
        assert answer["status"] == "held"
        assert "awaits review" in answer["message"]
        assert "comment" not in answer
        assert "awaits review" in answer["html"]  # the fresh form carries the notice

    def test_it_stores_the_commenter_once_by_normalised_email(self, post):
        post()
        post({"email": " JANE@Example.invalid ", "text": "A second thought."})
        commenter = Commenter.objects.get()
        assert commenter.email_normalized == "jane@example.invalid"
        assert commenter.comments.count() == 2

    def test_it_keeps_the_ip_only_as_a_hash(self, post):
        post(REMOTE_ADDR="203.0.113.5")
        assert Comment.objects.get().ip_hash == hash_ip("203.0.113.5")


@pytest.mark.django_db
class TestKnownCommenter:
    def test_a_confirmed_petition_signature_makes_the_commenter_known(self, post, campaign):
        signature = factories.signature(factories.petition(campaign), email="Jane@Example.invalid")
        signature.confirm()
        post()
        assert Comment.objects.get().status == Comment.Status.PUBLISHED

    def test_a_pending_signature_does_not(self, post, campaign):
        factories.signature(factories.petition(campaign), email="jane@example.invalid")
        post()
        assert Comment.objects.get().status == Comment.Status.HELD

    def test_it_publishes_and_shows_the_comment(self, client, post, known, campaign):
        client.get(f"/campaigns/{campaign.slug}/")  # cached before the post
        response = post({"email": known})
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.PUBLISHED
        assert response["Location"].endswith(f"?comment=published#comment-{comment.pk}")
        page = client.get(f"/campaigns/{campaign.slug}/").content.decode()
        assert TEXT in page

    def test_it_answers_fetch_with_the_comment_to_insert(self, post, known):
        answer = post({"email": known}, **FETCH).json()
        comment = Comment.objects.get()
        assert answer["status"] == "published"
        assert answer["comment"]["id"] == comment.pk
        assert f'id="comment-{comment.pk}"' in answer["comment"]["html"]

    def test_a_rule_still_holds_a_known_commenters_comment(self, post, known):
        post({"email": known, "text": "You are all scum"})
        assert Comment.objects.get().status == Comment.Status.HELD

    def test_a_banned_phrase_is_rejected_but_the_author_is_told_it_awaits_review(self, post, known):
        response = post({"email": known, "text": "I hope you die"})
        assert Comment.objects.get().status == Comment.Status.REJECTED
        assert response["Location"].endswith("?comment=held#discussion")

    def test_signature_confirmation_is_idempotent_for_the_commenter(self, campaign):
        petition = factories.petition(campaign)
        signature = factories.signature(petition, email="jane@example.invalid")
        signature.confirm()
        first = Commenter.objects.get().confirmed_at
        Signature.objects.filter(pk=signature.pk).update(status=Signature.Status.PENDING)
        signature.confirm()
        assert Commenter.objects.get().confirmed_at == first


@pytest.mark.django_db
class TestBlockedCommenter:
    def test_it_rejects_their_comments_silently(self, post, known, moderator):
        Commenter.objects.get(email_normalized=known).block(moderator, "Threats")
        response = post({"email": known})
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.REJECTED
        assert comment.status_reason == "Blocked commenter"
        assert response["Location"].endswith("?comment=held#discussion")


@pytest.mark.django_db
class TestStaffReply:
    def test_it_publishes_with_the_badge(self, client, staff_user, campaign, post):
        client.force_login(staff_user)
        response = post({"name": "", "email": ""})
        comment = Comment.objects.get()
        assert response.status_code == 302
        assert comment.status == Comment.Status.PUBLISHED
        assert comment.staff_author == staff_user
        assert comment.commenter is None
        anonymous = Client().get(f"/campaigns/{campaign.slug}/").content.decode()
        assert '<span class="badge">campaign team</span>' in anonymous

    def test_the_form_asks_staff_for_no_name_or_email(self, client, staff_user, campaign):
        client.force_login(staff_user)
        html = client.get(f"/campaigns/{campaign.slug}/").content.decode()
        assert "campaign team” badge" in html
        assert 'name="email"' not in html.split('id="comment-form"')[1]


@pytest.mark.django_db
class TestReplies:
    def test_it_replies_to_a_published_comment(self, post, known):
        post({"email": known})
        parent = Comment.objects.get()
        post({"email": known, "text": "Agreed!", "parent": parent.pk})
        assert Comment.objects.get(text="Agreed!").parent == parent

    def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(self, post, known):
        post({"email": known})
        top = Comment.objects.get()
        post({"email": known, "text": "First reply", "parent": top.pk})
        first = Comment.objects.get(text="First reply")
        post({"email": known, "text": "Second reply", "parent": first.pk})
        assert Comment.objects.get(text="Second reply").parent == top

    @pytest.mark.parametrize("status", [Comment.Status.HELD, Comment.Status.REJECTED])
    def test_it_refuses_a_reply_to_an_unpublished_comment(self, post, campaign, status):
        hidden = a_comment(campaign, status)
        response = post({"text": "Agreed!", "parent": hidden.pk})
        assert response.status_code == 200
        assert "That comment cannot be answered here." in response.content.decode()
        assert hidden.text not in response.content.decode()
        assert not Comment.objects.filter(text="Agreed!").exists()

    def test_it_refuses_a_reply_to_a_comment_on_another_page(self, post):
        elsewhere = a_comment(factories.campaign(), Comment.Status.PUBLISHED)
        response = post({"text": "Agreed!", "parent": elsewhere.pk}, **FETCH)
        assert response.status_code == 400
        assert not Comment.objects.filter(text="Agreed!").exists()

    def test_the_reply_page_works_without_javascript(self, client, post, known):
        post({"email": known})
        parent = Comment.objects.get()
        html = client.get(f"/comments/{parent.pk}/reply/").content.decode()
        assert "Replying to Jane Doe" in html
        assert f'name="parent" value="{parent.pk}"' in html


@pytest.mark.django_db
class TestHostileInput:
    def test_the_honeypot_stores_nothing_and_answers_as_usual(self, post, campaign):
        response = post({"website": "http://spam.example"})
        assert response["Location"] == f"/campaigns/{campaign.slug}/?comment=held#discussion"
        assert not Comment.objects.exists()

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({"text": "   "}, "Please write a comment."),
            ({"text": "x" * 3001}, "at most 3000 characters"),
            ({"name": "x" * 101}, "at most 100 characters"),
            ({"name": "Jane\r\nBcc: all@example.invalid"}, "Line breaks are not allowed"),
            ({"email": "not-an-email"}, "Enter a valid email address."),
            ({"text": "nul\x00byte"}, "Null characters are not allowed."),
        ],
    )
    def test_it_refuses_bad_fields(self, post, data, error):
        response = post(data)
        assert response.status_code == 200
        assert error in response.content.decode()
        assert not Comment.objects.exists()

    def test_it_answers_fetch_with_the_form_and_errors(self, post):
        response = post({"text": ""}, **FETCH)
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.json()["html"]

    def test_it_accepts_3000_characters(self, post):
        post({"text": "x" * 3000})
        assert len(Comment.objects.get().text) == 3000

    def test_it_needs_the_csrf_token(self, post_url):
        client = Client(enforce_csrf_checks=True)
        data = {"name": "Jane", "email": "jane@example.invalid", "text": TEXT}
        assert client.post(post_url, data).status_code == 403
        assert not Comment.objects.exists()

    def test_it_is_404_on_an_unpublished_campaign(self, client):
        campaign = factories.campaign(published=False)
        data = {"name": "Jane", "email": "jane@example.invalid", "text": TEXT}
        assert client.post(f"/comments/campaigns/{campaign.slug}/", data).status_code == 404

    def test_it_refuses_get(self, client, post_url):
        assert client.get(post_url).status_code == 405


@pytest.mark.django_db
class TestDuplicates:
    def test_the_same_text_twice_is_stored_once(self, post, known):
        post({"email": known})
        response = post({"email": known, "text": "  please END the dog-meat trade in Bucheon  "})
        comment = Comment.objects.get()
        assert response["Location"].endswith(f"#comment-{comment.pk}")

    def test_a_duplicate_of_a_held_comment_is_answered_as_held(self, post):
        post()
        answer = post(**FETCH).json()
        assert answer["status"] == "held"
        assert Comment.objects.count() == 1

    def test_another_author_may_say_the_same(self, post):
        post()
        post({"email": "other@example.invalid"})
        assert Comment.objects.count() == 2


@pytest.mark.django_db
class TestRateLimits:
    def test_it_limits_posts_per_ip(self, post, settings):
        settings.COMMENT_RATES_PER_IP = ["2/60"]
        for number in range(2):
            assert post({"text": f"Comment {number}"}).status_code == 302
        response = post({"text": "One too many"})
        assert response.status_code == 429
        assert "Too many comments" in response.content.decode()
        assert Comment.objects.count() == 2

    def test_it_limits_posts_per_email_across_ips(self, post, settings):
        settings.COMMENT_RATES_PER_EMAIL = ["2/60"]
        for number in range(2):
            post({"text": f"Comment {number}"}, REMOTE_ADDR=f"198.51.100.{number}")
        response = post({"text": "One too many"}, REMOTE_ADDR="198.51.100.9", **FETCH)
        assert response.status_code == 429
        assert "Too many comments" in response.json()["message"]
        assert Comment.objects.count() == 2

    def test_another_email_from_another_ip_is_not_limited(self, post, settings):
        settings.COMMENT_RATES_PER_EMAIL = ["1/60"]
        post()
        response = post({"email": "other@example.invalid"}, REMOTE_ADDR="198.51.100.1")
        assert response.status_code == 302


def confirm_path(message):
    return re.search(r"https?://[^/\s]+(/comments/confirm/[^/\s]+/)", message.body).group(1)


@pytest.mark.django_db
class TestEmailConfirmation:
    def test_an_unknown_commenter_gets_one_confirmation_mail(self, post, mailoutbox):
        post()
        post({"text": "A second comment"})
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["jane@example.invalid"]
        assert "/comments/confirm/" in mailoutbox[0].body

    def test_confirming_makes_the_next_comment_published(self, client, post, mailoutbox):
        post()
        path = confirm_path(mailoutbox[0])
        page = client.get(path)  # a mail scanner's visit changes nothing
        assert "Confirm my email address" in page.content.decode()
        assert not Commenter.objects.get().is_known
        assert "is confirmed" in client.post(path).content.decode()
        assert Commenter.objects.get().is_known
        post({"text": "Now I am known"})
        assert Comment.objects.get(text="Now I am known").status == Comment.Status.PUBLISHED
        assert Comment.objects.get(text=TEXT).status == Comment.Status.HELD  # still reviewed

    def test_a_known_commenter_gets_no_mail(self, post, known, mailoutbox):
        post({"email": known})
        assert mailoutbox == []

    def test_a_rejected_comment_sends_no_mail(self, post, mailoutbox):
        post({"text": "I hope you die"})
        assert mailoutbox == []

    def test_a_tampered_or_stale_link_does_not_work(self, client, post, mailoutbox):
        post()
        path = confirm_path(mailoutbox[0])
        assert client.post(path[:-3] + "xx/").status_code == 404
        Commenter.objects.update(email_normalized="someone.else@example.invalid")
        assert client.post(path).status_code == 404
        assert not Commenter.objects.get().is_known
