"""The tracker-neutral query model: a typed filter tree and order keys, parsed once from the public syntax.

Backends compile these to their own query language (:mod:`trackframes.query.filters`,
:mod:`trackframes.query.order`); what a backend cannot send, the local engine
(:mod:`trackframes.engine`) applies to the fetched rows.
"""

from __future__ import annotations

from .filters import (
    MAX_DEPTH,
    RELATIONS,
    Condition,
    Group,
    Node,
    and_,
    from_json,
    or_,
    parse_filters,
    paths,
    split,
    to_json,
    walk,
)
from .order import OrderKey, parse_order

__all__ = [
    "MAX_DEPTH",
    "RELATIONS",
    "Condition",
    "Group",
    "Node",
    "OrderKey",
    "and_",
    "from_json",
    "or_",
    "parse_filters",
    "parse_order",
    "paths",
    "split",
    "to_json",
    "walk",
]
