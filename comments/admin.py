"""Admin for the rules (word lists, thresholds), commenters and comments.

Volunteers moderate at ``/moderation/``; this is for admins. Comment states change only
through the model's transitions (admin actions here), so every change is logged.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Comment, Commenter, Flag, ModerationAction, ModerationSettings, Phrase


@admin.register(Phrase)
class PhraseAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "language", "note"]
    list_filter = ["kind", "language"]
    search_fields = ["text", "note"]
    fieldsets = [
        (
            None,
            {
                "fields": ["language", "kind", "text", "note"],
                "description": _(
                    "Matching ignores case and accents and checks every language. Words match "
                    "whole: “scum” does not match “scumbag”; end a phrase with * to match word "
                    "beginnings (“scum*”). Korean phrases match anywhere in the text, so list "
                    "them specifically. A note starting with threat, hate, abuse, spam or "
                    "off-topic gives the rejection reason of a banned phrase."
                ),
            },
        )
    ]


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "max_links", "caps_ratio", "caps_min_letters", "flags_to_hide"]

    def has_add_permission(self, request):
        # One row, written on migrate (defaults.ensure_defaults): edit it, never add another.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ModerationActionInline(admin.TabularInline):
    model = ModerationAction
    fields = ["created_at", "action", "moderator", "reason", "previous_text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FlagInline(admin.TabularInline):
    model = Flag
    fields = ["created_at", "reason"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "excerpt", "page", "status", "created_at", "staff_author"]
    list_filter = ["status", "reject_reason", "campaign", "centre"]
    search_fields = ["author_name", "text"]
    list_select_related = ["campaign", "centre", "staff_author"]
    date_hierarchy = "created_at"
    fields = [
        "campaign", "centre", "parent", "commenter", "staff_author", "author_name", "text",
        "status", "status_reason", "reject_reason", "ip_hash", "created_at",
    ]  # fmt: skip
    readonly_fields = [
        "campaign", "centre", "parent", "commenter", "staff_author", "text", "status",
        "status_reason", "reject_reason", "ip_hash", "created_at",
    ]  # fmt: skip
    inlines = [ModerationActionInline, FlagInline]
    actions = ["approve", "reject_as_spam", "reject_as_abuse"]

    def has_add_permission(self, request):
        # Comments come from the public form (and staff replies from the page itself).
        return False

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return comment.text[:80]

    def _transition(self, request, queryset, method, *args):
        done = 0
        for comment in queryset:
            try:
                getattr(comment, method)(request.user, *args)
            except ValueError as error:
                self.message_user(request, f"{comment.pk}: {error}", messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d comment changed.", "%(count)d comments changed.", done)
            % {"count": done},
        )

    @admin.action(description=_("Approve (publish)"), permissions=["change"])
    def approve(self, request, queryset):
        self._transition(request, queryset, "approve")

    @admin.action(description=_("Reject as spam"), permissions=["change"])
    def reject_as_spam(self, request, queryset):
        self._transition(request, queryset, "reject", Comment.RejectReason.SPAM)

    @admin.action(description=_("Reject as abuse"), permissions=["change"])
    def reject_as_abuse(self, request, queryset):
        self._transition(request, queryset, "reject", Comment.RejectReason.ABUSE)


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "n_comments", "confirmed_at", "blocked_at", "created_at"]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("blocked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "email_normalized"]
    readonly_fields = ["email_normalized", "created_at"]
    actions = ["mark_known"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_comments=Count("comments"))

    @admin.display(description=_("comments"), ordering="n_comments")
    def n_comments(self, commenter):
        return commenter.n_comments

    @admin.action(
        description=_("Mark as known (publish their comments without review)"),
        permissions=["change"],
    )
    def mark_known(self, request, queryset):
        for commenter in queryset:
            commenter.confirm()
