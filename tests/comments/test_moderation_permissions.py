"""Who may use /moderation/: moderators and superusers; anonymous visitors log in first;
supporters, staff outside the group and campaign admins are refused (403).

Campaign admins do not moderate by virtue of their role (see comments.roles): someone doing
both is put in both groups.
"""

from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from comments.models import Comment, ModerationAction
from comments.roles import MODERATORS, ensure_roles

from .moderation_builders import comment as make_comment

# (method, URL pattern, POST data); {pk} is a held comment.
PAGES = [
    ("get", "/moderation/", None),
    ("get", "/moderation/flagged/", None),
    ("get", "/moderation/published/", None),
    ("get", "/moderation/rejected/", None),
    ("get", "/moderation/comments/{pk}/", None),
    ("get", "/moderation/comments/{pk}/edit/", None),
    ("get", "/moderation/comments/{pk}/block/", None),
]
ACTIONS = [
    ("post", "/moderation/comments/{pk}/approve/", {}),
    ("post", "/moderation/comments/{pk}/reject/", {"reject_reason": "spam"}),
    ("post", "/moderation/comments/{pk}/edit/", {"text": "Edited text"}),
    ("post", "/moderation/comments/{pk}/block/", {"reason": "Threats"}),
    ("post", "/moderation/bulk/", {"comments": ["{pk}"], "action": "approve"}),
]
EVERY_URL = PAGES + ACTIONS


@pytest.fixture
def held(db):
    return make_comment(status=Comment.Status.HELD, text="Please review me")


def call(client, held, method, url, data):
    url = url.format(pk=held.pk)
    if data is None:
        return client.get(url)
    data = {
        key: [item.format(pk=held.pk) for item in value] if isinstance(value, list) else value
        for key, value in data.items()
    }
    return client.post(url, data)


def unchanged(held):
    held.refresh_from_db()
    held.commenter.refresh_from_db()
    return (
        held.status == Comment.Status.HELD
        and held.text == "Please review me"
        and not held.commenter.is_blocked
        and not ModerationAction.objects.exists()
    )


@pytest.mark.parametrize(("method", "url", "data"), EVERY_URL)
class TestEveryModerationUrl:
    def test_it_sends_anonymous_visitors_to_the_admin_login(self, client, held, method, url, data):
        response = call(client, held, method, url, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
        assert unchanged(held)

    @pytest.mark.parametrize("who", ["supporter", "staff_user", "campaign_admin"])
    def test_it_refuses_everyone_else(self, client, held, request, who, method, url, data):
        client.force_login(request.getfixturevalue(who))
        assert call(client, held, method, url, data).status_code == 403
        assert unchanged(held)

    @pytest.mark.parametrize("who", ["moderator", "superuser"])
    def test_it_serves_moderators_and_superusers(
        self, client, held, request, who, method, url, data
    ):
        client.force_login(request.getfixturevalue(who))
        response = call(client, held, method, url, data)
        assert response.status_code == (200 if method == "get" else 302)
        if method == "post":
            assert not unchanged(held)
            assert response["Location"].startswith("/moderation/")

    def test_it_is_never_cached(self, client, held, moderator, method, url, data):
        client.force_login(moderator)
        response = call(client, held, method, url, data)
        assert "no-store" in response["Cache-Control"]


class TestLogin:
    def test_it_comes_back_to_the_page_asked_for(self, client, held):
        response = client.get("/moderation/flagged/?page=2")
        assert response["Location"] == "/admin/login/?next=" + quote("/moderation/flagged/?page=2")

    def test_it_comes_back_to_the_queue_after_an_anonymous_post(self, client, held):
        response = client.post(f"/moderation/comments/{held.pk}/approve/")
        assert response["Location"] == "/admin/login/?next=" + quote("/moderation/")

    def test_a_moderator_logs_in_at_the_admin_login_page(self, client, moderator):
        response = client.post(
            "/admin/login/?next=/moderation/",
            {"username": "moderator", "password": "pw-moderator-12345", "next": "/moderation/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/moderation/"
        assert client.get("/moderation/").status_code == 200

    def test_it_refuses_a_moderator_whose_account_was_deactivated(self, client, moderator):
        client.force_login(moderator)
        moderator.is_active = False
        moderator.save()
        response = client.get("/moderation/")
        assert response.status_code == 302  # the session no longer counts: log in again

    @pytest.mark.parametrize(
        "url", ["/moderation/comments/{pk}/approve/", "/moderation/comments/{pk}/reject/"]
    )
    def test_actions_refuse_get(self, client, held, moderator, url):
        client.force_login(moderator)
        assert client.get(url.format(pk=held.pk)).status_code == 405
        assert unchanged(held)

    def test_actions_need_the_csrf_token(self, held, moderator):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(moderator)
        response = client.post(f"/moderation/comments/{held.pk}/approve/")
        assert response.status_code == 403
        assert unchanged(held)


class TestModeratorsGroup:
    def test_it_has_exactly_the_moderation_permission(self, db):
        group = Group.objects.get(name=MODERATORS)
        assert [f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()] == [
            "comments.moderate_comment"
        ]

    def test_syncing_again_restores_it(self, db):
        group = Group.objects.get(name=MODERATORS)
        group.permissions.add(Permission.objects.get(codename="view_commenter"))
        ensure_roles()
        assert list(group.permissions.values_list("codename", flat=True)) == ["moderate_comment"]

    def test_moderators_get_no_admin_model_page(self, client, moderator):
        client.force_login(moderator)
        for model in admin.site._registry:
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            assert client.get(url).status_code == 403, url

    def test_a_campaign_admin_in_the_group_moderates_too(self, client, campaign_admin, held):
        campaign_admin.groups.add(Group.objects.get(name=MODERATORS))
        client.force_login(campaign_admin)
        assert client.get("/moderation/").status_code == 200
