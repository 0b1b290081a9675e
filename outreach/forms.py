"""Admin forms of outreach: templates, and choosing whom to send to and when."""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from officials.models import Office

from .models import Outreach, OutreachTemplate
from .rendering import CONTEXT_HELP


def context_help():
    """The variables a template may use, as the admin's help text shows them."""
    return format_html_join("", "<br><code>{{{{ {} }}}}</code> — {}", sorted(CONTEXT_HELP.items()))


class OutreachTemplateForm(forms.ModelForm):
    class Meta:
        model = OutreachTemplate
        fields = ("campaign", "name", "language", "subject", "body_text", "body_html")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].help_text = format_html(
            "{}{}", _("One line; line breaks are folded into spaces. Variables:"), context_help()
        )
        self.fields["body_text"].help_text = _(
            "Plain text, in the same template language: {% if %}, {% for %}, {% with %}, "
            "{% firstof %}, {% comment %}, {% spaceless %} and {% now %} only."
        )
        self.fields["body_html"].help_text = _(
            "Optional. Values are HTML-escaped; the “safe” filter is not allowed."
        )


class OfficeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, office):
        holder = office.current_holder()
        zone = office.place.timezone or _("no time zone set, %(zone)s assumed") % {
            "zone": office.place.zone.key
        }
        name = f" — {holder.addressed_name}" if holder else ""
        return f"{office.title}, {office.place.full_name}{name} ({zone})"


class RecipientsForm(forms.Form):
    """Which of the campaign's target offices (both sides), and when.

    Posted twice: first to see the confirmation page, then with ``confirm`` and the page's
    ``submission_key`` to send.
    """

    targets = OfficeChoiceField(
        label=_("Target offices"),
        queryset=Office.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    schedule = forms.ChoiceField(
        label=_("When"),
        choices=Outreach.Schedule.choices,
        initial=Outreach.Schedule.NOW,
        widget=forms.RadioSelect,
        help_text=_(
            "Office hours: Monday to Friday, 09:00 to 17:00 in each office's time zone; "
            "mail to an office that is closed now waits for its next opening."
        ),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, campaign, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        offices = campaign.targets.with_holders().order_by("place__country", "place__name")
        self.fields["targets"].queryset = offices
        self.fields["targets"].initial = [office.pk for office in offices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirm") and not cleaned.get("submission_key"):
            raise forms.ValidationError(_("Review the recipients before sending."))
        return cleaned


class SendOutreachForm(RecipientsForm):
    template = forms.ModelChoiceField(label=_("Template"), queryset=OutreachTemplate.objects.none())

    field_order = ("template", "targets", "schedule")

    def __init__(self, campaign, *args, **kwargs):
        super().__init__(campaign, *args, **kwargs)
        self.fields["template"].queryset = campaign.outreach_templates.all()


class RetryForm(forms.Form):
    """Retry one failed message of the dashboard, or (no message) all of them."""

    message = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
