"""The country picker of the "call the Korean embassy" section."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries


class CountryPickerForm(forms.Form):
    """``?country=XX`` (any ISO country; the select offers those with missions listed) and
    ``partial=1`` for the in-place answer of static/js/embassy.js."""

    country = forms.CharField(label=_("Your country"), required=False, widget=forms.Select)
    partial = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, covered_codes):
        # Its own ids: the campaign page's sign form has a "country" field too.
        super().__init__(data, auto_id="embassy-%s")
        names = sorted(((code, countries.name(code)) for code in covered_codes), key=_by_name)
        self.fields["country"].widget.choices = [("", _("Choose your country")), *names]

    def clean_country(self):
        code = self.cleaned_data["country"].strip().upper()
        if code and code not in countries:
            raise forms.ValidationError(_("Choose a country from the list."))
        return code

    @property
    def country_code(self):
        return self.cleaned_data.get("country", "") if self.is_valid() else ""

    @property
    def is_partial(self):
        # Also for an unknown country: the script must get the fragment with the error.
        return "partial" not in self.errors and self.cleaned_data.get("partial", False)


def _by_name(choice):
    return str(choice[1])
