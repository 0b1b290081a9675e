"""The admin for word lists, thresholds, commenters and comments (superusers)."""

import pytest
from django.urls import reverse

from comments.models import Comment, ModerationAction, ModerationSettings, Phrase

from .moderation_builders import comment as a_comment


@pytest.mark.django_db
class TestRulesAdmin:
    def test_a_superuser_edits_the_word_lists(self, client, superuser):
        client.force_login(superuser)
        response = client.get(reverse("admin:comments_phrase_changelist"), {"language": "ko"})
        assert response.status_code == 200
        assert "죽어라" in response.text
        response = client.post(
            reverse("admin:comments_phrase_add"),
            {"language": "en", "kind": "suspect", "text": "nincompoop", "note": "abuse"},
        )
        assert response.status_code == 302
        assert Phrase.objects.filter(text="nincompoop").exists()

    def test_the_settings_are_one_row_edited_not_added(self, client, superuser):
        client.force_login(superuser)
        settings = ModerationSettings.objects.get()
        assert client.get(reverse("admin:comments_moderationsettings_add")).status_code == 403
        response = client.post(
            reverse("admin:comments_moderationsettings_change", args=[settings.pk]),
            {"max_links": 1, "caps_ratio": 0.8, "caps_min_letters": 30, "flags_to_hide": 5},
        )
        assert response.status_code == 302
        assert ModerationSettings.current().flags_to_hide == 5

    def test_campaign_admins_and_moderators_cannot_open_it(self, client, campaign_admin, moderator):
        for user in (campaign_admin, moderator):
            client.force_login(user)
            assert client.get(reverse("admin:comments_phrase_changelist")).status_code == 403
            assert client.get(reverse("admin:comments_commenter_changelist")).status_code == 403


@pytest.mark.django_db
class TestCommentAdmin:
    def test_an_admin_action_goes_through_the_logged_transition(self, client, superuser):
        held = a_comment(status=Comment.Status.HELD)
        client.force_login(superuser)
        client.post(
            reverse("admin:comments_comment_changelist"),
            {"action": "approve", "_selected_action": [held.pk]},
        )
        held.refresh_from_db()
        assert held.status == Comment.Status.PUBLISHED
        log = held.actions.get()
        assert (log.action, log.moderator) == (ModerationAction.Action.APPROVE, superuser)

    def test_the_status_cannot_be_edited_directly(self, client, superuser):
        held = a_comment(status=Comment.Status.HELD)
        client.force_login(superuser)
        page = client.get(reverse("admin:comments_comment_change", args=[held.pk])).text
        assert 'name="status"' not in page
        assert client.get(reverse("admin:comments_comment_add")).status_code == 403
