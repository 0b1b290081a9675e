"""Request each page twice in-process and print, as JSON, its SQL query count and size.

The first request is a page-cache miss (bench/run.py gives this process its own cache key
prefix), the second a hit, so the report shows what a cold render costs in queries: the
first thing to look at when a page misses its goal. ``--post`` paths get two submissions of
the sign form instead (each with a new email address), keyed "POST <path>".
"""

import json
import secrets
import time
import urllib.parse

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


class Command(BaseCommand):
    help = "Print the SQL query count, size and time of a cold and a warm request per path."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--post", nargs="*", default=[], help="Paths to POST the form to.")
        parser.add_argument("--form", default="", help="The form's other fields, urlencoded.")
        parser.add_argument("--email-domain", default="bench.example.org")

    def handle(self, *args, paths, post, form, email_domain, **options):
        # Same host and proxy header as the load test, so no redirect hides the page.
        client = Client(
            raise_request_exception=False,
            headers={"host": "127.0.0.1", "x-forwarded-proto": "https"},
        )
        report = {}
        for path in paths:
            report[path] = {
                "cold": self.measure(client.get, path),
                "warm": self.measure(client.get, path),
            }
        tag = secrets.token_hex(4)
        for path in post:
            bodies = [
                f"{form}&"
                + urllib.parse.urlencode(
                    {"name": "Profile", "email": f"profile-{tag}-{len(report)}-{n}@{email_domain}"}
                )
                for n in range(2)
            ]
            report[f"POST {path}"] = {
                "cold": self.measure(client.post, path, bodies[0]),
                "warm": self.measure(client.post, path, bodies[1]),
            }
        self.stdout.write(json.dumps(report))

    @staticmethod
    def measure(method, path, body=None):
        kwargs = (
            {}
            if body is None
            else {"data": body, "content_type": "application/x-www-form-urlencoded"}
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = method(path, **kwargs)
            elapsed = time.perf_counter() - started
        return {
            "status": response.status_code,
            "queries": len(queries),
            "bytes": len(response.content),
            "ms": round(elapsed * 1000, 1),
        }
