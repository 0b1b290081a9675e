"""Places (Korean local governments, foreign cities) and the offices and people to contact."""

import re
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import country_name, localized

KOREA = "South Korea"
# Office hours of a place without its own time zone are counted in this one (Korea has one).
KOREAN_TIMEZONE = "Asia/Seoul"
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def has_hangul(text):
    return bool(HANGUL.search(text or ""))


def validate_timezone(value):
    """An IANA time zone name the system knows, e.g. America/Los_Angeles."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("“%(value)s” is not a known time zone; use a name like America/Los_Angeles."),
            params={"value": value},
            code="invalid_timezone",
        ) from error


class PlaceQuerySet(models.QuerySet):
    def korean(self):
        return self.filter(country=KOREA)

    def foreign(self):
        return self.exclude(country=KOREA)


class Place(models.Model):
    """A Korean province/metropolitan city, one of its localities, or a foreign city/region."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Korean province or metropolitan city")
        LOCALITY = "locality", _("Korean city, county or district")
        FOREIGN = "foreign", _("Foreign city or region")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name (English)"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    country = models.CharField(_("country"), max_length=100, db_index=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_(
            "IANA name, e.g. America/Los_Angeles; outreach in office hours uses it. "
            "Empty: Asia/Seoul for Korean places, UTC otherwise."
        ),
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["country", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "name"],
                condition=Q(parent__isnull=True),
                name="place_unique_top_level_name",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(parent__isnull=False),
                name="place_unique_name_in_parent",
            ),
            models.CheckConstraint(
                condition=Q(kind="locality", parent__isnull=False)
                | (~Q(kind="locality") & Q(parent__isnull=True)),
                name="place_only_localities_have_parent",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        """'Seoul › Gangseo-gu' for a locality, the plain name otherwise."""
        if self.parent_id:
            return f"{self.parent.name} › {self.name}"
        return self.name

    @property
    def is_korean(self):
        return self.country == KOREA

    @property
    def zone(self):
        """The place's ``ZoneInfo``: its own time zone, else Korea's or UTC."""
        return ZoneInfo(self.timezone or (KOREAN_TIMEZONE if self.is_korean else "UTC"))

    @property
    def full_name_ko(self):
        if self.parent_id and self.parent.name_ko and self.name_ko:
            return f"{self.parent.name_ko} {self.name_ko}"
        return self.name_ko or self.full_name

    @property
    def localized_name(self):
        """The name in the interface language (Korean when there is a Korean name)."""
        return localized(self.name, self.name_ko)

    @property
    def localized_full_name(self):
        """``full_name`` in the interface language ('경기도 부천시' on the Korean interface)."""
        return localized(self.full_name, self.full_name_ko)

    @property
    def localized_country(self):
        """The country in the interface language ('영국' on the Korean interface)."""
        return country_name(self.country)


class OfficeQuerySet(models.QuerySet):
    def with_holders(self):
        return self.select_related("place__parent").prefetch_related("holders", "contacts")


class Office(models.Model):
    """A public office (Mayor of Bakersfield). Letters address the office, not a person."""

    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="offices", verbose_name=_("place")
    )
    title = models.CharField(
        pgettext_lazy("office", "title"), max_length=100, help_text=_("e.g. Mayor, Governor")
    )
    title_ko = models.CharField(
        pgettext_lazy("office", "title (Korean)"), max_length=100, blank=True
    )

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["place__country", "place__name", "title"]
        constraints = [
            models.UniqueConstraint(fields=["place", "title"], name="office_unique_title_per_place")
        ]

    def __str__(self):
        return f"{self.title} of {self.place.name}"

    @property
    def localized_title(self):
        return localized(self.title, self.title_ko)

    @property
    def localized_name(self):
        """'Mayor of Bucheon' on the English interface, '부천시 시장' on the Korean one."""
        if self.title_ko:
            return localized(str(self), f"{self.place.localized_name} {self.title_ko}")
        return str(self)

    def current_holder(self, on=None):
        """The person holding the office on ``on`` (today by default), or None.

        Works from prefetched ``holders`` so a page listing offices stays at a constant
        number of queries.
        """
        on = on or timezone.localdate()
        current = [
            holder
            for holder in self.holders.all()
            if (holder.term_start is None or holder.term_start <= on)
            and (holder.term_end is None or holder.term_end >= on)
        ]
        return max(current, key=lambda h: h.term_start or on, default=None)

    def contacts_of(self, kind, on=None):
        """Verified-or-not contacts of ``kind`` for the office and its current holder."""
        holder = self.current_holder(on)
        return [
            contact
            for contact in self.contacts.all()
            if contact.kind == kind
            and (contact.holder_id is None or contact.holder_id == getattr(holder, "pk", None))
        ]


class OfficeHolder(models.Model):
    """A person holding an office for a term."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="holders", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    honorific = models.CharField(
        _("honorific"), max_length=50, blank=True, help_text=_("e.g. The Honorable")
    )
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)

    class Meta:
        ordering = ["office", "-term_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name", "term_start"], name="officeholder_unique_term"
            ),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="officeholder_term_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.office})"

    @property
    def addressed_name(self):
        """The name as a letter addresses it ('The Honorable Karen K. Goh')."""
        return f"{self.honorific} {self.name}".strip()

    @property
    def localized_name(self):
        return localized(self.name, self.name_ko)


class Contact(models.Model):
    """One way to reach an office (or its holder): email, phone, postal address, X, web form.

    ``verified`` is False until a campaign admin checked it: outreach never mails an
    unverified address, and the public page labels it.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        POSTAL = "postal", _("Postal address")
        TWITTER = "twitter", _("Twitter / X handle")
        WEBFORM = "webform", _("Web contact form")

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("office")
    )
    holder = models.ForeignKey(
        OfficeHolder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("holder"),
        help_text=_("Leave empty when the contact belongs to the office, whoever holds it."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    value = models.TextField(_("value"), max_length=1000)
    value_ko = models.TextField(
        _("value (Korean)"), max_length=1000, blank=True, help_text=_("Postal address in Korean.")
    )
    verified = models.BooleanField(_("verified"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["office", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "kind", "value"], name="contact_unique_value_per_office"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    @property
    def tel_uri(self):
        """'tel:+16613263770'-style URI built from the digits of a phone number."""
        digits = re.sub(r"[^\d+]", "", self.value)
        return f"tel:{digits}"

    @property
    def twitter_handle(self):
        return self.value.strip().lstrip(".").lstrip("@")

    @property
    def twitter_url(self):
        return f"https://x.com/{quote(self.twitter_handle)}"

    @property
    def web_url(self):
        """The web form's address when it is http(s), else '' (never link a javascript: URL)."""
        value = self.value.strip()
        return value if value.lower().startswith(("https://", "http://")) else ""
