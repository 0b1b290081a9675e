"""Admin of outreach: templates with a preview, the record of what was sent, and the links
from the campaign and pairing pages to sending, petition delivery and the dashboard.

The campaign and pairing admins are re-registered here with extra buttons (object tools),
so ``campaigns`` stays unaware of this app that builds on it.
"""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from campaigns import admin as campaigns_admin
from campaigns.models import Campaign, Pairing

from . import review, views
from .forms import OutreachTemplateForm
from .models import Outreach, OutreachMessage, OutreachTemplate, Response, ResponseAttachment


@admin.register(OutreachTemplate)
class OutreachTemplateAdmin(admin.ModelAdmin):
    """Per campaign and language; saving renders it, so a broken template is refused."""

    form = OutreachTemplateForm
    list_display = ("name", "language", "campaign", "updated_at", "preview_link")
    list_filter = ("language", "campaign")
    list_select_related = ("campaign",)
    search_fields = ("name", "subject", "campaign__title", "campaign__slug")
    autocomplete_fields = ("campaign",)

    @admin.display(description=_("preview"))
    def preview_link(self, template):
        url = reverse("admin:outreach_outreachtemplate_preview", args=[template.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(views.preview_template),
                name="outreach_outreachtemplate_preview",
            ),
            *super().get_urls(),
        ]


class OutreachMessageInline(admin.TabularInline):
    model = OutreachMessage
    fields = ("office", "official_name", "to_email", "status", "delivery", "send_after")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("outbox", "office__place")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"))
    def to_email(self, message):
        return message.outbox.to_email

    @admin.display(description=_("status"))
    def status(self, message):
        return message.outbox.get_status_display()

    @admin.display(description=_("delivery"))
    def delivery(self, message):
        return message.outbox.get_delivery_status_display() or "—"

    @admin.display(description=_("send after"))
    def send_after(self, message):
        return message.outbox.send_after


@admin.register(Outreach)
class OutreachAdmin(admin.ModelAdmin):
    """The record of each send, read-only: made by the send and deliver pages only."""

    list_display = ("created_at", "campaign", "kind", "template", "schedule", "created_by")
    list_filter = ("kind", "schedule", "campaign")
    list_select_related = ("campaign", "template", "created_by")
    fields = (
        "campaign",
        "kind",
        "template",
        "schedule",
        "created_by",
        "created_at",
        "skipped_offices",
    )
    readonly_fields = fields
    inlines = (OutreachMessageInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("skipped offices"))
    def skipped_offices(self, outreach):
        if not outreach.skipped:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {}</li>",
                ((skip.get("office", ""), skip.get("reason", "")) for skip in outreach.skipped),
            ),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "send/<int:campaign_id>/", view(views.send_outreach), name="outreach_outreach_send"
            ),
            path(
                "send-for-pairing/<int:pairing_id>/",
                view(views.send_for_pairing),
                name="outreach_outreach_send_for_pairing",
            ),
            path(
                "deliver-petition/<int:campaign_id>/",
                view(views.deliver_petition),
                name="outreach_outreach_deliver_petition",
            ),
            path(
                "dashboard/<int:campaign_id>/retry/",
                view(views.retry_failed),
                name="outreach_outreach_retry",
            ),
            path(
                "dashboard/<int:campaign_id>/",
                view(views.campaign_dashboard),
                name="outreach_outreach_dashboard",
            ),
            *super().get_urls(),
        ]


# The campaign and pairing pages link to sending (see templates/admin/outreach/).
admin.site.unregister(Campaign)


@admin.register(Campaign)
class CampaignAdmin(campaigns_admin.CampaignAdmin):
    change_form_template = "admin/outreach/campaign_change_form.html"


admin.site.unregister(Pairing)


@admin.register(Pairing)
class PairingAdmin(campaigns_admin.PairingAdmin):
    change_form_template = "admin/outreach/pairing_change_form.html"


# Responses (inbound replies and their review) are registered below.


class ResponseAttachmentInline(admin.TabularInline):
    """A reply's files, as download links: never shown inline, never at a public URL."""

    model = ResponseAttachment
    fields = ("download", "content_type", "size")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, attachment):
        url = reverse(
            "admin:outreach_response_attachment", args=[attachment.response_id, attachment.pk]
        )
        return format_html('<a href="{}">{}</a>', url, attachment.filename)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Officials' responses: replies matched (or not) to outreach mail, and letters or calls
    entered by hand. The mail itself is read-only; triage sets the campaign, pairing and
    office, and the review page (``review``) accepts or dismisses it."""

    list_display = (
        "received_at",
        "__str__",
        "from_email",
        "source",
        "status",
        "campaign",
        "office",
        "review_link",
    )
    list_filter = ("status", "source", "campaign")
    list_select_related = ("campaign", "office__place")
    search_fields = (
        "subject",
        "from_email",
        "from_name",
        "body_text",
        "public_summary",
        "campaign__title",
        "office__place__name",
    )
    date_hierarchy = "received_at"
    autocomplete_fields = ("campaign", "pairing", "office")
    inlines = (ResponseAttachmentInline,)
    actions = ("dismiss",)
    add_form = review.ManualResponseForm
    mail_fields = ("from_name", "from_email", "subject", "body_text", "message_id", "in_reply_to")
    review_fields = ("public_summary", "reviewed_by", "reviewed_at")
    triage_fields = ("status", "source", "received_at", "campaign", "pairing", "office")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self.add_form._meta.fields})]
        return [
            (None, {"fields": self.triage_fields}),
            (_("Mail"), {"fields": self.mail_fields}),
            (_("Review"), {"fields": (*self.review_fields, "notes")}),
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj else ()  # files come with mail, never with a manual entry

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ("status", "source", "received_at", *self.mail_fields, *self.review_fields)
        if not obj.is_awaiting_review:
            # Reviewed: it already changed this pairing's row; review again to correct it.
            readonly += ("campaign", "pairing", "office")
        return readonly

    def save_model(self, request, obj, form, change):
        if obj.status == Response.Status.UNMATCHED and obj.pairing_id:
            obj.status = Response.Status.NEW  # triaged: it now only waits for its review
        super().save_model(request, obj, form, change)

    @admin.display(description=_("review"))
    def review_link(self, response):
        url = reverse("admin:outreach_response_review", args=[response.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review"))

    @admin.action(description=_("Dismiss: not a response"), permissions=["change"])
    def dismiss(self, request, queryset):
        review.dismiss_selected(self, request, queryset)

    def review_view(self, request, object_id):
        return review.review_response(self, request, object_id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/review/", view(self.review_view), name="outreach_response_review"
            ),
            path(
                "<int:object_id>/attachments/<int:attachment_id>/",
                view(review.download_attachment),
                name="outreach_response_attachment",
            ),
            *super().get_urls(),
        ]
