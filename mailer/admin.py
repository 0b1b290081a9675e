from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "category",
        "to_email",
        "subject",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["to_email", "subject", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
