"""Admin for places, offices, the people holding them and how to reach them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Contact, Office, OfficeHolder, Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "name_ko", "kind", "parent", "country")
    list_filter = ("kind", "country")
    list_select_related = ("parent",)
    search_fields = ("name", "name_ko", "parent__name", "parent__name_ko", "country")
    autocomplete_fields = ("parent",)


class OfficeHolderInline(admin.TabularInline):
    model = OfficeHolder
    fields = ("name", "name_ko", "honorific", "term_start", "term_end")
    extra = 1


class ContactInline(admin.TabularInline):
    model = Contact
    # A contact added here belongs to the office, whoever holds it; the holder link
    # is kept as it is on existing rows.
    fields = ("kind", "label", "value", "value_ko", "verified", "order")
    extra = 1


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("title", "place", "current_holder")
    list_filter = ("place__kind", "place__country")
    search_fields = (
        "title",
        "title_ko",
        "place__name",
        "place__name_ko",
        "holders__name",
        "holders__name_ko",
    )
    autocomplete_fields = ("place",)
    inlines = (OfficeHolderInline, ContactInline)

    def get_queryset(self, request):
        # The holders are prefetched so the "current holder" column costs one query per page.
        return (
            super()
            .get_queryset(request)
            .select_related("place__parent")
            .prefetch_related("holders")
        )

    @admin.display(description=_("current holder"))
    def current_holder(self, office):
        holder = office.current_holder()
        return holder.name if holder else None
