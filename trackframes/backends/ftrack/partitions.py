"""An ftrack read split into independent parts by the first hex digits of the ids (PARTITION, ``site.to_dask``).

ftrack ids are random lowercase UUIDs, spread evenly over the hex space, so
parts of equal width hold about the same number of records without any
survey. A part is a run of consecutive id prefixes (``id starts_with "4"`` or
``"4"``..``"7"``: one hex digit for up to 16 parts, two for up to 256), which
the server evaluates itself (``id like "4%"``). The prefixes of the parts cover
every hex digit once, so the parts cover the read without gap or overlap, and
in the ids' text order: each part's ``low``/``high`` (the smallest and largest
ids its prefixes allow) are Dask divisions. Only the count is asked for, when
``parts`` is not given.

>>> [(p.low[:2], p.high[:2]) for p in split(4)]
[('00', '3f'), ('40', '7f'), ('80', 'bf'), ('c0', 'ff')]
>>> split(2)[0].condition.to_dict()["conditions"][:2]
[['id', 'starts_with', '0'], ['id', 'starts_with', '1']]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ...query.filters import Condition, Group
from ..base import Partition, Query

if TYPE_CHECKING:  # pragma: no cover
    from .backend import FtrackBackend

__all__ = ["partitions", "split", "MAX_PARTS"]

_HEX = "0123456789abcdef"
#: The most parts a read splits into (two hex digits of prefix).
MAX_PARTS = 256


def partitions(backend: "FtrackBackend", query: Query, *, parts: int | None = None,
               rows: int = 50_000) -> list[Partition]:
    """``query`` in ``parts`` parts, or parts of about ``rows`` records (the server counts them)."""
    if parts is None:
        parts = max(1, math.ceil(backend.count(query) / rows))
    return split(parts)


def split(parts: int) -> list[Partition]:
    """``min(parts, 256)`` parts of the id space, in id order (see the module docstring)."""
    parts = max(1, min(parts, MAX_PARTS))
    width = 1 if parts <= 16 else 2
    prefixes = [a + b for a in _HEX for b in (_HEX if width == 2 else [""])]
    out = []
    for k in range(parts):
        run = prefixes[len(prefixes) * k // parts: len(prefixes) * (k + 1) // parts]
        conditions = [Condition("id", "starts_with", p) for p in run]
        condition = Group("or", tuple(conditions)) if len(conditions) > 1 else conditions[0]
        out.append(Partition(condition, _uuid(run[0], "0"), _uuid(run[-1], "f"), None))
    return out


def _uuid(prefix: str, fill: str) -> str:
    digits = (prefix + fill * 32)[:32]
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
