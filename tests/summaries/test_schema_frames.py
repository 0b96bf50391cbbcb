"""site.entities() and site.schema() against the sandbox's schema, per project too."""

from __future__ import annotations

import pandas as pd
import pytest

import trackframes as tf
from trackframes.sandbox.catalog import HIDDEN_PROJECT_ID


def test_entities_frame_lists_every_entity_type(site, sb):
    df = site.entities()
    assert list(df.columns) == ["name", "display_name", "visible"]
    assert {c: str(t) for c, t in df.dtypes.items()} == {"name": "string", "display_name": "string",
                                                         "visible": "boolean"}
    want = {name: edef.display_name for name, edef in sb.store.entities.items()}
    assert dict(zip(df["name"], df["display_name"])) == want
    assert df["visible"].all()
    assert df["name"].tolist() == sorted(want)


def test_entities_visibility_per_project(site, sb):
    project = sb.store.records["Project"][HIDDEN_PROJECT_ID]
    for given in (HIDDEN_PROJECT_ID, {"type": "Project", "id": HIDDEN_PROJECT_ID}, project["name"]):
        df = site.entities(project=given)
        hidden = {n for n, e in sb.store.entities.items() if HIDDEN_PROJECT_ID in e.hidden_in_projects}
        assert hidden  # the sandbox hides the Vendor entity in that project
        assert set(df.loc[~df["visible"], "name"]) == hidden
        assert df.attrs["trackframes"]["project"] == HIDDEN_PROJECT_ID
    other = next(pid for pid in sb.store.records["Project"] if pid != HIDDEN_PROJECT_ID)
    assert site.entities(project=other)["visible"].all()


def test_schema_frame_rows_match_the_store(site, sb):
    df = site.schema("Task")
    assert list(df.columns) == ["name", "display_name", "data_type", "kind", "dtype", "editable", "mandatory",
                                "visible", "valid_types", "valid_values", "description"]
    fields = sb.store.entities["Task"].fields
    assert df["name"].iloc[0] == "id"
    assert set(df["name"]) == set(fields)
    for row in df.itertuples(index=False):
        fdef = fields[row.name]
        assert row.display_name == fdef.display_name
        assert row.data_type == fdef.data_type
        assert bool(row.editable) == fdef.editable and bool(row.mandatory) == fdef.mandatory
        assert list(row.valid_types) == list(fdef.valid_types)
        assert list(row.valid_values) == list(fdef.valid_values)
        assert (row.description if not pd.isna(row.description) else "") == fdef.description


def test_schema_dtype_column_is_what_find_gives(site):
    schema = site.schema("Shot").set_index("name")
    found = site.find("Shot", fields="*", limit=3)
    for name, row in schema.iterrows():
        if name == "id":
            columns = ["id"]
        elif f"{name}.id" in found.columns:
            columns = [f"{name}.id", f"{name}.type", f"{name}.name"]
        elif f"{name}.url" in found.columns:
            columns = [f"{name}.{p}" for p in ("name", "url", "content_type", "link_type")]
        else:
            columns = [name]
        actual = ", ".join(str(found.dtypes[c]) for c in columns)
        assert row["dtype"] == actual, name


def test_schema_visibility_per_project(site, sb):
    hidden = {n for n, f in sb.store.entities["Shot"].fields.items() if HIDDEN_PROJECT_ID in f.hidden_in_projects}
    assert hidden
    df = site.schema("Shot", project=HIDDEN_PROJECT_ID)
    assert set(df.loc[~df["visible"], "name"]) == hidden
    assert site.schema("Shot")["visible"].all()


def test_schema_of_an_unknown_entity_suggests(site):
    with pytest.raises(tf.SchemaError) as err:
        site.schema("Tsk")
    assert "Task" in str(err.value)


def test_unknown_project_name_suggests(site, sb):
    name = sb.store.records["Project"][1]["name"]
    with pytest.raises(ValueError, match=f"Did you mean '{name}'"):
        site.entities(project=name[:-1])
