"""Time zones as people name them: 'London', 'europe/london', 'America/New York', 'Japan'.
Read from the IANA tables that the pinned tzdata package ships, so nothing is fetched."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

# Countries the tables list with a second zone for a small enclave only (Büsingen): people mean the main one.
MAIN_ZONE = {"DE": "Europe/Berlin"}


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _key(text: str) -> str:
    """Case, spaces, underscores and hyphens don't tell two names apart."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


@cache
def _names() -> dict[str, str]:
    zones = available_timezones()
    names: dict[str, str] = {}
    # Cities first, then full names, so "europe/london" and "London" both find Europe/London;
    # a city that two areas share (none today) keeps the first in sorted order.
    for zone in sorted(zones):
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/")):
            names.setdefault(_key(zone.rsplit("/", 1)[1]), zone)
    # Countries with exactly one zone: "France" is Europe/Paris; "USA" has many and is refused.
    zones_of: dict[str, list[str]] = {}
    for row in _table("zone.tab"):
        zones_of.setdefault(row[0], []).append(row[2])
    for row in _table("iso3166.tab"):
        code, country = row[0], row[1]
        found = [MAIN_ZONE[code]] if code in MAIN_ZONE else zones_of.get(code, [])
        if len(found) == 1 and found[0] in zones:
            # Over the old one-word aliases too: "Japan" is Asia/Tokyo, the name settings show.
            names[_key(country)] = found[0]
    for zone in zones:
        if "/" in zone or _key(zone) not in names:
            names[_key(zone)] = zone  # an Area/City name always means itself
    return names


def resolve_timezone(text: str) -> str | None:
    """The IANA name a person means, or None: any case, spaces for underscores, a city alone
    or a country with one zone."""
    return _names().get(_key(text))
