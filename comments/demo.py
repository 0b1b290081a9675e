"""The seed pages' comments, loaded by ``manage.py load_demo`` through the same rules as
new comments.

Each seed page ends with its discussion, copied from the old site::

      1. Robyne Zuendel
        Robyne ZuendelDecember 6,16

        Key word illegal

        • Alder
          AlderDecember 8,16

          Stop this cruelty right now

A comment starts at a line ending in its author's name glued to a date ("March 7,16"); a
"•" line just before it makes it a reply to the last top-level comment. Its text runs to the
next comment (or "Leave a Reply"). Comments without text are skipped.

Seed commenters count as known (their comments were public), so ordinary comments are
published and the rules hold or reject the rest; "admin" replies become campaign-team replies.
Loading twice creates nothing new: duplicate detection finds each comment again.
"""

import datetime
import re
import textwrap
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campaigns import importing
from campaigns.models import Campaign, Centre

from .models import Comment, Commenter
from .posting import post_comment

SEED_DIR = importing.DATA_DIR / "seeds"
# Seed file prefix → the page its discussion belongs to.
SEED_PAGES = {
    "000": ("campaign", "bucheon-bakersfield"),
    "001": ("campaign", "bucheon-mayor-visit-2016"),
    "002": ("centre", Centre.Scope.NON_US),
}
STAFF_NAMES = {"admin"}
STAFF_USERNAME = "campaign-team"

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_HEADER = re.compile(
    r"^(?P<indent>\s*)(?P<name>\S.*?)(?P<month>" + "|".join(_MONTHS) + r") (?P<day>\d{1,2}),"
    r"(?P<year>\d{2})\s*$"
)
_MARKER = re.compile(r"^\s*(?:\d+\.|•)\s+(?P<name>\S.*?)\s*$")
_END = "Leave a Reply"


@dataclass
class SeedComment:
    name: str
    date: datetime.date
    is_reply: bool
    lines: list = field(default_factory=list)

    @property
    def text(self):
        return textwrap.dedent("\n".join(self.lines)).strip()


def parse_date(month, day, year):
    """("March", "7", "16") → 2016-03-07: the seeds abbreviate years to two digits."""
    return datetime.date(2000 + int(year), _MONTHS.index(month) + 1, int(day))


def parse(text):
    """The comments of one seed page, in order, blank ones included (``SeedComment``)."""
    comments = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.strip() == _END:
            break
        header = _HEADER.match(line)
        if header is None:
            if comments:
                comments[-1].lines.append(line)
            continue
        name = header["name"].strip()
        previous = _previous_marker(lines, number, name)
        if comments and previous is not None:
            comments[-1].lines.pop(previous - number)  # the marker is not part of the text
        comments.append(
            SeedComment(
                name=name,
                date=parse_date(header["month"], header["day"], header["year"]),
                is_reply=previous is not None and lines[previous].strip().startswith("•"),
            )
        )
    return comments


def _previous_marker(lines, number, name):
    """Index of the "1. Name" or "• Name" line just before the header at ``number``, if any."""
    index = number - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    marker = _MARKER.match(lines[index]) if index >= 0 else None
    return index if marker is not None and marker["name"] == name else None


def _pages():
    campaigns = {campaign.slug: campaign for campaign in Campaign.objects.all()}
    centres = {centre.scope: centre for centre in Centre.objects.all()}
    for prefix, (kind, key) in SEED_PAGES.items():
        page = campaigns.get(key) if kind == "campaign" else centres.get(key)
        path = next(SEED_DIR.glob(f"{prefix}_*.txt"), None)
        if page is not None and path is not None:
            yield page, path


def campaign_team_user():
    """The account staff replies of the seed are signed with; it cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME,
        defaults={"first_name": "Campaign", "last_name": "team", "is_staff": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _seed_commenter(name):
    """A known commenter per seed name, with a fake address (never a real person's)."""
    email = f"{slugify(name) or 'commenter'}@example.invalid"
    commenter, _created = Commenter.objects.get_or_create(
        email_normalized=email, defaults={"email": email, "name": name}
    )
    commenter.confirm(when=timezone.make_aware(datetime.datetime(2016, 1, 1)))
    return commenter


def load():
    """Post every seed comment to its page; returns ``{status: count}`` of new comments."""
    counts = dict.fromkeys(Comment.Status.values, 0)
    staff = campaign_team_user()
    with transaction.atomic():
        for page, path in _pages():
            parent = None
            for minute, seed in enumerate(parse(path.read_text(encoding="utf-8"))):
                if not seed.text:
                    continue
                is_staff = seed.name.lower() in STAFF_NAMES
                posted = post_comment(
                    page,
                    name=seed.name,
                    text=seed.text,
                    email="" if is_staff else _seed_commenter(seed.name).email,
                    parent=parent if seed.is_reply else None,
                    staff_user=staff if is_staff else None,
                    # Seed order within a day is kept by a minute per comment.
                    created_at=timezone.make_aware(
                        datetime.datetime.combine(seed.date, datetime.time(12))
                    )
                    + datetime.timedelta(minutes=minute),
                )
                if not seed.is_reply:
                    parent = posted.comment
                if posted.created:
                    counts[posted.comment.status] += 1
    return counts


def on_demo_loaded(**kwargs):
    """Receiver of ``core.signals.demo_loaded``: load the seed comments, return a summary."""
    counts = load()
    return (
        _("Comments: %(published)d published, %(held)d held, %(rejected)d rejected (new)") % counts
    )
