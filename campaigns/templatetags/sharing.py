"""Template helpers for the meta tags that link previews and search engines read."""

from django import template
from django.conf import settings
from django.utils.text import Truncator

register = template.Library()

DESCRIPTION_LENGTH = 200


@register.filter
def absolute(path):
    """A site path as a full address (``SITE_URL``): previews need absolute URLs."""
    return settings.SITE_URL + str(path)


@register.filter
def summary(text, length=DESCRIPTION_LENGTH):
    """``text`` on one line, cut to ``length`` characters: a meta description."""
    return Truncator(" ".join(str(text or "").split())).chars(length)
