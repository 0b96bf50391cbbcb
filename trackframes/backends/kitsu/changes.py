"""Kitsu's change feed for ``sync``: deleted records from Zou's event log, changed ones by ``updated_at``.

Zou writes an event for every change it makes (``api_event``), readable at
``/data/events/last`` by admins and, for the projects they belong to, by
managers. Deletions are ``<model>:delete`` events (``task:delete`` with a
``task_id``, ``shot:delete`` with a ``shot_id``, ...): :func:`deleted_since`
reads them backwards from now to the moment asked (``after``, a second early:
events are stamped to the second), a thousand at a time.

Changed records are those whose ``updated_at`` is at or after the moment
(:func:`changed_since`). Zou cannot filter by time, so that condition is
applied to the rows once fetched: a sync reads every row of its query, as an
export does, and rewrites only the files whose rows changed.

When the account may not read the events of a type (supervisors and artists
may read none; managers only those of their projects, which leaves out people,
departments, day-offs, time spents and other records without a project),
:func:`changed_since` answers ``None`` and ``sync`` compares ids instead.

>>> event_of("Shot"), event_of("TimeSpent"), event_of("AssetType")
(('shot:delete', 'shot_id'), ('time-spent:delete', 'time_spent_id'), ('asset-type:delete', 'asset_type_id'))
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ...exceptions import AuthError
from .models import MODELS

if TYPE_CHECKING:
    from .backend import KitsuBackend

__all__ = ["event_of", "Feed", "EVENTS_PER_PAGE"]

#: Events per request (Zou's maximum).
EVENTS_PER_PAGE = 1000
#: Entity types whose records carry their project, so their events are visible to a project's managers.
_WITH_PROJECT = frozenset(name for name, model in MODELS.items()
                          if model.get("project") is not None and not model.get("project").derived)


def event_of(entity: str) -> tuple[str, str]:
    """The delete event's name and the data key of the deleted record's id, for ``entity``."""
    words = [w.lower() for w in re.findall("[A-Z][a-z]*", entity)]
    return f"{'-'.join(words)}:delete", f"{'_'.join(words)}_id"


class Feed:
    """The change feed of one backend; what the account may read of the event log is asked once."""

    def __init__(self, backend: "KitsuBackend") -> None:
        self.backend = backend
        self._role: str | None = None
        self._readable: bool | None = None
        self._lock = threading.Lock()

    def available(self, entity: str) -> bool:
        """Whether the account may read every delete event of ``entity``."""
        with self._lock:
            known = self._readable
        if known is None:
            try:
                self.backend.get_json("events/last", {"limit": "1"}, "Checking access to the event log")
                known = True
            except AuthError as exc:
                if exc.reason != "forbidden":
                    raise
                known = False
            role = self.backend.role() if known else None
            with self._lock:
                self._readable, self._role = known, role
        if not known:
            return False
        return self._role == "admin" or entity in _WITH_PROJECT

    def changed_since(self, entity: str, since: datetime) -> Any:
        """Records changed at or after ``since`` (``updated_at``, a second early), or ``None`` without a feed."""
        if not self.available(entity):
            return None
        return [["updated_at", "greater_than", _stamp(since - timedelta(seconds=1))]]

    def deleted_since(self, entity: str, since: datetime) -> pa.Array:
        """Ids of the records of ``entity`` deleted at or after ``since``, from the event log."""
        name, key = event_of(entity)
        names = [name] + (["entity-type:delete"] if entity == "AssetType" else [])
        keys = (key, "entity_type_id") if entity == "AssetType" else (key,)
        after = _stamp(since - timedelta(seconds=1), naive=True)
        ids: list[str] = []
        for event_name in names:
            cursor: str | None = None
            while True:
                params = {"after": after, "name": event_name, "limit": str(EVENTS_PER_PAGE)}
                if cursor is not None:
                    params["cursor_event_id"] = cursor
                events = self.backend.get_json("events/last", params, f"Reading the {event_name} events")
                events = [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
                for event in events:
                    data = event.get("data") if isinstance(event.get("data"), dict) else {}
                    ids.extend(data[k] for k in keys if isinstance(data.get(k), str))
                if len(events) < EVENTS_PER_PAGE or not isinstance(events[-1].get("id"), str):
                    break
                cursor = events[-1]["id"]
        return pa.array(sorted(set(ids)), pa.string())


def _stamp(moment: datetime, naive: bool = False) -> str:
    """An instant as Zou's UTC text (naive for the event log's ``after``, else with a ``Z``)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    text = moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()
    return text if naive else text + "Z"
