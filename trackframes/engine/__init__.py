"""The local query engine: filters, order, limit and summaries on shaped Arrow tables.

Pure functions with the server's semantics, for what a backend cannot ask its
server for (see ``docs/engine.md``):

* :func:`mask` — which rows match a filter tree;
* :func:`sort_indices` — the server's row order for order keys;
* :func:`apply` — filter, order and limit in one call;
* :func:`summarize` — summaries, totals and (nested) groups, as a ``SummaryResult``.
"""

from __future__ import annotations

from .filters import NEGATIONS, RELATIONS_BY_KIND, mask
from .order import apply, sort_indices
from .summarize import summarize

__all__ = ["NEGATIONS", "RELATIONS_BY_KIND", "apply", "mask", "sort_indices", "summarize"]
