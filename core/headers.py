"""Header safety: values that end up in email headers may never carry line breaks."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def has_line_break(value):
    return any(char in str(value) for char in LINE_BREAKS)


def check_header_value(value):
    """Raise ValidationError when ``value`` could inject a header (CR/LF and friends)."""
    if has_line_break(value):
        raise ValidationError(_("Line breaks are not allowed here."), code="header_injection")
