"""Admin for campaign admins: the status table (pairings), campaign pages and the centres."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from officials.models import Place

from .models import Campaign, CampaignImage, CampaignVideo, Centre, Pairing, SuggestedMessage
from .resources import PairingResource


class KoreanProvinceFilter(admin.SimpleListFilter):
    """Pairings of a Korean province itself or of any of its localities."""

    title = _("Korean province")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        provinces = Place.objects.korean().filter(kind=Place.Kind.PROVINCE).order_by("name")
        return [(str(place.pk), place.name) for place in provinces]

    def queryset(self, request, queryset):
        province = self.value()
        if province is None:
            return queryset
        if not province.isdigit():
            # The admin answers unknown lookups with its "?e=1" page instead of a 500.
            raise IncorrectLookupParameters(province)
        return queryset.filter(Q(korean_place_id=province) | Q(korean_place__parent_id=province))


class ChoiceLabelsHistory(HistoricalRecordContextHelper):
    """History changes read "No campaign yet → Campaigning", not the stored codes."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and value is not None:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Keeps who changed what, when, and shows it on the object's "History" page."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelsHistory(self.model, historical_record)


@admin.register(Pairing)
class PairingAdmin(ImportExportModelAdmin, HistoryAdmin):
    """The status table: dates and status are edited in the list, every change is kept."""

    resource_classes = [PairingResource]
    list_display = (
        "number",
        "korean_place",
        "foreign_place",
        "foreign_place__country",
        "relationship",
        "agreement_date",
        "campaign_date",
        "response_date",
        "status",
    )
    list_display_links = ("number", "korean_place")
    list_editable = ("campaign_date", "response_date", "status")
    list_filter = ("foreign_place__country", KoreanProvinceFilter, "relationship", "status")
    list_select_related = ("korean_place__parent", "foreign_place")
    list_per_page = 100
    search_fields = (
        "foreign_place__name",
        "foreign_place__name_ko",
        "korean_place__name",
        "korean_place__name_ko",
        "korean_place__parent__name",
        "korean_place__parent__name_ko",
    )
    autocomplete_fields = ("korean_place", "foreign_place")
    actions = ("start_campaigns",)

    def has_import_permission(self, request):
        # import-export lets every staff user import unless a setting says otherwise;
        # an import creates and updates pairings, so it needs both permissions.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description=_("Mark campaign started today"), permissions=["change"])
    def start_campaigns(self, request, queryset):
        """Start the campaign today on the selected pairings that have none yet."""
        today = timezone.localdate()
        with transaction.atomic():
            # Locked so a concurrent edit cannot slip between the status check and the save.
            pairings = queryset.select_related(None).select_for_update(of=("self",))
            started = 0
            for pairing in pairings:
                pairing._change_reason = _("Mark campaign started today")
                started += pairing.start_campaign(today)
        skipped = len(pairings) - started
        text = ngettext(
            "Started the campaign of %(count)d pairing.",
            "Started the campaign of %(count)d pairings.",
            started,
        ) % {"count": started}
        if skipped:
            text += " " + ngettext(
                "%(count)d pairing already had a campaign and was left unchanged.",
                "%(count)d pairings already had a campaign and were left unchanged.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, text, messages.SUCCESS if started else messages.WARNING)


class CampaignAdminForm(forms.ModelForm):
    """Edits the ``actions`` list as one checkbox per known action."""

    actions = forms.MultipleChoiceField(
        label=_("actions"),
        choices=Campaign.Action.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Campaign
        fields = (
            "pairing",
            "is_main",
            "title",
            "title_ko",
            "slug",
            "headline",
            "headline_ko",
            "intro",
            "intro_ko",
            "targets",
            "actions",
            "is_published",
        )

    def clean_actions(self):
        # Stored in the canonical order, whatever order the browser sent.
        chosen = set(self.cleaned_data["actions"])
        return [action for action in Campaign.Action.values if action in chosen]


class SuggestedMessageInline(admin.StackedInline):
    model = SuggestedMessage
    fields = ("target", "kind", "language", "subject", "body", "order")
    autocomplete_fields = ("target",)
    extra = 1


class CampaignImageInline(admin.StackedInline):
    model = CampaignImage
    fields = ("image", "preview", "alt_text", "caption", "order")
    readonly_fields = ("preview",)
    extra = 0

    @admin.display(description=_("preview"))
    def preview(self, image):
        if not image.thumbnail:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="{}">',
            image.thumbnail.url,
            image.alt_text,
            image.thumbnail_width,
        )


class CampaignVideoInline(admin.StackedInline):
    model = CampaignVideo
    fields = ("url", "title", "caption", "order")
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(HistoryAdmin):
    form = CampaignAdminForm
    list_display = ("title", "pairing", "is_main", "is_published", "updated_at")
    list_filter = ("is_published", "is_main")
    list_select_related = ("pairing__korean_place__parent", "pairing__foreign_place")
    search_fields = (
        "title",
        "slug",
        "pairing__foreign_place__name",
        "pairing__foreign_place__name_ko",
        "pairing__korean_place__name",
        "pairing__korean_place__name_ko",
    )
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("pairing", "targets")
    inlines = (SuggestedMessageInline, CampaignImageInline, CampaignVideoInline)
    readonly_fields = ("embed_code",)

    @admin.display(description=_("embed code"))
    def embed_code(self, campaign):
        """The iframe other sites paste to show the petition widget (``campaigns:embed``)."""
        if not campaign.pk:
            return _("Save the campaign to get its embed code.")
        return format_html(
            '<textarea readonly rows="3" cols="80" aria-label="{}">{}</textarea>'
            '<div class="help">{}</div>',
            _("embed code"),
            campaign.embed_snippet(),
            _("Paste this into another website to show the petition count and a sign button."),
        )


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    """The two centre pages: only their title and intro are edited."""

    list_display = ("title", "scope")
    fields = ("scope", "title", "title_ko", "intro", "intro_ko")

    def get_readonly_fields(self, request, obj=None):
        return ("scope",) if obj else ()

    def has_add_permission(self, request):
        # One centre per scope: adding is only offered while a scope has none.
        return super().has_add_permission(request) and Centre.objects.count() < len(Centre.Scope)

    def has_delete_permission(self, request, obj=None):
        return False
