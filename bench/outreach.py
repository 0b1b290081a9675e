#!/usr/bin/env python
"""Outreach benchmark: 10,000 outbox mails through a real Celery worker to a local SMTP sink.

What the outreach and production-readiness issues ask: messages/s with one worker (goal
>= 100) and >= 0.5 x a bare smtplib loop to the same sink, exactly 10,000 delivered with no
duplicate Message-ID, also when the worker is killed with SIGKILL midway and restarted.

One run, on a database created afresh (migrated, dropped again next time) and its own Redis
db (emptied before each pass):

1. Starts the SMTP sink (``bench/smtp_sink.py``, aiosmtpd, its own process) on a free port.
2. Rounds of three passes, in this order, so that machine drift hits them alike:
   - transport: a bare smtplib loop in this process, one persistent SMTP connection,
     sending 10,000 byte-for-byte copies of the app's first message (as Django renders it),
     each with a Message-ID of its own: how fast the sink takes mail at all;
   - floor: the same loop, but each of the 10,000 letters built by the standard library's
     ``email`` package (same headers, text and HTML parts, so the same size): what a bare
     script mailing 10,000 people does. The goal's ratio is against this pass;
   - app: starts ``celery -A config worker --pool prefork --concurrency 1``, waits until it
     is ready, then queues 10,000 outreach rows through ``mailer.outbox.queue`` in
     transactions of 500 (as an admin's send action does; the commits kick the debounced
     flush task) and waits until every row is SENT. The time runs from the first queued
     row to the last ``sent_at``: queueing and sending overlap, as in production.
   After each pass the sink's log must hold exactly one message per Message-ID sent.
3. The SIGKILL pass: the same, but once ~3,000 rows are SENT the worker's process group
   gets SIGKILL; a new worker is started right away (its ``worker_ready`` hook gives the
   killed flush's claimed rows back and kicks a flush), and once it is idle the sweeper
   runs as Celery beat would run it ``SENDING_LEASE`` later (the clock is moved forward for
   that one call, see ``sweep_later``): a row caught in SENDING is marked FAILED, never sent
   again. Proof: no duplicate, SENT + interrupted == 10,000, and what the sink received is
   exactly the SENT rows plus those interrupted rows that had reached it.

    .venv/bin/python bench/outreach.py                 # writes bench/results/<time>-outreach.md
    .venv/bin/python bench/outreach.py --rounds 1 --skip-kill

``make bench`` runs it after the page load test and appends its section to that report.
Settings: ``config.settings`` in production mode (DEBUG off), ``EMAIL_URL`` the sink,
``OUTBOX_DOMAIN_RATES`` empty (the per-domain throttle is off: it would cap a run at 30
mails/min per domain by design, and measuring it is not the point here).
"""

import argparse
import contextlib
import datetime
import os
import re
import secrets
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from unittest import mock

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    RESULTS,
    BenchError,
    free_port,
    git_revision,
    load,
    machine_info,
    postgres_params,
    step,
)
from bench.smtp_sink import read_log  # noqa: E402

MESSAGES = 10_000
# Rows per transaction while queueing: one admin "send outreach" action of a big campaign.
TRANSACTION_ROWS = 500
KILL_AFTER = 3_000
# Stands for the Message-ID in the transport pass's message, replaced per copy.
MESSAGE_ID_SLOT = "<MESSAGE-ID>"
GOAL_RATIO = 0.5
GOAL_RATE = 100
SINK_LOG = RESULTS / "smtp-sink.log.tmp"
WORKER_LOG = RESULTS / "celery-outreach.log.tmp"
# What production runs (README): the default prefork pool, here with one child process.
# The worker's prefetch multiplier is 1 (CELERY_WORKER_PREFETCH_MULTIPLIER in the settings).
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "config", "worker",
    "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO",
    "--hostname", "bench-outreach@%h",
]  # fmt: skip
WORKER_READY = re.compile(r"bench-outreach@\S+ ready\.")
RELEASED = re.compile(r"outbox: worker ready, (\d+) claimed rows back in the queue")
POLL_SECONDS = 0.25
# A pass fails when the outbox does not move for this long.
STALL_SECONDS = 60
MESSAGE_ID_DOMAIN = "outreach.bench.example.org"

SUBJECT = "Sister city campaign: {korean} and {city}"
LETTER = """\
Dear {name},

We are writing to you as supporters of the friendship between {korean} and {city}.
The two cities signed their sister city agreement many years ago, and thousands of
people on both sides still visit, study and work in each other's city every year.

The Sister City Campaign asks both city governments to renew this friendship in
public: to confirm the agreement, to name a contact person in each city hall, and to
answer the citizens who signed our petition. {signatures} people have signed it so far.

You can read the petition and the replies of other cities on the campaign page:
https://campaign.example.org/campaigns/{slug}/

We would be grateful for a short answer, even if it is only to tell us who in your
office is in charge of sister city relations. Simply reply to this message.

With kind regards,
The Sister City Campaign
"""


def letter(n):
    """The outbox fields of outreach mail number ``n``: one official per mail, 97 domains."""
    city = f"City {n % 97:02d}"
    fields = {
        "name": f"Mayor Official {n:05d}",
        "korean": "Bucheon",
        "city": city,
        "signatures": f"{1_000 + n:,}",
        "slug": f"bucheon-city-{n % 97:02d}",
    }
    text = LETTER.format(**fields)
    paragraphs = "".join(f"<p>{block}</p>\n" for block in text.split("\n\n"))
    return {
        "category": "outreach",
        "to_email": f"official{n:05d}@city{n % 97:02d}.bench.example.org",
        "to_name": fields["name"],
        "subject": SUBJECT.format(**fields),
        "body_text": text,
        "body_html": f"<!doctype html>\n<html><body>\n{paragraphs}</body></html>\n",
    }


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_OUTREACH_DATABASE_URL",
            "postgres://root@127.0.0.1:5432/sistercity_bench_outreach",
        ),
        help="PostgreSQL database, DROPPED and created again on every run; its name must "
        "contain 'bench' (env BENCH_OUTREACH_DATABASE_URL).",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="Redis db for the broker and the cache, EMPTIED before every pass "
        "(env BENCH_OUTREACH_REDIS_URL).",
    )
    parser.add_argument("--messages", type=int, default=MESSAGES, help="Mails per pass.")
    parser.add_argument(
        "--rounds", type=int, default=2, help="Rounds of transport, floor and app passes."
    )
    parser.add_argument(
        "--kill-after", type=int, default=KILL_AFTER, help="SENT rows before the SIGKILL."
    )
    parser.add_argument("--skip-kill", action="store_true", help="No SIGKILL pass.")
    parser.add_argument(
        "--section-out",
        type=Path,
        help="Write the report section to this file (bench/run.py) instead of a report of "
        "its own in bench/results/.",
    )
    return parser.parse_args()


def main():
    args = parse_args()
    started = time.monotonic()
    load_before = os.getloadavg()
    broker = fresh_services(args)
    WORKER_LOG.write_text("")  # this run's workers only
    with Sink() as sink:
        env = django_env(args, sink.port)
        setup_django(env)
        transport = transport_message()
        rounds = []
        for index in range(args.rounds):
            step(f"Outreach round {index + 1}/{args.rounds}: transport, floor, app")
            passes = {
                "transport": run_floor("transport", sink, transport, args.messages, index),
                "floor": run_floor("floor", sink, stdlib_message, args.messages, index),
            }
            for result in passes.values():
                print_pass(result)
            app = passes["app"] = run_app(sink, env, broker, args.messages)
            app["ratio"] = app["rate"] / passes["floor"]["rate"]
            app["ratio_transport"] = app["rate"] / passes["transport"]["rate"]
            print_pass(app)
            rounds.append(passes)
        kill = None if args.skip_kill else run_kill(sink, env, broker, args)
    section = render_section(args, rounds, kill, load_before, time.monotonic() - started)
    if args.section_out:
        args.section_out.write_text(section)
    else:
        path = write_report(section)
        print(f"\n{section}\nReport: {path.relative_to(ROOT)}")


def fresh_services(args):
    """Drop and create the database, check Redis; return a client of the Redis db."""
    RESULTS.mkdir(exist_ok=True)
    config, params = postgres_params(args.database_url)
    if "bench" not in config["NAME"]:
        raise BenchError(f"Refusing to drop {config['NAME']!r}: its name must contain 'bench'.")
    step(f"Creating database {config['NAME']} afresh")
    try:
        with psycopg.connect(dbname="postgres", **params) as conn:
            name = sql.Identifier(config["NAME"])
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL at {args.database_url}: {error}") from error
    broker = redis.Redis.from_url(args.redis_url, socket_connect_timeout=5)
    try:
        broker.ping()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {args.redis_url} is unreachable: {error}") from error
    return broker


def django_env(args, sink_port):
    """Production settings, a real broker, mail to the sink, no per-domain throttle."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PRODUCTION": "true",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": f"bench-outreach-{secrets.token_hex(4)}",
        "CELERY_BROKER_URL": args.redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}",
        "OUTBOX_DOMAIN_RATES": "",
        "MAIL_MESSAGE_ID_DOMAIN": MESSAGE_ID_DOMAIN,
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def setup_django(env):
    """This process queues the rows and reads the outbox: Django with the worker's settings."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    step("Migrating")
    call_command("migrate", interactive=False, verbosity=0)


class Sink:
    """The SMTP sink process (bench/smtp_sink.py) on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        SINK_LOG.write_text("")

    def __enter__(self):
        step(f"Starting the SMTP sink on 127.0.0.1:{self.port}")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(self.port),
             "--log", str(SINK_LOG)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"The SMTP sink exited (code {self.process.returncode}).")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            time.sleep(0.1)
        raise BenchError("The SMTP sink did not listen within 20 s.")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)

    def offset(self):
        return SINK_LOG.stat().st_size

    def received(self, offset):
        return read_log(SINK_LOG, offset)

    def cpu(self):
        return cpu_seconds(self.process.pid)


class Worker:
    """One ``celery worker`` (prefork, one child) in a process group of its own."""

    def __init__(self, env):
        self.env = env
        self.process = None

    def start(self):
        WORKER_LOG.touch()
        offset = WORKER_LOG.stat().st_size
        with WORKER_LOG.open("a") as log:
            self.process = subprocess.Popen(
                WORKER_COMMAND,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"The Celery worker exited; see {WORKER_LOG}")
            self.log = WORKER_LOG.read_text()[offset:]
            if WORKER_READY.search(self.log):
                return self
            time.sleep(0.2)
        self.kill()
        raise BenchError(f"The Celery worker was not ready after 60 s; see {WORKER_LOG}")

    def released_claims(self):
        """What its ``worker_ready`` hook logged: claimed rows given back to the queue."""
        match = RELEASED.search(self.log)
        return int(match.group(1)) if match else None

    def cpu(self):
        """CPU seconds of the main process and its pool child (both send no mail twice)."""
        return sum(cpu_seconds(pid) for pid in process_tree(self.process.pid))

    def kill(self):
        """SIGKILL to the whole group: the main process and its pool child die at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        """Warm shutdown (SIGTERM): the worker finishes its task, then exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def cpu_seconds(pid):
    """User + system CPU time of a live process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid):
    pids = [pid]
    with contextlib.suppress(FileNotFoundError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids += process_tree(int(child))
    return pids


def transport_message():
    """The bytes Django's SMTP backend sends for the app's first mail, and its envelope.

    The transport pass sends copies of exactly this message: the most a sender could do.
    """
    import email.policy

    from django.conf import settings

    from mailer.models import OutboxMessage

    row = OutboxMessage(message_id=MESSAGE_ID_SLOT, **letter(0))
    message = row.build_email().message(policy=email.policy.SMTP).as_bytes()
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return lambda n, message_id: (
        sender,
        [row.to_email],
        message.replace(MESSAGE_ID_SLOT.encode(), message_id.encode()),
    )


def stdlib_message(n, message_id):
    """Letter ``n`` built with the standard library's ``email`` package: what a bare script
    sending 10,000 different mails does per mail (same headers, text and HTML parts)."""
    import email.policy
    from email.message import EmailMessage

    from django.conf import settings

    fields = letter(n)
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = fields["subject"]
    message["From"] = settings.DEFAULT_FROM_EMAIL
    message["To"] = formataddr((fields["to_name"], fields["to_email"]))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id
    message.set_content(fields["body_text"])
    message.add_alternative(fields["body_html"], subtype="html")
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return sender, [fields["to_email"]], message.as_bytes()


def run_floor(kind, sink, build, count, index):
    """A bare smtplib loop: one connection, ``count`` messages, a Message-ID each."""
    offset, sink_cpu = sink.offset(), sink.cpu()
    cpu, started = time.process_time(), time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for n in range(count):
            message_id = f"<{kind}.{index}.{n:05d}.{secrets.token_hex(8)}@{MESSAGE_ID_DOMAIN}>"
            smtp.sendmail(*build(n, message_id))
    seconds = time.perf_counter() - started
    received = sink.received(offset)
    return {
        "kind": kind,
        "seconds": seconds,
        "rate": count / seconds,
        "received": received,
        "sink_cpu": (sink.cpu() - sink_cpu) / seconds,
        "sender_cpu": (time.process_time() - cpu) / seconds,
        "ok": received.total == received.unique == count,
    }


def run_app(sink, env, broker, count):
    """Queue ``count`` rows with a worker running; time from the first row to the last send."""
    from django.db.models import Max

    from mailer.models import OutboxMessage

    reset(broker)
    worker = Worker(env).start()
    try:
        offset, sink_cpu, worker_cpu = sink.offset(), sink.cpu(), worker.cpu()
        started, clock = now(), time.monotonic()
        Queueing(count).run()
        queued = time.monotonic() - clock
        wait_for(count, lambda c: c.get("sent", 0) + c.get("failed", 0) >= count)
        cpu_seconds = time.monotonic() - clock
        sink_cpu = (sink.cpu() - sink_cpu) / cpu_seconds
        worker_cpu = (worker.cpu() - worker_cpu) / cpu_seconds
    finally:
        worker.stop()
    last_sent = OutboxMessage.objects.aggregate(last=Max("sent_at"))["last"]
    seconds = (last_sent - started).total_seconds()
    received = sink.received(offset)
    delivery = check_delivery(received)
    return {
        "kind": "app",
        "seconds": seconds,
        "queued_seconds": queued,
        "rate": count / seconds,
        "received": received,
        "sink_cpu": sink_cpu,
        "sender_cpu": worker_cpu,
        **delivery,
        "ok": delivery["sent"] == received.total == received.unique == count
        and not delivery["missing"] + delivery["unexpected"],
    }


def run_kill(sink, env, broker, args):
    """SIGKILL the worker midway, start a new one, sweep later; count what reached the sink."""
    from mailer.models import OutboxMessage

    step(f"SIGKILL pass: {args.messages:,} mails, the worker killed after ~{args.kill_after:,}")
    reset(broker)
    worker = Worker(env).start()
    offset = sink.offset()
    queueing = Queueing(args.messages).start()
    try:
        wait_for(args.messages, lambda c: c.get("sent", 0) >= args.kill_after)
    finally:
        worker.kill()
    killed_at = now()
    at_kill = status_counts()
    received_at_kill = sink.received(offset).total
    print(f"    SIGKILL with {fmt_counts(at_kill)}; the sink had {received_at_kill:,}", flush=True)
    queueing.join()
    restarted = Worker(env).start()
    released = restarted.released_claims()
    print(f"    restarted: worker_ready gave {released} claimed rows back", flush=True)

    def settled(counts):
        busy = OutboxMessage.objects.filter(status="sending", claimed_at__gt=killed_at)
        return not counts.get("queued") and not counts.get("claimed") and not busy.exists()

    try:
        wait_for(args.messages, settled)
    finally:
        restarted.stop()
    before_sweep = status_counts()
    swept = sweep_later()
    after = status_counts()
    interrupted = set(
        OutboxMessage.objects.filter(
            status="failed", last_error__startswith="Interrupted"
        ).values_list("message_id", flat=True)
    )
    received = sink.received(offset)
    delivery = check_delivery(received)
    reached = len(interrupted & set(received.counts))
    ok = (
        received.duplicates == 0
        and delivery["sent"] + len(interrupted) == args.messages
        and delivery["missing"] == 0
        and received.unique == delivery["sent"] + reached
        and delivery["unexpected"] == reached
        and len(interrupted) <= 1
    )
    result = {
        "at_kill": at_kill,
        "received_at_kill": received_at_kill,
        "released": released,
        "before_sweep": before_sweep,
        "swept": swept,
        "after": after,
        "interrupted": len(interrupted),
        "interrupted_reached": reached,
        "received": received,
        **delivery,
        "ok": ok,
    }
    print(
        f"    after restart and sweep: {fmt_counts(after)}; sink {received.total:,} received, "
        f"{received.unique:,} unique, {received.duplicates} duplicates; interrupted rows "
        f"{len(interrupted)} ({reached} of them reached the sink): "
        f"{'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return result


def sweep_later():
    """Run ``sweep_outbox`` as beat would ``SENDING_LEASE`` from now, when a row caught in
    SENDING counts as interrupted (waiting those 5 minutes would only slow the bench down).

    Only the sweeper's clock moves; every worker is stopped and every other row settled.
    """
    from django.utils import timezone

    from mailer.models import SENDING_LEASE
    from mailer.tasks import sweep_outbox

    later = timezone.now() + SENDING_LEASE + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        return sweep_outbox()


class Queueing:
    """Queue ``count`` outreach rows through ``mailer.outbox.queue``, in transactions.

    ``start()`` runs it in a thread (with its own database connection) so that the SIGKILL
    pass can watch the outbox meanwhile; ``run()`` waits for it.
    """

    def __init__(self, count):
        self.count = count
        self.error = None
        self.thread = threading.Thread(target=self._queue, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        return self.start().join()

    def join(self):
        self.thread.join()
        if self.error:
            raise BenchError(f"Queueing failed: {self.error!r}")

    def _queue(self):
        from django.db import connection, transaction

        from mailer import outbox

        try:
            for first in range(0, self.count, TRANSACTION_ROWS):
                with transaction.atomic():
                    for n in range(first, min(first + TRANSACTION_ROWS, self.count)):
                        outbox.queue(**letter(n))
        except Exception as error:  # noqa: BLE001 — reported by join()
            self.error = error
        finally:
            connection.close()


def reset(broker):
    """Empty the outbox and the Redis db (broker queue, unacked tasks, kick key)."""
    from django.db import connection

    from mailer.models import OutboxMessage

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {OutboxMessage._meta.db_table} CASCADE")
    broker.flushdb()


def now():
    from django.utils import timezone

    return timezone.now()


def status_counts():
    from django.db.models import Count

    from mailer.models import OutboxMessage

    rows = OutboxMessage.objects.values_list("status").annotate(n=Count("pk")).order_by()
    return dict(rows)


def wait_for(count, done):
    """Poll the outbox until ``done(status counts)``; fail when nothing moves for a while."""
    last, moved = None, time.monotonic()
    while True:
        counts = status_counts()
        if done(counts):
            return counts
        if counts != last:
            last, moved = counts, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            raise BenchError(
                f"The outbox has not moved for {STALL_SECONDS} s: {fmt_counts(counts)} "
                f"of {count:,}; see {WORKER_LOG}"
            )
        time.sleep(POLL_SECONDS)


def check_delivery(received):
    """The SENT rows against what the sink logged, by Message-ID."""
    from mailer.models import OutboxMessage

    sent = set(OutboxMessage.objects.filter(status="sent").values_list("message_id", flat=True))
    logged = set(received.counts)
    return {
        "sent": len(sent),
        "missing": len(sent - logged),  # SENT in the database, never reached the sink
        "unexpected": len(logged - sent),  # reached the sink, not SENT in the database
    }


def fmt_counts(counts):
    return ", ".join(f"{status} {n:,}" for status, n in sorted(counts.items())) or "no rows"


def print_pass(result):
    received = result["received"]
    extra = ""
    if result["kind"] == "app":
        extra = (
            f", {result['sent']:,} rows SENT, ratio {result['ratio']:.2f} to the floor, "
            f"{result['ratio_transport']:.2f} to transport"
        )
    print(
        f"    {result['kind']:<9} {result['rate']:7.1f} msg/s in {result['seconds']:5.1f} s; "
        f"sink {received.total:,} received, {received.unique:,} unique{extra}; CPU sink "
        f"{pct(result['sink_cpu'])}, sender {pct(result['sender_cpu'])}",
        flush=True,
    )


def pct(share):
    return f"{share * 100:.0f} %"


def render_section(args, rounds, kill, load_before, elapsed):
    apps = [passes["app"] for passes in rounds]
    ratio = statistics.median(app["ratio"] for app in apps)
    ratio_transport = statistics.median(app["ratio_transport"] for app in apps)
    rate = statistics.median(app["rate"] for app in apps)
    delivered = all(result["ok"] for passes in rounds for result in passes.values())
    out = [
        f"## Outreach ({args.messages:,} mails through a Celery worker to an SMTP sink)",
        "",
        f"`bench/outreach.py`, {len(rounds)} rounds of transport, floor and app passes, "
        f"{args.messages:,} mails per pass, run took {elapsed:.0f} s. Throttle off (below).",
        "",
        "| Goal | Measured | Result |",
        "|---|---|---|",
        f"| app >= {GOAL_RATIO} x the bare smtplib loop (floor) | median ratio {ratio:.2f} "
        f"(to transport: {ratio_transport:.2f}) | {verdict(ratio >= GOAL_RATIO)} |",
        f"| >= {GOAL_RATE} messages/s with one worker | median {rate:.0f} msg/s "
        f"| {verdict(rate >= GOAL_RATE)} |",
        f"| every pass: exactly {args.messages:,} delivered, no duplicate Message-ID, all rows "
        f"SENT | see the table | {verdict(delivered)} |",
    ]
    if kill:
        out.append(
            f"| SIGKILL midway: no duplicate, none lost | {kill['received'].duplicates} "
            f"duplicates, {kill['sent']:,} SENT + {kill['interrupted']} interrupted "
            f"| {verdict(kill['ok'])} |"
        )
    out += [
        "",
        "| Round | Pass | msg/s | seconds | ratio | sink received / unique / duplicates "
        "| rows SENT | CPU sink / sender | mean size (bytes) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for index, passes in enumerate(rounds, 1):
        for result in passes.values():
            received = result["received"]
            seconds = f"{result['seconds']:.1f}"
            ratios = "—"
            if result["kind"] == "app":
                seconds += f" (queueing {result['queued_seconds']:.1f})"
                ratios = f"{result['ratio']:.2f} ({result['ratio_transport']:.2f})"
            out.append(
                f"| {index} | {result['kind']} | {result['rate']:.0f} | {seconds} | {ratios} "
                f"| {received.total:,} / {received.unique:,} / {received.duplicates} "
                f"| {f'{result["sent"]:,}' if 'sent' in result else '—'} "
                f"| {pct(result['sink_cpu'])} / {pct(result['sender_cpu'])} "
                f"| {received.mean_size:,.0f} |"
            )
    out += [
        "",
        "`transport`: a bare smtplib loop in the driver over one SMTP connection, sending "
        "copies of the app's first message as Django renders it (Message-ID swapped): the "
        "sink's pace. `floor`: the same loop building each letter with the standard "
        "library's `email` package (same headers and parts): a bare script mailing "
        f"{args.messages:,} people. `app`: from the first queued row to the last row's "
        f"`sent_at`; the driver queues ({TRANSACTION_ROWS} rows per transaction) while the "
        "worker sends. `ratio`: app msg/s ÷ the floor pass just before it (in brackets: ÷ the "
        "transport pass). CPU: share of one core over the pass (sender: the smtplib loop, or "
        "the worker's main process + pool child); a sink near 100 % sets the pace itself.",
        "",
    ]
    if kill:
        out += render_kill(kill, args)
    machine = machine_info()
    out += [
        "Setup:",
        "",
        f"- Commit {git_revision()}; {machine['cpu']}, nproc {machine['nproc']}; load average "
        f"before {load(load_before)}, after {load(os.getloadavg())}; sink, worker, driver, "
        "PostgreSQL and Redis share these CPUs.",
        f"- Worker: `{' '.join(['celery', *WORKER_COMMAND[3:]])}` (the pool production runs, "
        "one child; prefetch multiplier 1, `acks_late`), started before each app pass and "
        "stopped after it; settings `config.settings` with PRODUCTION=true, DEBUG off, a "
        "fresh database (migrated), Redis broker and cache, "
        "`EMAIL_URL=smtp://127.0.0.1:<sink>`.",
        "- `OUTBOX_DOMAIN_RATES` empty: the per-recipient-domain throttle is **off** (on, it "
        "holds each domain to 30 mails/min by design). Rows go through "
        '`mailer.outbox.queue(category="outreach")` with a text and an HTML body.',
        "- SMTP sink: `bench/smtp_sink.py` (aiosmtpd, its own process) logs each message's "
        "Message-ID as it answers 250; the counts above come from that log.",
        "",
    ]
    return "\n".join(out) + "\n"


def render_kill(kill, args):
    received = kill["received"]
    swept = kill["swept"]
    return [
        f"SIGKILL pass: {args.messages:,} rows queued while one worker sends; once at least "
        f"{args.kill_after:,} were SENT the worker's process group (main process and pool "
        "child) got SIGKILL, and a new worker was started at once.",
        "",
        "| Moment | Outbox rows | Sink |",
        "|---|---|---|",
        f"| at the SIGKILL | {fmt_counts(kill['at_kill'])} | {kill['received_at_kill']:,} |",
        f"| restarted worker idle (its `worker_ready` gave {kill['released']} claimed rows "
        f"back) | {fmt_counts(kill['before_sweep'])} | {received.total:,} |",
        f"| after the sweeper | {fmt_counts(kill['after'])} | {received.total:,} received, "
        f"{received.unique:,} unique, {received.duplicates} duplicates |",
        "",
        f"The sweeper (`sweep_outbox`) ran once with its clock moved `SENDING_LEASE` "
        "(5 min) ahead, as beat would run it five minutes later: "
        f"{swept.get('interrupted')} row(s) interrupted in SENDING marked FAILED "
        '("check before resending", never resent), '
        f"{swept.get('released')} stale claims released, {swept.get('requeued')} rows "
        "re-enqueued. "
        f"Interrupted rows: {kill['interrupted']}, of which {kill['interrupted_reached']} "
        "reached the sink (such a mail left just before the worker died; either way it is "
        "not sent again). "
        f"SENT rows missing at the sink: {kill['missing']}; messages at the sink that are "
        f"not SENT rows: {kill['unexpected']}. "
        f"Proof (no duplicate; SENT + interrupted = {args.messages:,}; sink unique = SENT + "
        "interrupted rows that reached it; at most one interrupted row per killed process): "
        f"{verdict(kill['ok'])}.",
        "",
        "The killed task's broker message stays unacknowledged in Redis until the visibility "
        "timeout (1 h) and is then delivered again; nothing waits for it (the new worker's "
        "`worker_ready` hook kicks a flush), and a late flush finds nothing to send.",
        "",
    ]


def verdict(ok):
    return "PASS" if ok else "**FAIL**"


def write_report(section):
    now = datetime.datetime.now().astimezone()
    path = RESULTS / f"{now:%Y-%m-%d-%H%M%S}-outreach.md"
    path.write_text(f"# Outreach benchmark {now:%Y-%m-%d %H:%M %Z}\n\n{section}")
    return path


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted; sink and worker stopped, no report written.", file=sys.stderr)
        sys.exit(130)
