"""Default word lists and thresholds, written once so that admins can edit them afterwards."""

import csv
from pathlib import Path

DEFAULT_PHRASES = Path(__file__).resolve().parent / "data" / "default_phrases.csv"


def read_default_phrases(path=DEFAULT_PHRASES):
    """The rows of the default list: dicts with ``language``, ``kind``, ``text``, ``note``."""
    with path.open(encoding="utf-8", newline="") as file:
        return [row for row in csv.DictReader(file) if row["text"].strip()]


def ensure_defaults(apps=None, using="default", **kwargs):
    """Write the default phrases and the settings row when there are none (post_migrate).

    Only into empty tables: an admin's deletions and edits survive later migrations. The
    same hook runs again after a test runner flushes the database.
    """
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Phrase = apps.get_model("comments", "Phrase")
    ModerationSettings = apps.get_model("comments", "ModerationSettings")
    if not ModerationSettings.objects.using(using).exists():
        ModerationSettings.objects.using(using).create()
    if not Phrase.objects.using(using).exists():
        Phrase.objects.using(using).bulk_create(
            (
                Phrase(
                    language=row["language"].strip(),
                    kind=row["kind"].strip(),
                    text=row["text"].strip(),
                    note=row["note"].strip(),
                )
                for row in read_default_phrases()
            ),
            ignore_conflicts=True,
        )
