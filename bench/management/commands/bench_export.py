"""Download an export petition's signatures CSV through the admin and print, as JSON, how long
it took and how much memory the process needed.

The request goes through the real admin view (login, permission, audit log entry, streaming
response) with Django's test client; the streamed chunks are counted and dropped, as a WSGI
server would hand them to the socket. bench/run.py runs one process per size, so each peak
belongs to one export: flat memory means the 1M export peaks about where the 100k one does.
"""

import json
import re
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from bench.petitions import EXPORT_SLUG
from petitions.models import Petition

USERNAME = "bench-export"
STATUS = Path("/proc/self/status")


def memory_kb(field):
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in kB, from /proc."""
    match = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    return int(match.group(1))


def reset_peak():
    """Start VmHWM again from the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Command(BaseCommand):
    help = "Time the admin's streaming CSV export of a bench export petition; print JSON."

    def add_arguments(self, parser):
        parser.add_argument("rows", type=int, help="Size of the export petition (seed_bench).")

    def handle(self, *args, rows, **options):
        slug = EXPORT_SLUG.format(rows=rows)
        petition = Petition.objects.filter(campaign__slug=slug).first()
        if petition is None:
            raise CommandError(f"No petition {slug}: run seed_bench --export-rows {rows}.")
        user, _created = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        # Same host and proxy header as the load test, so no redirect answers instead.
        client = Client(headers={"host": "127.0.0.1", "x-forwarded-proto": "https"})
        client.force_login(user)
        url = reverse("admin:petitions_petition_export", args=[petition.pk])
        # Imports, templates and the login are paid by a first, tiny request, not the export.
        client.get(reverse("admin:index"))
        rss_before = memory_kb("VmRSS")
        peak_reset = reset_peak()
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200 or not response.streaming:
            raise CommandError(f"GET {url} answered {response.status_code}, not a streamed CSV.")
        first_chunk = None
        size = lines = 0
        for chunk in response.streaming_content:
            if first_chunk is None:
                first_chunk = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            json.dumps(
                {
                    "rows": lines - 1,  # the header line; the bench data has no line breaks
                    "expected_rows": petition.signatures.counted().count(),
                    "bytes": size,
                    "seconds": elapsed,
                    "first_chunk_seconds": first_chunk,
                    "rss_before_kb": rss_before,
                    "peak_kb": memory_kb("VmHWM"),
                    "peak_reset": peak_reset,
                }
            )
        )
