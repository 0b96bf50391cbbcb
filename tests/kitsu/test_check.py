"""Filters are checked before anything is sent, with the relations the local engine evaluates."""

from __future__ import annotations

import pytest

import trackframes as tf
from trackframes.backends.kitsu.check import RELATIONS
from trackframes.engine import RELATIONS_BY_KIND
from tests.kitsu.conftest import Zou
from tests.kitsu.helpers import Recorder, connect


def test_the_relations_are_the_engines() -> None:
    """Every Kitsu condition may run on the fetched rows, so a field takes what the engine evaluates."""
    assert RELATIONS == RELATIONS_BY_KIND


@pytest.mark.parametrize("condition,named", [
    (["priority", "contains", 3], "contains"),
    (["priority", "is", "3"], "priority"),
    (["priority", "less_than", None], "priority"),
    (["task_type", "is", {"type": "TaskStatus", "id": "0b6b5e53-3a6a-4c1f-9a1e-4b8f0c8f2c11"}], "TaskStatus"),
    (["task_type", "is", {"type": "TaskType", "id": 12}], "task_type"),
    (["entity", "type_is", "Shto"], "Shto"),
    (["start_date", "in_last", [2, "FORTNIGHT"]], "start_date"),
    (["name", "is", 12], "name"),
    (["data", "is", "x"], "data"),
    (["task_status.short_name", "in", "wip"], "task_status.short_name"),
])
def test_bad_filters_are_refused_before_anything_is_sent(zou: Zou, condition: list, named: str) -> None:
    recorder = Recorder()
    site = connect(zou, recorder=recorder)
    site.field_specs("Task")
    sent = len(recorder.sent)
    with pytest.raises(tf.SchemaError) as info:
        site.find("Task", [condition], ["name"])
    assert named in str(info.value)
    assert len(recorder.sent) == sent


def test_a_choice_value_is_checked_and_close_names_suggested(zou: Zou) -> None:
    site = connect(zou)
    with pytest.raises(tf.SchemaError) as info:
        site.find("Person", [["role", "is", "supervsior"]], ["role"])
    assert "supervisor" in info.value.suggestions
    assert len(site.find("Person", [["role", "is", "SUPERVISOR"]], ["role"])) == 1  # no case: the engine's rule
