"""Admin for campaign admins: news posts (written here, sent with an action) and followers
(read-only: people add and remove themselves)."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Follower, NewsPost


@admin.register(NewsPost)
class NewsPostAdmin(admin.ModelAdmin):
    list_display = ("title", "target", "language", "published_at", "sent_at", "sent_count")
    list_filter = ("language", ("sent_at", admin.EmptyFieldListFilter))
    list_select_related = ("campaign", "centre")
    search_fields = ("title", "campaign__title")
    fields = (
        "campaign",
        "centre",
        "title",
        "body",
        "language",
        "published_at",
        "sent_at",
        "sent_count",
    )
    readonly_fields = ("sent_at", "sent_count")
    autocomplete_fields = ("campaign",)
    date_hierarchy = "published_at"
    actions = ("send_to_followers",)

    @admin.display(description=_("campaign or centre"))
    def target(self, post):
        return post.target

    @admin.action(description=_("Send to followers and consenting signers"), permissions=["change"])
    def send_to_followers(self, request, queryset):
        """First a confirmation page with each post's recipient count; its button posts the
        action again with ``post=yes`` (as Django's "delete selected" does), which sends."""
        posts = list(queryset.select_related("campaign", "centre"))
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "updates/admin/send_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Send news posts by email"),
                    "opts": self.model._meta,
                    "rows": [
                        (post, None if post.sent_at else len(post.recipients())) for post in posts
                    ],
                    "queryset": queryset,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for post in posts:
            self._send(request, post)
        return None

    def _send(self, request, post):
        if not post.is_published():
            self.message_user(
                request,
                _("“%(title)s” is not published yet: publish it before sending it.")
                % {"title": post.title},
                messages.WARNING,
            )
            return
        count = post.send()
        if count is None:
            self.message_user(
                request,
                _("“%(title)s” was already sent; it is never sent twice.") % {"title": post.title},
                messages.WARNING,
            )
            return
        text = ngettext(
            "“%(title)s” is on its way to %(count)d recipient.",
            "“%(title)s” is on its way to %(count)d recipients.",
            count,
        ) % {"title": post.title, "count": count}
        self.log_change(request, post, text)
        self.message_user(request, text, messages.SUCCESS)


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ("email", "target", "status", "language", "created_at", "confirmed_at")
    list_filter = ("status", "language")
    list_select_related = ("campaign", "centre")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Follower._meta.fields]

    @admin.display(description=_("campaign or centre"))
    def target(self, follower):
        return follower.target

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
