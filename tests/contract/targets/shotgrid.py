"""The ShotGrid backend over its sandbox."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any, Iterator

import trackframes as tf
from tests.contract.target import Target

TODAY = date(2026, 3, 2)


@contextmanager
def target() -> Iterator[Target]:
    with tf.sandbox.serve(scale=0.03, seed=3, today=TODAY) as sb:
        site = sb.connect(progress=False)

        @contextmanager
        def churn(creates: int, deletes: int) -> Iterator[None]:
            sb.knobs.update(mutate_creates=creates, mutate_deletes=deletes)
            try:
                yield
            finally:
                sb.knobs.update(mutate_creates=0, mutate_deletes=0)

        yield Target(
            name="shotgrid", site=site, entities=["Task", "Shot", "Version", "TimeLog", "Project"],
            task_entity="Task", link_field="step", number_field="est_in_mins", date_field="due_date",
            order_fields=["entity.Shot.sg_cut_in", "sg_description"],
            requests=lambda: sb.stats.requests, churn=churn,
            connect=lambda **options: sb.connect(progress=False, **options),
        )
        site.close()
