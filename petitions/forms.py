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


def _formfield(model_field, **kwargs):
    if model_field.name == "country":
        kwargs["choices_form_class"] = CountryChoiceField
    return model_field.formfield(**kwargs)


class SignForm(forms.ModelForm):
    """Name, email, where from, and the two choices; plus a honeypot field for bots.

    Lengths come from the model (each ``<input>`` gets its ``maxlength``); the name and email
    end up in mail headers, so line breaks in them are refused.
    """

    # Hidden from people (CSS, aria-hidden, out of the tab order); form-filling bots see a
    # plain optional text field and fill it. See ``is_bot()``.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Signature
        formfield_callback = _formfield
        fields = ["name", "email", "country", "city", "comment", "consent_updates", "show_publicly"]
        labels = {
            "name": _("Your name"),
            "email": _("Your email"),
            "country": _("Country"),
            "city": _("City or postcode (optional)"),
            "comment": _("Comment (optional)"),
            "consent_updates": _("Email me news about this campaign"),
            "show_publicly": _("Show my first name and country in the list of recent signers"),
        }
        help_texts = {
            "email": _("We send you a link to confirm your signature."),
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "comment": forms.Textarea(attrs={"rows": 3}),
        }

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

    def _get_validation_exclusions(self):
        """Leave the country out of the model's validation: the form field has just checked
        it against the very same choices (the model would walk all of them a second time)."""
        exclude = super()._get_validation_exclusions()
        if "country" in self.cleaned_data:
            exclude.add("country")
        return exclude

    def is_bot(self):
        """True when the honeypot was filled in: answer as usual, store nothing."""
        return bool(self[HONEYPOT].value())

    def signature_data(self):
        """The cleaned fields a ``Signature`` is made of (after ``is_valid()``)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}
