"""Exporting onto an existing dataset: the same query refreshes it, another query needs overwrite=True."""

from __future__ import annotations

import pandas as pd
import pytest

import trackframes as tf
from tests.io.conftest import siblings, tree_digest
from trackframes.io import METADATA_FILE, CorruptDatasetError, DatasetExistsError, export, read_metadata, read_parquet

QUERY = dict(filters=[["sg_status_list", "is_not", "omt"]], fields=["content", "sg_status_list"],
             partition_by=["project.name"])


def test_the_same_query_again_refreshes_the_dataset(fresh, tmp_path):
    path = tmp_path / "tasks"
    with fresh.connect(progress=False) as site:
        site.export("Task", path, **QUERY)
        first = read_metadata(path)
        fresh.store.retire("Task", next(iter(fresh.store.records["Task"])))
        site.export("Task", path, **QUERY)  # no overwrite needed
        pd.testing.assert_frame_equal(read_parquet(path),
                                      site.find("Task", QUERY["filters"], QUERY["fields"] + ["project"]))
    assert read_metadata(path)["watermark"] > first["watermark"]


@pytest.mark.parametrize("change, phrase, fields", [
    (dict(entity="Shot", fields=["code"]), "entity: 'Task' -> 'Shot'", ["code", "project"]),
    (dict(filters=[["sg_status_list", "is", "ip"]]),
     'filters: {"logical_operator":"and","conditions":[["sg_status_list","is_not","omt"]]} -> '
     '{"logical_operator":"and","conditions":[["sg_status_list","is","ip"]]}', ["content", "sg_status_list", "project"]),
    (dict(filters=None), "-> none", ["content", "sg_status_list", "project"]),
    (dict(fields=["content", "due_date"]), "fields: adds 'due_date'; drops 'sg_status_list'",
     ["content", "due_date", "project"]),
    (dict(fields=["sg_status_list", "content"]), "the same fields in another order",
     ["sg_status_list", "content", "project"]),
    (dict(fields=None), "-> all fields", None),
    (dict(partition_by=None), 'partition_by: ["project.name"] -> none', ["content", "sg_status_list"]),
    (dict(partition_by="updated_at:month"), 'partition_by: ["project.name"] -> ["updated_at:month"]',
     ["content", "sg_status_list", "updated_at"]),
    (dict(include_archived_projects=True), "include_archived_projects: False -> True",
     ["content", "sg_status_list", "project"]),
])
def test_another_query_is_refused_with_the_difference_unless_overwrite(sb, site, tmp_path, change, phrase, fields):
    path = tmp_path / "tasks"
    site.export("Task", path, **QUERY)
    before = tree_digest(path)
    args = {"entity": "Task", **QUERY, **change}
    entity = args.pop("entity")
    with pytest.raises(DatasetExistsError) as caught:
        site.export(entity, path, **args)
    message = str(caught.value)
    assert phrase in message, message
    assert str(path) in message and "overwrite=True" in message
    assert isinstance(caught.value, FileExistsError) and isinstance(caught.value, tf.TrackframesError)
    assert tree_digest(path) == before and siblings(path) == []
    assert [p.name for p in tmp_path.iterdir()] == ["tasks"]  # no lock file either

    result = site.export(entity, path, overwrite=True, **args)
    assert read_metadata(path)["entity"] == entity and result.rows == len(read_parquet(path))
    want = site.find(entity, args.get("filters"), fields,
                     include_archived_projects=args.get("include_archived_projects", False))
    pd.testing.assert_frame_equal(read_parquet(path), want)


def test_another_site_is_another_query(sb, fresh, tmp_path):
    path = tmp_path / "shots"
    with fresh.connect(progress=False) as site:
        site.export("Shot", path, fields=["code"])
    with sb.connect(progress=False) as other:
        with pytest.raises(DatasetExistsError, match=f"site: '{fresh.url}' -> '{sb.url}'"):
            other.export("Shot", path, fields=["code"])
        export(other, "Shot", path, fields=["code"], overwrite=True)
        assert read_metadata(path)["site"] == sb.url


def test_an_all_fields_dataset_refreshes_after_the_schema_grew(fresh, tmp_path):
    import dataclasses

    path = tmp_path / "shots"
    with fresh.connect(progress=False) as site:
        site.export("Shot", path)
    fields = fresh.store.entities["Shot"].fields
    fields["sg_extra"] = dataclasses.replace(fields["code"], name="sg_extra")
    with fresh.connect(progress=False) as site:
        site.export("Shot", path)  # the same query: every field
    assert "sg_extra" in read_metadata(path)["fields"]


def test_overwrite_never_replaces_a_folder_of_your_own(site, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(DatasetExistsError, match="did not write"):
        site.export("Shot", mine, overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_a_dataset_with_damaged_metadata_is_replaced_only_with_overwrite(site, tmp_path):
    path = tmp_path / "shots"
    site.export("Shot", path, fields=["code"])
    (path / METADATA_FILE).write_text("{ not json")
    with pytest.raises(CorruptDatasetError, match="overwrite=True") as caught:
        site.export("Shot", path, fields=["code"])
    assert str(path / METADATA_FILE) in str(caught.value)
    site.export("Shot", path, fields=["code"], overwrite=True)
    pd.testing.assert_frame_equal(read_parquet(path), site.find("Shot", fields=["code"]))


def test_the_command_line_refuses_another_query_and_takes_overwrite(sb, tmp_path, monkeypatch, capsys):
    import argparse

    from trackframes.export_cli import add_export_parsers

    monkeypatch.setenv("TRACKFRAMES_URL", sb.url)
    monkeypatch.setenv("TRACKFRAMES_SCRIPT_NAME", sb.credentials["script_name"])
    monkeypatch.setenv("TRACKFRAMES_SCRIPT_KEY", sb.credentials["script_key"])
    parser = argparse.ArgumentParser(prog="trackframes")
    add_export_parsers(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        return args.func(args)

    out = str(tmp_path / "shots")
    assert run("export", "-e", "Shot", "-f", "code", "-o", out, "-q") == 0
    assert run("export", "-e", "Shot", "-f", "code,sg_status_list", "-o", out, "-q") == 1
    err = capsys.readouterr().err
    assert "fields: adds 'sg_status_list'" in err and "--overwrite" in err and "Traceback" not in err
    assert run("export", "-e", "Shot", "-f", "code,sg_status_list", "-o", out, "-q", "--overwrite") == 0
    assert read_metadata(out)["fields"] == ["code", "sg_status_list"]
