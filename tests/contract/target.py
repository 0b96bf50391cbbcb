"""What the contract suite needs from a backend besides its public API.

A :class:`Target` wraps a connected :class:`~trackframes.site.Site` over the backend's own offline
server, the names the suite reads (in the backend's vocabulary), and hooks the public API cannot
provide: counting requests, and making records appear and disappear between page requests.
A hook that a backend cannot offer is ``None``; tests that need it are marked ``notimpl`` for that
backend (``gaps``), so the gap shows in every run as an expected failure, never a silent skip.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Target:
    """A backend under contract test.

    Attributes:
        name: the backend's name (``"shotgrid"``...).
        site: a connected site (progress bars off).
        entities: entity types to read in full (``fields="*"``), in the backend's vocabulary.
        task_entity: the entity behind ``site.tasks()``.
        link_field: a single-link field of ``task_entity`` with several distinct targets (summaries group by it).
        number_field: a whole-number field of ``task_entity`` (filters, sums).
        date_field: a date field of ``task_entity``.
        order_fields: fields of ``task_entity`` (dotted paths allowed) holding both values and nulls,
            to check where nulls sort.
        requests: the number of requests the server has answered so far.
        churn: ``churn(creates, deletes)`` is a context manager inside which the server creates and
            deletes records of ``task_entity`` between page requests; ``None`` when the backend's
            server cannot.
        page_size: a page size small enough that ``task_entity`` spans many pages.
        gaps: names of contract tests this backend does not meet yet, each with the reason.
        filter_fields: dotted fields of ``task_entity`` (custom fields such as Kitsu's ``data.<name>``)
            whose relations are checked too; fields without a dot always are.
    """

    name: str
    site: Any
    entities: list[str]
    task_entity: str
    link_field: str
    number_field: str
    date_field: str
    order_fields: list[str]
    requests: Callable[[], int]
    churn: Callable[[int, int], AbstractContextManager[Any]] | None
    page_size: int = 50
    gaps: dict[str, str] = field(default_factory=dict)
    connect: Callable[..., Any] | None = None
    filter_fields: tuple[str, ...] = ()
