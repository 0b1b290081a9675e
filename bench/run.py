#!/usr/bin/env python
"""`make bench`: load-test the public pages and the sign form against bare-Django floors.

These machines drift by ~30 % in speed from one minute to the next, so absolute numbers from
two runs cannot be compared. Every round therefore measures the floor (a view returning
"ok" in the same gunicorn process) and each page back to back, and the report gives each
page's throughput as a ratio to the floor of its own round. The sign POST is measured the
same way between its two floors (CSRF + 3-field form + insert before it, a bare insert
after it), and afterwards the database must hold exactly one pending signature per accepted
answer.

Steps: create/migrate/seed the benchmark database (once), collectstatic, count queries per
page in-process, start gunicorn on a free loopback port, warm up, then for each round run
wrk on every target (in a rotated order), stop gunicorn, time the CSV export of 100k and 1M
signatures, write bench/results/<date>.md.
Run ``bench/run.py --help`` for the knobs; bench/README.md explains how to read the report.
"""

import argparse
import contextlib
import dataclasses
import datetime
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import django
import environ
import gunicorn
import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WRK_SCRIPT = BENCH / "wrk.lua"
WRK_POST_SCRIPT = BENCH / "wrk_post.lua"
GUNICORN_LOG = RESULTS / "gunicorn.log.tmp"


PAIRINGS = 10_000
DEMO_SLUG = "bucheon-bakersfield"
DEMO_CAMPAIGN = f"/campaigns/{DEMO_SLUG}/"
SIGN_PAGE = f"{DEMO_CAMPAIGN}sign/"
SIGN_SENT = f"{SIGN_PAGE}sent/"  # where the sign view redirects an accepted no-JS POST
# The sign form's other fields (petitions.forms.SignForm); every request adds its own name,
# email and CSRF token. The floors' 3-field form reads name, email and country.
SIGN_FORM = {"country": "US", "city": "Bakersfield", "comment": "", "show_publicly": "on"}
SIGN_FORM_HONEYPOT = "website"  # left empty, as by a person
EMAIL_DOMAIN = "sign.bench.example.org"  # every signature the benchmark makes; deleted after
BROKER_QUEUE = "bench-outbox"  # CELERY_TASK_DEFAULT_QUEUE of bench/settings.py
# The driver's raw SQL uses Django's default table names.
SIGNATURE_TABLE = "petitions_signature"
OUTBOX_TABLE = "mailer_outboxmessage"
FLOOR_TABLE = "bench_floorrow"
EXPORT_ROWS = (100_000, 1_000_000)
# POST runs stop sending this long before wrk stops, so every request gets its answer.
DRAIN_SECONDS = 1
# Flat memory: the 1M export may peak at most this much above the 100k one.
FLAT_MEMORY_FACTOR = 1.1
# The sign rate limits, raised so they are checked on every POST but never hit: as many rates
# as the defaults (two per IP, one per petition), so each POST does the same Redis work.
SIGN_RATES = {
    "PETITION_SIGN_RATES_PER_IP": "1000000/60,1000000/300",
    "PETITION_SIGN_RATES_PER_PETITION": "1000000/60",
}


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    path: str
    what: str
    unique_query: bool = False
    connections: int | None = None  # None: the --connections of the run
    form: bool = False  # POSTs the sign form (bench/wrk_post.lua) instead of GETs
    redirect_to: str = ""  # success is a 302 to this path, not a 2xx (the sign view)


TARGETS = [
    Target("floor", "/bench/floor/ok", "bare Django view, same process and middleware"),
    Target("status", "/", f"status table, first page, {PAIRINGS:,} pairings in the DB"),
    Target("status-filtered", "/?country=Italy", "status table filtered by country"),
    Target(
        "status-uncached",
        "/",
        "status table with a unique query string per request (defeats a URL-keyed page cache)",
        unique_query=True,
    ),
    # A 3 MB export taking most of a second: 16 at once would only measure the queue, and
    # the backlog would spill into the next target. Two clients: a couple of journalists.
    Target(
        "status-json",
        "/status.json",
        "the whole table as JSON (2 connections only)",
        connections=2,
    ),
    Target("campaign", DEMO_CAMPAIGN, "the demo campaign page"),
]
# The sign POST and its floors, each round in this order: the POST right after the floor of
# CSRF + form + insert (the goal's reference) and right before the bare insert.
FLOOR_FORM = Target(
    "floor-form",
    "/bench/floor/form",
    "bare Django: CSRF check, 3-field ModelForm, one INSERT",
    form=True,
)
SIGN = Target(
    "sign",
    SIGN_PAGE,
    "the sign form: CSRF, SignForm, rate limits, one INSERT (its mail due), flush kick",
    form=True,
    redirect_to=SIGN_SENT,
)
FLOOR_INSERT = Target(
    "floor-insert", "/bench/floor/insert", "bare Django: one ORM INSERT, no CSRF", form=True
)
SIGN_TARGETS = [FLOOR_FORM, SIGN, FLOOR_INSERT]


@dataclasses.dataclass(frozen=True)
class Goal:
    """A line of the issue's Benchmark goals, checked on one target's medians."""

    target: str
    text: str
    metric: str  # a key of summarise()'s row
    limit: float
    at_most: bool  # True: value < limit passes; False: value >= limit passes

    def check(self, row):
        value = row[self.metric]
        if value is None:
            return False
        return value < self.limit if self.at_most else value >= self.limit


GOALS = [
    Goal("status", "p95 < 150 ms", "p95_ms", 150, at_most=True),
    Goal("status-filtered", "p95 < 150 ms", "p95_ms", 150, at_most=True),
    Goal("campaign", ">= 0.5 of the floor req/s (issue 01)", "ratio", 0.5, at_most=False),
    Goal("campaign", ">= 0.8 of the floor req/s (issue 06)", "ratio", 0.8, at_most=False),
    Goal("sign", ">= 0.8 of floor-form req/s", "ratio", 0.8, at_most=False),
    Goal("sign", "p95 < 100 ms", "p95_ms", 100, at_most=True),
    # "lost": |new pending signatures - 302 answers|, summed over the rounds.
    Goal("sign", "pending rows = 302 answers", "lost", 1, at_most=True),
]


class BenchError(Exception):
    """A setup step failed; the message says which and what to do."""


def main():
    args = parse_args()
    started = time.monotonic()
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError("wrk is not installed: `make bench` installs it (apt-get install -y wrk).")
    versions = check_services(args)
    versions["load_before"] = os.getloadavg()  # other work on the machine skews everything
    env = django_env(args)
    step("Migrating the benchmark database")
    manage(env, "migrate", "--noinput", timeout=600)
    export_rows = () if args.skip_export else EXPORT_ROWS
    step(
        f"Seeding {PAIRINGS:,} pairings and the petitions"
        + "".join(f", {rows:,} signatures to export" for rows in export_rows)
        + " (skipped when already there)"
    )
    manage(
        env,
        "seed_bench",
        "--pairings", str(PAIRINGS),
        "--export-rows", *(str(rows) for rows in export_rows),
        timeout=600,
        quiet=False,
    )  # fmt: skip
    step("Collecting static files")
    manage(env, "collectstatic", "--noinput", timeout=300)
    step("Counting SQL queries per page and per POST (in-process, cold then warm cache)")
    profile = profile_pages(env)
    port = free_port()
    with contextlib.closing(SignLedger(args)) as ledger:
        preflight, targets, rounds = load_test(wrk, args, env, port, ledger)
    exports = run_exports(env, export_rows)
    outreach = "" if args.skip_outreach else run_outreach()
    elapsed = time.monotonic() - started
    rows = summarise(rounds, targets)
    report = render_report(args, versions, port, preflight, profile, rounds, rows, exports, elapsed)
    report += outreach
    path = write_report(report)
    print()
    print(render_table(rows, preflight, TARGETS))
    print()
    print(render_table(rows, preflight, SIGN_TARGETS))
    if exports:
        print()
        print(render_exports(exports))
    if outreach:
        print()
        print(outreach)
    print(f"\nReport: {path.relative_to(ROOT)} ({elapsed:.0f} s)")


def load_test(wrk, args, env, port, ledger):
    """Start gunicorn, check and warm up every target, run the rounds; stop it, clean up."""
    server = start_gunicorn(args, env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server)
        preflight = check_pages(base)
        targets = [t for t in TARGETS + SIGN_TARGETS if preflight[t.name]["ok"]]
        for name, check in preflight.items():
            if not check["ok"]:
                print(f"  skipping {name}: HTTP {check['status']}")
        if "floor" not in {t.name for t in targets}:
            raise BenchError("The floor view does not answer 200; see " + str(GUNICORN_LOG))
        if not all(t in targets for t in SIGN_TARGETS):
            print("  skipping the sign runs: sign and both of its floors must answer")
            targets = [t for t in targets if t not in SIGN_TARGETS]
        step(f"Warming up ({args.warmup} s per target)")
        for target in targets:
            run_wrk(wrk, args, base, target, args.warmup, nonce=f"w{secrets.token_hex(3)}")
        ledger.clear()
        return preflight, targets, run_rounds(wrk, args, base, targets, ledger)
    finally:
        stop_gunicorn(server)
        ledger.clear()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/sistercity_bench"
        ),
        help="PostgreSQL database for the benchmark; created if missing (env BENCH_DATABASE_URL).",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="Redis for the page cache and the Celery broker (env BENCH_REDIS_URL). Cache keys "
        f"get a per-run prefix, tasks go to the queue {BROKER_QUEUE!r} (purged after each run).",
    )
    parser.add_argument(
        "--recreate-db",
        action="store_true",
        help="Drop the benchmark database first (e.g. after migrations were rewritten).",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=6, help="Seconds per page run.")
    parser.add_argument(
        "--floor-duration", type=int, default=4, help="Seconds of the floor run before each page."
    )
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of warm-up per target.")
    parser.add_argument(
        "--skip-export",
        action="store_true",
        help="Neither seed nor time the CSV export of 100k and 1M signatures.",
    )
    parser.add_argument(
        "--skip-outreach",
        action="store_true",
        help="Do not run bench/outreach.py (mails through a Celery worker to an SMTP sink).",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument(
        "--connections",
        type=int,
        help="wrk connections (default: workers x threads, one per server thread).",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument(
        "--worker-threads", type=int, default=4, help="gunicorn threads per worker."
    )
    args = parser.parse_args()
    args.connections = args.connections or args.workers * args.worker_threads
    return args


def step(text):
    print(f"==> {text}", flush=True)


def postgres_params(database_url):
    """psycopg connection arguments for a database URL; only PostgreSQL will do."""
    config = environ.Env.db_url_config(database_url)
    if not config["ENGINE"].endswith("postgresql"):
        raise BenchError(f"The benchmark needs PostgreSQL, not {database_url}.")
    return config, {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "connect_timeout": 5,
        "autocommit": True,
    }


def check_services(args):
    """Create the benchmark database if missing; return the server versions for the report."""
    config, params = postgres_params(args.database_url)
    try:
        with psycopg.connect(dbname="postgres", **params) as conn:
            name = sql.Identifier(config["NAME"])
            if args.recreate_db:
                step(f"Dropping database {config['NAME']}")
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
            ).fetchone()
            if not exists:
                step(f"Creating database {config['NAME']}")
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
            postgres = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {args.database_url} is unreachable: {error}") from error
    try:
        redis_version = redis.Redis.from_url(args.redis_url, socket_connect_timeout=5).info(
            "server"
        )["redis_version"]
    except redis.RedisError as error:
        raise BenchError(f"Redis at {args.redis_url} is unreachable: {error}") from error
    return {"postgres": postgres, "redis": redis_version}


def django_env(args):
    """Production-like settings: DEBUG off, manifest static files, Redis cache, real secret."""
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        PRODUCTION="true",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        # A fresh prefix per run: no page cached by an earlier run (or seed) is served.
        CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",
        # A real broker: the outbox's debounced flush task is enqueued in Redis (no worker
        # runs; SignLedger counts the queue and purges it).
        CELERY_BROKER_URL=args.redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        **SIGN_RATES,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, *command, timeout, quiet=True):
    """Run a manage.py command; on failure show its output and stop."""
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=quiet,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        if quiet:
            print(result.stdout + result.stderr, file=sys.stderr)
        hint = " Try --recreate-db." if command[0] == "migrate" else ""
        raise BenchError(f"manage.py {command[0]} failed (exit {result.returncode}).{hint}")
    return result.stdout


def profile_pages(env):
    profile_env = {
        **env,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CACHE_KEY_PREFIX": f"bench-profile-{secrets.token_hex(4)}",
    }
    paths = list(dict.fromkeys(t.path for t in TARGETS))
    output = manage(
        profile_env,
        "bench_profile",
        *paths,
        "--post", *(t.path for t in SIGN_TARGETS),
        "--form", sign_form(),
        "--email-domain", EMAIL_DOMAIN,
        timeout=120,
    )  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def sign_form():
    """The sign form's fields every POST shares, urlencoded (name, email and token vary)."""
    return urllib.parse.urlencode({**SIGN_FORM, SIGN_FORM_HONEYPOT: ""})


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(args, port):
    return [
        # The production settings (gthread, preload, frozen garbage collector), as deployed.
        sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--threads", str(args.worker_threads),
        # A keep-alive connection stays with the worker that accepted it; uncapped, one worker
        # often took most of wrk's connections and the floor swung 1,500 <-> 5,000 req/s.
        "--worker-connections", str(args.worker_threads),
        "--graceful-timeout", "10",
        "--log-level", "warning",
    ]  # fmt: skip


def start_gunicorn(args, env, port):
    step(f"Starting gunicorn on 127.0.0.1:{port}")
    RESULTS.mkdir(exist_ok=True)
    # Its own session: Ctrl-C reaches the driver only, which then stops gunicorn gracefully.
    with GUNICORN_LOG.open("w") as log:
        return subprocess.Popen(
            gunicorn_command(args, port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_gunicorn(server):
    if server.poll() is not None:
        return
    step("Stopping gunicorn")
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to report (e.g. the SSL redirect), not one to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def fetch(url, data=None, headers=None):
    """GET (or POST ``data``) as wrk does; return (status, body length, Location)."""
    request = urllib.request.Request(
        url, data=data, headers={"X-Forwarded-Proto": "https", **(headers or {})}
    )
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, len(response.read()), response.headers.get("Location")
    except urllib.error.HTTPError as error:
        return error.code, len(error.read()), error.headers.get("Location")


def csrf_pair(base):
    """A CSRF cookie and form token, as a browser gets them from the sign page.

    The page comes from the page cache, stamped with a fresh token per response; the
    response sets the cookie the token belongs to.
    """
    request = urllib.request.Request(base + SIGN_PAGE, headers={"X-Forwarded-Proto": "https"})
    try:
        with OPENER.open(request, timeout=10) as response:
            body = response.read().decode()
            cookies = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookies.load(header)
    except urllib.error.HTTPError as error:
        raise BenchError(f"GET {SIGN_PAGE} answered HTTP {error.code}") from error
    match = CSRF_INPUT.search(body)
    if "csrftoken" not in cookies or not match:
        raise BenchError(f"GET {SIGN_PAGE} gave no CSRF cookie and form token")
    return cookies["csrftoken"].value, match.group(1)


def post_headers(base, cookie):
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": "https://" + base.removeprefix("http://"),  # checked by CSRF on HTTPS
        "Cookie": f"csrftoken={cookie}",
    }


def wait_ready(base, server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited (code {server.returncode}); see {GUNICORN_LOG}")
        try:
            if fetch(base + TARGETS[0].path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise BenchError(f"gunicorn was not ready after {timeout} s; see {GUNICORN_LOG}")


def check_pages(base):
    """One request per target before the load: a target that fails is skipped, not timed.

    Pages must answer 200; the POST targets get one real submission each (the sign view
    must redirect to its "check your inbox" page, as it does for every accepted signature).
    """
    checks = {}
    for target in TARGETS:
        status, size, _location = fetch(base + target.path)
        checks[target.name] = {"status": status, "bytes": size, "ok": status == 200}
    try:
        cookie, token = csrf_pair(base)
    except BenchError as error:
        print(f"  {error}")
        cookie = token = ""
    for target in SIGN_TARGETS:
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "name": "Bench", "email": f"preflight@{EMAIL_DOMAIN}"}
        )
        status, size, location = fetch(
            base + target.path,
            data=f"{data}&{sign_form()}".encode(),
            headers=post_headers(base, cookie),
        )
        expected = (302, target.redirect_to) if target.redirect_to else (200, None)
        ok = (status, location) == expected
        checks[target.name] = {"status": status, "bytes": size, "ok": ok and bool(token)}
    return checks


def run_wrk(wrk, args, base, target, duration, nonce):
    env = os.environ.copy()
    env["BENCH_UNIQUE"] = nonce if target.unique_query else ""
    script = WRK_SCRIPT
    if target.form:
        script = WRK_POST_SCRIPT
        env.update(
            # One CSRF cookie and token per wrk thread, fresh for every run.
            BENCH_CSRF=";".join(" ".join(csrf_pair(base)) for _ in range(args.threads)),
            BENCH_ORIGIN=post_headers(base, "")["Origin"],
            BENCH_RUN=nonce,
            BENCH_EMAIL_DOMAIN=EMAIL_DOMAIN,
            BENCH_FORM=sign_form(),
            BENCH_REDIRECT_TO=target.redirect_to,
            BENCH_SEND_MS=str(duration * 1000),
        )
        duration += DRAIN_SECONDS
    command = [
        wrk,
        "--threads", str(args.threads),
        "--connections", str(target.connections or args.connections),
        "--duration", f"{duration}s",
        "--timeout", "5s",
        "--script", str(script),
        base + target.path,
    ]  # fmt: skip
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 30, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if result.returncode or not lines:
        raise BenchError(f"wrk failed on {target.path}: {result.stdout}{result.stderr}")
    raw = json.loads(lines[-1].removeprefix("BENCH_JSON "))
    settle(base)
    errors = raw["non2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    if not raw["requests"]:
        # Nothing answered within the run: every connection's request counts as failed.
        errors = max(errors, target.connections or args.connections)
    # POST runs: answers over the time they were sent and answered, without the drain.
    seconds = raw.get("active_us", raw["duration_us"]) / 1e6
    run = {
        "rps": raw["requests"] / seconds if raw["requests"] else 0.0,
        **{f"{key}_ms": latency_ms(raw, key) for key in ("p50", "p95", "p99", "max")},
        "errors": errors,
        "requests": raw["requests"],
    }
    if target.form:
        run.update({key: raw[key] for key in ("accepted", "sent", "received")})
    return run


def latency_ms(raw, key):
    """wrk's percentile in ms; infinite when no request finished (wrk then reports 0)."""
    return raw[f"{key}_us"] / 1000 if raw["requests"] else math.inf


def settle(base, timeout=60):
    """Wait until the server is idle again.

    When wrk stops, gunicorn still answers the requests queued from that run; they must not
    slow down the next target. Idle = the floor answers quickly twice in a row.
    """
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            fetch(base + TARGETS[0].path)
        except OSError:  # a timeout: still busy
            quick = 0
            continue
        quick = quick + 1 if time.monotonic() - started < 0.02 else 0


class SignLedger:
    """What the sign runs leave behind, counted and cleared from outside the app.

    Every signature the benchmark makes has an address at ``EMAIL_DOMAIN`` and stays with its
    confirmation mail due (``mail_due``): the flush tasks it kicks wait in ``BROKER_QUEUE``,
    which no worker reads, so no outbox row is made from it.
    """

    def __init__(self, args):
        config, params = postgres_params(args.database_url)
        self.db = psycopg.connect(dbname=config["NAME"], **params)
        self.broker = redis.Redis.from_url(args.redis_url)
        self.addresses = f"%@{EMAIL_DOMAIN}"

    def count(self):
        """The sign petition's pending signatures, those with their mail due, queued tasks."""
        pending = self.db.execute(
            f"SELECT count(*) FROM {SIGNATURE_TABLE} s"
            " JOIN petitions_petition p ON p.id = s.petition_id"
            " JOIN campaigns_campaign c ON c.id = p.campaign_id"
            " WHERE c.slug = %s AND s.status = 'pending' AND s.email_normalized LIKE %s",
            [DEMO_SLUG, self.addresses],
        ).fetchone()[0]
        due = self.db.execute(
            f"SELECT count(*) FROM {SIGNATURE_TABLE} WHERE mail_due AND email_normalized LIKE %s",
            [self.addresses],
        ).fetchone()[0]
        return {"pending": pending, "due": due, "queued": self.broker.llen(BROKER_QUEUE)}

    def clear(self):
        """Delete the benchmark's signatures, outbox rows, queued tasks and floor rows."""
        self.db.execute(
            f"DELETE FROM {SIGNATURE_TABLE} WHERE email_normalized LIKE %s", [self.addresses]
        )
        self.db.execute(f"DELETE FROM {OUTBOX_TABLE} WHERE to_email LIKE %s", [self.addresses])
        self.db.execute(f"TRUNCATE {FLOOR_TABLE}")
        self.broker.delete(BROKER_QUEUE)

    def close(self):
        self.db.close()
        self.broker.close()


def run_rounds(wrk, args, base, targets, ledger):
    """Each round runs every page right after a floor run, and the sign POST between its floors.

    The machine's speed drifts within seconds, so each page is divided by the floor measured
    just before it, not by one floor per round. The order rotates from round to round.
    """
    floor, pages = targets[0], [t for t in targets[1:] if not t.form]
    units = pages + (["sign"] if SIGN in targets else [])
    rounds = []
    for index in range(args.rounds):
        shift = index % len(units)
        order = units[shift:] + units[:shift]
        names = ("floor-form/sign/floor-insert" if u == "sign" else u.name for u in order)
        step(f"Round {index + 1}/{args.rounds}: " + ", ".join(names))
        results = {}
        for unit in order:
            if unit == "sign":
                results |= run_sign(wrk, args, base, ledger, index)
                continue
            floor_run = run_wrk(wrk, args, base, floor, args.floor_duration, nonce="")
            nonce = f"r{index}{secrets.token_hex(3)}"
            run = run_wrk(wrk, args, base, unit, args.duration, nonce)
            run["floor"] = floor_run
            run["ratio"] = divide(run["rps"], floor_run["rps"])
            results[unit.name] = run
            print_run(unit, run, f"floor {floor_run['rps']:.0f} req/s")
        rounds.append(results)
    return rounds


def run_sign(wrk, args, base, ledger, index):
    """floor-form, sign, floor-insert back to back; then count what the sign run stored.

    The ledger is read once the server is idle (run_wrk settles), so every request sent has
    been handled: the pending signatures must equal the 302 answers wrk counted.
    """
    runs = {}
    for target in SIGN_TARGETS:
        duration = args.duration if target is SIGN else args.floor_duration
        runs[target.name] = run_wrk(
            wrk, args, base, target, duration, nonce=f"r{index}{secrets.token_hex(3)}"
        )
        if target is SIGN:
            runs[target.name]["ledger"] = ledger.count()
            ledger.clear()
    form, sign, insert = (runs[t.name] for t in SIGN_TARGETS)
    sign["ratio"] = divide(sign["rps"], form["rps"])
    sign["ratio_insert"] = divide(sign["rps"], insert["rps"])
    sign["lost"] = abs(sign["ledger"]["pending"] - sign["accepted"])
    form["ratio"] = divide(form["rps"], insert["rps"])
    insert["ratio"] = None
    for target in SIGN_TARGETS:
        print_run(target, runs[target.name])
    ledger_counts = sign["ledger"]
    print(
        f"    {'':<16} 302 answers {sign['accepted']}, new pending signatures "
        f"{ledger_counts['pending']}, mails due {ledger_counts['due']}, "
        f"queued tasks {ledger_counts['queued']}",
        flush=True,
    )
    return runs


def divide(value, by):
    return value / by if by else None


def print_run(target, run, note=""):
    print(
        f"    {target.name:<16} {run['rps']:8.1f} req/s  p50 {ms(run['p50_ms'])} ms"
        f"  p95 {ms(run['p95_ms'])} ms  p99 {ms(run['p99_ms'])} ms"
        f"  errors {run['errors']}  ({note + ', ' if note else ''}ratio {ratio(run['ratio'])})",
        flush=True,
    )


def run_exports(env, export_rows):
    """Time the admin's CSV export per size, each in a process of its own (own peak RSS)."""
    exports = []
    for rows in export_rows:
        step(f"Exporting {rows:,} signatures as CSV (admin view, streamed to nowhere)")
        output = manage(env, "bench_export", str(rows), timeout=600)
        exports.append(json.loads(output.strip().splitlines()[-1]))
        result = exports[-1]
        print(
            f"    {result['rows']:,} rows in {result['seconds']:.1f} s, "
            f"peak RSS {result['peak_kb'] / 1024:.0f} MB",
            flush=True,
        )
    return exports


# ---- Outreach: bench/outreach.py, with its own database, Redis db, worker and SMTP sink. ----


def run_outreach():
    """Run bench/outreach.py in a process of its own; return its report section.

    It reads BENCH_OUTREACH_DATABASE_URL and BENCH_OUTREACH_REDIS_URL (`make bench` sets
    them). A failure does not lose the rest of the report: the section then says so.
    """
    step("Outreach: 10,000 mails through a Celery worker to an SMTP sink (bench/outreach.py)")
    section = RESULTS / "outreach-section.md.tmp"
    section.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / "outreach.py"), "--section-out", str(section)]
    try:
        result = subprocess.run(command, cwd=ROOT, check=False, timeout=1800)
        failure = f"exited with code {result.returncode}" if result.returncode else ""
    except subprocess.TimeoutExpired:
        failure = "did not finish within 30 minutes"
    if failure or not section.exists():
        return f"## Outreach\n\n**FAIL**: `bench/outreach.py` {failure}; see its output.\n"
    text = section.read_text()
    section.unlink()
    return text


def summarise(rounds, targets):
    """Per target: medians over its runs, total errors, median of the paired ratios.

    The floor's row summarises every floor run (one before each page in each round).
    """
    rows = {}
    for target in targets:
        if target.name == "floor":
            runs = [
                run["floor"] for results in rounds for run in results.values() if "floor" in run
            ]
        else:
            runs = [results[target.name] for results in rounds]
        row = {
            key: statistics.median(run[key] for run in runs)
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
        }
        row["errors"] = sum(run["errors"] for run in runs)
        row["ratio"] = median_ratio(run.get("ratio", 1.0) for run in runs)
        if target is SIGN:
            row["ratio_insert"] = median_ratio(run["ratio_insert"] for run in runs)
            row["lost"] = sum(run["lost"] for run in runs)
        row["target"] = target
        goals = [goal for goal in GOALS if goal.target == target.name]
        row["goals"] = [(goal, goal.check(row) and row["errors"] == 0) for goal in goals]
        rows[target.name] = row
    return rows


def median_ratio(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def ratio(value):
    return "—" if value is None else f"{value:.2f}"


def ms(value):
    return "no answer" if math.isinf(value) else f"{value:.1f}"


def render_table(rows, preflight, targets):
    """The results table of ``targets`` (the pages, or the sign POST and its floors)."""
    heading = "ratio" if targets is SIGN_TARGETS else "ratio to floor"
    lines = [
        f"| Target | Path | req/s | p50 ms | p95 ms | p99 ms | errors | {heading} "
        "| Goal | Result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    names = {target.name for target in targets}
    for row in (rows[t.name] for t in targets if t.name in rows):
        target = row["target"]
        goal_text = "; ".join(goal.text for goal, _ in row["goals"]) or "—"
        result = "; ".join("PASS" if ok else "**FAIL**" for _, ok in row["goals"]) or "—"
        path = target.path + ("?nocache=…" if target.unique_query else "")
        method = "POST " if target.form else ""
        lines.append(
            f"| {target.name} | {method}`{path}` | {row['rps']:.0f} | {ms(row['p50_ms'])} "
            f"| {ms(row['p95_ms'])} | {ms(row['p99_ms'])} | {row['errors']} "
            f"| {ratio(row['ratio'])} | {goal_text} | {result} |"
        )
    for goal in GOALS:
        if goal.target in names and goal.target not in rows:
            status = preflight.get(goal.target, {}).get("status")
            lines.append(
                f"| {goal.target} | — | — | — | — | — | — | — | {goal.text} "
                f"| **FAIL** (not measured: HTTP {status}) |"
            )
    return "\n".join(lines)


def render_ledger(rounds):
    """Per round: what wrk saw accepted and what the sign run left in the DB and the broker."""
    out = [
        "| Round | 302 answers (wrk) | new pending signatures | confirmation mails due "
        "| tasks in the broker queue | requests sent / answered | Result |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for index, results in enumerate(rounds, 1):
        run = results.get(SIGN.name)
        if run is None:
            continue
        counts = run["ledger"]
        same = counts["pending"] == run["accepted"]
        out.append(
            f"| {index} | {run['accepted']} | {counts['pending']} | {counts['due']} "
            f"| {counts['queued']} | {run['sent']} / {run['received']} "
            f"| {'equal' if same else '**DIFFERENT**'} |"
        )
    return "\n".join(out)


def render_exports(exports):
    out = [
        "| Signatures | CSV MB | Time s | rows/s | First bytes after s "
        "| RSS before MB | Peak RSS MB | Growth MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in exports:
        rows = f"{result['rows']:,}"
        if result["rows"] != result["expected_rows"]:
            rows += f" (**of {result['expected_rows']:,}**)"
        out.append(
            f"| {rows} | {result['bytes'] / 2**20:.1f} | {result['seconds']:.1f} "
            f"| {result['rows'] / result['seconds']:,.0f} | {result['first_chunk_seconds']:.2f} "
            f"| {mb(result['rss_before_kb'])} | {mb(result['peak_kb'])} "
            f"| {mb(result['peak_kb'] - result['rss_before_kb'])} |"
        )
    return "\n".join(out)


def mb(kilobytes):
    return f"{kilobytes / 1024:.1f}"


def flat_memory(exports):
    """(text, ok): the biggest export's peak RSS against the smallest's."""
    small, big = exports[0], exports[-1]
    limit = small["peak_kb"] * FLAT_MEMORY_FACTOR
    ok = big["peak_kb"] <= limit and all(r["rows"] == r["expected_rows"] for r in exports)
    text = (
        f"the {big['rows']:,}-row export peaked at {mb(big['peak_kb'])} MB, the "
        f"{small['rows']:,}-row one at {mb(small['peak_kb'])} MB "
        f"(goal: at most {FLAT_MEMORY_FACTOR} times that, {mb(limit)} MB)"
    )
    return text, ok


def machine_info():
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024:,} MB"
                break
    return {"cpu": cpu, "nproc": os.cpu_count(), "memory": memory, "kernel": platform.release()}


def git_revision():
    def git(*command):
        return subprocess.run(
            ["git", *command], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    revision = git("rev-parse", "--short", "HEAD") or "unknown"
    return revision + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def wrk_version():
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).splitlines()[0].split(" Copyright")[0]


def render_report(args, versions, port, preflight, profile, rounds, rows, exports, elapsed):
    machine = machine_info()
    now = datetime.datetime.now().astimezone()
    gunicorn_line = " ".join(gunicorn_command(args, port)[2:])
    out = [
        f"# Benchmark {now:%Y-%m-%d %H:%M %Z}",
        "",
        f"Commit {git_revision()}, {PAIRINGS:,} pairings, {args.rounds} rounds, "
        f"run took {elapsed:.0f} s. See bench/README.md for how to read this.",
        "",
        "## Results (medians over the rounds)",
        "",
        render_table(rows, preflight, TARGETS),
        "",
        "`ratio to floor`: the median over rounds of (page req/s ÷ req/s of the floor run "
        "just before it). "
        "`errors`: non-2xx responses plus socket errors, summed over all rounds; "
        "a goal passes only with zero errors.",
        "",
        *render_signing(rows, preflight, rounds),
        *render_export_section(exports),
        "## Setup",
        "",
        f"- Machine: {machine['cpu']}, nproc {machine['nproc']}, {machine['memory']} RAM, "
        f"Linux {machine['kernel']}; load average (1, 5, 15 min) before the run "
        f"{load(versions['load_before'])}, after {load(os.getloadavg())}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}, PostgreSQL {versions['postgres']}, "
        f"Redis {versions['redis']}, {wrk_version()}",
        f"- gunicorn: `{gunicorn_line}` (gthread: {args.workers} workers of "
        f"{args.worker_threads} threads, each thread holding one keep-alive connection)",
        "- Settings: `bench.settings` (= `config.settings` + the floor views), PRODUCTION=true, "
        "DEBUG off, generated SECRET_KEY, Redis page cache with a fresh key prefix per run, "
        "manifest static files, persistent DB connections (`CONN_MAX_AGE` 60); requests "
        "carry `X-Forwarded-Proto: https` like behind the TLS proxy.",
        f"- Celery: broker in Redis, not eager, queue `{BROKER_QUEUE}` (no worker: the "
        "broker only receives; purged after each sign run); sign rate limits raised to "
        + ", ".join(f"`{name}={value}`" for name, value in SIGN_RATES.items())
        + " (still checked on every POST, never hit).",
        f"- wrk: `--threads {args.threads} --connections {args.connections} --timeout 5s` ("
        + ", ".join(f"{t.name}: {t.connections} connections" for t in TARGETS if t.connections)
        + f"); each page runs {args.duration} s right after a {args.floor_duration} s floor run; "
        f"sign runs {args.duration} s between floor-form and floor-insert "
        f"({args.floor_duration} s each), every POST run then waits {DRAIN_SECONDS} s for "
        f"its last answers (`bench/wrk_post.lua`); {args.warmup} s warm-up per target; "
        "order rotated each round; all on loopback.",
        "- Server, database and wrk share the same CPUs.",
        "",
        *render_pages(preflight, profile),
        *render_raw(rounds),
    ]
    return "\n".join(out) + "\n"


def render_signing(rows, preflight, rounds):
    sign = rows.get(SIGN.name)
    out = [
        "## Signing (POST, medians over the rounds)",
        "",
        render_table(rows, preflight, SIGN_TARGETS),
        "",
        "`ratio`: for sign, the median over rounds of (sign req/s ÷ req/s of the floor-form "
        "run just before it); for floor-form, ÷ the floor-insert run of the same round. "
        "Every POST carries a real CSRF cookie and token (from the sign page), the sign "
        "form's fields and a new email address; sign counts only a 302 to "
        f"`{SIGN_SENT}` as success (not followed), the floors a 2xx.",
        "",
    ]
    if sign is None:
        return out
    out += [
        f"sign ÷ floor-insert (the run just after it): {ratio(sign['ratio_insert'])}.",
        "",
        "Zero lost signatures: after each sign run (the server idle again) the database "
        "must hold exactly one new pending signature per 302 answer wrk counted.",
        "",
        render_ledger(rounds),
        "",
    ]
    return out


def render_export_section(exports):
    if not exports:
        return []
    text, ok = flat_memory(exports)
    return [
        "## Export (streaming CSV of confirmed signatures)",
        "",
        "The admin's export view (`petitions.staff.export_signatures`) through Django's test "
        "client, logged in as a superuser, one process per size; the streamed chunks are "
        "counted and dropped. Peak RSS is the process's VmHWM, reset just before the request.",
        "",
        render_exports(exports),
        "",
        f"Flat memory: {text}: {'PASS' if ok else '**FAIL**'}.",
        "",
    ]


def render_pages(preflight, profile):
    out = [
        "## Pages",
        "",
        "| Target | What | Size (bytes) | SQL queries cold / warm "
        "| Cold / warm ms (1 request, in-process) |",
        "|---|---|---:|---:|---:|",
    ]
    for target in TARGETS + SIGN_TARGETS:
        check = preflight[target.name]
        key = f"POST {target.path}" if target.form else target.path
        pages = profile.get(key, {})
        cold, warm = pages.get("cold", {}), pages.get("warm", {})
        size = check["bytes"] if check["ok"] else f"HTTP {check['status']}"
        if target.redirect_to and check["ok"]:
            size = f"302 → `{target.redirect_to}`"
        out.append(
            f"| {target.name} | {target.what} | {size} "
            f"| {cold.get('queries', '?')} / {warm.get('queries', '?')} "
            f"| {cold.get('ms', '?')} / {warm.get('ms', '?')} |"
        )
    return [*out, ""]


def render_raw(rounds):
    out = [
        "## Raw numbers per round",
        "",
        "In run order. For a page, `floor req/s` is the floor run just before it; for the "
        "POST runs, `ratio` is as in the signing table.",
        "",
        "| Round | Target | floor req/s | req/s | ratio | p50 ms | p95 ms | p99 ms "
        "| max ms | requests | errors (floor + run) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for index, results in enumerate(rounds, 1):
        for name, run in results.items():
            floor = run.get("floor")
            out.append(
                f"| {index} | {name} | {f'{floor["rps"]:.1f}' if floor else '—'} "
                f"| {run['rps']:.1f} | {ratio(run['ratio'])} | {ms(run['p50_ms'])} "
                f"| {ms(run['p95_ms'])} | {ms(run['p99_ms'])} | {ms(run['max_ms'])} "
                f"| {run['requests']} | {floor['errors'] if floor else 0} + {run['errors']} |"
            )
    return out


def load(averages):
    return " / ".join(f"{value:.2f}" for value in averages)


def write_report(text):
    RESULTS.mkdir(exist_ok=True)
    now = datetime.datetime.now()
    path = RESULTS / f"{now:%Y-%m-%d}.md"
    if path.exists():
        path = RESULTS / f"{now:%Y-%m-%d-%H%M%S}.md"
    temporary = path.with_suffix(".md.tmp")
    temporary.write_text(text)
    temporary.rename(path)
    return path


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped, no report written.", file=sys.stderr)
        sys.exit(130)
