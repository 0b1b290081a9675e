"""Forms of the moderation pages: every action is a POST through one of these."""

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import Comment

NOTE_MAX_LENGTH = 300


class BackForm(forms.Form):
    """A moderation action that returns to the page it was taken on."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def next_url(self, request, default):
        """The page the action was taken on, if it is one of ours; else ``default``."""
        url = self.cleaned_data.get("next", "")  # cleaned_data: is_valid() ran first
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        return default


class ActionForm(BackForm):
    """Base of the per-comment actions: an optional note for the log."""

    reason = forms.CharField(
        label=_("Note for the log"), max_length=NOTE_MAX_LENGTH, required=False
    )


class RejectForm(ActionForm):
    reject_reason = forms.ChoiceField(label=_("Reason"), choices=Comment.RejectReason.choices)


class EditForm(ActionForm):
    text = forms.CharField(
        label=_("Comment text"),
        max_length=Comment._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class BlockForm(ActionForm):
    reason = forms.CharField(label=_("Why is this commenter blocked?"), max_length=NOTE_MAX_LENGTH)


class BulkForm(BackForm):
    APPROVE, REJECT = "approve", "reject"

    comments = forms.ModelMultipleChoiceField(
        queryset=Comment.objects.all(),
        error_messages={"required": _("Select at least one comment.")},
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))]
    )
    reject_reason = forms.ChoiceField(
        label=_("Reject reason"),
        choices=[("", _("(for rejecting)")), *Comment.RejectReason.choices],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.REJECT and not cleaned.get("reject_reason"):
            self.add_error("reject_reason", _("Choose why these comments are rejected."))
        return cleaned
