"""Entity type names as they appear in REST paths, and the paths built from them.

The reference asks for the plural snake_case form in ``/entity`` paths
(``CustomNonProjectEntity01`` → ``custom_non_project_entity_01s``) and the
singular snake_case form in ``/schema`` paths. The sandbox accepts all of them,
plus the CamelCase type name itself, everywhere.
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["snake", "pluralize", "EntityNames"]

_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[0-9])(?=[A-Za-z])")


def snake(name: str) -> str:
    """``CustomNonProjectEntity01`` → ``custom_non_project_entity_01``."""
    return _BOUNDARY.sub("_", name).lower()


def pluralize(word: str) -> str:
    """A plain English plural, enough for entity type names (``TimeLog`` → ``time_logs``)."""
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


class EntityNames:
    """Maps every accepted spelling of an entity type to its type name."""

    def __init__(self, entity_types: Iterable[str]) -> None:
        self._lookup: dict[str, str] = {}
        self._plural: dict[str, str] = {}
        self._singular: dict[str, str] = {}
        for name in entity_types:
            single = snake(name)
            plural = pluralize(single)
            self._singular[name] = single
            self._plural[name] = plural
            for spelling in (name, single, plural):
                self._lookup.setdefault(spelling, name)
            self._lookup.setdefault(name.lower(), name)

    def resolve(self, spelling: str) -> str | None:
        """The entity type for a path segment, or ``None`` when there is none."""
        return self._lookup.get(spelling) or self._lookup.get(spelling.lower())

    def plural(self, entity: str) -> str:
        return self._plural.get(entity) or pluralize(snake(entity))

    def singular(self, entity: str) -> str:
        return self._singular.get(entity) or snake(entity)
