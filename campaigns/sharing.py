"""The share image of a campaign (``/campaigns/<slug>/share.png``): the picture social
networks show with a shared link (Open Graph ``og:image``, 1200 x 630).

Drawn on the server with Pillow from the campaign title and the confirmed signature count,
in the visitor's language, and cached under a key that holds everything drawn, so a new
count or title gives a new image and an unchanged one is drawn once.
"""

import functools
import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext, ngettext
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (20, 52, 66)
TEXT = (255, 255, 255)
MUTED = (190, 214, 222)
ACCENT = (255, 196, 61)
BAR_BACKGROUND = (52, 88, 102)
TITLE_TOP = 130
TITLE_SIZES = (68, 60, 52, 46, 40)
LINE_SPACING = 1.22
# The count line and its bar take this much above the bottom margin.
COUNT_HEIGHT = 140
CACHE_SECONDS = 24 * 3600
# Noto Sans CJK draws Latin and Hangul alike; face 1 of the collection is its Korean cut.
# Debian's fonts-noto-cjk (installed with Chromium by `make test`) puts it first in this list.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 1),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", 1),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc", 1),
)
FONT_PATTERN = "Noto Sans CJK KR:bold"


@functools.cache
def font_file():
    """``(path, face index)`` of the font to draw with, or None for Pillow's own font.

    A known path first, then fontconfig's best match for Korean text.
    """
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run(  # noqa: S603 (a fixed program and arguments)
                [fc_match, "-f", "%{file}|%{index}", FONT_PATTERN],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        path, _sep, index = found.partition("|")
        if Path(path).is_file():
            return path, int(index) if index.isdigit() else 0
    return None


def font(size):
    found = font_file()
    if found:
        return ImageFont.truetype(found[0], size, index=found[1])
    return ImageFont.load_default(size)


def wrap(text, typeface, width):
    """``text`` in lines no wider than ``width``; a word too long for a line (Korean text
    often has few spaces, a URL none) is broken between characters."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if typeface.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while typeface.getlength(word) > width:
            cut = next(
                n for n in range(len(word) - 1, 0, -1) if typeface.getlength(word[:n]) <= width
            )
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _lines_that_fit(size, height):
    return max(1, int((height - size) // (size * LINE_SPACING)) + 1)


def fit_title(title, width, height):
    """The largest title size whose lines fit in ``width`` by ``height``; at the smallest,
    the lines that do not fit are cut off with …"""
    for size in TITLE_SIZES:
        typeface = font(size)
        lines = wrap(title, typeface, width)
        if len(lines) <= _lines_that_fit(size, height):
            return typeface, lines
    kept = lines[: _lines_that_fit(size, height)]
    last = kept[-1]
    while last and typeface.getlength(last + "…") > width:
        last = last[:-1]
    kept[-1] = last + "…"
    return typeface, kept


@dataclass(frozen=True)
class ShareCard:
    """What the image shows; its ``key`` names the cached PNG and serves as ETag."""

    title: str
    count: int | None
    goal: int | None
    language: str
    site: str

    @classmethod
    def for_campaign(cls, campaign):
        """The card of ``campaign`` (its petition's count when it collects signatures)."""
        # No petition raises RelatedObjectDoesNotExist, an AttributeError.
        petition = getattr(campaign, "petition", None)
        signing = petition is not None and campaign.has_action(campaign.Action.SIGN)
        return cls(
            title=campaign.localized_title,
            count=petition.confirmed_count() if signing else None,
            goal=petition.goal if signing else None,
            language=get_language(),
            site=urlsplit(settings.SITE_URL).netloc,
        )

    @property
    def key(self):
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:32]
        return f"share-image:{digest}"

    def png(self):
        """The PNG bytes, from the cache or drawn (and cached)."""
        return cache.get_or_set(self.key, self.draw, CACHE_SECONDS)

    def draw(self):
        image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
        canvas = ImageDraw.Draw(image)
        inner = WIDTH - 2 * MARGIN
        canvas.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
        canvas.text((MARGIN, 56), gettext("Sister City Campaign"), font=font(34), fill=ACCENT)

        bottom = HEIGHT - MARGIN
        title_bottom = bottom - (COUNT_HEIGHT if self.count is not None else 40)
        typeface, lines = fit_title(self.title, inner, title_bottom - TITLE_TOP)
        line_height = int(typeface.size * LINE_SPACING)
        for number, line in enumerate(lines):
            position = (MARGIN, TITLE_TOP + number * line_height)
            canvas.text(position, line, font=typeface, fill=TEXT)

        if self.count is not None:
            counted = ngettext(
                "%(counter)s person has signed.", "%(counter)s people have signed.", self.count
            ) % {"counter": number_format(self.count, force_grouping=True)}
            canvas.text((MARGIN, bottom - 118), counted, font=font(44), fill=TEXT)
            bar = (MARGIN, bottom - 44, WIDTH - MARGIN, bottom - 20)
            canvas.rounded_rectangle(bar, radius=12, fill=BAR_BACKGROUND)
            share = min(self.count / self.goal, 1) if self.goal else 0
            if share > 0:
                filled = (bar[0], bar[1], bar[0] + max(int(inner * share), 24), bar[3])
                canvas.rounded_rectangle(filled, radius=12, fill=ACCENT)
        canvas.text(
            (WIDTH - MARGIN, bottom + 30), self.site, font=font(26), fill=MUTED, anchor="rs"
        )
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        return buffer.getvalue()
