"""Admin for petitions: petitions per campaign, signatures (read-only), invalidations.

Signatures are never added, edited or deleted here: supporters create and withdraw them,
staff invalidate batches (reversibly) and erase a person's data with the logged GDPR action
(``staff.personal_data``).
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import transaction
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import staff
from .models import Invalidation, Petition, Signature

# A DNS name: dot-separated labels of letters, digits and inner hyphens (IDNs as punycode).
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
IP_HASH = re.compile(r"^[0-9a-f]{64}$")


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ("title", "campaign", "confirmed_signatures", "goal", "is_open", "closes_at")
    list_filter = ("is_open",)
    list_select_related = ("campaign",)
    search_fields = ("title", "campaign__title", "campaign__slug")
    autocomplete_fields = ("campaign",)
    fields = ("campaign", "title", "title_ko", "text", "text_ko", "goal", "is_open", "closes_at")
    change_form_template = "admin/petitions/petition/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).with_confirmed_counts()

    def get_readonly_fields(self, request, obj=None):
        # Moving a petition would carry its signatures to another campaign's page.
        return ("campaign",) if obj else ()

    @admin.display(description=_("confirmed signatures"), ordering="n_confirmed")
    def confirmed_signatures(self, petition):
        url = (
            reverse("admin:petitions_signature_changelist")
            + "?"
            + urlencode(
                {"petition__id__exact": petition.pk, "status__exact": Signature.Status.CONFIRMED}
            )
        )
        return format_html('<a href="{}">{}</a>', url, petition.n_confirmed)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/signatures.csv",
                view(staff.export_signatures),
                name="petitions_petition_export",
            ),
            path(
                "<path:object_id>/hand-in/",
                view(staff.hand_in),
                name="petitions_petition_handin",
            ),
            *super().get_urls(),
        ]


class InvalidatedFilter(admin.SimpleListFilter):
    title = _("invalidated")
    parameter_name = "invalidated"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(invalidation__isnull=False)
        if self.value() == "no":
            return queryset.filter(invalidation__isnull=True)
        return queryset


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    """Read-only: search and filter signatures, find batches to invalidate."""

    list_display = (
        "name",
        "email",
        "petition",
        "country",
        "status",
        "is_counted",
        "created_at",
        "confirmed_at",
        "ip_hash_link",
    )
    list_filter = (
        "petition",
        "status",
        "country",
        InvalidatedFilter,
        "consent_updates",
        "show_publicly",
    )
    list_select_related = ("petition", "invalidation")
    search_fields = ("name", "email")
    # A million rows: skip the second, unfiltered COUNT of the whole table.
    show_full_result_count = False
    fields = (
        "petition",
        *Signature.GIVEN_FIELDS,
        "status",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "invalidation",
        "ip_hash_tools",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("counted"), boolean=True)
    def is_counted(self, signature):
        return signature.status == Signature.Status.CONFIRMED and signature.invalidation_id is None

    @admin.display(description=_("IP hash"))
    def ip_hash_link(self, signature):
        """The hash's start, linking to every signature from the same address."""
        if not signature.ip_hash:
            return "—"
        url = (
            reverse("admin:petitions_signature_changelist")
            + "?"
            + urlencode({"ip_hash": signature.ip_hash})
        )
        return format_html(
            '<a href="{}" title="{}">{}…</a>', url, signature.ip_hash, signature.ip_hash[:10]
        )

    @admin.display(description=_("IP hash"))
    def ip_hash_tools(self, signature):
        """The full hash, with links to its signatures and to invalidating them."""
        if not signature.ip_hash:
            return "—"
        same = (
            reverse("admin:petitions_signature_changelist")
            + "?"
            + urlencode({"ip_hash": signature.ip_hash})
        )
        invalidate = (
            reverse("admin:petitions_invalidation_add")
            + "?"
            + urlencode({"petition": signature.petition_id, "ip_hash": signature.ip_hash})
        )
        return format_html(
            '<code>{}</code><br><a href="{}">{}</a> · <a href="{}">{}</a>',
            signature.ip_hash,
            same,
            _("All signatures from this address"),
            invalidate,
            _("Invalidate them"),
        )

    def lookup_allowed(self, lookup, value, request=None):
        # The IP hash links above filter on it without offering it as a sidebar filter.
        return lookup == "ip_hash" or super().lookup_allowed(lookup, value, request)

    def get_urls(self):
        return [
            path(
                "personal-data/",
                self.admin_site.admin_view(staff.personal_data),
                name="petitions_signature_personal_data",
            ),
            *super().get_urls(),
        ]


class InvalidationForm(forms.ModelForm):
    """A batch to invalidate: a petition, a reason and at least one criterion.

    Given criteria must all match (a domain AND a time window narrows down a burst).
    """

    email_domain = forms.CharField(
        label=_("email domain"),
        required=False,
        max_length=253,
        help_text=_("e.g. example.com: every address ending in @example.com (not subdomains)."),
    )
    ip_hash = forms.CharField(
        label=_("IP hash"),
        required=False,
        max_length=64,
        help_text=_("The 64-character hash shown on a signature."),
    )
    signed_after = forms.SplitDateTimeField(
        label=_("signed at or after"), required=False, widget=AdminSplitDateTime
    )
    signed_before = forms.SplitDateTimeField(
        label=_("signed before"), required=False, widget=AdminSplitDateTime
    )

    class Meta:
        model = Invalidation
        fields = ("petition", "reason")

    def clean_email_domain(self):
        domain = self.cleaned_data["email_domain"].strip().lower().removeprefix("@")
        if domain and not DOMAIN.match(domain):
            raise forms.ValidationError(_("Enter a domain name such as example.com."))
        return domain

    def clean_ip_hash(self):
        ip_hash = self.cleaned_data["ip_hash"].strip().lower()
        if ip_hash and not IP_HASH.match(ip_hash):
            raise forms.ValidationError(_("Enter the 64 hexadecimal characters of an IP hash."))
        return ip_hash

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in Invalidation.CRITERIA):
            raise forms.ValidationError(
                _("Give at least one criterion: an email domain, an IP hash or a time window.")
            )
        after, before = cleaned.get("signed_after"), cleaned.get("signed_before")
        if after and before and after >= before:
            self.add_error("signed_before", _("The end must come after the start."))
        return cleaned

    def criteria(self):
        """The criteria as stored on the invalidation (JSON: datetimes as ISO strings)."""
        criteria = {}
        for name in Invalidation.CRITERIA:
            value = self.cleaned_data.get(name)
            if value:
                criteria[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return criteria


@admin.register(Invalidation)
class InvalidationAdmin(admin.ModelAdmin):
    """Adding one invalidates the matching signatures; the revert action counts them again."""

    form = InvalidationForm
    list_display = (
        "created_at",
        "petition",
        "reason",
        "criteria_text",
        "linked_signatures",
        "created_by",
        "reverted_at",
    )
    list_filter = ("petition",)
    list_select_related = ("petition", "created_by")
    autocomplete_fields = ("petition",)
    actions = ("revert",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_signatures=Count("signatures"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("petition", "reason", *Invalidation.CRITERIA)
        return (
            "petition",
            "reason",
            "criteria_text",
            "linked_signatures",
            "created_by",
            "created_at",
            "reverted_at",
        )

    def get_readonly_fields(self, request, obj=None):
        # Changing the criteria afterwards would not match the linked signatures any more.
        return self.get_fields(request, obj) if obj else ()

    def has_delete_permission(self, request, obj=None):
        # Deleting would silently count the signatures again: revert instead, which is recorded.
        return False

    @admin.display(description=_("criteria"))
    def criteria_text(self, invalidation):
        labels = {name: self.form.base_fields[name].label for name in Invalidation.CRITERIA}
        return "; ".join(
            f"{labels.get(name, name)}: {value}" for name, value in invalidation.criteria.items()
        )

    @admin.display(description=_("invalidated signatures"), ordering="n_signatures")
    def linked_signatures(self, invalidation):
        url = (
            reverse("admin:petitions_signature_changelist")
            + "?"
            + urlencode({"invalidation__id__exact": invalidation.pk})
        )
        return format_html('<a href="{}">{}</a>', url, invalidation.n_signatures)

    def save_model(self, request, obj, form, change):
        """Create the invalidation and link its signatures (the admin wraps this in a
        transaction, so both or neither happen)."""
        if change:
            return
        obj.created_by = request.user
        obj.criteria = form.criteria()
        obj.save()
        linked = obj.apply()
        self.message_user(
            request,
            ngettext(
                "%(count)d signature invalidated; it no longer counts.",
                "%(count)d signatures invalidated; they no longer count.",
                linked,
            )
            % {"count": linked},
            messages.SUCCESS if linked else messages.WARNING,
        )

    @admin.action(description=_("Revert: count these signatures again"), permissions=["change"])
    def revert(self, request, queryset):
        with transaction.atomic():
            invalidations = list(queryset.select_related("petition"))
            unlinked = sum(invalidation.revert() for invalidation in invalidations)
        self.message_user(
            request,
            ngettext(
                "Reverted: %(count)d signature counts again.",
                "Reverted: %(count)d signatures count again.",
                unlinked,
            )
            % {"count": unlinked},
        )
