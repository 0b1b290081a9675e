"""Forms of the campaigns app: the public status-table filters and the printable letter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.i18n import country_name

from .models import Centre, Pairing


class StatusFilterForm(forms.Form):
    """The status table's filters (GET), shared by the centre pages and the exports.

    An invalid value (unknown country or status, oversize search) is reported and ignored.
    """

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Pairing.Status.choices],
    )

    def __init__(self, data, *, countries):
        super().__init__(data)
        self.fields["country"].choices = [("", _("All countries"))] + [
            (c, country_name(c)) for c in countries
        ]

    def filter(self, pairings):
        """``pairings`` narrowed by the valid filters."""
        self.is_valid()
        data = self.cleaned_data
        return pairings.matching(
            country=data.get("country"), status=data.get("status"), text=data.get("q")
        )


class ExportFilterForm(StatusFilterForm):
    """The status filters plus the centre the rows belong to (a centre page has it in its URL)."""

    scope = forms.ChoiceField(required=False, choices=Centre.Scope.choices)

    def filter(self, pairings):
        pairings = super().filter(pairings)
        scope = self.cleaned_data.get("scope")
        return pairings.in_scope(scope) if scope else pairings


class LetterForm(forms.Form):
    """Who writes the printable letter, and to which target. Nothing is stored."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    address = forms.CharField(
        label=_("Your address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
    )
    target = forms.TypedChoiceField(label=_("Write to"), coerce=int)

    def __init__(self, data, *, cards):
        super().__init__(data)
        # Partner-side offices first: the letter goes there, a copy to the Korean side.
        self.cards = {card.office.pk: card for card in sorted(cards, key=lambda c: c.is_korean)}
        self.fields["target"].choices = [
            (pk, _letter_choice_label(card)) for pk, card in self.cards.items()
        ]

    @property
    def card(self):
        """The chosen target's ``TargetCard`` (after validation)."""
        return self.cards[self.cleaned_data["target"]]


def _letter_choice_label(card):
    if card.holder:
        return f"{card.office} — {card.holder.name}"
    return str(card.office)
