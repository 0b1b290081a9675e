"""Campaign admins review officials' responses: accept one as "response received" or a
"victory" with a public summary (``Response.review`` updates the status table), or dismiss a
mail that answers nothing. Staff pages behind ``ResponseAdmin`` (which wraps them in
``admin_site.admin_view``); each checks its own permissions on top.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import Pairing

from .models import Response, ResponseAttachment

# Reviewing changes the status table, so it needs both permissions.
REVIEW_PERMISSIONS = ("outreach.change_response", "campaigns.change_pairing")
# The summary also becomes the status table's response note, which holds 500 characters.
SUMMARY_MAX_LENGTH = Pairing._meta.get_field("response_note").max_length


class ReviewForm(forms.Form):
    DISMISS = "dismiss"

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Response.Status.RECEIVED, _("Response received")),
            (Response.Status.VICTORY, _("Victory")),
            (DISMISS, _("Dismiss: not a response (spam, automatic reply…)")),
        ],
        widget=forms.RadioSelect,
    )
    public_summary = forms.CharField(
        label=_("Public summary"),
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_(
            "Shown on the campaign page and as the status table's note. Write it for the "
            "public in your own words; never paste the official's mail."
        ),
    )

    def __init__(self, *args, response, **kwargs):
        self.response = response
        initial = {"public_summary": response.public_summary}
        if response.status in (Response.Status.RECEIVED, Response.Status.VICTORY):
            initial["outcome"] = response.status
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == self.DISMISS:
            if not self.response.is_awaiting_review:
                raise ValidationError(
                    _("Only a response awaiting review can be dismissed; review it again instead.")
                )
        elif outcome:
            if not cleaned.get("public_summary"):
                self.add_error("public_summary", _("Write the public summary."))
            if self.response.pairing_id is None:
                raise ValidationError(
                    _("Choose the campaign or pairing this response belongs to first.")
                )
        return cleaned

    def save(self, user):
        """Apply the outcome; returns the admin log message."""
        outcome = self.cleaned_data["outcome"]
        if outcome == self.DISMISS:
            self.response.dismiss(user)
            return gettext("Dismissed.")
        self.response.review(outcome, self.cleaned_data["public_summary"], user)
        return gettext("Reviewed: %s.") % self.response.get_status_display()


def _require(request, *permissions):
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def review_response(model_admin, request, object_id):
    """The review page: the mail (as text), its attachments, the pairing and the form."""
    _require(request, *REVIEW_PERMISSIONS)
    response = get_object_or_404(
        Response.objects.select_related(
            "campaign",
            "pairing__korean_place__parent",
            "pairing__foreign_place",
            "office__place",
            "in_reply_to__outreach",
        ).prefetch_related("attachments"),
        pk=object_id,
    )
    form = ReviewForm(request.POST if request.method == "POST" else None, response=response)
    if form.is_valid():
        model_admin.log_change(request, response, form.save(request.user))
        messages.success(request, gettext("“%s” was reviewed.") % response)
        return redirect("admin:outreach_response_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Review a response"),
        "opts": Response._meta,
        "response": response,
        "form": form,
    }
    return render(request, "outreach/review.html", context)


def download_attachment(request, object_id, attachment_id):
    """A reply's attachment, always as a download: files from outside are never shown
    inline, and never served from a public URL."""
    _require(request, "outreach.view_responseattachment")
    attachment = get_object_or_404(ResponseAttachment, pk=attachment_id, response_id=object_id)
    try:
        file = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        file,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


class ManualResponseForm(forms.ModelForm):
    """A response that came by post or phone, entered by hand (the admin's add form)."""

    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (source.value, source.label)
            for source in (Response.Source.POST, Response.Source.PHONE, Response.Source.OTHER)
        ],
        initial=Response.Source.POST,
    )

    class Meta:
        model = Response
        fields = (
            "source",
            "received_at",
            "campaign",
            "pairing",
            "office",
            "from_name",
            "subject",
            "body_text",
            "notes",
        )
        labels = {"from_name": _("From (who answered)"), "body_text": _("What they said")}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("campaign") and not cleaned.get("pairing"):
            raise ValidationError(_("Choose the campaign or the pairing this response is about."))
        return cleaned


def dismiss_selected(model_admin, request, queryset):
    """The changelist's bulk "dismiss": responses awaiting review only, each logged."""
    dismissed = 0
    for response in queryset:
        if response.dismiss(request.user):
            model_admin.log_change(request, response, gettext("Dismissed."))
            dismissed += 1
    text = ngettext(
        "Dismissed %(count)d response.", "Dismissed %(count)d responses.", dismissed
    ) % {"count": dismissed}
    skipped = len(queryset) - dismissed
    if skipped:
        text += " " + ngettext(
            "%(count)d was already reviewed and was left unchanged.",
            "%(count)d were already reviewed and were left unchanged.",
            skipped,
        ) % {"count": skipped}
    model_admin.message_user(request, text, messages.SUCCESS if dismissed else messages.WARNING)
