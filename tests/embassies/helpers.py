"""Missions for the embassy tests."""

import itertools

from embassies.models import Mission

_seq = itertools.count(1)


def mission(country="US", kind=Mission.Kind.CONSULATE_GENERAL, city=None, **fields):
    city = city or f"City {next(_seq)}"
    fields.setdefault("name", f"Consulate General of the Republic of Korea in {city}")
    fields.setdefault("phone", "+1 213-385-9300")
    fields.setdefault("address", f"1 Main Street, {city}")
    return Mission.objects.create(country=country, kind=kind, city=city, **fields)
