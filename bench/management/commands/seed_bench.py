"""Fill the benchmark database with a realistic status table of N pairings (10,000 by default).

The demo data (the real pairings of seed 002 and the Bucheon-Bakersfield campaign) is loaded
first with ``load_demo`` when that command exists; synthetic pairings make up the rest:
~30 countries weighted like Korea's real partnerships, ~200 Korean localities across the
17 provinces, about a fifth of them campaigning or answered, some with a campaign page.

Then the petitions (``bench.petitions``): the demo campaign gets an open petition to sign,
and each ``--export-rows`` size a petition with that many confirmed signatures to export.

Idempotent: a database that already holds exactly the wanted data is left alone; anything
else in the places/pairings/campaigns tables is truncated and generated again (which empties
the petitions too: they hang off the campaigns).
"""

import datetime
import random
import time

from django.apps import apps
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bench.petitions import ensure_export_petition, ensure_sign_petition
from campaigns.models import Campaign, Centre, Pairing
from officials.models import KOREA, Place

DEMO_CAMPAIGN_SLUG = "bucheon-bakersfield"
BATCH = 2000

# English and Korean names; metropolitan cities have districts (-gu), provinces cities/counties.
PROVINCES = [
    ("Seoul", "서울특별시", 25, True),
    ("Busan", "부산광역시", 16, True),
    ("Daegu", "대구광역시", 8, True),
    ("Incheon", "인천광역시", 10, True),
    ("Gwangju", "광주광역시", 5, True),
    ("Daejeon", "대전광역시", 5, True),
    ("Ulsan", "울산광역시", 5, True),
    ("Sejong", "세종특별자치시", 1, True),
    ("Gyeonggi-do", "경기도", 31, False),
    ("Gangwon-do", "강원도", 18, False),
    ("Chungcheongbuk-do", "충청북도", 11, False),
    ("Chungcheongnam-do", "충청남도", 15, False),
    ("Jeollabuk-do", "전라북도", 14, False),
    ("Jeollanam-do", "전라남도", 22, False),
    ("Gyeongsangbuk-do", "경상북도", 23, False),
    ("Gyeongsangnam-do", "경상남도", 18, False),
    ("Jeju-do", "제주특별자치도", 2, False),
]
# fmt: off
SYLLABLES = [
    ("Gang", "강"), ("Nam", "남"), ("Buk", "북"), ("Dong", "동"), ("Seo", "서"),
    ("Yang", "양"), ("San", "산"), ("Cheon", "천"), ("Jin", "진"), ("Hae", "해"),
    ("Wol", "월"), ("Pyeong", "평"), ("Ui", "의"), ("An", "안"), ("Gwang", "광"),
    ("Mun", "문"), ("Yeong", "영"), ("Hwa", "화"), ("Sin", "신"), ("Jung", "중"),
]
# Weight ~ how many Korean partnerships the country has (US, China and Japan lead).
COUNTRIES = [
    ("United States", 20), ("China", 18), ("Japan", 14), ("Russia", 4), ("Vietnam", 4),
    ("Australia", 4), ("Canada", 4), ("Philippines", 3), ("Mongolia", 2), ("Indonesia", 2),
    ("Germany", 2), ("France", 2), ("United Kingdom", 2), ("Italy", 2), ("Spain", 1),
    ("Brazil", 1), ("Mexico", 1), ("Turkey", 1), ("India", 1), ("Thailand", 1),
    ("Kazakhstan", 1), ("Uzbekistan", 1), ("New Zealand", 1), ("Poland", 1), ("Hungary", 1),
    ("Chile", 1), ("Peru", 1), ("Argentina", 1), ("Malaysia", 1), ("Cambodia", 1),
]
CITY_STEMS = [
    "Ash", "Bel", "Cor", "Dun", "El", "Fair", "Glen", "Har", "Iron", "Kings", "Lake", "Mar",
    "North", "Oak", "Pine", "Red", "Sil", "Stone", "West", "Wood", "Bright", "Clear", "Deer",
    "Elm", "Fox", "Green", "High", "Long", "Mill", "Rose",
]
CITY_ENDINGS = [
    "ford", "ton", "ville", "burg", "field", "haven", "mont", "port", "wick", "dale",
    "bridge", "mouth", "stead", "worth", "more",
]
# fmt: on
CITY_PREFIXES = ["", "New ", "Port ", "Upper ", "Lower ", "East ", "West "]
# Share of pairings per status: most have no campaign yet, as in the real table.
STATUS_WEIGHTS = [
    (Pairing.Status.NO_CAMPAIGN, 80),
    (Pairing.Status.CAMPAIGNING, 13),
    (Pairing.Status.RESPONSE_RECEIVED, 5),
    (Pairing.Status.VICTORY, 2),
]
CITIES_PER_PAIRING = 0.6  # popular partner cities have several Korean partners
PROVINCE_LEVEL_SHARE = 0.25  # pairings signed by a province or metropolitan city itself
CAMPAIGN_PAGE_SHARE = 0.3  # of the pairings with a campaign, how many have a published page


class Command(BaseCommand):
    help = "Seed the benchmark database with N realistic pairings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--pairings", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2017, help="Random seed (same data).")
        parser.add_argument("--force", action="store_true", help="Reseed even if it looks right.")
        parser.add_argument(
            "--export-rows",
            type=int,
            nargs="*",
            default=[],
            help="Sizes of the export petitions to keep (e.g. 100000 1000000).",
        )

    def handle(self, *args, pairings, seed, force, export_rows, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark seeds PostgreSQL only (TRUNCATE ... CASCADE).")
        has_demo = "load_demo" in get_commands()
        if not force and self.is_seeded(pairings, has_demo):
            self.stdout.write(f"Already seeded: {pairings} pairings.")
        else:
            self.seed_pairings(pairings, seed, has_demo)
        if ensure_sign_petition(DEMO_CAMPAIGN_SLUG) is None:
            self.stdout.write(self.style.WARNING("No demo campaign: nothing to sign."))
        for rows in export_rows:
            ensure_export_petition(rows, self.stdout)

    def seed_pairings(self, pairings, seed, has_demo):
        started = time.monotonic()
        self.truncate()
        if has_demo:
            self.stdout.write("Loading the demo data (load_demo --no-staff)…")
            call_command("load_demo", "--no-staff", stdout=self.stdout)
        else:
            self.stdout.write(self.style.WARNING("load_demo not found: synthetic pairings only."))
        existing = Pairing.objects.count()
        wanted = pairings - existing
        if wanted < 0:
            raise CommandError(f"The demo data alone has {existing} pairings (> {pairings}).")
        with transaction.atomic():
            counts = Generator(random.Random(seed), self.stdout).generate(wanted)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {Pairing.objects.count()} pairings "
                f"({existing} demo + {wanted} synthetic), "
                f"{counts['places']} new places, {counts['campaigns']} campaign pages "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    @staticmethod
    def is_seeded(pairings, has_demo):
        if Pairing.objects.count() != pairings:
            return False
        return not has_demo or Campaign.objects.filter(slug=DEMO_CAMPAIGN_SLUG).exists()

    def truncate(self):
        """Empty every table of the officials and campaigns apps (and whatever points at them)."""
        models = [
            model
            for label in ("officials", "campaigns")
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
        ]
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        self.stdout.write(f"Emptied {len(models)} tables.")


class Generator:
    """Builds the synthetic places, pairings and campaigns with bulk inserts."""

    def __init__(self, rng, stdout):
        self.rng = rng
        self.stdout = stdout

    def generate(self, count):
        provinces = self.provinces()
        localities = self.localities(provinces)
        korean_weighted = self.korean_choices(provinces, localities)
        new_places = len(localities)
        pairs = set(Pairing.objects.values_list("korean_place_id", "foreign_place_id"))
        rows = []
        countries, weights = zip(*COUNTRIES, strict=True)
        per_country = self.rng.choices(countries, weights=weights, k=count)
        for country in countries:
            wanted = per_country.count(country)
            if not wanted:
                continue
            cities = self.foreign_places(country, max(1, round(wanted * CITIES_PER_PAIRING)))
            new_places += len(cities)
            for _ in range(wanted):
                rows.append(self.pairing(korean_weighted, cities, pairs))
        self.number(rows)
        created = self.bulk(Pairing, rows)
        campaigns = self.campaigns(created)
        return {"places": new_places, "campaigns": campaigns}

    def bulk(self, model, objects):
        created = []
        for start in range(0, len(objects), BATCH):
            created += model.objects.bulk_create(objects[start : start + BATCH])
            self.stdout.write(f"  {model.__name__}: {len(created)}/{len(objects)}")
        return created

    def provinces(self):
        existing = {p.name: p for p in Place.objects.filter(country=KOREA, parent=None)}
        missing = [
            Place(kind=Place.Kind.PROVINCE, name=name, name_ko=name_ko, country=KOREA)
            for name, name_ko, _, _ in PROVINCES
            if name not in existing
        ]
        for place in Place.objects.bulk_create(missing):
            existing[place.name] = place
        return existing

    def localities(self, provinces):
        taken = set(Place.objects.filter(parent__isnull=False).values_list("parent_id", "name"))
        combos = [(a, b) for a in SYLLABLES for b in SYLLABLES if a != b]
        new = []
        for name, _, count, metropolitan in PROVINCES:
            province = provinces[name]
            endings = [("-gu", "구")] if metropolitan else [("-si", "시"), ("-gun", "군")]
            for (first, first_ko), (second, second_ko) in self.rng.sample(combos, count):
                ending, ending_ko = self.rng.choice(endings)
                local_name = f"{first}{second.lower()}{ending}"
                if (province.pk, local_name) in taken:
                    continue
                taken.add((province.pk, local_name))
                new.append(
                    Place(
                        kind=Place.Kind.LOCALITY,
                        name=local_name,
                        name_ko=f"{first_ko}{second_ko}{ending_ko}",
                        parent=province,
                        country=KOREA,
                    )
                )
        return self.bulk(Place, new)

    def korean_choices(self, provinces, localities):
        """Korean places weighted so big provinces and their cities sign most partnerships."""
        weight = {name: count for name, _, count, _ in PROVINCES}
        by_province = {p.pk: p for p in provinces.values()}
        places, weights = [], []
        for place in provinces.values():
            places.append(place)
            weights.append(weight.get(place.name, 1) * PROVINCE_LEVEL_SHARE)
        for place in localities:
            places.append(place)
            weights.append(weight.get(by_province[place.parent_id].name, 1) / 10)
        return places, weights

    def foreign_places(self, country, count):
        top_level = Place.objects.filter(country=country, parent=None)
        taken = set(top_level.values_list("name", flat=True))
        names = [
            f"{prefix}{stem}{ending}"
            for prefix in CITY_PREFIXES
            for stem in CITY_STEMS
            for ending in CITY_ENDINGS
        ]
        names = [n for n in self.rng.sample(names, min(count, len(names))) if n not in taken]
        new = [Place(kind=Place.Kind.FOREIGN, name=n, country=country) for n in names]
        return list(Place.objects.bulk_create(new))

    def pairing(self, korean_weighted, cities, pairs):
        places, weights = korean_weighted
        while True:
            korean = self.rng.choices(places, weights=weights)[0]
            # A skewed pick: the first cities of the list get many partners, the tail one each.
            foreign = cities[min(int(self.rng.paretovariate(1.2)) - 1, len(cities) - 1)]
            if self.rng.random() < 0.5:
                foreign = self.rng.choice(cities)
            if (korean.pk, foreign.pk) not in pairs:
                pairs.add((korean.pk, foreign.pk))
                break
        statuses, status_weights = zip(*STATUS_WEIGHTS, strict=True)
        status = self.rng.choices(statuses, weights=status_weights)[0]
        agreement = self.date(1965, 2023)
        campaign_date = response_date = None
        note = ""
        if status != Pairing.Status.NO_CAMPAIGN:
            campaign_date = self.date(2015, 2024)
        if status in (Pairing.Status.RESPONSE_RECEIVED, Pairing.Status.VICTORY):
            response_date = campaign_date + datetime.timedelta(days=self.rng.randint(3, 400))
            note = self.rng.choice(["", "Letter from the mayor's office.", "Reply by email."])
        return Pairing(
            korean_place=korean,
            foreign_place=foreign,
            relationship=self.rng.choice(
                [Pairing.Relationship.SISTER, Pairing.Relationship.FRIENDSHIP]
            ),
            agreement_date=agreement,
            campaign_date=campaign_date,
            response_date=response_date,
            response_note=note,
            status=status,
        )

    def date(self, first_year, last_year):
        start = datetime.date(first_year, 1, 1)
        days = (datetime.date(last_year, 12, 31) - start).days
        return start + datetime.timedelta(days=self.rng.randint(0, days))

    @staticmethod
    def number(rows):
        """Number the rows per country by agreement date, like the published table."""
        next_number = {}
        for row in sorted(rows, key=lambda r: (r.foreign_place.country, r.agreement_date)):
            country = row.foreign_place.country
            next_number[country] = next_number.get(country, 0) + 1
            row.number = next_number[country]

    def campaigns(self, pairings):
        campaigned = [p for p in pairings if p.status != Pairing.Status.NO_CAMPAIGN]
        chosen = self.rng.sample(campaigned, round(len(campaigned) * CAMPAIGN_PAGE_SHARE))
        pages = [
            Campaign(
                pairing=p,
                is_main=True,
                slug=f"bench-{p.pk}",
                title=f"Tell {p.foreign_place.name} about {p.korean_place.name}",
                intro="A synthetic campaign page for the benchmark.",
                # A few drafts, so the table's "published only" filter has work to do.
                is_published=self.rng.random() < 0.9,
            )
            for p in chosen
        ]
        Centre.objects.get_or_create(
            scope=Centre.Scope.NON_US, defaults={"title": "Sister City Campaign Center"}
        )
        Centre.objects.get_or_create(
            scope=Centre.Scope.US, defaults={"title": "US Sister City Campaign Center"}
        )
        return len(self.bulk(Campaign, pages))
