"""The change-feed capability: which records changed, and which were deleted, since a moment.

A backend with a change feed lets :func:`trackframes.io.sync` fetch only the
records changed since a dataset's watermark and drop the deleted ones, without
listing every id on the site. A backend without one is synced by comparing
ids instead (see :mod:`trackframes.io.sync`).

A backend declares it with ``Capability.CHANGE_FEED`` in its ``capabilities``
(see :mod:`trackframes.backends.base`) and implements :class:`ChangeFeed`.

>>> from datetime import date, datetime, timezone
>>> import trackframes as tf
>>> since = datetime(2026, 2, 20, 12, 0, tzinfo=timezone.utc)
>>> with tf.sandbox.serve(scale=0.02, seed=1, today=date(2026, 3, 2)) as sb:
...     site = sb.connect(progress=False)
...     feed = change_feed(site.backend)
...     changed = site.find("Task", feed.changed_since("Task", since), ["updated_at"])
...     _ = sb.store.retire("Task", min(sb.store.records["Task"]))
...     deleted = feed.deleted_since("Task", since)
>>> len(changed) > 0 and bool((changed["updated_at"] >= since).all())
True
>>> deleted.to_pylist() == sorted(sb.store.retired["Task"])
True
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import pyarrow as pa

__all__ = ["ChangeFeed", "change_feed"]


class ChangeFeed(Protocol):
    """What changed on the site since a moment (an aware ``datetime``)."""

    def changed_since(self, entity: str, since: datetime) -> Any:
        """A filter (a list of conditions or a group, in the public syntax) matching every record of
        ``entity`` created or changed at or after ``since``; ``None`` when records of ``entity`` carry
        no time of change (sync then compares ids).

        The filter may match a little more (an earlier moment): those records are fetched again, which is
        harmless.
        """

    def deleted_since(self, entity: str, since: datetime) -> pa.Array:
        """Ids of the records of ``entity`` deleted at or after ``since``, typed as the ``id`` column.

        A backend that cannot tell when a record was deleted gives the ids of every deleted record.
        """


def change_feed(backend: Any) -> ChangeFeed | None:
    """``backend`` as a :class:`ChangeFeed` when it declares ``Capability.CHANGE_FEED``, else ``None``."""
    from .base import Capability, has

    return backend if has(backend, Capability.CHANGE_FEED) else None
