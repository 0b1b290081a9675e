"""The pages comments belong to: a campaign or a campaign centre."""

from django.urls import reverse

from campaigns.models import Campaign


def page_fields(page):
    """``{"campaign": page}`` or ``{"centre": page}``: the comment's foreign key to its page."""
    return {"campaign": page} if isinstance(page, Campaign) else {"centre": page}


def post_url(page):
    """Where the comment form on ``page`` posts to."""
    if isinstance(page, Campaign):
        return reverse("comments:post_campaign", kwargs={"slug": page.slug})
    return reverse("comments:post_centre", kwargs={"scope": page.scope})
