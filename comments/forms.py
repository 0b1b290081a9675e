"""The comment form on campaign and centre pages, and the report ("flag") form."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import ratelimit
from core.emails import normalize_email
from core.headers import check_header_value

from .models import Comment, Commenter
from .pages import page_fields

HONEYPOT = "website"


def _max_length(model, name):
    return model._meta.get_field(name).max_length


class CommentForm(forms.Form):
    """Name, email (never shown) and text, the comment replied to, and a honeypot.

    ``page`` is the campaign or centre the form posts to: a reply must answer a comment on
    the same page. Staff (``user.is_staff``) post as the campaign team, without name and email.
    """

    name = forms.CharField(
        label=_("Name"),
        max_length=_max_length(Comment, "author_name"),
        validators=[check_header_value],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=_max_length(Commenter, "email"),
        help_text=_(
            "Never shown. A known address is published at once; otherwise a moderator "
            "reads your first comment before it appears."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    text = forms.CharField(
        label=_("Comment"),
        max_length=_max_length(Comment, "text"),
        error_messages={"required": _("Please write a comment.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    # Hidden from people (CSS, aria-hidden, out of the tab order); bots fill it. See is_bot().
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, page, user=None, **kwargs):
        # Its own ids: the petition form on the same page has name, email and website too.
        kwargs.setdefault("auto_id", "comment-form-%s")
        super().__init__(*args, **kwargs)
        self.page = page
        self.staff_user = user if user is not None and user.is_staff else None
        if self.staff_user is not None:
            del self.fields["name"], self.fields["email"]

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if pk is None:
            return None
        parent = (
            Comment.objects.published()
            .filter(**page_fields(self.page))
            .select_related("parent")
            .filter(pk=pk)
            .first()
        )
        if parent is None:
            raise forms.ValidationError(_("That comment cannot be answered here."))
        return parent

    def is_bot(self):
        """True when the honeypot was filled in: answer as usual, store nothing."""
        return bool(self[HONEYPOT].value())

    def rate_allows(self, ip_hash):
        """Count a post; False when it exceeds the per-IP or per-email rates (staff: no limit).

        A client over its own IP limit does not use up the email's allowance.
        """
        if self.staff_user is not None:
            return True
        return ratelimit.hit(
            "comment-ip", ip_hash, ratelimit.Rate.parse_list(settings.COMMENT_RATES_PER_IP)
        ) and ratelimit.hit(
            "comment-email",
            normalize_email(self.cleaned_data["email"]),
            ratelimit.Rate.parse_list(settings.COMMENT_RATES_PER_EMAIL),
        )

    def comment_data(self):
        """Keyword arguments for ``posting.post_comment`` (after ``is_valid()``)."""
        data = {"text": self.cleaned_data["text"], "parent": self.cleaned_data["parent"]}
        if self.staff_user is not None:
            user = self.staff_user
            return data | {"staff_user": user, "name": user.get_full_name() or user.get_username()}
        return data | {"name": self.cleaned_data["name"], "email": self.cleaned_data["email"]}


class FlagForm(forms.Form):
    """Why a reader reports a comment: one of the moderators' reasons, and optional details."""

    reason = forms.ChoiceField(
        label=_("Reason"), choices=Comment.RejectReason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(label=_("Details (optional)"), required=False, max_length=250)

    def flag_reason(self):
        reason = Comment.RejectReason(self.cleaned_data["reason"]).value
        details = self.cleaned_data["details"].strip()
        return f"{reason}: {details}" if details else reason
