"""The "Updates" section (news posts and the follow form) on campaign and centre pages.

``{% include "updates/_section.html" with target=campaign %}`` is all a page needs, so the
campaigns app's views stay unaware of this app.
"""

from dataclasses import dataclass

from django import template
from django.utils.translation import get_language

from updates.forms import FollowForm
from updates.models import NewsPost
from updates.targets import follow_url

register = template.Library()


@dataclass(frozen=True)
class Section:
    posts: list
    form: FollowForm
    post_url: str


@register.simple_tag
def updates_section(target):
    """The target's latest posts (one query) and a blank follow form; None for a centre that
    exists only as an unsaved stand-in (empty database): there is nothing to follow."""
    if target is None or target.pk is None:
        return None
    return Section(
        posts=list(NewsPost.objects.for_page(target, get_language())),
        form=FollowForm(),
        post_url=follow_url(target),
    )
