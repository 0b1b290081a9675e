"""Time the sign POST against the floor-form POST in-process, interleaved, many times.

A quicker, steadier look than `make bench` while working on the sign path: no gunicorn, no
wrk, the same settings (bench.settings, production mode, Redis cache and broker, the raised
sign rate limits) and the same requests (real CSRF cookie and token, Origin header, a new
email address per POST). Each iteration posts floor-form then sign (order alternating), so
machine drift hits both alike; the ratio of the medians is what to compare between versions.

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/<db> BENCH_REDIS_URL=redis://…/<n> \
        .venv/bin/python bench/profile_sign.py [--iterations 500] [--profile]

The database must have been prepared by `make bench` (or `manage.py seed_bench`). What the
run signed is deleted afterwards (signatures, outbox rows, floor rows, queued tasks).
"""

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    BROKER_QUEUE,
    SIGN_FORM,
    SIGN_FORM_HONEYPOT,
    SIGN_PAGE,
    django_env,
)

EMAIL_DOMAIN = "profile.sign.bench.example.org"
FLOOR_FORM = "/bench/floor/form"


def configure(args):
    os.environ.update(django_env(args), LOG_LEVEL="WARNING")
    import django

    django.setup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/sistercity_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile the sign POSTs.")
    parser.add_argument(
        "--callees",
        default=r"views.py.*\(sign\)|models.py.*\(sign\)",
        help="With --profile: print what the functions matching this regex call.",
    )
    args = parser.parse_args()
    configure(args)

    from django.test import Client

    client = Client(
        enforce_csrf_checks=True,
        headers={
            "host": "127.0.0.1",
            "x-forwarded-proto": "https",
            "origin": "https://127.0.0.1",
        },
    )
    page = client.get(SIGN_PAGE)
    assert page.status_code == 200, page.status_code
    token = client.cookies["csrftoken"].value
    tag = secrets.token_hex(4)
    counter = iter(range(10**9))

    def post(path):
        data = {
            **SIGN_FORM,
            SIGN_FORM_HONEYPOT: "",
            "name": "Profile Signer",
            "email": f"{tag}-{next(counter)}@{EMAIL_DOMAIN}",
            "csrfmiddlewaretoken": token,
        }
        started = time.perf_counter()
        response = client.post(path, data)
        elapsed = time.perf_counter() - started
        expected = 302 if path == SIGN_PAGE else 200
        assert response.status_code == expected, (path, response.status_code)
        return elapsed * 1000

    profiler = cProfile.Profile() if args.profile else None
    times = {FLOOR_FORM: [], SIGN_PAGE: []}
    try:
        for _ in range(args.warmup):
            post(FLOOR_FORM)
            post(SIGN_PAGE)
        for i in range(args.iterations):
            order = (FLOOR_FORM, SIGN_PAGE) if i % 2 else (SIGN_PAGE, FLOOR_FORM)
            for path in order:
                if profiler and path == SIGN_PAGE:
                    profiler.enable()
                times[path].append(post(path))
                if profiler and path == SIGN_PAGE:
                    profiler.disable()
    finally:
        cleanup(args)

    for path, values in times.items():
        values.sort()
        print(
            f"{path:40} median {statistics.median(values):6.2f} ms  "
            f"mean {statistics.fmean(values):6.2f}  p95 {values[int(len(values) * 0.95)]:6.2f}"
        )
    ratio = statistics.median(times[FLOOR_FORM]) / statistics.median(times[SIGN_PAGE])
    print(f"floor-form / sign time (≈ sign req/s ÷ floor-form req/s): {ratio:.2f}")
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(40)
        stats.print_callees(args.callees)


def cleanup(args):
    import redis
    from django.db import connection

    from bench.models import FloorRow
    from mailer.models import OutboxMessage
    from petitions.models import Signature

    OutboxMessage.objects.filter(to_email__endswith=f"@{EMAIL_DOMAIN}").delete()
    Signature.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    FloorRow.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    connection.close()
    redis.Redis.from_url(args.redis_url).delete(BROKER_QUEUE)


if __name__ == "__main__":
    main()
