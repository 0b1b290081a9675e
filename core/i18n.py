"""Bilingual data in the interface language.

Places, offices and people are stored with an English name and, often, a Korean one
(``name_ko``); countries are stored by their English name. The Korean interface shows the
Korean forms wherever they exist and falls back to the English ones.
"""

import functools

from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_countries import countries

# English country names the status table uses where django-countries' own name differs.
COUNTRY_ALIASES = {"united states": "US", "usa": "US", "macau": "MO", "ivory coast": "CI"}


def korean_active():
    """True while the interface language is Korean (``ko``, ``ko-kr``…)."""
    return (get_language() or "").lower().split("-")[0] == "ko"


def localized(english, korean):
    """``korean`` on the Korean interface when there is one, else ``english``."""
    return korean if korean and korean_active() else english


def lang_attribute(korean):
    """` lang="en"` where the Korean interface falls back to English content for want of
    ``korean`` (WCAG 3.1.2), else nothing: the content is in the page's language."""
    return mark_safe(' lang="en"') if korean_active() and not korean else ""


@functools.lru_cache(maxsize=1024)
def country_code(name):
    """The ISO 3166 code of a country named in English, '' when it is not recognised."""
    name = (name or "").strip()
    return COUNTRY_ALIASES.get(name.casefold()) or countries.by_name(name, language="en")


def country_name(name):
    """A country named in English, in Korean on the Korean interface (as given if unknown)."""
    code = country_code(name) if korean_active() else ""
    return str(countries.name(code)) if code else name
