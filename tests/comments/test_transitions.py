"""The state transitions on Comment and Commenter that the rules and moderators use."""

import pytest

from comments.models import Comment, InvalidTransition, ModerationAction
from comments.textnorm import fingerprint

from .moderation_builders import comment as a_comment
from .moderation_builders import commenter as a_commenter

Status = Comment.Status
Action = ModerationAction.Action


def last_action(comment):
    return comment.actions.order_by("-pk").first()


@pytest.mark.django_db
class TestApprove:
    @pytest.mark.parametrize("status", [Status.HELD, Status.HIDDEN, Status.REJECTED])
    def test_it_publishes_and_logs(self, status, moderator):
        comment = a_comment(status=status)
        comment.approve(moderator, "Fine after all")
        comment.refresh_from_db()
        assert comment.status == Status.PUBLISHED
        log = last_action(comment)
        assert (log.action, log.moderator, log.reason) == (
            Action.APPROVE, moderator, "Fine after all"
        )  # fmt: skip

    def test_it_refuses_a_published_comment(self, moderator):
        comment = a_comment(status=Status.PUBLISHED)
        with pytest.raises(InvalidTransition):
            comment.approve(moderator)
        assert not comment.actions.exists()

    def test_it_checks_the_state_in_the_database_not_the_stale_object(self, moderator):
        comment = a_comment(status=Status.HELD)
        Comment.objects.filter(pk=comment.pk).update(status=Status.PUBLISHED)
        with pytest.raises(InvalidTransition):
            comment.approve(moderator)


@pytest.mark.django_db
class TestReject:
    def test_it_rejects_with_a_reason_and_a_note(self, moderator):
        comment = a_comment(status=Status.PUBLISHED)
        comment.reject(moderator, Comment.RejectReason.THREAT, "Threatens the mayor")
        comment.refresh_from_db()
        assert (comment.status, comment.reject_reason) == (Status.REJECTED, "threat")
        assert last_action(comment).reason == "Threat: Threatens the mayor"

    def test_it_needs_a_known_reason(self, moderator):
        comment = a_comment(status=Status.HELD)
        with pytest.raises(InvalidTransition):
            comment.reject(moderator, "boring")

    def test_it_refuses_a_rejected_comment(self, moderator):
        comment = a_comment(status=Status.REJECTED)
        with pytest.raises(InvalidTransition):
            comment.reject(moderator, Comment.RejectReason.SPAM)

    def test_approving_clears_the_reject_reason(self, moderator):
        comment = a_comment(status=Status.HELD)
        comment.reject(moderator, Comment.RejectReason.SPAM)
        comment.approve(moderator)
        comment.refresh_from_db()
        assert comment.reject_reason == ""


@pytest.mark.django_db
class TestEditAndApprove:
    def test_it_keeps_the_old_text_in_the_log(self, moderator):
        comment = a_comment(status=Status.HELD, text="You are scum, stop this")
        comment.edit_and_approve(moderator, "Stop this", "Removed an insult")
        comment.refresh_from_db()
        assert (comment.status, comment.text) == (Status.PUBLISHED, "Stop this")
        assert comment.text_fingerprint == fingerprint("Stop this")
        log = last_action(comment)
        assert (log.action, log.previous_text) == (Action.EDIT_APPROVE, "You are scum, stop this")

    @pytest.mark.parametrize("text", ["", "   ", "x" * 3001])
    def test_it_refuses_an_empty_or_oversize_text(self, moderator, text):
        comment = a_comment(status=Status.HELD)
        with pytest.raises(InvalidTransition):
            comment.edit_and_approve(moderator, text)


@pytest.mark.django_db
class TestBlock:
    def test_it_blocks_and_rejects_the_held_comments_only(self, moderator):
        author = a_commenter()
        held = a_comment(author=author, status=Status.HELD)
        published = a_comment(author=author, status=Status.PUBLISHED)
        rejected = author.block(moderator, "Repeated threats")
        author.refresh_from_db()
        assert author.is_blocked and author.blocked_reason == "Repeated threats"
        assert rejected == [held]
        held.refresh_from_db()
        published.refresh_from_db()
        assert held.status == Status.REJECTED
        assert published.status == Status.PUBLISHED
        assert last_action(held).action == Action.BLOCK

    def test_it_logs_on_the_latest_comment_when_none_is_held(self, moderator):
        author = a_commenter()
        a_comment(author=author, status=Status.PUBLISHED, minutes_ago=5)
        latest = a_comment(author=author, status=Status.PUBLISHED)
        author.block(moderator, "Spam")
        assert list(ModerationAction.objects.values_list("comment", "action")) == [
            (latest.pk, Action.BLOCK)
        ]
