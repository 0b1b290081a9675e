"""Campaign admins keep the embassy and consulate contacts current (and mark them checked)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.pagecache import invalidate_pages

from .models import Mission


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "city", "phone", "verified", "updated_at")
    list_filter = ("verified", "kind", "country")
    search_fields = ("name", "name_ko", "city", "phone", "address")
    ordering = ("country", "order", "city")
    fieldsets = (
        (None, {"fields": ("kind", "country", "city", "name", "name_ko", "order")}),
        (_("Contact"), {"fields": ("phone", "address", "email", "website", "hours")}),
        (
            _("Checked"),
            {
                "fields": ("verified",),
                "description": _(
                    "Tick once every field was compared with the mission's own website."
                ),
            },
        ),
    )
    actions = ("mark_verified",)

    @admin.action(description=_("Mark as verified"), permissions=["change"])
    def mark_verified(self, request, queryset):
        # One UPDATE sends no post_save: the cached picker pages are refreshed by hand.
        count = queryset.update(verified=True)
        invalidate_pages()
        self.message_user(
            request,
            ngettext(
                "%(count)d mission marked as verified.",
                "%(count)d missions marked as verified.",
                count,
            )
            % {"count": count},
        )
