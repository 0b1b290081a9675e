"""The "Moderators" role: volunteers who keep the discussion civil at ``/moderation/``.

Moderators are staff users (``is_staff``) only so that they can log in through the admin login
page; the group gives them exactly one permission, ``comments.moderate_comment``, which opens
the moderation pages and none of the admin's model pages. In particular they never get
``comments.view_commenter``, so commenters' email addresses stay hidden from them; the word
lists and thresholds (``Phrase``, ``ModerationSettings``) are edited in the admin by superusers.

Campaign admins do not moderate by virtue of their role: a person who does both is put in
both groups.
"""

from django.contrib.auth.models import Group, Permission

MODERATORS = "Moderators"
MODERATE_PERMISSION = "comments.moderate_comment"
# Seeing a commenter's email address is an admin permission, never a moderator's.
VIEW_EMAIL_PERMISSION = "comments.view_commenter"


def moderator_permissions():
    app_label, codename = MODERATE_PERMISSION.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)


def ensure_roles(**kwargs):
    """Create or update the "Moderators" group (connected to ``post_migrate``; idempotent)."""
    group, _ = Group.objects.get_or_create(name=MODERATORS)
    group.permissions.set(moderator_permissions())
