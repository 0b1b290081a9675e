"""The automatic rules a new comment goes through: word lists, links and all-caps thresholds.

``evaluate(text)`` answers publish, hold or reject with a reason. The lists (``Phrase``) and
thresholds (``ModerationSettings``) are edited in the admin; every language's phrases are
checked whatever the comment's language, because supporters write in many.

Matching is case- and accent-insensitive (``textnorm.normalize``: "ÉCHEC" matches "echec").
Phrases in alphabetic scripts match whole words only, so "scum" does not fire on "scumbag"
and "cunt" not on "Scunthorpe"; a trailing ``*`` makes the last word a prefix ("scum*" holds
"scumbag" too), and any run of spaces or punctuation in the text matches a space in the
phrase. Phrases containing Hangul (or other CJK script) match as plain substrings: Korean
attaches particles and endings to words ("죽어라고", "쪽바리들"), so word boundaries would miss
most real uses; list those phrases specifically enough to avoid false positives.
"""

import functools
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Comment, ModerationSettings, Phrase
from .textnorm import normalize

PUBLISH = Comment.Status.PUBLISHED
HOLD = Comment.Status.HELD
REJECT = Comment.Status.REJECTED

# Hangul syllables and jamo, CJK ideographs, kana: scripts matched by substring.
_SUBSTRING_SCRIPTS = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]"
)
_SEPARATORS = re.compile(r"[\W_]+")
# What Django's urlize turns into a link: schemes, www., and bare domains on common TLDs.
_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b[\w.-]+\.(?:com|edu|gov|int|mil|net|org)\b(?:/\S*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decision:
    """What the rules say about a text: ``outcome`` is a ``Comment.Status`` value."""

    outcome: str
    reason: str = ""
    reject_reason: str = ""

    @property
    def is_publish(self):
        return self.outcome == PUBLISH


@dataclass(frozen=True)
class _Pattern:
    kind: str
    language: str
    text: str
    note: str
    regex: re.Pattern


def compile_phrase(text):
    """The regular expression matching ``text`` in normalised comment text (see module doc)."""
    phrase = normalize(text).strip()
    prefix = phrase.endswith("*")
    words = [word for word in _SEPARATORS.split(phrase.rstrip("*")) if word]
    if not words:
        return None
    if _SUBSTRING_SCRIPTS.search(phrase):
        return re.compile(r"[\W_]+".join(re.escape(word) for word in words))
    body = r"[\W_]+".join(re.escape(word) for word in words)
    return re.compile(r"(?<!\w)" + body + (r"\w*" if prefix else r"(?!\w)"))


@functools.lru_cache(maxsize=4)
def _compile(phrases):
    """Compiled patterns, banned first; cached on the list's contents, so an admin's edit
    (a different tuple) takes effect on the next comment without any invalidation."""
    patterns = []
    for kind, language, text, note in phrases:
        regex = compile_phrase(text)
        if regex is not None:
            patterns.append(_Pattern(kind, language, text, note, regex))
    patterns.sort(key=lambda pattern: pattern.kind != Phrase.Kind.BANNED)
    return tuple(patterns)


def _load_patterns():
    phrases = Phrase.objects.order_by("kind", "language", "text").values_list(
        "kind", "language", "text", "note"
    )
    return _compile(tuple(phrases))


def _reject_reason(note):
    """The ``RejectReason`` a phrase's note starts with ("threat: ..."), else abuse."""
    head = note.split(":", 1)[0].strip().lower()
    return head if head in Comment.RejectReason.values else Comment.RejectReason.ABUSE


def phrase_match(text, language_hint=None, patterns=None):
    """The first listed phrase found in ``text`` (banned before suspect), or None.

    Phrases of ``language_hint`` are tried first within each kind, so the reason names the
    comment's own language when several match; all languages are always checked.
    """
    normalized = normalize(text)
    patterns = _load_patterns() if patterns is None else patterns
    ordered = sorted(
        patterns,
        key=lambda pattern: (pattern.kind != Phrase.Kind.BANNED, pattern.language != language_hint),
    )
    return next((pattern for pattern in ordered if pattern.regex.search(normalized)), None)


def count_links(text):
    return len(_LINK.findall(text))


def caps_share(text):
    """Upper-case share of the cased letters (Hangul has no case and does not count)."""
    cased = [char for char in text if char.isupper() or char.islower()]
    if not cased:
        return 0.0, 0
    return sum(char.isupper() for char in cased) / len(cased), len(cased)


def evaluate(text, language_hint=None, settings=None):
    """Run the rules over ``text``: a banned phrase rejects; a suspect phrase, too many
    links or shouting hold; anything else may be published. Returns a ``Decision``."""
    settings = settings or ModerationSettings.current()
    match = phrase_match(text, language_hint)
    if match is not None and match.kind == Phrase.Kind.BANNED:
        return Decision(
            REJECT,
            _("Banned phrase “%(phrase)s” (%(language)s)")
            % {"phrase": match.text, "language": match.language},
            _reject_reason(match.note),
        )
    if match is not None:
        return Decision(
            HOLD,
            _("Suspect phrase “%(phrase)s” (%(language)s)")
            % {"phrase": match.text, "language": match.language},
        )
    links = count_links(text)
    if links > settings.max_links:
        return Decision(
            HOLD,
            _("%(count)d links (more than %(max)d)") % {"count": links, "max": settings.max_links},
        )
    share, letters = caps_share(text)
    if letters >= settings.caps_min_letters and share > settings.caps_ratio:
        return Decision(HOLD, _("Mostly capital letters (%(share)d%%)") % {"share": share * 100})
    return Decision(PUBLISH)
