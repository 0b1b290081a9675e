"""The moderators' digest: one email each once the held queue grew by the threshold."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from comments.models import Comment
from comments.roles import MODERATORS
from comments.tasks import send_moderation_digest

from .moderation_builders import comment


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.COMMENT_DIGEST_THRESHOLD = 3


@pytest.fixture
def digest(django_capture_on_commit_callbacks):
    """Run the task as beat would, sending the queued mail after commit."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return send_moderation_digest.delay().get()

    return run


def hold(campaign, count, **fields):
    for _ in range(count):
        comment(campaign, status=Comment.Status.HELD, **fields)


class TestDigest:
    def test_it_sends_nothing_below_the_threshold(self, digest, moderator, campaign, mailoutbox):
        hold(campaign, 2)
        comment(campaign, status=Comment.Status.PUBLISHED)
        assert digest() == 0
        assert mailoutbox == []

    def test_it_emails_each_moderator_once_the_queue_grew(
        self, digest, moderator, campaign, mailoutbox
    ):
        other = User.objects.create_user("second", "second@example.invalid", is_staff=True)
        other.groups.add(Group.objects.get(name=MODERATORS))
        hold(campaign, 3)
        assert digest() == 2
        assert sorted(message.to[0] for message in mailoutbox) == [
            "moderator@example.invalid",
            "second@example.invalid",
        ]
        message = mailoutbox[0]
        assert message.subject == "3 comments await review"
        assert f"{django_settings.SITE_URL}/moderation/" in message.body

    def test_it_sends_once_per_growth(self, digest, moderator, campaign, mailoutbox):
        hold(campaign, 3)
        digest()
        assert digest() == 0
        hold(campaign, 2)
        assert digest() == 0
        hold(campaign, 1)
        assert digest() == 1
        assert len(mailoutbox) == 2
        assert "3 new comments were held" in mailoutbox[1].body
        assert "6 comments are waiting in all" in mailoutbox[1].body

    def test_it_counts_only_comments_held_since_the_last_digest(
        self, digest, moderator, campaign, mailoutbox
    ):
        hold(campaign, 3)
        digest()
        # Old held comments (e.g. loaded from the seed pages) are not growth.
        hold(campaign, 3, created_at=timezone.now() - datetime.timedelta(days=1))
        assert digest() == 0

    def test_it_skips_inactive_moderators_and_other_staff(
        self, digest, moderator, staff_user, campaign_admin, campaign, mailoutbox
    ):
        moderator.is_active = False
        moderator.save()
        hold(campaign, 3)
        assert digest() == 0
        assert mailoutbox == []

    def test_it_is_off_with_a_zero_threshold(self, digest, moderator, campaign, settings):
        settings.COMMENT_DIGEST_THRESHOLD = 0
        hold(campaign, 5)
        assert digest() == 0

    def test_it_names_no_commenter(self, digest, moderator, campaign, mailoutbox):
        hold(campaign, 3, text="Contact me at private@example.org")
        digest()
        assert "private@example.org" not in mailoutbox[0].body
        assert "private@example.org" not in mailoutbox[0].alternatives[0].content

    def test_beat_runs_it(self):
        tasks = [entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]
        assert "comments.tasks.send_moderation_digest" in tasks
