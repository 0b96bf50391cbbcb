"""docs/dtypes.md's ftrack table holds: every row's columns and dtypes are what find() gives, against the
sandbox, with values and on empty results; the table lists exactly the code's types."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from trackframes.backends.ftrack.schema import CUSTOM_ATTRIBUTE_KINDS, PROPERTY_KINDS
from trackframes.sandbox.ftrack import FtrackServer

from ..sandbox_ftrack.production import API_KEY, API_USER
from .bulk import rich_store
from .conftest import connect

DOC = Path(__file__).resolve().parents[2] / "docs" / "dtypes.md"
ROW = re.compile(r"^\| (.+?) \| `([^`]+)` \| ([a-z_]+) \| (.+?) \| (.+?) \| (.+?) \|$")

#: a field of each data type in the sandbox (entity, field); "object" has none there (see the unit test below)
SAMPLES = {
    "string": ("Task", "name"),
    "date-time": ("Task", "start_date"),
    "integer": ("ObjectType", "sort"),
    "number": ("Task", "bid"),
    "boolean": ("User", "is_active"),
    "variable": ("CustomAttributeConfiguration", "default"),
    "reference": ("Task", "status"),
    "collection": ("Task", "timelogs"),
    "key/value collection": ("Shot", "custom_attributes"),
    "custom attribute (number)": ("Shot", "custom_attributes.fend"),
    "custom attribute (text)": ("Shot", "custom_attributes.client_note"),
    "custom attribute (boolean)": ("Shot", "custom_attributes.omit"),
    "custom attribute (date)": ("Shot", "custom_attributes.delivery"),
    "custom attribute (enumerator)": ("Shot", "custom_attributes.tags"),
}


def doc_rows() -> dict[str, tuple[str, list[str], list[str], list[str]]]:
    text = DOC.read_text().split("## ftrack", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            split = lambda cell: re.findall(r"`([^`]*)`", cell)  # noqa: E731
            rows[m.group(2)] = (m.group(3), split(m.group(4)), split(m.group(5)), split(m.group(6)))
    return rows


def test_the_table_lists_exactly_the_codes_types():
    expected = set(PROPERTY_KINDS) | {f"custom attribute ({t})" for t in ("number", "text", "boolean", "date",
                                                                         "enumerator")}
    assert set(doc_rows()) == expected
    for name, (kind, *_rest) in doc_rows().items():
        code = PROPERTY_KINDS.get(name) or CUSTOM_ATTRIBUTE_KINDS[name[len("custom attribute ("):-1]]
        assert code.value == kind, name


@pytest.fixture(scope="module")
def site():
    with FtrackServer(rich_store(), api_user=API_USER, api_key=API_KEY) as running:
        yield connect(running)


@pytest.mark.parametrize("data_type", sorted(SAMPLES))
@pytest.mark.parametrize("empty", [False, True], ids=["values", "empty"])
def test_each_row_is_what_find_gives(site, data_type, empty):
    kind, columns, pandas_dtypes, arrow_types = doc_rows()[data_type]
    entity, field = SAMPLES[data_type]
    assert site.field_specs(entity).get(field) is None or site.field_specs(entity)[field].data_type == data_type
    filters = [["id", "is", None]] if empty else None
    df = site.find(entity, filters, [field], include_archived_projects=True)
    table = site.find_arrow(entity, filters, [field], include_archived_projects=True)
    got = [c for c in df.columns if c != "id"]
    assert got == [c.replace("<f>", field) for c in columns]
    assert [str(df[c].dtype) for c in got] == pandas_dtypes
    assert [str(table.schema.field(c).type) for c in got] == arrow_types
    assert str(df["id"].dtype) == "string" and str(table.schema.field("id").type) == "string"
    if empty:
        assert len(df) == 0
    else:
        assert df[got[-1]].notna().any()  # the sandbox holds values of the type, and they arrived typed


def test_object_and_variable_values_are_json_text(site):
    df = site.find("CustomAttributeConfiguration", [["key", "in", ["fstart", "tags", "fend"]]], ["key", "default"])
    values = {k: (None if v is pd.NA else v) for k, v in zip(df["key"], df["default"].astype(object))}
    assert values == {"fstart": "1001", "tags": '{"menu":["hero","fx"]}', "fend": None}
