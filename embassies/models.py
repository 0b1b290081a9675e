"""South Korea's embassies and consulates abroad: whom supporters call in their own country."""

import re

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.i18n import localized


class MissionQuerySet(models.QuerySet):
    def in_country(self, code):
        """The missions in the country ``code``: the embassy first, then consulates general,
        then consulates, each group in the admins' order, then by city."""
        rank = Case(
            *(When(kind=kind, then=Value(number)) for number, kind in enumerate(Mission.Kind)),
            output_field=models.IntegerField(),
        )
        return self.filter(country=code).alias(rank=rank).order_by("rank", "order", "city", "pk")

    def country_codes(self):
        """The codes of the countries that have at least one mission, in one query."""
        return list(self.order_by().values_list("country", flat=True).distinct())


class Mission(models.Model):
    """One diplomatic mission of the Republic of Korea (an embassy or a consulate).

    ``verified`` is False until a campaign admin checked the contact data against the
    mission's own website: the seed data was typed in from public listings and numbers
    change. The public page labels unverified entries.
    """

    class Kind(models.TextChoices):
        # Declaration order is the listing order within a country.
        EMBASSY = "embassy", _("Embassy")
        CONSULATE_GENERAL = "consulate-general", _("Consulate General")
        CONSULATE = "consulate", _("Consulate")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    phone = models.CharField(
        _("phone"), max_length=50, help_text=_("International format, e.g. +1 202-939-5600.")
    )
    address = models.TextField(_("address"), max_length=1000)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    hours = models.CharField(
        _("opening hours"), max_length=200, blank=True, help_text=_("Local time.")
    )
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Orders missions of the same kind in a country.")
    )
    verified = models.BooleanField(_("verified"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("Korean embassy or consulate")
        verbose_name_plural = _("Korean embassies and consulates")
        ordering = ["country", "order", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "name"], name="mission_unique_name_per_country"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["embassy", "consulate-general", "consulate"]),
                name="mission_kind_known",
            ),
            models.CheckConstraint(condition=~Q(phone=""), name="mission_has_phone"),
        ]

    def __str__(self):
        return self.name

    @property
    def localized_name(self):
        """The Korean name on the Korean interface (when there is one)."""
        return localized(self.name, self.name_ko)

    @property
    def tel_uri(self):
        """'tel:+12029395600': the digits (and a leading +) of the phone number."""
        return "tel:" + re.sub(r"[^\d+]", "", self.phone)

    @property
    def web_url(self):
        """The website when it is http(s), else '' (never link a javascript: URL)."""
        return self.website if self.website.lower().startswith(("https://", "http://")) else ""
