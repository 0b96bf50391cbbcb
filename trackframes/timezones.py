"""Time zone names: checked, with the closest valid names suggested for a wrong one.

>>> check_timezone("Europe/Paris")
zoneinfo.ZoneInfo(key='Europe/Paris')
>>> check_timezone("Europe/Pari")
Traceback (most recent call last):
...
ValueError: Unknown time zone 'Europe/Pari'. Did you mean 'Europe/Paris'? Use an IANA name such as 'Europe/Paris', 'America/Los_Angeles' or 'UTC'.
>>> suggest_timezones("paris"), suggest_timezones("los angeles"), suggest_timezones("PST")
(['Europe/Paris'], ['America/Los_Angeles'], ['America/Los_Angeles'])
"""

from __future__ import annotations

import difflib
import functools
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["check_timezone", "suggest_timezones"]

#: abbreviations people type that are not zone names, and the zones they usually mean
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "PST": ("America/Los_Angeles",), "PDT": ("America/Los_Angeles",), "EDT": ("America/New_York",),
    "BST": ("Europe/London",), "CEST": ("Europe/Paris", "Europe/Berlin"), "IST": ("Asia/Kolkata",),
    "JST": ("Asia/Tokyo",), "AEST": ("Australia/Sydney",), "AEDT": ("Australia/Sydney",),
    "NZST": ("Pacific/Auckland",), "NZDT": ("Pacific/Auckland",),
}


def check_timezone(tz: str | tzinfo) -> tzinfo:
    """``tz`` as a ``tzinfo``: an IANA name (``"Europe/Paris"``, ``"UTC"``) or a ``tzinfo`` given as is.

    ``ValueError`` naming the bad name and the closest valid ones; ``TypeError`` for anything else.
    """
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise TypeError(f"tz must be a time zone name such as 'Europe/Paris' (or a tzinfo), not {tz!r}.")
    try:
        if tz and tz == tz.strip():
            return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    hints = suggest_timezones(tz)
    hint = f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""
    raise ValueError(f"Unknown time zone {tz!r}.{hint} Use an IANA name such as 'Europe/Paris', "
                     "'America/Los_Angeles' or 'UTC'.")


def suggest_timezones(name: str, n: int = 3) -> list[str]:
    """The valid zone names closest to ``name``: the same name in another case, the same city, else the
    names (or cities) spelled most like it."""
    zones = _zones()
    key = _norm(name)
    if not key:
        return []
    same = [z for z in zones if _norm(z) == key] + [z for z in zones if _norm(z.rsplit("/", 1)[-1]) == key]
    same += list(_ABBREVIATIONS.get(key.upper(), ()))
    if same:
        return list(dict.fromkeys(same))[:n]
    scored = []
    for zone in zones:
        score = max(difflib.SequenceMatcher(None, key, _norm(zone)).ratio(),
                    difflib.SequenceMatcher(None, key, _norm(zone.rsplit("/", 1)[-1])).ratio())
        if score >= 0.75:
            scored.append((score, zone))
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = scored[0][0] if scored else 0.0
    return [zone for score, zone in scored if score >= best - 0.08][:n]


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


@functools.lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if not z.startswith(("posix/", "right/"))))
