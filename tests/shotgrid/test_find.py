"""The ShotGrid client against the sandbox: frames, validation, ordering, paging."""

from __future__ import annotations

import asyncio
import io
import sys
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

import trackframes as tf
from tests.shotgrid.conftest import archived_projects, live_records

TASK_FIELDS = ["content", "entity", "step", "sg_status_list", "task_assignees", "start_date", "due_date",
               "duration", "est_in_mins", "entity.Shot.sg_sequence"]


def _na(v):
    return None if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)) else v


def test_find_tasks_matches_the_store_field_by_field(site, sb):
    df = site.find("Task", fields=TASK_FIELDS)
    store = sb.store
    expected = live_records(sb, "Task")
    assert df["id"].tolist() == [r["id"] for r in expected]
    for row, rec in zip(df.to_dict("records"), expected):
        assert row["content"] == rec["content"]
        assert _na(row["sg_status_list"]) == rec["sg_status_list"]
        assert _na(row["start_date"]) == (None if rec["start_date"] is None else pd.Timestamp(rec["start_date"]))
        assert _na(row["duration"]) == rec["duration"]
        ent = rec["entity"]
        assert (row["entity.id"], row["entity.type"]) == (ent["id"], ent["type"])
        assert row["entity.name"] == store.display_name(ent["type"], ent["id"])
        assert [(a["type"], a["id"]) for a in row["task_assignees"]] == \
               [(a["type"], a["id"]) for a in rec["task_assignees"]]
        # dotted field: the Shot's sequence, only when the task is on a Shot
        seq = store.records["Shot"][ent["id"]]["sg_sequence"] if ent["type"] == "Shot" else None
        assert _na(row["entity.Shot.sg_sequence.id"]) == (None if seq is None else seq["id"])
        assert _na(row["entity.Shot.sg_sequence.name"]) == (
            None if seq is None else store.display_name("Sequence", seq["id"]))


def test_dtypes_follow_the_schema(site):
    df = site.find("Task", fields=TASK_FIELDS, limit=3)
    dtypes = {c: str(t) for c, t in df.dtypes.items()}
    assert dtypes["start_date"] == "datetime64[ms]"
    assert dtypes["duration"] == "Int64"
    assert dtypes["sg_status_list"] == "category"
    assert dtypes["entity.id"] == "Int64" and dtypes["entity.name"] == "string"
    assert dtypes["entity.Shot.sg_sequence.id"] == "Int64"
    assert dtypes["task_assignees"].startswith("list<item: struct<id: int64, type: string, name: string>>")
    specs = site.field_specs("Task")
    assert list(df["sg_status_list"].cat.categories[: len(specs["sg_status_list"].valid_values)]) == \
           list(specs["sg_status_list"].valid_values)


def test_star_fetches_every_field(site):
    df = site.find("Shot", fields="*", limit=2)
    specs = site.field_specs("Shot")
    for name, spec in specs.items():
        assert name in df.columns or f"{name}.id" in df.columns or f"{name}.url" in df.columns


def test_order_and_limit_are_exact(site, sb):
    expected = sorted(live_records(sb, "Task"),
                      key=lambda r: (r["due_date"] is None, r["due_date"] or "", r["id"]))
    ids = [r["id"] for r in expected]
    assert site.find("Task", fields=["content"], order=["due_date"], limit=777)["id"].tolist() == ids[:777]
    assert site.find("Task", fields=["content"], order=["due_date"], limit=20)["id"].tolist() == ids[:20]
    full = site.find("Task", fields=["content"], order=["due_date"])
    assert full["id"].tolist() == ids
    assert "due_date" not in full.columns  # ordered by it, but not asked for
    desc = site.find("Task", fields=["content"], order=["-id"], limit=600)
    assert desc["id"].tolist() == sorted(ids, reverse=True)[:600]


def test_filters_in_both_forms_and_count(site, sb):
    want = [r["id"] for r in live_records(sb, "Task") if r["sg_status_list"] in ("ip", "rev")]
    array_form = site.find("Task", [["sg_status_list", "in", ["ip", "rev"]]], ["content"])
    hash_form = site.find("Task", {"logical_operator": "or", "conditions": [
        ["sg_status_list", "is", "ip"], ["sg_status_list", "is", "rev"]]}, ["content"])
    assert array_form["id"].tolist() == want == hash_form["id"].tolist()
    assert site.count("Task", [["sg_status_list", "in", ["ip", "rev"]]]) == len(want)


def test_iter_batches_and_find_arrow_agree_with_find(site):
    df = site.find("Version", fields=["code", "entity"])
    batches = list(site.iter_batches("Version", fields=["code", "entity"]))
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert len(batches) > 1
    ids = sorted(i for b in batches for i in b.column("id").to_pylist())
    assert ids == df["id"].tolist()
    table = site.find_arrow("Version", fields=["code", "entity"])
    assert table.column("id").to_pylist() == df["id"].tolist()
    assert b"trackframes" in table.schema.metadata


def test_find_one(site, sb):
    rec = live_records(sb, "Shot")[3]
    row = site.find_one("Shot", [["code", "is", rec["code"]]], ["code", "sg_sequence"])
    assert row["id"] == rec["id"] and row["code"] == rec["code"]
    assert site.find_one("Shot", [["code", "is", "no-such-shot"]], ["code"]) is None


def test_empty_result_has_typed_columns(site):
    df = site.find("Task", [["content", "is", "no such task"]], TASK_FIELDS)
    assert len(df) == 0
    full = site.find("Task", fields=TASK_FIELDS, limit=1)
    assert list(df.columns) == list(full.columns)
    assert list(df.dtypes.astype(str)) == list(full.dtypes.astype(str))


def test_archived_projects_and_retired_records(site, sb):
    archived = archived_projects(sb)
    assert archived, "the sandbox has an archived project"
    default = set(site.find("Shot", fields=["project"])["project.id"])
    assert not default & archived
    everything = set(site.find("Shot", fields=["project"], include_archived_projects=True)["project.id"])
    assert everything & archived
    retired = site.find("Task", fields=["content"], retired=True, include_archived_projects=True)
    assert sorted(retired["id"]) == sorted(sb.store.retired["Task"])


def test_provenance_in_attrs(site, sb):
    df = site.find("Shot", [["sg_status_list", "is", "ip"]], ["code"])
    prov = df.attrs["trackframes"]
    assert prov["site"] == sb.url and prov["entity"] == "Shot" and prov["backend"] == "shotgrid"
    assert prov["fields"] == ["code"]
    assert "fetched_at" in prov


@pytest.mark.parametrize("call, bad, suggestion", [
    (lambda s: s.find("Taks"), "Taks", "Task"),
    (lambda s: s.find("Task", fields=["contnet"]), "contnet", "content"),
    (lambda s: s.find("Task", fields=["entity.Shot.sg_sequnce"]), "sg_sequnce", "sg_sequence"),
    (lambda s: s.find("Task", fields=["entity.Shto.sg_sequence"]), "Shto", "Shot"),
    (lambda s: s.find("Task", [["sg_status_list", "contains", "ip"]]), "contains", "in"),
    (lambda s: s.find("Task", [["sg_status_list", "is", "inprogress"]]), "inprogress", "ip"),
    (lambda s: s.find("Task", [["due_date", "in_lst", [1, "DAY"]]]), "in_lst", "in_last"),
    (lambda s: s.count("Task", [["stepp", "is", None]]), "stepp", "step"),
])
def test_bad_names_raise_schema_error_before_sending_with_suggestions(site, sb, call, bad, suggestion):
    site.find("Task", fields=["content", "entity"], limit=1)  # warm the schema cache
    site.field_specs("Shot")
    before = sb.stats.requests
    with pytest.raises(tf.SchemaError) as info:
        call(site)
    assert bad in str(info.value)
    assert suggestion in info.value.suggestions or suggestion in str(info.value)
    assert sb.stats.requests == before, "nothing may be sent for a request the schema rejects"


def test_find_inside_a_running_event_loop(site):
    async def notebook_cell():
        sync = site.find("Shot", fields=["code"])  # what a Jupyter cell does
        awaited = await site.afind("Shot", fields=["code"])
        n = await site.acount("Shot")
        return sync, awaited, n

    sync, awaited, n = asyncio.run(notebook_cell())
    pd.testing.assert_frame_equal(sync.drop(columns=[]), awaited)
    assert n == len(sync)


def test_progress_bar_only_for_multi_page_fetches(sb, capsys):
    site = sb.connect(page_size=100, progress=True)
    site.find("Task", fields=["content"])
    assert "Task" in capsys.readouterr().err
    site.find("Task", fields=["content"], progress=False)
    assert capsys.readouterr().err == ""
    site.find("Task", fields=["content"], limit=5)  # one page: no bar
    assert capsys.readouterr().err == ""


def test_no_bars_off_a_terminal_by_default(sb, capsys):
    """cron, CI and ``> log``: stderr is not a TTY, so the default (None) draws nothing, as tqdm's disable=None."""
    site = sb.connect(page_size=100)
    assert site.progress is None
    df = site.find("Task", fields=["content"])
    assert len(df) > 100
    assert capsys.readouterr().err == ""


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bars_on_a_terminal_by_default_and_forced_or_silenced_per_call(sb, monkeypatch):
    site = sb.connect(page_size=100)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    site.find("Task", fields=["content"])
    assert "Task" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    site.find("Task", fields=["content"], progress=False)
    assert quiet.getvalue() == ""


def test_a_finished_notebook_bar_shows_its_final_state():
    """What a saved notebook keeps is the widget's last state: it must read n/n, not 0/n."""
    from tqdm.notebook import tqdm as notebook_tqdm

    from trackframes.site import _ProgressBar

    bar = _ProgressBar("TimeLog", 997, enabled=None, eager=True, tqdm_class=notebook_tqdm)
    widget = bar.bar
    for _ in range(9):
        bar.add(100)
    bar.add(94)  # the server had 3 fewer records by the time the last page came
    bar.close(complete=True)
    assert widget.leave is True, "the bar stays in the notebook"
    progress = widget.container.children[1]
    assert progress.value == progress.max == 994
    assert "994/994" in widget.container.children[2].value
    assert progress.bar_style == "success"


def test_an_interrupted_notebook_bar_shows_where_it_stopped():
    from tqdm.notebook import tqdm as notebook_tqdm

    from trackframes.site import _ProgressBar

    bar = _ProgressBar("Task", 1000, enabled=None, eager=True, tqdm_class=notebook_tqdm)
    widget = bar.bar
    bar.add(300)
    bar.close(complete=False)
    progress = widget.container.children[1]
    assert progress.value == 300 and progress.max == 1000
    assert progress.bar_style == "danger"


def test_dates_are_calendar_dates(site, sb):
    df = site.find("TimeLog", fields=["date", "duration"], limit=50)
    for row in df.itertuples():
        rec = sb.store.records["TimeLog"][row.id]
        assert row.date == pd.Timestamp(date.fromisoformat(rec["date"]))
        assert row.date.tzinfo is None
