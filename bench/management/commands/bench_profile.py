"""Request each page twice in-process and print, as JSON, its SQL query count and size.

The first request is a page-cache miss (bench/run.py gives this process its own cache key
prefix), the second a hit, so the report shows what a cold render costs in queries: the
first thing to look at when a page misses its goal.
"""

import json
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


class Command(BaseCommand):
    help = "Print the SQL query count, size and time of a cold and a warm request per path."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, paths, **options):
        # Same host and proxy header as the load test, so no redirect hides the page.
        client = Client(
            raise_request_exception=False,
            headers={"host": "127.0.0.1", "x-forwarded-proto": "https"},
        )
        report = {}
        for path in paths:
            report[path] = {"cold": self.measure(client, path), "warm": self.measure(client, path)}
        self.stdout.write(json.dumps(report))

    @staticmethod
    def measure(client, path):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        return {
            "status": response.status_code,
            "queries": len(queries),
            "bytes": len(response.content),
            "ms": round(elapsed * 1000, 1),
        }
