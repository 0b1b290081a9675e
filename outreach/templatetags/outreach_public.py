"""Template tags for the public pages: the "Officials' responses" of a campaign page.

A tag rather than a prefetch in ``Campaign.objects.for_page()`` because ``campaigns`` must not
import this app (see STYLE.md); it costs the page one query.
"""

from django import template

from outreach.models import Response

register = template.Library()


@register.simple_tag
def public_responses(campaign):
    """The reviewed responses about the campaign's pairing, latest first (one query)."""
    return list(Response.objects.shown_on(campaign))
