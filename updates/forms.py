"""The "Follow by email" form on campaign and centre pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.headers import check_header_value

from .models import Follower


class FollowForm(forms.Form):
    """An email address, and a honeypot field for bots."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=Follower._meta.get_field("email").max_length,
        validators=[check_header_value],
        help_text=_(
            "We send you a link to confirm. Every email lets you unsubscribe in one click."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Hidden from people (CSS, aria-hidden, out of the tab order); bots fill it. See is_bot().
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the petition and comment forms on the same page have an email too.
        kwargs.setdefault("auto_id", "follow-%s")
        super().__init__(*args, **kwargs)

    def is_bot(self):
        """True when the honeypot was filled in: answer as usual, store nothing."""
        return bool(self["website"].value())
