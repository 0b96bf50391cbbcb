"""Closest valid names for error messages ("did you mean ...?").

>>> suggest("Shto", ["Shot", "Sequence", "Asset"])
['Shot']
>>> hint(["Shot"])
" Did you mean 'Shot'?"
"""

from __future__ import annotations

import difflib
from typing import Iterable

__all__ = ["suggest", "hint"]


def suggest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The closest valid names, case-insensitively (difflib), else those that contain ``name``."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(str(name).lower(), list(lowered), n=n, cutoff=0.6)
    out = [lowered[h] for h in hits]
    if not out:  # substring hits help with display-name guesses ("assignee" -> task_assignees)
        out = [c for c in choices if str(name).lower() in c.lower()][:n]
    return out


def hint(suggestions: list[str]) -> str:
    """' Did you mean ...?' for an error message, or nothing."""
    if not suggestions:
        return ""
    return " Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
