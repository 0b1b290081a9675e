"""Petitions addressed to a campaign's targets, and the supporters' signatures."""

import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from campaigns.models import Campaign
from core import ratelimit
from core.emails import normalize_email
from core.i18n import localized
from core.pagecache import invalidate_pages
from core.signals import email_confirmed
from mailer.models import OutboxMessage
from mailer.outbox import kick, queue_template

from .charts import PetitionStats

CONFIRM_MAIL_CATEGORY = "petition.confirm"
UNIQUE_EMAIL_CONSTRAINT = "petition_signature_unique_email"
# Cached counts are forgotten on every change; the timeout only bounds a lost forget.
COUNT_CACHE_SECONDS = 3600
# A recount that died (killed worker) stops blocking other recounts after this long.
RECOUNT_LOCK_SECONDS = 30
# How many of the latest public signers the campaign page lists.
RECENT_SIGNERS = 10


class PetitionQuerySet(models.QuerySet):
    def with_confirmed_counts(self):
        """Annotate ``n_confirmed``, the exact count, in the same query (e.g. admin lists).

        A subquery rather than a join: the list's COUNT(*) then leaves it out instead of
        joining every signature.
        """
        counts = (
            Signature.objects.counted()
            .filter(petition=OuterRef("pk"))
            .values("petition")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(n_confirmed=Coalesce(Subquery(counts), 0))


class Petition(models.Model):
    campaign = models.OneToOneField(
        Campaign, on_delete=models.PROTECT, related_name="petition", verbose_name=_("campaign")
    )
    title = models.CharField(_("title"), max_length=300)
    title_ko = models.CharField(_("title (Korean)"), max_length=300, blank=True)
    text = models.TextField(_("petition text"), max_length=20000)
    text_ko = models.TextField(_("petition text (Korean)"), max_length=20000, blank=True)
    goal = models.PositiveIntegerField(_("goal"), default=1000)
    is_open = models.BooleanField(_("open for signatures"), default=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(goal__gt=0), name="petition_goal_positive")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("petitions:sign", kwargs={"slug": self.campaign.slug})

    # The Korean interface (and mail to Korean signers) shows the Korean text where written.
    @property
    def localized_title(self):
        return localized(self.title, self.title_ko)

    @property
    def localized_text(self):
        return localized(self.text, self.text_ko)

    def accepts_signatures(self, now=None):
        now = now or timezone.now()
        return self.is_open and (self.closes_at is None or self.closes_at > now)

    def confirmed_count(self):
        """Confirmed, valid signatures: one indexed COUNT, cached until the next change.

        No counter row is updated per signature (a hot row serialises every signer);
        ``forget_count()`` runs after each confirmation, withdrawal or invalidation.
        """
        return Petition.confirmed_counts([self])[self.pk]

    @classmethod
    def confirmed_counts(cls, petitions):
        """``{pk: confirmed count}`` for ``petitions``: cached counts, and one grouped COUNT
        for the petitions whose count is not cached (then cached)."""
        return _cached_per_petition(petitions, "count", _count_signatures)

    def forget_count(self):
        """Drop the cached count and statistics (after a change to the counted signatures).

        Moves the petition's cache keys to a new version instead of deleting them: a count
        read from the rows before the change but stored after it lands under the old version,
        where nobody looks, so it is never taken for the current count.
        """
        cache.set(_version_key(self.pk), _new_cache_version(), timeout=None)

    def stats(self):
        """What the progress section shows: the count, signatures by country and by day and
        the latest public signers (``charts.PetitionStats``).

        Cached with the count, so a page needs no query until the next change and four when
        it has to recount.
        """
        data = _cached_per_petition([self], "stats", self._compute_stats)[self.pk]
        return PetitionStats(petition=self, count=self.confirmed_count(), **data)

    def _compute_stats(self, pks):
        signatures = self.signatures.all()
        data = {
            "by_country": list(signatures.by_country().values_list("country", "n")),
            "by_day": list(signatures.by_day().values_list("day", "n")),
            "recent": [
                (signature.first_name, signature.country.code)
                for signature in signatures.recent_public()
            ],
        }
        return {self.pk: data}

    @property
    def confirm_within_hours(self):
        """How long a signer has to confirm (``PETITION_PENDING_TTL``), for pages and mails."""
        return int(settings.PETITION_PENDING_TTL.total_seconds() // 3600)

    def rate_allows(self, ip_hash):
        """Count a signing attempt; False when it exceeds the per-IP or per-petition rates.

        A client over its own limit does not use up the petition's allowance.
        """
        return ratelimit.hit_in_order(
            (
                "petition-sign-ip",
                ip_hash,
                ratelimit.Rate.parse_list(settings.PETITION_SIGN_RATES_PER_IP),
            ),
            (
                "petition-sign",
                self.pk,
                ratelimit.Rate.parse_list(settings.PETITION_SIGN_RATES_PER_PETITION),
            ),
        )

    def sign(self, data, ip_hash="", now=None):
        """Store a pending signature whose confirmation mail is due: one INSERT, no more.

        ``data`` holds the ``Signature`` fields (``SignForm.signature_data()``). The row is
        its own mail queue entry (``mail_due``): the outbox flush, kicked once the row is
        committed, turns due signatures into outbox rows (``queue_due_confirmations``), so a
        surge costs one single-statement transaction per signature and a broker or cache
        outage loses nothing (the sweeper runs the same step).

        The unique constraint on the normalised email decides duplicates, so concurrent
        submissions of one address cannot both insert. A duplicate changes nothing but may
        re-send the pending confirmation (``SignatureQuerySet.resend_confirmation``); it
        returns None, the caller answers exactly as for a first signature.
        """
        now = now or timezone.now()
        signature = Signature(
            petition=self,
            ip_hash=ip_hash,
            created_at=now,
            confirmation_sent_at=now,
            language=translation.get_language() or "",
            **data,
        )
        try:
            _insert(signature)
        except IntegrityError as error:
            if not _violates_unique_email(error):
                raise
            Signature.objects.resend_confirmation(self, signature.email_normalized, now)
            return None
        transaction.on_commit(kick)
        return signature


class SignatureQuerySet(models.QuerySet):
    def counted(self):
        """Signatures that count: confirmed and not invalidated."""
        return self.filter(status=Signature.Status.CONFIRMED, invalidation__isnull=True)

    def by_country(self):
        return self.counted().values("country").annotate(n=Count("pk")).order_by("-n", "country")

    def on_pages_of(self, pairings):
        """Counted signatures of the published campaigns of ``pairings`` (a queryset)."""
        return self.counted().filter(
            petition__campaign__is_published=True, petition__campaign__pairing__in=pairings
        )

    def by_week(self, since):
        """``week`` (its Monday) and ``n`` for the weeks from ``since`` on with signatures."""
        return (
            self.filter(confirmed_at__gte=since)
            .annotate(week=TruncWeek("confirmed_at", output_field=models.DateField()))
            .values("week")
            .annotate(n=Count("pk"))
            .order_by("week")
        )

    def by_day(self):
        return (
            self.counted()
            .annotate(day=TruncDate("confirmed_at"))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by("day")
        )

    def expired(self, now=None):
        now = now or timezone.now()
        return self.filter(
            status=Signature.Status.PENDING,
            created_at__lt=now - settings.PETITION_PENDING_TTL,
        )

    def resend_confirmation(self, petition, email_normalized, now=None):
        """Re-send a pending signature's confirmation unless one went out recently.

        The conditional UPDATE claims the re-send: of several concurrent duplicates only one
        moves ``confirmation_sent_at`` past the cutoff, so the mail goes out at most once per
        ``PETITION_RESEND_INTERVAL``. Returns True when a mail is due again.
        """
        now = now or timezone.now()
        cutoff = now - settings.PETITION_RESEND_INTERVAL
        claimed = (
            self.filter(
                petition=petition,
                email_normalized=email_normalized,
                status=Signature.Status.PENDING,
            )
            .filter(Q(confirmation_sent_at__lt=cutoff) | Q(confirmation_sent_at__isnull=True))
            .update(confirmation_sent_at=now, mail_due=True)
        )
        if claimed:
            transaction.on_commit(kick)
        return bool(claimed)

    def queue_due_confirmations(self, batch_size=500):
        """Queue the confirmation mail of every signature whose mail is due; the count.

        An outbox producer (registered in ``PetitionsConfig.ready``): runs in the flush task
        and the sweeper. Each batch is locked (``SKIP LOCKED``: concurrent flushes take
        different rows), queued and marked done in one transaction, so a mail is queued once.
        """
        skip_locked = connection.features.has_select_for_update_skip_locked
        of = ("self",) if connection.features.has_select_for_update_of else ()
        total = 0
        while True:
            with transaction.atomic():
                batch = list(
                    self.filter(mail_due=True)
                    .select_related("petition__campaign")
                    .select_for_update(skip_locked=skip_locked, of=of)
                    .order_by("pk")[:batch_size]
                )
                for signature in batch:
                    signature.queue_confirmation()
                self.filter(pk__in=[signature.pk for signature in batch]).update(mail_due=False)
            total += len(batch)
            if len(batch) < batch_size:
                return total

    def delete_expired(self, now=None, batch_size=1000):
        """Delete unconfirmed signatures past ``PETITION_PENDING_TTL`` in batches; the count.

        Small batches keep each DELETE short, so signing is never blocked behind one long one.
        """
        now = now or timezone.now()
        total = 0
        while batch := list(self.expired(now).values_list("pk", flat=True)[:batch_size]):
            total += self.filter(pk__in=batch, status=Signature.Status.PENDING).delete()[0]
        return total

    def recent_public(self, limit=RECENT_SIGNERS):
        """The latest counted signers who let us show their first name and country."""
        return (
            self.counted()
            .filter(show_publicly=True)
            .order_by("-confirmed_at", "-pk")
            .only("name", "country")[:limit]
        )

    def of_person(self, email):
        """Every signature given with ``email`` (compared normalised), on any petition."""
        return self.filter(email_normalized=normalize_email(email))


class Signature(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("petition")
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    email_normalized = models.CharField(max_length=254, editable=False)
    country = CountryField(_("country"), blank_label=_("Choose your country"))
    city = models.CharField(_("city or postcode"), max_length=100, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    consent_updates = models.BooleanField(_("send me updates"), default=False)
    show_publicly = models.BooleanField(_("show my first name and country"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("signed"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # True until the confirmation mail is in the outbox (see ``Petition.sign``).
    mail_due = models.BooleanField(default=True, editable=False)
    # The language the supporter signed in: their mails are written in it.
    language = models.CharField(max_length=10, blank=True, editable=False)
    invalidation = models.ForeignKey(
        "Invalidation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("invalidated by"),
    )

    # What the signer gives on the sign form (``SignForm``), in the form's order.
    GIVEN_FIELDS = (
        "name",
        "email",
        "country",
        "city",
        "comment",
        "consent_updates",
        "show_publicly",
    )

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_normalized"], name=UNIQUE_EMAIL_CONSTRAINT
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(confirmed_at__isnull=False),
                name="petition_signature_confirmed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["petition", "status", "confirmed_at"], name="signature_count_idx"),
            models.Index(fields=["status", "created_at"], name="signature_pending_idx"),
            models.Index(fields=["email_normalized"], name="signature_email_idx"),
            models.Index(fields=["id"], condition=Q(mail_due=True), name="signature_mail_due_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        self.email_normalized = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def first_name(self):
        return self.name.split()[0] if self.name.split() else ""

    def token(self, purpose):
        """A signed token for links in emails (``confirm`` or ``withdraw``)."""
        return signing.dumps(self.pk, salt=f"petitions.signature.{purpose}")

    @classmethod
    def from_token(cls, token, purpose, max_age=None):
        """The signature a token points to, or None if the token is bad, expired or gone."""
        try:
            pk = signing.loads(token, salt=f"petitions.signature.{purpose}", max_age=max_age)
        except signing.BadSignature:
            return None
        return cls.objects.select_related("petition__campaign").filter(pk=pk).first()

    def confirm(self):
        """Pending → confirmed (idempotent). Returns True when this call confirmed it."""
        changed = Signature.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.CONFIRMED, confirmed_at=timezone.now()
        )
        if changed:
            self.refresh_from_db(fields=["status", "confirmed_at"])
            self.petition.forget_count()
            invalidate_pages()  # cached campaign pages show the count
            email_confirmed.send(sender=Signature, email=self.email)
        return bool(changed)

    def withdraw(self):
        """Delete the signature and the confirmation mails addressed to it (erasure).

        The mails are matched by address, so a queued confirmation for another petition the
        same person signed goes too; signing that one again re-sends it.
        """
        with transaction.atomic():
            OutboxMessage.objects.filter(
                category=CONFIRM_MAIL_CATEGORY, to_email=self.email
            ).delete()
            Signature.objects.filter(pk=self.pk).delete()
            transaction.on_commit(self.petition.forget_count)
            invalidate_pages()

    def link(self, view):
        """The absolute address of ``petitions:<view>`` (confirm, withdraw) with its token."""
        return settings.SITE_URL + reverse(f"petitions:{view}", kwargs={"token": self.token(view)})

    def queue_confirmation(self):
        """Queue the mail with the confirmation link (and, like every mail, a withdraw link),
        in the language the supporter signed in."""
        with translation.override(self.language or settings.LANGUAGE_CODE):
            return self._queue_confirmation()

    def _queue_confirmation(self):
        return queue_template(
            "petitions/email/confirm",
            {
                "signature": self,
                "petition": self.petition,
                "campaign": self.petition.campaign,
                "confirm_url": self.link("confirm"),
                "withdraw_url": self.link("withdraw"),
            },
            to_email=self.email,
            to_name=self.name,
            category=CONFIRM_MAIL_CATEGORY,
        )


def _insert(signature):
    """INSERT the row: on its own it is a one-statement transaction (no BEGIN/COMMIT round
    trips); inside a caller's transaction it gets a savepoint, so a duplicate's failed INSERT
    rolls back only itself."""
    if connection.in_atomic_block:
        with transaction.atomic():
            signature.save(force_insert=True)
    else:
        signature.save(force_insert=True)


def _violates_unique_email(error):
    """True when ``error`` is the one-signature-per-email constraint (not another failure)."""
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint
        return diag.constraint_name == UNIQUE_EMAIL_CONSTRAINT
    return "email_normalized" in str(error)  # SQLite names the columns


class Invalidation(models.Model):
    """A staff decision that a batch of signatures does not count (reversible)."""

    # The keys ``criteria`` may hold (see ``signature_filter``).
    CRITERIA = ("email_domain", "ip_hash", "signed_after", "signed_before")

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="invalidations", verbose_name=_("petition")
    )
    reason = models.CharField(_("reason"), max_length=500)
    criteria = models.JSONField(_("criteria"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    reverted_at = models.DateTimeField(_("reverted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.reason

    def signature_filter(self):
        """The stored criteria as a filter on signatures: each given criterion must match.

        ``email_domain`` matches the exact domain (not its subdomains), ``ip_hash`` the
        stored hash, ``signed_after``/``signed_before`` (ISO datetimes) the signing time.
        """
        criteria = self.criteria
        lookups = {
            "email_normalized__endswith": "@" + criteria["email_domain"]
            if criteria.get("email_domain")
            else None,
            "ip_hash": criteria.get("ip_hash") or None,
            "created_at__gte": parse_datetime(criteria.get("signed_after") or ""),
            "created_at__lt": parse_datetime(criteria.get("signed_before") or ""),
        }
        lookups = {lookup: value for lookup, value in lookups.items() if value is not None}
        if not lookups:
            # An empty filter would match, and invalidate, every signature.
            raise ValueError("An invalidation needs at least one criterion.")
        return Q(**lookups)

    def apply(self):
        """Link the petition's matching signatures that no other invalidation holds; how many.

        Pending signatures are linked too, so a batch of fakes confirmed later still does
        not count. Counts and cached pages are refreshed after the commit.
        """
        with transaction.atomic():
            linked = (
                self.petition.signatures.filter(invalidation__isnull=True)
                .filter(self.signature_filter())
                .update(invalidation=self)
            )
            self._counts_changed()
        return linked

    def revert(self, now=None):
        """Let the signatures count again and record when (once); how many were unlinked."""
        now = now or timezone.now()
        with transaction.atomic():
            claimed = Invalidation.objects.filter(pk=self.pk, reverted_at__isnull=True).update(
                reverted_at=now
            )
            if not claimed:
                return 0
            self.reverted_at = now
            unlinked = self.signatures.update(invalidation=None)
            self._counts_changed()
        return unlinked

    def _counts_changed(self):
        transaction.on_commit(self.petition.forget_count)
        invalidate_pages()


def _version_key(petition_pk):
    return f"petition:{petition_pk}:version"


def _new_cache_version():
    # Random rather than a counter: an evicted counter restarting at 1 could revive old keys.
    return secrets.token_hex(8)


def _count_signatures(pks):
    """``{pk: count}`` of counted signatures for the petitions ``pks``: one grouped COUNT."""
    return dict.fromkeys(pks, 0) | dict(
        Signature.objects.counted()
        .filter(petition__in=pks)
        .values("petition")
        .annotate(n=Count("pk"))
        .values_list("petition", "n")
    )


def _cached_per_petition(petitions, name, compute):
    """``{pk: value}``: each petition's cached ``name`` value for its current version, and
    ``compute(pks) -> {pk: value}`` (then cached) for the petitions without one.

    Only one request at a time recomputes a petition (a short lock); concurrent ones serve
    the value computed last, for an earlier version. A burst of confirmations (each forgets
    the counts) then cannot make every page view recount at once: pages lag by one recount
    at most, and a request that finds no lock always computes the current numbers.
    """
    prefixes = _cache_prefixes(petitions)
    keys = {pk: f"{prefix}:{name}" for pk, prefix in prefixes.items()}
    cached = cache.get_many(keys.values())
    values = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [pk for pk in keys if pk not in values]
    if not missing:
        return values
    locks = {pk: f"petition:{pk}:{name}:lock" for pk in missing}
    recent_keys = {pk: f"petition:{pk}:{name}:recent" for pk in missing}
    mine = [pk for pk in missing if cache.add(locks[pk], 1, RECOUNT_LOCK_SECONDS)]
    others = [pk for pk in missing if pk not in mine]
    recent = cache.get_many(recent_keys[pk] for pk in others)
    values |= {pk: recent[recent_keys[pk]] for pk in others if recent_keys[pk] in recent}
    try:
        if to_compute := [pk for pk in missing if pk not in values]:
            fresh = compute(to_compute)
            cache.set_many(
                {keys[pk]: value for pk, value in fresh.items()}
                | {recent_keys[pk]: value for pk, value in fresh.items()},
                COUNT_CACHE_SECONDS,
            )
            values |= fresh
    finally:
        cache.delete_many([locks[pk] for pk in mine])
    return values


def _cache_prefixes(petitions):
    """``{pk: "petition:<pk>:<version>"}``: where each petition's counts are cached now."""
    keys = {petition.pk: _version_key(petition.pk) for petition in petitions}
    versions = cache.get_many(keys.values())
    missing = {key: _new_cache_version() for key in keys.values() if key not in versions}
    for key, version in missing.items():
        # add(): of two requests starting a version at once, both use the first one's.
        if not cache.add(key, version, timeout=None):
            missing[key] = cache.get(key, version)
    versions |= missing
    return {pk: f"petition:{pk}:{versions[key]}" for pk, key in keys.items()}
