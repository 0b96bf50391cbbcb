"""An honest stand-in for a backend whose server evaluates only some relations.

It delegates every call to a real backend, except ``can_push``: conditions with a
declined relation are left for the site to evaluate with the local engine. It
records every query the site hands it, so tests can check that no declined
relation, and no limit, reached the server.
"""

from __future__ import annotations

from typing import Any, Iterable

from trackframes.query import Condition, parse_filters, walk
from trackframes.schema import FieldSpec


class Declining:
    """``inner`` (a real backend) whose server "cannot" evaluate the relations in ``declined``."""

    def __init__(self, inner: Any, declined: Iterable[str]) -> None:
        self._inner = inner
        self.declined = frozenset(declined)
        self.queries: list[Any] = []

    def can_push(self, condition: Condition, spec: FieldSpec | None) -> bool:
        return condition.op not in self.declined

    def plan(self, query: Any, page_size: int) -> Any:
        self.queries.append(query)
        return self._inner.plan(query, page_size)

    def count(self, query: Any) -> int:
        self.queries.append(query)
        return self._inner.count(query)

    def sent_relations(self) -> set[str]:
        """Every relation of the filters the site asked the backend to send."""
        return {c.op for q in self.queries for c in walk(parse_filters(q.filters))}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
