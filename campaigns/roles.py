"""The staff roles and exactly the permissions each needs, kept in sync after every migrate."""

from django.contrib.auth.models import Group, Permission

CAMPAIGN_ADMINS = "Campaign admins"

# app_label -> models whose add/change/delete/view permissions campaign admins get.
CAMPAIGN_ADMIN_MODELS = {
    "campaigns": [
        "centre",
        "pairing",
        "campaign",
        "suggestedmessage",
        "campaignimage",
        "campaignvideo",
    ],
    "officials": ["place", "office", "officeholder", "contact"],
    "petitions": ["petition", "signature", "invalidation"],
    "outreach": [
        "outreachtemplate",
        "outreach",
        "outreachmessage",
        "response",
        "responseattachment",
    ],
    "updates": ["newspost", "follower"],
    "embassies": ["mission"],
}
ACTIONS = ("add", "change", "delete", "view")
# Models where campaign admins get fewer than all four. Deleting a petition would delete its
# signatures; signatures come from supporters and are only read here (erasure is the
# superuser's logged GDPR action); an invalidation is reverted (a change), never deleted.
LIMITED_ACTIONS = {
    # Followers add and remove themselves (double opt-in, one-click unsubscribe).
    "follower": ("view",),
    "petition": ("add", "change", "view"),
    "signature": ("view",),
    "invalidation": ("add", "change", "view"),
    # Sent outreach is the record of what officials were sent: never deleted.
    "outreachtemplate": ("add", "change", "view"),
    "outreach": ("add", "change", "view"),
    "outreachmessage": ("add", "change", "view"),
    # A reply that answers nothing is dismissed (kept, for the record), not deleted; its
    # attachments come with the mail.
    "response": ("add", "change", "view"),
    "responseattachment": ("view",),
}


def campaign_admin_permissions():
    codenames = [
        f"{action}_{model}"
        for models in CAMPAIGN_ADMIN_MODELS.values()
        for model in models
        for action in LIMITED_ACTIONS.get(model, ACTIONS)
    ]
    return Permission.objects.filter(
        content_type__app_label__in=CAMPAIGN_ADMIN_MODELS, codename__in=codenames
    )


def ensure_roles(**kwargs):
    """Create or update the role groups (connected to ``post_migrate``; idempotent)."""
    group, _ = Group.objects.get_or_create(name=CAMPAIGN_ADMINS)
    group.permissions.set(campaign_admin_permissions())
