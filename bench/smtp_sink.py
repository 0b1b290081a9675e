#!/usr/bin/env python
"""An SMTP sink for the outreach benchmark: accepts every message and records its Message-ID.

It runs as a process of its own (``bench/outreach.py`` starts it), so what it costs shows
apart from the Celery worker and the bare-smtplib floor, which both send to it:

    .venv/bin/python bench/smtp_sink.py --port 2525 --log /tmp/sink.log

Each accepted message appends one line ``<Message-ID> <bytes>`` to the log. The file is
line-buffered, so every line is on disk as soon as the 250 answer is sent: the driver can
count what arrived at any moment, also right after it killed a worker mid-send, and a
message that is in the log really left the sender. ``read_log`` turns the lines after an
offset into totals, unique Message-IDs and duplicates.

aiosmtpd is asyncio-based and only looks at the header block of each message (no parsing
of the MIME tree), so one process takes several thousand messages per second; the report
gives its CPU use per run to show whether it limited a run.
"""

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import re
from pathlib import Path

from aiosmtpd.smtp import SMTP

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
NO_MESSAGE_ID = "-"
# Given to aiosmtpd so that it does not look up the machine's FQDN on every connection
# (the Django backend opens one connection per message unless it reuses one).
HOSTNAME = "sink.bench.invalid"


class Recorder:
    """aiosmtpd handler: one log line per message, the answer 250."""

    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        head = content.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(head)
        message_id = match.group(1).decode("ascii", "replace") if match else NO_MESSAGE_ID
        self.log.write(f"{message_id} {len(content)}\n")
        return "250 OK"


async def serve(host, port, log_path):
    with open(log_path, "a", buffering=1, encoding="ascii") as log:
        recorder = Recorder(log)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(recorder, hostname=HOSTNAME, ident="bench sink"), host, port
        )
        print(f"SMTP sink listening on {host}:{port}, logging to {log_path}", flush=True)
        async with server:
            await server.serve_forever()


@dataclasses.dataclass
class Received:
    """What the sink logged after some offset: counts per Message-ID and the sizes."""

    counts: collections.Counter
    sizes: list
    end: int  # offset after the last complete line: where the next read starts

    @property
    def total(self):
        return sum(self.counts.values())

    @property
    def unique(self):
        return len(self.counts)

    @property
    def duplicates(self):
        """Messages beyond the first per Message-ID (0 when each arrived once)."""
        return self.total - self.unique

    @property
    def mean_size(self):
        return sum(self.sizes) / len(self.sizes) if self.sizes else 0


def read_log(path, start=0):
    """The messages logged from byte ``start`` on (a half-written last line is left out)."""
    with Path(path).open("rb") as log:
        log.seek(start)
        data = log.read()
    complete = data.rfind(b"\n") + 1
    counts, sizes = collections.Counter(), []
    for line in data[:complete].splitlines():
        message_id, _, size = line.decode("ascii").rpartition(" ")
        counts[message_id] += 1
        sizes.append(int(size))
    return Received(counts, sizes, start + complete)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True, help="File to append '<Message-ID> <bytes>' to.")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C when run by hand
        asyncio.run(serve(args.host, args.port, args.log))


if __name__ == "__main__":
    main()
