"""The model table (trackframes/backends/kitsu/models.py) matches what the real Zou sends.

Zou has no schema endpoint, so the table is written from its models; these
tests read one record of every entity type from the server and compare its
keys with the table, so a column that is missing, misspelt or gone fails here.
"""

from __future__ import annotations

import pytest

from trackframes.backends.kitsu.models import MODELS
from trackframes.schema import FieldKind
from tests.kitsu.conftest import Zou
from tests.kitsu.test_zou_up import Api

#: Keys Zou sends that the backend leaves out on purpose: ``type`` (the entity type itself),
#: casting internals (instance_casting, entity_concept_links), Playlist build jobs, Comment attachments.
IGNORED = {"type", "instance_casting", "entity_concept_links", "build_jobs", "attachment_files"}
#: Columns the table has for one entity kind only (the entity table's kinds share one route).
ENTITY_ONLY = {"Shot": {"parent_id", "entities_out"}, "Sequence": {"parent_id"},
               "Asset": {"entity_type_id", "source_id", "entities_out", "entities_in"}}


@pytest.fixture(scope="module")
def api(zou: Zou) -> Api:
    return Api(zou)


def _one_record(api: Api, zou: Zou, entity: str) -> dict:
    model = MODELS[entity]
    if model.by_project:
        rows = api.data(f"data/projects/{zou.main['id']}/{model.project_route}")
        return rows[0]
    if model.entity_table:
        ids = {"Shot": zou.main["shots"][0], "Sequence": zou.main["sequences"][0],
               "Episode": zou.main["episodes"][0], "Asset": zou.main["assets"][0]}
        return api.data("data/entities", id=ids[entity], relations="true")[0]
    answer = api.data(f"data/{model.route}", page=1, limit=1, relations="true")
    return answer[0] if isinstance(answer, list) else answer["data"][0]  # some routes never page


@pytest.mark.parametrize("entity", sorted(MODELS))
def test_every_column_of_the_table_is_what_zou_sends(zou: Zou, api: Api, entity: str) -> None:
    record = _one_record(api, zou, entity)
    model = MODELS[entity]
    table = {c.wire for c in model.columns if not c.derived} | {"id"}
    sent = set(record) - IGNORED
    if model.entity_table:  # the entity table: the keys of every kind, less those of other kinds
        others = set().union(*ENTITY_ONLY.values()) - ENTITY_ONLY.get(entity, set())
        sent -= others
        for key in {"entities_out", "entities_in", "parent_id", "entity_type_id", "source_id"} - table:
            sent.discard(key)
    assert sent == table, f"{entity}: sent but not in the table {sorted(sent - table)}, " \
                          f"in the table but not sent {sorted(table - sent)}"


def test_links_name_real_entity_types_and_kinds_are_consistent() -> None:
    for model in MODELS.values():
        for col in model.columns:
            for target in col.targets:
                assert target in MODELS or target in ("Edit", "Concept"), (model.name, col.name, target)
            if col.targets:
                assert col.kind in (FieldKind.ENTITY, FieldKind.MULTI_ENTITY)
                assert col.name == (col.wire[:-3] if col.wire.endswith("_id") and not col.many else col.wire)
            elif col.zou_type != "UUID":
                assert col.kind is not FieldKind.UNKNOWN, (model.name, col.name, col.zou_type)
