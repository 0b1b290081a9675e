"""Text normalisation shared by the rules (phrase matching) and duplicate detection."""

import hashlib
import re
import unicodedata

# Typographic apostrophes written by phones and word processors, and letters that Unicode
# does not decompose into a base letter and an accent (Polish ł, Danish ø, …) but that people
# type without their stroke all the same.
_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "\u0131": "i",  # dotless i
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
    }
)
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text):
    """Case- and accent-insensitive form: NFKD, combining marks dropped, recomposed, casefolded.

    Recomposing (NFC) matters for Korean: NFKD splits each Hangul syllable into jamo, and a
    phrase's jamo could otherwise match across two syllables of the text.
    """
    decomposed = unicodedata.normalize("NFKD", str(text or "").translate(_FOLD))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", stripped).casefold()


def fingerprint(text):
    """Hash of the normalised words only: "Stop this!" and "stop  THIS" are the same post."""
    words = _NON_WORD.sub(" ", normalize(text)).strip()
    return hashlib.sha256(words.encode()).hexdigest()
