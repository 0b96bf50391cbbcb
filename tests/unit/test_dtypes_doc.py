"""docs/dtypes.md must match the code: the kinds table and the dtypes pandas really produces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trackframes import frames
from trackframes.backends.shotgrid.schema import DATA_TYPE_KINDS
from trackframes.schema import FieldSpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "dtypes.md"
ROW = re.compile(r"^\| `([a-z_]+)` \| ([a-z_]+) \| (.+?) \| (.+?) \| (.+?) \|$")


def doc_rows() -> dict[str, tuple[str, list[str], list[str], list[str]]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        m = ROW.match(line)
        if m:
            split = lambda cell: re.findall(r"`([^`]*)`", cell)  # noqa: E731
            rows[m.group(1)] = (m.group(2), split(m.group(3)), split(m.group(4)), split(m.group(5)))
    return rows


def test_every_data_type_in_the_code_is_documented_and_nothing_else():
    assert sorted(doc_rows()) == sorted(DATA_TYPE_KINDS)


@pytest.mark.parametrize("data_type", sorted(DATA_TYPE_KINDS))
def test_documented_columns_and_dtypes_are_what_a_frame_gets(data_type):
    kind_text, columns, pandas_dtypes, arrow_types = doc_rows()[data_type]
    kind = DATA_TYPE_KINDS[data_type]
    assert kind.value == kind_text
    spec = FieldSpec("f", kind, data_type)
    table = frames.empty_table([spec])
    df = frames.to_pandas(table, [spec])
    got_columns = [c for c in df.columns if c != "id"]
    assert got_columns == [c.replace("<f>", "f") for c in columns]
    assert [str(df[c].dtype) for c in got_columns] == pandas_dtypes
    assert [str(table.schema.field(c).type) for c in got_columns] == arrow_types
