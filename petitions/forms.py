"""The supporters' sign form."""

import functools

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from core.headers import check_header_value

from .models import Signature

HONEYPOT = "website"


@functools.cache
def _country_codes():
    """The selectable codes (they do not depend on the language; settings are fixed)."""
    return frozenset(code for code, _name in countries)


class CountryChoiceField(LazyTypedChoiceField):
    """The country select, checked by set membership.

    ``ChoiceField.valid_value`` walks and normalises all ~250 choices on every submission:
    a third of the sign form's validation time.
    """

    def valid_value(self, value):
        return str(value) in _country_codes()

    def __deepcopy__(self, memo):
        # Every form copies its fields, and ChoiceField's copy also copies the choices, which
        # no form changes: the copy shares them (its widget still gets its own list).
        return forms.Field.__deepcopy__(self, memo)


def _from_model(name, label, **kwargs):
    """The form field of ``Signature.<name>``: its length, required-ness and choices."""
    return Signature._meta.get_field(name).formfield(label=label, **kwargs)


class SignForm(forms.Form):
    """Name, email, where from, and the two choices; plus a honeypot field for bots.

    A plain form whose fields are made from the ``Signature`` model's (each ``<input>`` gets
    its ``maxlength``), not a ModelForm: it is never saved. ``Petition.sign`` builds the row
    from ``signature_data()`` and the database decides duplicates, so a ModelForm's model
    instance and model validation would only check every value a second time on the hot
    path. The name and email end up in mail headers, so line breaks in them are refused.
    """

    name = _from_model(
        "name", _("Your name"), widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = _from_model(
        "email",
        _("Your email"),
        help_text=_("We send you a link to confirm your signature."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = _from_model("country", _("Country"), choices_form_class=CountryChoiceField)
    city = _from_model(
        "city",
        _("City or postcode (optional)"),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    comment = _from_model(
        "comment", _("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    consent_updates = _from_model("consent_updates", _("Email me news about this campaign"))
    show_publicly = _from_model(
        "show_publicly", _("Show my first name and country in the list of recent signers")
    )
    # Hidden from people (CSS, aria-hidden, out of the tab order); form-filling bots see a
    # plain optional text field and fill it. See ``is_bot()``.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        # Distinct ids: the form shares the campaign page with other content.
        kwargs.setdefault("auto_id", "sign-%s")
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"]
        check_header_value(name)
        return name

    def clean_email(self):
        email = self.cleaned_data["email"]
        check_header_value(email)
        return email

    def is_bot(self):
        """True when the honeypot was filled in: answer as usual, store nothing."""
        return bool(self[HONEYPOT].value())

    def signature_data(self):
        """The cleaned fields a ``Signature`` is made of (after ``is_valid()``)."""
        return {name: self.cleaned_data[name] for name in Signature.GIVEN_FIELDS}
