#!/usr/bin/env python
"""`make bench`: load-test the public pages against a bare-Django floor, in one run.

These machines drift by ~30 % in speed from one minute to the next, so absolute numbers from
two runs cannot be compared. Every round therefore measures the floor (a view returning
"ok" in the same gunicorn process) and each page back to back, and the report gives each
page's throughput as a ratio to the floor of its own round.

Steps: create/migrate/seed the benchmark database (once), collectstatic, count queries per
page in-process, start gunicorn on a free loopback port, warm up, then for each round run
wrk on every target (in a rotated order), stop gunicorn, write bench/results/<date>.md.
Run ``bench/run.py --help`` for the knobs; bench/README.md explains how to read the report.
"""

import argparse
import dataclasses
import datetime
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
GUNICORN_LOG = RESULTS / "gunicorn.log.tmp"


PAIRINGS = 10_000
DEMO_CAMPAIGN = "/campaigns/bucheon-bakersfield/"


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    path: str
    what: str
    unique_query: bool = False
    connections: int | None = None  # None: the --connections of the run


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
    Goal("campaign", ">= 0.5 of the floor req/s", "ratio", 0.5, at_most=False),
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
    step(f"Seeding {PAIRINGS:,} pairings (skipped when already there)")
    manage(env, "seed_bench", "--pairings", str(PAIRINGS), timeout=600, quiet=False)
    step("Collecting static files")
    manage(env, "collectstatic", "--noinput", timeout=300)
    step("Counting SQL queries per page (in-process, cold then warm cache)")
    profile = profile_pages(env)
    port = free_port()
    server = start_gunicorn(args, env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server)
        preflight = check_pages(base)
        targets = [t for t in TARGETS if preflight[t.name]["status"] == 200]
        for name, check in preflight.items():
            if check["status"] != 200:
                print(f"  skipping {name}: HTTP {check['status']}")
        if "floor" not in {t.name for t in targets}:
            raise BenchError("The floor view does not answer 200; see " + str(GUNICORN_LOG))
        step(f"Warming up ({args.warmup} s per target)")
        for target in targets:
            run_wrk(wrk, args, base, target, args.warmup, nonce="warmup")
        rounds = run_rounds(wrk, args, base, targets)
    finally:
        stop_gunicorn(server)
    elapsed = time.monotonic() - started
    rows = summarise(rounds, targets)
    report = render_report(args, versions, port, preflight, profile, rounds, rows, elapsed)
    path = write_report(report)
    print()
    print(render_table(rows, preflight))
    print(f"\nReport: {path.relative_to(ROOT)} ({elapsed:.0f} s)")


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
        help="Redis for the page cache (env BENCH_REDIS_URL). Keys get a per-run prefix.",
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


def check_services(args):
    """Create the benchmark database if missing; return the server versions for the report."""
    config = environ.Env.db_url_config(args.database_url)
    if not config["ENGINE"].endswith("postgresql"):
        raise BenchError(f"The benchmark needs PostgreSQL, not {args.database_url}.")
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "connect_timeout": 5,
        "autocommit": True,
    }
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
        CELERY_BROKER_URL="memory://",
        CELERY_TASK_ALWAYS_EAGER="true",
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
    output = manage(profile_env, "bench_profile", *paths, timeout=120)
    return json.loads(output.strip().splitlines()[-1])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(args, port):
    return [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--worker-class", "gthread",
        "--threads", str(args.worker_threads),
        # A keep-alive connection stays with the worker that accepted it; uncapped, one worker
        # often took most of wrk's connections and the floor swung 1,500 <-> 5,000 req/s.
        "--worker-connections", str(args.worker_threads),
        # Load Django once in the master, then fork: workers start identical and fast.
        "--preload",
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


def fetch(url):
    """GET a URL as wrk does; return (status, body length)."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


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
    """One GET per target before the load: a page that is not 200 is skipped, not timed."""
    checks = {}
    for target in TARGETS:
        status, size = fetch(base + target.path)
        checks[target.name] = {"status": status, "bytes": size}
    return checks


def run_wrk(wrk, args, base, target, duration, nonce):
    env = os.environ.copy()
    env["BENCH_UNIQUE"] = nonce if target.unique_query else ""
    command = [
        wrk,
        "--threads", str(args.threads),
        "--connections", str(target.connections or args.connections),
        "--duration", f"{duration}s",
        "--timeout", "5s",
        "--script", str(WRK_SCRIPT),
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
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        **{f"{key}_ms": latency_ms(raw, key) for key in ("p50", "p95", "p99", "max")},
        "errors": errors,
        "requests": raw["requests"],
    }


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


def run_rounds(wrk, args, base, targets):
    """Each round runs, for every page, the floor and then the page, back to back.

    The machine's speed drifts within seconds, so each page is divided by the floor measured
    just before it, not by one floor per round. The page order rotates from round to round.
    """
    floor, pages = targets[0], targets[1:]
    rounds = []
    for index in range(args.rounds):
        shift = index % len(pages)
        order = pages[shift:] + pages[:shift]
        step(f"Round {index + 1}/{args.rounds}: " + ", ".join(t.name for t in order))
        results = {}
        for target in order:
            floor_run = run_wrk(wrk, args, base, floor, args.floor_duration, nonce="")
            nonce = f"r{index}{secrets.token_hex(3)}"
            run = run_wrk(wrk, args, base, target, args.duration, nonce)
            run["floor"] = floor_run
            run["ratio"] = run["rps"] / floor_run["rps"] if floor_run["rps"] else None
            results[target.name] = run
            print(
                f"    {target.name:<16} {run['rps']:8.1f} req/s  p50 {ms(run['p50_ms'])} ms"
                f"  p95 {ms(run['p95_ms'])} ms  p99 {ms(run['p99_ms'])} ms"
                f"  errors {run['errors']}  (floor {floor_run['rps']:.0f} req/s,"
                f" ratio {ratio(run['ratio'])})",
                flush=True,
            )
        rounds.append(results)
    return rounds


def summarise(rounds, targets):
    """Per target: medians over its runs, total errors, median of the paired ratios.

    The floor's row summarises every floor run (one before each page in each round).
    """
    rows = {}
    for target in targets:
        if target.name == "floor":
            runs = [run["floor"] for results in rounds for run in results.values()]
        else:
            runs = [results[target.name] for results in rounds]
        row = {
            key: statistics.median(run[key] for run in runs)
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
        }
        row["errors"] = sum(run["errors"] for run in runs)
        ratios = [run.get("ratio", 1.0) for run in runs]
        ratios = [value for value in ratios if value is not None]
        row["ratio"] = statistics.median(ratios) if ratios else None
        row["target"] = target
        goals = [goal for goal in GOALS if goal.target == target.name]
        row["goals"] = [(goal, goal.check(row) and row["errors"] == 0) for goal in goals]
        rows[target.name] = row
    return rows


def ratio(value):
    return "—" if value is None else f"{value:.2f}"


def ms(value):
    return "no answer" if math.isinf(value) else f"{value:.1f}"


def render_table(rows, preflight):
    lines = [
        "| Target | Path | req/s | p50 ms | p95 ms | p99 ms | errors | ratio to floor "
        "| Goal | Result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows.values():
        target = row["target"]
        goal_text = "; ".join(goal.text for goal, _ in row["goals"]) or "—"
        result = "; ".join("PASS" if ok else "**FAIL**" for _, ok in row["goals"]) or "—"
        path = target.path + ("?nocache=…" if target.unique_query else "")
        lines.append(
            f"| {target.name} | `{path}` | {row['rps']:.0f} | {ms(row['p50_ms'])} "
            f"| {ms(row['p95_ms'])} | {ms(row['p99_ms'])} | {row['errors']} "
            f"| {ratio(row['ratio'])} | {goal_text} | {result} |"
        )
    for goal in GOALS:
        if goal.target not in rows:
            status = preflight.get(goal.target, {}).get("status")
            lines.append(
                f"| {goal.target} | — | — | — | — | — | — | — | {goal.text} "
                f"| **FAIL** (not measured: HTTP {status}) |"
            )
    return "\n".join(lines)


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


def render_report(args, versions, port, preflight, profile, rounds, rows, elapsed):
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
        render_table(rows, preflight),
        "",
        "`ratio to floor`: the median over rounds of (page req/s ÷ req/s of the floor run "
        "just before it). "
        "`errors`: non-2xx responses plus socket errors, summed over all rounds; "
        "a goal passes only with zero errors.",
        "",
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
        "- Settings: `bench.settings` (= `config.settings` + the floor view), PRODUCTION=true, "
        "DEBUG off, generated SECRET_KEY, Redis page cache with a fresh key prefix per run, "
        "manifest static files; requests carry `X-Forwarded-Proto: https` like behind the "
        "TLS proxy.",
        f"- wrk: `--threads {args.threads} --connections {args.connections} --timeout 5s` ("
        + ", ".join(f"{t.name}: {t.connections} connections" for t in TARGETS if t.connections)
        + f"); each page runs {args.duration} s right after a {args.floor_duration} s floor run; "
        f"{args.warmup} s warm-up per target; page order rotated each round; all on loopback.",
        "- Server, database and wrk share the same CPUs.",
        "",
        "## Pages",
        "",
        "| Target | What | Size (bytes) | SQL queries cold / warm "
        "| Cold / warm render ms (1 request, in-process) |",
        "|---|---|---:|---:|---:|",
    ]
    for target in TARGETS:
        check = preflight[target.name]
        pages = profile.get(target.path, {})
        cold, warm = pages.get("cold", {}), pages.get("warm", {})
        size = check["bytes"] if check["status"] == 200 else f"HTTP {check['status']}"
        out.append(
            f"| {target.name} | {target.what} | {size} "
            f"| {cold.get('queries', '?')} / {warm.get('queries', '?')} "
            f"| {cold.get('ms', '?')} / {warm.get('ms', '?')} |"
        )
    out += [
        "",
        "## Raw numbers per round",
        "",
        "In run order. `floor req/s` is the floor run just before the page.",
        "",
        "| Round | Target | floor req/s | req/s | ratio to floor | p50 ms | p95 ms | p99 ms "
        "| max ms | requests | errors (floor + page) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for index, results in enumerate(rounds, 1):
        for name, run in results.items():
            out.append(
                f"| {index} | {name} | {run['floor']['rps']:.1f} | {run['rps']:.1f} "
                f"| {ratio(run['ratio'])} | {ms(run['p50_ms'])} | {ms(run['p95_ms'])} "
                f"| {ms(run['p99_ms'])} | {ms(run['max_ms'])} | {run['requests']} "
                f"| {run['floor']['errors']} + {run['errors']} |"
            )
    return "\n".join(out) + "\n"


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
