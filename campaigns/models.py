"""The status table (pairings), the campaign centres and the campaign pages."""

import copy
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import localized
from officials.models import KOREA, Contact, Office, Place

from . import media

US = "United States"


class Centre(models.Model):
    """A campaign centre page with its own intro: the Non-US centre (``/``) and the US one."""

    class Scope(models.TextChoices):
        NON_US = "non-us", _("Non-US pairings")
        US = "us", _("US pairings")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_ko = models.CharField(_("title (Korean)"), max_length=200, blank=True)
    intro = models.TextField(_("intro"), blank=True, max_length=10000)
    intro_ko = models.TextField(_("intro (Korean)"), blank=True, max_length=10000)

    class Meta:
        verbose_name = _("campaign centre")
        ordering = ["scope"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaigns:us_centre" if self.scope == self.Scope.US else "campaigns:home")

    # The Korean interface shows the Korean text where an admin wrote one.
    @property
    def localized_title(self):
        return localized(self.title, self.title_ko)

    @property
    def localized_intro(self):
        return localized(self.intro, self.intro_ko)

    def pairings(self):
        return Pairing.objects.in_scope(self.scope)

    @classmethod
    def default_title(cls, scope):
        if scope == cls.Scope.US:
            return _("Sister City Campaign Center (US)")
        return _("Sister City Campaign Center (Non-US)")

    @classmethod
    def this_and_other(cls, scope):
        """The centre for ``scope`` and the other one, in one query.

        A centre nobody has created in the admin yet is stood in for by an unsaved default,
        so the public pages work on an empty database.
        """
        scope = cls.Scope(scope)
        other = cls.Scope.NON_US if scope == cls.Scope.US else cls.Scope.US
        found = {centre.scope: centre for centre in cls.objects.all()}
        return tuple(
            found.get(each) or cls(scope=each, title=cls.default_title(each))
            for each in (scope, other)
        )


class PairingQuerySet(models.QuerySet):
    def in_scope(self, scope):
        if scope == Centre.Scope.US:
            return self.filter(foreign_place__country=US)
        return self.exclude(foreign_place__country=US)

    def for_table(self):
        """Everything the status table shows, in two queries (rows + main campaigns)."""
        return (
            self.select_related("korean_place__parent", "foreign_place")
            .prefetch_related(
                models.Prefetch(
                    "campaigns",
                    # The petition is joined for the table's signature column.
                    queryset=Campaign.objects.published()
                    .select_related("petition")
                    .only("slug", "pairing_id", "is_main", "petition__id"),
                    to_attr="published_campaigns",
                )
            )
            .order_by("foreign_place__country", F("number").asc(nulls_last=True), "pk")
        )

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(foreign_place__name__icontains=text)
            | Q(foreign_place__name_ko__icontains=text)
            | Q(korean_place__name__icontains=text)
            | Q(korean_place__name_ko__icontains=text)
            | Q(korean_place__parent__name__icontains=text)
            | Q(korean_place__parent__name_ko__icontains=text)
        )

    def headline_numbers(self):
        """Counts for the headline: pairings, campaigns started, responses, victories."""
        return self.aggregate(
            pairings=Count("pk"),
            campaigns=Count("pk", filter=~Q(status=Pairing.Status.NO_CAMPAIGN)),
            responses=Count(
                "pk",
                filter=Q(status__in=[Pairing.Status.RESPONSE_RECEIVED, Pairing.Status.VICTORY]),
            ),
            victories=Count("pk", filter=Q(status=Pairing.Status.VICTORY)),
        )

    def responses_per_year(self):
        """``(year, count)`` of the response dates, oldest year first (one grouped query)."""
        return list(
            self.filter(response_date__isnull=False)
            .annotate(year=ExtractYear("response_date"))
            .values("year")
            .annotate(n=Count("pk"))
            .order_by("year")
            .values_list("year", "n")
        )

    def awaiting_response(self):
        return self.filter(status=Pairing.Status.CAMPAIGNING)

    def countries(self):
        """The partner countries of these rows, alphabetically (the country filter's choices)."""
        return list(
            self.order_by("foreign_place__country")
            .values_list("foreign_place__country", flat=True)
            .distinct()
        )

    def matching(self, country="", status="", text=""):
        """The rows the public filters select; an empty filter selects everything."""
        rows = self.search(text)
        if country:
            rows = rows.filter(foreign_place__country=country)
        if status:
            rows = rows.filter(status=status)
        return rows


class Pairing(models.Model):
    """One row of the public status table: a Korean place and its sister/friendship city."""

    class Relationship(models.TextChoices):
        SISTER = "sister", _("Sister City")
        FRIENDSHIP = "friendship", _("Friendship City")

    class Status(models.TextChoices):
        NO_CAMPAIGN = "none", _("No campaign yet")
        CAMPAIGNING = "campaigning", _("Campaigning")
        RESPONSE_RECEIVED = "response", _("Response received")
        VICTORY = "victory", _("Victory")

    number = models.PositiveIntegerField(
        _("no."), null=True, blank=True, help_text=_("Number in the published table (not unique).")
    )
    korean_place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="pairings_as_korean",
        verbose_name=_("Korean local government"),
        limit_choices_to={"country": KOREA},
    )
    foreign_place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="pairings_as_foreign",
        verbose_name=_("partner city"),
        limit_choices_to={"kind": Place.Kind.FOREIGN},
    )
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=Relationship.choices, default=Relationship.SISTER
    )
    agreement_date = models.DateField(_("agreement date"), null=True, blank=True)
    campaign_date = models.DateField(_("campaign date"), null=True, blank=True)
    response_date = models.DateField(_("response date"), null=True, blank=True)
    response_note = models.CharField(_("response note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NO_CAMPAIGN
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Columns of the published table, as import_pairings reads them.
    TABLE_COLUMNS = (
        "no",
        "korean_province",
        "korean_locality",
        "country",
        "partner_city",
        "agreement_date",
        "relationship",
        "campaign_date",
        "response_date",
        "response_note",
    )
    # Keys of /status.csv and /status.json: the import format's columns, then status and link.
    EXPORT_FIELDS = (*TABLE_COLUMNS, "status", "campaign_url")

    history = HistoricalRecords()
    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["foreign_place__country", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["korean_place", "foreign_place"], name="pairing_unique_places"
            ),
            models.CheckConstraint(
                condition=Q(response_date__isnull=True)
                | Q(campaign_date__isnull=True)
                | Q(response_date__gte=F("campaign_date")),
                name="pairing_response_not_before_campaign",
            ),
            models.CheckConstraint(
                condition=Q(status="none") | Q(campaign_date__isnull=False),
                name="pairing_campaign_status_needs_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["response", "victory"]) | Q(response_date__isnull=False),
                name="pairing_response_status_needs_date",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="pairing_status_idx")]

    def __str__(self):
        return f"{self.korean_place} ↔ {self.foreign_place}"

    def clean(self):
        errors = {}
        if self.response_date and self.campaign_date and self.response_date < self.campaign_date:
            errors["response_date"] = _("The response cannot come before the campaign started.")
        if self.response_date and not self.campaign_date:
            errors["campaign_date"] = _("Enter the campaign date before a response date.")
        if self.status != self.Status.NO_CAMPAIGN and not self.campaign_date:
            errors.setdefault("campaign_date", _("A campaign status needs a campaign date."))
        if (
            self.status in (self.Status.RESPONSE_RECEIVED, self.Status.VICTORY)
            and not self.response_date
        ):
            errors["response_date"] = _("A response status needs a response date.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def status_for_dates(cls, campaign_date, response_date, current=None):
        """The status implied by the dates; a recorded victory is kept while a response exists."""
        if response_date:
            if current == cls.Status.VICTORY:
                return current
            return cls.Status.RESPONSE_RECEIVED
        if campaign_date:
            return cls.Status.CAMPAIGNING
        return cls.Status.NO_CAMPAIGN

    def start_campaign(self, on=None):
        """Mark the campaign as started (today by default); a no-op once it has started."""
        if self.status != self.Status.NO_CAMPAIGN:
            return False
        self.campaign_date = on or timezone.localdate()
        self.status = self.Status.CAMPAIGNING
        self.save(update_fields=["campaign_date", "status", "updated_at"])
        return True

    @property
    def scope(self):
        return Centre.Scope.US if self.foreign_place.country == US else Centre.Scope.NON_US

    @property
    def korean_province(self):
        """The province or metropolitan city (the Korean place itself when it is one)."""
        return self.korean_place.parent if self.korean_place.parent_id else self.korean_place

    @property
    def korean_locality(self):
        """The city, county or district, or None when the pairing is with a province."""
        return self.korean_place if self.korean_place.parent_id else None

    def export_row(self):
        """This row for the journalists' exports: ``EXPORT_FIELDS`` keys, ISO dates, codes
        rather than translated labels, and the main campaign's absolute URL (or None).

        Works from ``for_table()``'s joins and prefetch.
        """
        campaign = self.main_campaign
        locality = self.korean_locality
        return {
            "no": self.number,
            "korean_province": self.korean_province.name,
            "korean_locality": locality.name if locality else None,
            "country": self.foreign_place.country,
            "partner_city": self.foreign_place.name,
            "agreement_date": _iso(self.agreement_date),
            "relationship": self.relationship,
            "campaign_date": _iso(self.campaign_date),
            "response_date": _iso(self.response_date),
            "response_note": self.response_note,
            "status": self.status,
            "campaign_url": campaign.absolute_url if campaign else None,
        }

    @property
    def main_campaign(self):
        """The published main campaign, from ``for_table()``'s prefetch when available."""
        campaigns = getattr(self, "published_campaigns", None)
        if campaigns is None:
            campaigns = list(self.campaigns.published())
        mains = [c for c in campaigns if c.is_main] or campaigns
        return mains[0] if mains else None


def _iso(day):
    return day.isoformat() if day else None


class CampaignQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_page(self):
        """Everything a campaign page shows, in a constant number of queries.

        Images and videos are loaded when the page shows them (``media()``), and only when
        these flags say there are any: most campaigns have none.
        """
        return (
            self.annotate(
                has_images=Exists(CampaignImage.objects.filter(campaign=OuterRef("pk"))),
                has_videos=Exists(CampaignVideo.objects.filter(campaign=OuterRef("pk"))),
            )
            .select_related("pairing__korean_place__parent", "pairing__foreign_place", "petition")
            .prefetch_related(
                models.Prefetch("targets", queryset=Office.objects.with_holders()),
                "messages",
                models.Prefetch(
                    "pairing__campaigns",
                    queryset=Campaign.objects.published().only(
                        "slug", "title", "title_ko", "pairing_id", "is_main", "created_at"
                    ),
                    to_attr="published_campaigns",
                ),
            )
        )


def default_actions():
    return list(Campaign.Action.values)


class Campaign(models.Model):
    """A campaign page for a pairing: who to contact, what to say, and how."""

    class Action(models.TextChoices):
        SIGN = "sign", _("Sign the petition")
        EMAIL = "email", _("Email the officials")
        CALL = "call", _("Call the officials")
        TWEET = "tweet", _("Send a tweet")
        LETTER = "letter", _("Send a letter")
        SHARE = "share", _("Share")

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("pairing")
    )
    is_main = models.BooleanField(
        _("main campaign"),
        default=True,
        help_text=_("The status table links to the main campaign; others are follow-ups."),
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_ko = models.CharField(_("title (Korean)"), max_length=300, blank=True)
    headline = models.CharField(_("headline"), max_length=500, blank=True)
    headline_ko = models.CharField(_("headline (Korean)"), max_length=500, blank=True)
    intro = models.TextField(_("intro"), max_length=20000, blank=True)
    intro_ko = models.TextField(_("intro (Korean)"), max_length=20000, blank=True)
    targets = models.ManyToManyField(
        Office, related_name="campaigns", verbose_name=_("target offices"), blank=True
    )
    actions = models.JSONField(_("actions"), default=default_actions)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["actions"])
    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing"],
                condition=Q(is_main=True),
                name="campaign_one_main_per_pairing",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaigns:detail", kwargs={"slug": self.slug})

    # The Korean interface shows the Korean text where an admin wrote one.
    @property
    def localized_title(self):
        return localized(self.title, self.title_ko)

    @property
    def localized_headline(self):
        return localized(self.headline, self.headline_ko)

    @property
    def localized_intro(self):
        return localized(self.intro, self.intro_ko)

    def clean(self):
        unknown = set(self.actions or []) - set(self.Action.values)
        if unknown:
            raise ValidationError(
                {"actions": _("Unknown actions: %s") % ", ".join(sorted(unknown))}
            )

    def has_action(self, action):
        return action in (self.actions or [])

    @property
    def absolute_url(self):
        """The page's full address (``settings.SITE_URL``), for exports and share links."""
        return settings.SITE_URL + self.get_absolute_url()

    def is_visible_to(self, user):
        """Published pages are public; staff who may edit campaigns can preview the others."""
        return self.is_published or user.has_perm("campaigns.change_campaign")

    def related_campaigns(self):
        """The pairing's other published campaigns, main one first (follow-ups link back)."""
        campaigns = getattr(self.pairing, "published_campaigns", None)
        if campaigns is None:
            campaigns = list(self.pairing.campaigns.published())
        return sorted((c for c in campaigns if c.pk != self.pk), key=lambda c: not c.is_main)

    def target_cards(self):
        """A ``TargetCard`` per target office, with the suggested messages meant for it.

        A message without a target goes to every target, addressed to each in turn.
        Works from ``for_page()``'s prefetches: no query per target or message.
        """
        cards = []
        for office in self.targets.all():
            messages = []
            for message in self.messages.all():
                if message.target_id is None:
                    messages.append(message.for_target(office))
                elif message.target_id == office.pk:
                    message.target = office  # the prefetched office, with its holders
                    messages.append(message)
            cards.append(TargetCard(office, messages))
        return cards

    def target_sides(self):
        """``(label, cards)`` for the Korean side then the partner side; empty sides left out."""
        cards = self.target_cards()
        sides = [
            (_("Korean side"), [card for card in cards if card.is_korean]),
            (_("Partner city side"), [card for card in cards if not card.is_korean]),
        ]
        return [(label, side) for label, side in sides if side]

    def page_url(self, name):
        """The absolute address of one of this campaign's pages (``campaigns:<name>``)."""
        return settings.SITE_URL + reverse(f"campaigns:{name}", kwargs={"slug": self.slug})

    def embed_snippet(self):
        """The iframe HTML other sites paste to show the petition widget (plain text)."""
        return (
            f'<iframe src="{escape(self.page_url("embed"))}" title="{escape(self.title)}" '
            'width="100%" height="280" loading="lazy" style="border:0;max-width:480px">'
            "</iframe>"
        )

    def media(self):
        """``(images, videos)`` for the page, without a query for a kind it has none of
        (the ``for_page()`` flags; without them, always queried)."""
        images = list(self.images.all()) if getattr(self, "has_images", True) else []
        videos = list(self.videos.all()) if getattr(self, "has_videos", True) else []
        return images, videos

    def share_links(self):
        """``(label, url)`` pairs sharing this page, built here so no third-party script loads."""
        url = self.absolute_url
        text = self.headline or self.title
        return [
            (
                _("Email"),
                "mailto:?"
                + urlencode({"subject": self.title, "body": f"{text}\n\n{url}"}, quote_via=quote),
            ),
            (
                "X / Twitter",
                "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url}),
            ),
            ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
            ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{text} {url}"})),
        ]


class SuggestedMessage(models.Model):
    """A message supporters can send (email/letter body, or a tweet) to one target office.

    ``{official}``, ``{office}``, ``{korean_city}`` and ``{partner_city}`` in the text are
    replaced with the office's current holder and the pairing's places when shown.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Email or letter")
        TWEET = "tweet", _("Tweet")

    PLACEHOLDER = re.compile(r"\{(official|office|korean_city|partner_city)\}")
    # A last line like "[Your Name & Address]": the supporter signs there by hand.
    SIGNATURE_PLACEHOLDER = re.compile(r"\n\s*\[[^\]\n]*\]\s*$")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="messages", verbose_name=_("campaign")
    )
    target = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        related_name="suggested_messages",
        verbose_name=_("target office"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a message to all targets."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    language = models.CharField(
        _("language"), max_length=10, default="en", help_text=_("Language code, e.g. en, ko.")
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), max_length=5000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["campaign", "order", "pk"]

    def __str__(self):
        return self.subject or self.body[:60]

    def render(self, text=None):
        """The text with placeholders filled in for the target's current holder."""
        text = self.body if text is None else text
        pairing = self.campaign.pairing
        holder = self.target.current_holder() if self.target_id else None
        values = {
            "official": holder.name if holder else (str(self.target) if self.target_id else ""),
            "office": str(self.target) if self.target_id else "",
            "korean_city": pairing.korean_place.name,
            "partner_city": pairing.foreign_place.name,
        }
        return self.PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

    @property
    def rendered_body(self):
        return self.render()

    @property
    def letter_body(self):
        """The rendered text for a printed letter, without the signature placeholder line
        (the letter page signs with the supporter's name and address)."""
        return self.SIGNATURE_PLACEHOLDER.sub("", self.rendered_body)

    @property
    def rendered_subject(self):
        return self.render(self.subject)

    def mailto_url(self, addresses):
        """A ``mailto:`` link with the subject and body prefilled (RFC 6068 encoding)."""
        query = urlencode(
            {"subject": self.rendered_subject, "body": self.rendered_body}, quote_via=quote
        )
        return f"mailto:{','.join(quote(a, safe='@') for a in addresses)}?{query}"

    def tweet_url(self):
        return "https://twitter.com/intent/tweet?" + urlencode({"text": self.rendered_body})

    def for_target(self, office):
        """An unsaved copy of this all-targets message, addressed to ``office``."""
        message = copy.copy(self)
        message.target = office
        return message


@dataclass
class TargetCard:
    """One target office as the campaign and letter pages show it: who holds it now, how to
    reach them, and the messages to send (rendered for the current holder)."""

    office: Office
    messages: list

    @cached_property
    def holder(self):
        return self.office.current_holder()

    @property
    def is_korean(self):
        return self.office.place.is_korean

    @cached_property
    def emails(self):
        return self.office.contacts_of(Contact.Kind.EMAIL)

    @cached_property
    def phones(self):
        return self.office.contacts_of(Contact.Kind.PHONE)

    @cached_property
    def postal_addresses(self):
        return self.office.contacts_of(Contact.Kind.POSTAL)

    @cached_property
    def twitter_accounts(self):
        return self.office.contacts_of(Contact.Kind.TWITTER)

    @cached_property
    def web_forms(self):
        return [c for c in self.office.contacts_of(Contact.Kind.WEBFORM) if c.web_url]

    @cached_property
    def written_messages(self):
        """``(message, mailto_url)`` for each email/letter message, to this office's addresses."""
        addresses = [contact.value for contact in self.emails]
        return [
            (message, message.mailto_url(addresses))
            for message in self.messages
            if message.kind == SuggestedMessage.Kind.MESSAGE
        ]

    @cached_property
    def tweets(self):
        return [m for m in self.messages if m.kind == SuggestedMessage.Kind.TWEET]

    @property
    def letter_message(self):
        """The message a printed letter to this office carries, or None."""
        return self.written_messages[0][0] if self.written_messages else None


class CampaignImage(models.Model):
    """Evidence shown on the campaign page (a photo, a search-result screenshot).

    The upload is re-encoded on save (``media.process_image``): at most 1600 px wide, with a
    480 px thumbnail for phones, and without EXIF data. Alt text is required (the database
    refuses an empty one too): the page is for everyone, including screen reader users.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="images", verbose_name=_("campaign")
    )
    image = models.ImageField(
        _("image"),
        storage=media.public_storage,
        upload_to="campaigns/",
        validators=[media.validate_image_upload],
        help_text=_("JPEG, PNG, WebP or GIF, at most 10 MB. Resized to 1600 px wide."),
    )
    thumbnail = models.ImageField(
        _("thumbnail"),
        storage=media.public_storage,
        upload_to="campaigns/",
        editable=False,
        blank=True,
    )
    width = models.PositiveIntegerField(_("width"), editable=False, default=0)
    height = models.PositiveIntegerField(_("height"), editable=False, default=0)
    alt_text = models.CharField(
        _("alt text"),
        max_length=300,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("campaign image")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(alt_text__regex=r"^\s*$"), name="campaignimage_alt_text_required"
            )
        ]

    def __str__(self):
        return self.alt_text

    def save(self, *args, **kwargs):
        """Re-encode a new upload and drop the files it replaces (after commit)."""
        replaced = None
        if self.image and not self.image._committed:
            if self.pk:
                replaced = (
                    CampaignImage.objects.filter(pk=self.pk)
                    .values_list("image", "thumbnail")
                    .first()
                )
            processed = media.process_image(self.image)
            self.image.save(processed.image.name, processed.image, save=False)
            self.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
            self.width, self.height = processed.width, processed.height
        super().save(*args, **kwargs)
        if replaced:
            media.delete_files_on_commit(replaced)

    def delete_files(self):
        """Remove the stored files once the deletion commits (``post_delete`` receiver)."""
        media.delete_files_on_commit([self.image.name, self.thumbnail.name])

    @property
    def thumbnail_width(self):
        return min(self.width, media.THUMBNAIL_WIDTH)


class CampaignVideo(models.Model):
    """A YouTube or Vimeo video shown as a click-to-load placeholder on the campaign page."""

    class Provider(models.TextChoices):
        YOUTUBE = "youtube", "YouTube"
        VIMEO = "vimeo", "Vimeo"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="videos", verbose_name=_("campaign")
    )
    url = models.URLField(
        _("video address"),
        max_length=500,
        help_text=_("A YouTube or Vimeo link, e.g. https://www.youtube.com/watch?v=…"),
    )
    provider = models.CharField(
        _("provider"), max_length=10, choices=Provider.choices, editable=False
    )
    video_id = models.CharField(_("video id"), max_length=20, editable=False)
    video_key = models.CharField(_("private key"), max_length=20, editable=False, blank=True)
    title = models.CharField(
        _("title"), max_length=200, help_text=_("Shown on the play button before it loads.")
    )
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    EMBED_URLS = {
        Provider.YOUTUBE: "https://www.youtube-nocookie.com/embed/{id}?autoplay=1",
        Provider.VIMEO: "https://player.vimeo.com/video/{id}?autoplay=1&dnt=1",
    }
    WATCH_URLS = {
        Provider.YOUTUBE: "https://www.youtube.com/watch?v={id}",
        Provider.VIMEO: "https://vimeo.com/{id}",
    }

    class Meta:
        verbose_name = _("campaign video")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(provider__in=["youtube", "vimeo"]) & ~Q(video_id=""),
                name="campaignvideo_known_provider",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.parse_url()
        super().save(*args, **kwargs)

    def clean(self):
        try:
            self.parse_url()
        except ValidationError as error:
            raise ValidationError({"url": error}) from None

    def parse_url(self):
        """Set provider and id from ``url``; ``ValidationError`` unless YouTube or Vimeo."""
        ref = media.parse_video_url(self.url)
        self.provider, self.video_id, self.video_key = ref.provider, ref.video_id, ref.key

    @property
    def embed_url(self):
        """The player the page loads on click (YouTube's no-cookie domain, Vimeo without
        tracking)."""
        url = self.EMBED_URLS[self.provider].format(id=self.video_id)
        return f"{url}&h={self.video_key}" if self.video_key else url

    @property
    def watch_url(self):
        """The video on its own site: the link without JavaScript."""
        url = self.WATCH_URLS[self.provider].format(id=self.video_id)
        return f"{url}/{self.video_key}" if self.video_key else url
