"""The strongest contract: one generated production served as ShotGrid and as ftrack gives equal
``site.tasks()`` and ``site.timelogs()`` frames: the same columns and dtypes (ids aside: integers on
ShotGrid, UUID text on ftrack), the same rows once each tracker's ids and names are mapped back to the
production's records.

The mapping is the renderers' own vocabulary, written out here from the production: ShotGrid keeps
the production's integer ids and names a task status by its code (``ip``) and a person by their full
name; ftrack derives UUIDs from the production's ids (``uuid_of``) and names a status by its name
(``In Progress``) and a person by their login. Everything else (names, dates, minutes, done, calendar
durations, projects) must be equal as it is.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest

import trackframes as tf
from trackframes.sandbox import production
from trackframes.sandbox.ftrack.render_production import uuid_of
from trackframes.sandbox.production import STATUSES
from trackframes.sandbox.shotgrid.catalog import TASK_STATUS_CODES

PROD = production.generate(scale=0.03, seed=5, today=date(2026, 3, 2))
KINDS = {"Task": "task", "Shot": "shot", "Asset": "asset", "AssetBuild": "asset", "Sequence": "sequence",
         "Step": "step", "Type": "step", "Project": "project", "HumanUser": "person", "User": "person",
         "Group": "group", "TimeLog": "time_entry", "Timelog": "time_entry"}


@pytest.fixture(scope="module")
def sites():
    with tf.sandbox.serve(backend="shotgrid", production=PROD) as sg, \
            tf.sandbox.serve(backend="ftrack", production=PROD) as ft:
        yield sg.connect(progress=False), ft.connect(progress=False)


def _neutral_ids() -> dict[str, tuple[str, int]]:
    """ftrack id → (kind, production id), for every record a frame can link to."""
    out = {}
    for kind, records in PROD:
        for record in records:
            out[uuid_of(kind, record.id)] = (kind, record.id)
    return out


FTRACK_IDS = _neutral_ids()
STATUS_NAMES = {s.name: key for key, s in STATUSES["task"].items()}
STATUS_CODES = {code: key for key, code in TASK_STATUS_CODES.items()}
PERSON_NAMES = {p.name: p.id for p in PROD.people}
PERSON_LOGINS = {p.login: p.id for p in PROD.people}


def _sg_id(kind: str, value: Any) -> Any:
    return None if value is None or value is pd.NA else (kind, int(value))


def _ft_id(kind: str, value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    found = FTRACK_IDS[value]
    assert found[0] == kind, (found, kind)
    return found


def _person(link: dict[str, Any], side: str) -> tuple[str, Any]:
    kind = KINDS[link["type"]]
    if side == "sg":
        return kind, int(link["id"])
    return _ft_id(kind, link["id"])


def _normal(df: pd.DataFrame, side: str, links: dict[str, str]) -> pd.DataFrame:
    """The frame with ids, link types, statuses and people's names in the production's terms."""
    to_id = _sg_id if side == "sg" else _ft_id
    out = df.copy()
    entity_kind = KINDS[df.attrs["trackframes"]["entity"]]
    out["id"] = [to_id(entity_kind, v) for v in df["id"]]
    for prefix, kind in links.items():
        if f"{prefix}.type" in df.columns:
            kinds = [None if t is None or t is pd.NA else KINDS[t] for t in df[f"{prefix}.type"].astype(object)]
            out[f"{prefix}.type"] = kinds
            out[f"{prefix}.id"] = [None if k is None else to_id(k, v) for k, v in zip(kinds, df[f"{prefix}.id"])]
        else:
            out[f"{prefix}.id"] = [to_id(kind, v) for v in df[f"{prefix}.id"].astype(object)]
    if "status" in df.columns:
        table = STATUS_CODES if side == "sg" else STATUS_NAMES
        out["status"] = [None if s is None or s is pd.NA else table[s] for s in df["status"].astype(object)]
    if "assignees" in df.columns:
        out["assignees"] = [sorted(_person(a, side) for a in (v if v is not None else [])) for v in df["assignees"]]
    if "user.name" in df.columns:  # a person's display name: the full name on ShotGrid, the login on ftrack
        names = PERSON_NAMES if side == "sg" else PERSON_LOGINS
        out["user.name"] = [None if n is None or n is pd.NA else names[n] for n in df["user.name"].astype(object)]
    out = out.astype(object).where(out.notna(), None)
    return out.sort_values("id", key=lambda s: s.map(str)).reset_index(drop=True)


def _dtypes_without_ids(df: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in df.dtypes.items() if not (c == "id" or c.endswith(".id") or c == "assignees"
                                                          or c in ("status", "entity.type"))}


TASK_LINKS = {"entity": "", "sequence": "sequence", "step": "step", "project": "project"}
TIMELOG_LINKS = {"user": "person", "task": "task", "project": "project"}


def test_tasks_are_equal_once_ids_and_names_are_mapped(sites):
    sg, ft = sites
    a, b = sg.tasks(), ft.tasks()
    assert list(a.columns) == list(b.columns)
    assert _dtypes_without_ids(a) == _dtypes_without_ids(b)
    assert str(b["id"].dtype) == "string" and str(a["id"].dtype) == "Int64"
    left, right = _normal(a, "sg", TASK_LINKS), _normal(b, "ft", TASK_LINKS)
    assert len(left) == len([t for t in PROD.tasks if not PROD.get("project", t.project).archived]) > 100
    for column in left.columns:
        assert left[column].tolist() == right[column].tolist(), column


def test_timelogs_are_equal_once_ids_and_names_are_mapped(sites):
    sg, ft = sites
    a, b = sg.timelogs(), ft.timelogs()
    assert list(a.columns) == list(b.columns)
    assert _dtypes_without_ids(a) == _dtypes_without_ids(b)
    left, right = _normal(a, "sg", TIMELOG_LINKS), _normal(b, "ft", TIMELOG_LINKS)
    assert len(left) > 100
    for column in left.columns:
        assert left[column].tolist() == right[column].tolist(), column


def test_one_project_and_a_date_range_select_the_same_rows(sites):
    sg, ft = sites
    project = next(p for p in PROD.projects if not p.archived)
    a = sg.timelogs(project=project.name, start="2026-01-01", end="2026-02-15")
    b = ft.timelogs(project=project.name, start="2026-01-01", end="2026-02-15")
    assert 0 < len(a) == len(b)
    assert _normal(a, "sg", TIMELOG_LINKS)["id"].tolist() == _normal(b, "ft", TIMELOG_LINKS)["id"].tolist()
