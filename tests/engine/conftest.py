"""One small ShotGrid sandbox per test module, and each entity's shaped table with its field specs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterator

import pyarrow as pa
import pytest

import trackframes as tf
from trackframes.schema import FieldSpec

from .gen import Field, fields_of

TODAY = date(2026, 3, 2)

#: Linked (dotted) fields fetched with every field of each entity.
DOTTED: dict[str, list[str]] = {
    "Task": ["entity.Shot.sg_sequence", "entity.Shot.code", "entity.Shot.sg_cut_in", "entity.Asset.sg_asset_type",
             "step.Step.code", "project.Project.start_date", "project.Project.archived", "entity.Shot.assets",
             "entity.Shot.created_at"],
    "Shot": ["sg_sequence.Sequence.code", "sg_sequence.Sequence.sg_status_list"],
    "Version": ["sg_task.Task.due_date", "entity.Shot.sg_cut_duration", "user.HumanUser.sg_department"],
    "TimeLog": ["entity.Task.content", "entity.Task.step", "user.HumanUser.login"],
    "Note": ["user.HumanUser.groups"],
}
ENTITIES = ("Task", "Shot", "Asset", "Version", "TimeLog", "Note", "Project", "Step", "HumanUser",
            "CustomNonProjectEntity01")


@dataclass
class Data:
    """One entity's shaped table (every field plus linked ones), its specs and its values."""

    entity: str
    table: pa.Table
    specs: list[FieldSpec]
    fields: dict[str, Field]

    def __repr__(self) -> str:
        return f"<{self.entity}: {self.table.num_rows} rows, {len(self.specs)} fields>"


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with tf.sandbox.serve(scale=0.02, seed=5, today=TODAY) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def site(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False) as s:
        yield s


@pytest.fixture(scope="module")
def data(site: tf.Site) -> dict[str, Data]:
    out = {}
    for entity in ENTITIES:
        names = [s.name for s in site.backend.resolve_fields(entity, "*")] + DOTTED.get(entity, [])
        specs = site.backend.resolve_fields(entity, names)
        table = site.find_arrow(entity, fields=names)
        out[entity] = Data(entity, table, specs, fields_of(table, specs))
    return out


def server_now(sb: Any) -> datetime:
    """The sandbox's ``now``: the current UTC time of day on the production's ``today``."""
    return datetime.combine(sb.store.today, datetime.now(timezone.utc).timetz())
