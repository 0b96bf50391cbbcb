"""One set of exported datasets, written once per session, that every engine test reads.

The sandbox store is generated, then edited so that the partition values are
hard for Hive directories: project and sequence names with spaces, ``/``,
``%``, ``+``, ``=`` and non-ASCII characters, a sequence named ``010`` (which
engines that guess partition types read as the number 10), a Shot with no
sequence (a null partition), and nulls in nullable integer, float, date and
list columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest

import trackframes as tf
from trackframes.sandbox.data import generate
from trackframes.sandbox.model import Store

TODAY = date(2026, 3, 2)

#: project id -> the name it gets
PROJECT_NAMES = {1: "Rain / Shine", 2: "Château Noir — Été", 3: "100% Done + 日本"}
#: sequence id -> the code it gets (the first of each project)
SEQUENCE_CODES = {1: "010", 2: "Séquence ☃/B", 3: "%41 literal = x"}  # "010": engines guess numbers


@dataclass(frozen=True)
class Spec:
    """One exported dataset: the query, and where it is."""

    name: str
    entity: str
    fields: tuple[str, ...]
    partition_by: tuple[str, ...]
    filters: tuple[Any, ...] = ()


SPECS = (
    Spec("tasks", "Task", ("content", "sg_status_list", "step", "task_assignees", "start_date", "due_date",
                           "est_in_mins", "milestone", "project", "updated_at"), ("project.name",)),
    Spec("shots", "Shot", ("code", "sg_sequence", "sg_status_list", "sg_cut_in", "assets", "created_at", "project"),
         ("project.name", "sg_sequence.name")),
    # every directory value looks like a number ("010", or null): an engine guessing types reads 10
    Spec("shots_010", "Shot", ("code", "sg_sequence", "sg_cut_in"), ("sg_sequence.name",),
         (["project", "is", {"type": "Project", "id": 1}],)),
    Spec("assets", "Asset", ("code", "sg_asset_type", "tag_list", "shots", "updated_at", "project"),
         ("updated_at:week",)),
    Spec("versions", "Version", ("code", "sg_status_list", "sg_uploaded_movie_frame_rate", "client_approved", "entity",
                                 "user", "created_at", "sg_uploaded_movie"), ("sg_status_list", "created_at:month")),
)


def engines_store() -> Store:
    """A small generated production, edited to hold the awkward values listed in the module docstring."""
    store = generate(scale=0.03, seed=3, today=TODAY)
    for pid, name in PROJECT_NAMES.items():
        store.update("Project", pid, {"name": name, "archived": False})
    for sid, code in SEQUENCE_CODES.items():
        store.update("Sequence", sid, {"code": code})
    shots = list(store.records["Shot"])
    store.update("Shot", shots[0], {"sg_sequence": None, "sg_cut_in": None, "assets": []})
    tasks = list(store.records["Task"])
    store.update("Task", tasks[0], {"est_in_mins": None, "due_date": None, "start_date": None,
                                    "task_assignees": [], "step": None})
    store.update("Task", tasks[1], {"milestone": True})
    versions = list(store.records["Version"])
    store.update("Version", versions[0], {"sg_uploaded_movie_frame_rate": None, "user": None,
                                          "sg_uploaded_movie": None})
    store.update("Version", versions[1], {"sg_uploaded_movie_frame_rate": 23.976, "client_approved": True})
    assets = list(store.records["Asset"])
    store.update("Asset", assets[0], {"tag_list": ["hero", "çà/ü", "50%"]})
    store.update("Asset", assets[1], {"tag_list": [], "shots": []})
    return store


@dataclass
class Exported:
    """The datasets on disk and what ``find`` gives for the same queries."""

    root: Path
    paths: dict[str, Path]
    found: dict[str, pd.DataFrame]
    specs: dict[str, Spec]


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    root = tmp_path_factory.mktemp("engines")
    paths: dict[str, Path] = {}
    found: dict[str, pd.DataFrame] = {}
    with tf.sandbox.serve(store=engines_store()) as sb, sb.connect(progress=False) as site:
        for spec in SPECS:
            paths[spec.name] = root / spec.name
            site.export(spec.entity, paths[spec.name], filters=list(spec.filters), fields=list(spec.fields),
                        partition_by=list(spec.partition_by))
            found[spec.name] = site.find(spec.entity, list(spec.filters), list(spec.fields))
    yield Exported(root, paths, found, {s.name: s for s in SPECS})



@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole run (starting its JVM is the slow part); skips without Spark."""
    from . import engines

    missing = engines.spark_missing()
    if missing:
        pytest.skip(missing)
    session = engines.spark_session()
    try:
        yield session
    finally:
        session.stop()
