"""Helpers for the petition tests."""

import re


def link_in(text, kind):
    """The ``/petitions/<kind>/<token>/`` path in an email body."""
    return re.search(rf"https?://[^/\s]+(/petitions/{kind}/[^/\s]+/)", text).group(1)


def without_csrf(content):
    """A page's HTML with the per-response CSRF token blanked out, for comparisons."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
