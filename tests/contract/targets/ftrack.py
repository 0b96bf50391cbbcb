"""The ftrack backend over its sandbox (the generated production, as the ShotGrid target reads it)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any, Iterator

import trackframes as tf
from tests.contract.target import Target

TODAY = date(2026, 3, 2)

#: Contract tests ftrack does not meet, and why.
GAPS: dict[str, str] = {}


@contextmanager
def target() -> Iterator[Target]:
    with tf.sandbox.serve(backend="ftrack", scale=0.03, seed=3, today=TODAY) as sb:
        site = sb.connect(progress=False)

        @contextmanager
        def churn(creates: int, deletes: int) -> Iterator[None]:
            sb.knobs.update(mutate_creates=creates, mutate_deletes=deletes)
            try:
                yield
            finally:
                sb.knobs.update(mutate_creates=0, mutate_deletes=0)

        yield Target(
            name="ftrack", site=site, entities=["Task", "Shot", "AssetVersion", "Timelog", "Project"],
            task_entity="Task", link_field="type", number_field="bid", date_field="start_day",
            order_fields=["description", "custom_attributes.milestone"], requests=lambda: sb.stats.requests, churn=churn,
            gaps=GAPS, connect=lambda **options: sb.connect(progress=False, **options),
        )
        site.close()
