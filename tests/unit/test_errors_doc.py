"""docs/errors.md describes every error class trackframes raises."""

from __future__ import annotations

import re
from pathlib import Path

import trackframes.deadline
import trackframes.exceptions
import trackframes.failures
import trackframes.io.errors
from trackframes.exceptions import TrackframesError

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def error_classes() -> set[str]:
    names = set()
    for module in (trackframes.exceptions, trackframes.deadline, trackframes.failures, trackframes.io.errors):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, TrackframesError):
                names.add(value.__name__)
    return names


def test_every_error_class_is_in_the_tree_and_has_a_row():
    text = DOC.read_text()
    tree = re.search(r"```\n(TrackframesError.*?)```", text, flags=re.S).group(1)
    rows = {m for m in re.findall(r"^\| `(\w+)` \|", text, flags=re.M)}
    for name in error_classes():
        assert name in tree, f"{name} is missing from the tree"
        assert name in rows or name == "TrackframesError", f"{name} has no row"
