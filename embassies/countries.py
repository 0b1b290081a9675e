"""The supporter's likely country, from the browser's ``Accept-Language`` header."""

import re

from django_countries import countries

# Languages spoken mainly in one country: "ja" alone means Japan. Languages of many
# countries (en, es, fr, pt, zh, ar, …) say nothing without a region and are skipped.
LANGUAGE_COUNTRY = {
    "ko": "KR",
    "ja": "JP",
    "de": "DE",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "cs": "CZ",
    "sk": "SK",
    "hu": "HU",
    "da": "DK",
    "fi": "FI",
    "sv": "SE",
    "nb": "NO",
    "nn": "NO",
    "no": "NO",
    "is": "IS",
    "el": "GR",
    "tr": "TR",
    "he": "IL",
    "th": "TH",
    "vi": "VN",
    "id": "ID",
    "uk": "UA",
    "ro": "RO",
    "bg": "BG",
    "hr": "HR",
    "sl": "SI",
    "lt": "LT",
    "lv": "LV",
    "et": "EE",
}
# One entry: "en-US", "zh-Hant-TW", "de;q=0.8", "*". Regions are two letters (es-419 is not
# a country).
_ENTRY = re.compile(
    r"^(?P<language>[a-z]{1,8})(?:-[a-z]{4})?(?:-(?P<region>[a-z]{2}))?(?:-[a-z0-9-]*)?$"
)
_QUALITY = re.compile(r"^q=(?P<q>[01](?:\.\d{0,3})?)$")
MAX_HEADER_LENGTH = 500


def _preferences(header):
    """The entries of ``header`` as (language, region), most preferred first."""
    ranked = []
    for position, part in enumerate(header[:MAX_HEADER_LENGTH].lower().split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            if match := _QUALITY.match(param.replace(" ", "")):
                quality = float(match["q"])
        entry = _ENTRY.match(tag)
        if entry and quality > 0:
            ranked.append((-quality, position, entry["language"], entry["region"]))
    return [(language, region) for _q, _p, language, region in sorted(ranked)]


def country_from_accept_language(header):
    """The ISO code of the first preferred language that names a country, or ''.

    "en-US,en;q=0.9" gives "US", "ko-KR" "KR", "ja,en-US;q=0.8" "JP" (Japanese first).
    """
    for language, region in _preferences(header or ""):
        code = region.upper() if region else LANGUAGE_COUNTRY.get(language, "")
        if code and code in countries:
            return code
    return ""
