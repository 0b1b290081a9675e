"""The seed list of Korean embassies and consulates (``data/missions.csv``), loaded by
``manage.py load_demo``.

The rows were typed in from the missions' public listings; every one is loaded unverified,
for a campaign admin to check against the mission's website. Loading again creates only
missing rows (matched on country and name) and never overwrites an admin's edits.
"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Mission

DATA_FILE = Path(__file__).resolve().parent / "data" / "missions.csv"
COLUMNS = ("kind", "country", "city", "name", "name_ko", "phone", "address", "email", "website")
OPTIONAL_COLUMNS = ("hours",)
# What a new row gets besides its key (country, name); verified stays False.
DEFAULT_FIELDS = (
    "kind",
    "city",
    "name_ko",
    "phone",
    "address",
    "email",
    "website",
    "hours",
    "order",
)


class MissionDataError(Exception):
    """A bad line in the data file (a bug in the repository, not in the database)."""


def read_missions(path=DATA_FILE):
    """Unsaved, validated ``Mission`` objects, one per data line, in file order."""
    with Path(path).open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise MissionDataError(f"{path}: missing columns {', '.join(sorted(missing))}")
        missions = []
        for row in reader:
            fields = {name: (row.get(name) or "").strip() for name in COLUMNS + OPTIONAL_COLUMNS}
            mission = Mission(**fields, order=len(missions), verified=False)
            try:
                mission.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                raise MissionDataError(
                    f"{path}, line {reader.line_num}: {error.message_dict}"
                ) from error
            missions.append(mission)
    return missions


def load_missions(path=DATA_FILE):
    """Create the missions of the data file that are missing; ``(created, total)``."""
    created = 0
    with transaction.atomic():
        for mission in read_missions(path):
            defaults = {name: getattr(mission, name) for name in DEFAULT_FIELDS}
            _mission, new = Mission.objects.get_or_create(
                country=mission.country, name=mission.name, defaults=defaults
            )
            created += new
    return created, Mission.objects.count()


def on_demo_loaded(**kwargs):
    """Receiver of ``core.signals.demo_loaded``: load the missions, return a summary line."""
    created, total = load_missions()
    return _("Korean embassies and consulates: %(created)d new, %(total)d in all") % {
        "created": created,
        "total": total,
    }
