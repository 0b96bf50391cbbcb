"""df.tf: expand (with its requests counted), explode, to_parquet, and frames without provenance."""

from __future__ import annotations

import math
import threading
from collections import Counter
from urllib.parse import urlsplit

import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest
from requests.adapters import HTTPAdapter

import trackframes as tf
from trackframes.accessor import register_site, registered_site
from tests.schedule.conftest import live


class CountingAdapter(HTTPAdapter):
    """A real HTTP adapter that also counts the requests by (method, path)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def send(self, request, **kwargs):  # noqa: D102
        with self.lock:
            self.seen[(request.method, urlsplit(request.url).path)] += 1
        return super().send(request, **kwargs)


@pytest.fixture
def counted(sb):
    adapter = CountingAdapter()
    with sb.connect(progress=False, transport_adapter=adapter) as site:
        yield site, adapter


def search_counts(adapter: CountingAdapter) -> dict[str, int]:
    return {path.split("/")[-2]: n for (method, path), n in adapter.seen.items() if path.endswith("/_search")}


@pytest.mark.parametrize("chunk", [7, None])
def test_expand_is_one_request_per_linked_type_per_chunk(sb, counted, chunk):
    site, adapter = counted
    df = site.find("Task", fields=["content", "entity"])
    for entity in ("Shot", "Asset", "Sequence"):
        site.field_specs(entity)  # schemas read: from here on only the expand queries go out
    adapter.seen.clear()
    out = df.tf.expand("entity", ["sg_sequence", "sg_status_list", "code"], site=site, chunk_size=chunk)
    shots = {i for i, t in zip(df["entity.id"], df["entity.type"]) if t == "Shot"}
    assets = {i for i, t in zip(df["entity.id"], df["entity.type"]) if t == "Asset"}
    size = chunk or site.page_size
    want = {"shots": math.ceil(len(shots) / size), "assets": math.ceil(len(assets) / size)}
    assert search_counts(adapter) == want
    assert sum(adapter.seen.values()) == sum(want.values())  # nothing else was sent
    if chunk:
        assert want["shots"] > 1
    store = sb.store
    for row in out.to_dict("records"):
        rec = store.records[row["entity.type"]][row["entity.id"]]
        assert row["entity.code"] == rec["code"]
        assert row["entity.sg_status_list"] == rec["sg_status_list"]
        seq = rec.get("sg_sequence")
        assert (None if pd.isna(row["entity.sg_sequence.id"]) else row["entity.sg_sequence.id"]) == (
            seq and seq["id"])
        if seq:
            assert row["entity.sg_sequence.name"] == store.display_name("Sequence", seq["id"])
    assert list(out.columns[-5:]) == ["entity.sg_sequence.id", "entity.sg_sequence.type", "entity.sg_sequence.name",
                                      "entity.sg_status_list", "entity.code"]
    dtypes = {c: str(t) for c, t in out.dtypes.items()}
    assert dtypes["entity.sg_sequence.id"] == "Int64" and dtypes["entity.code"] == "string"
    assert dtypes["entity.sg_status_list"] == "category"
    assert out.attrs["trackframes"]["expanded"] == {"entity": ["sg_sequence", "sg_status_list", "code"]}
    assert list(df.columns) == ["id", "content", "entity.id", "entity.type", "entity.name"]  # input untouched


def test_expand_uses_the_registered_site(site, sb):
    df = site.find("Shot", fields=["code", "sg_sequence"], limit=5)
    register_site(site)
    assert registered_site(site.url + "/") is site
    out = df.tf.expand("sg_sequence", "code")
    for sid, code in zip(out["sg_sequence.id"], out["sg_sequence.code"]):
        assert code == sb.store.records["Sequence"][sid]["code"]


def test_expand_without_an_open_site_says_how(site):
    df = site.find("Shot", fields=["code", "sg_sequence"], limit=2)
    df.attrs["trackframes"] = {**df.attrs["trackframes"], "site": "http://127.0.0.1:9/nowhere"}
    with pytest.raises(LookupError, match="site="):
        df.tf.expand("sg_sequence", ["code"])


def test_expand_a_canonical_frame_link_without_type_column(site, sb, tasks):
    out = tasks.tf.expand("step", ["short_name", "list_order"], site=site)
    for sid, short, order in zip(out["step.id"], out["step.short_name"], out["step.list_order"]):
        rec = sb.store.records["Step"][sid]
        assert (short, order) == (rec["short_name"], rec["list_order"])


def test_expand_errors(site):
    df = site.find("Task", fields=["entity", "task_assignees"], limit=5)
    with pytest.raises(ValueError, match="explode"):
        df.tf.expand("task_assignees", ["login"], site=site)
    with pytest.raises(KeyError, match="entity"):
        df.tf.expand("sg_sequence", ["code"], site=site)
    with pytest.raises(tf.SchemaError):
        df.tf.expand("entity", ["no_such_field"], site=site)


def test_frames_without_provenance_raise_attribute_error(tmp_path):
    plain = pd.DataFrame({"entity.id": [1], "entity.type": ["Shot"]})
    with pytest.raises(AttributeError, match="did not come from trackframes"):
        plain.tf.expand("entity", ["code"])
    with pytest.raises(AttributeError, match="did not come from trackframes"):
        plain.tf.to_parquet(tmp_path / "x.parquet")
    with pytest.raises(AttributeError):
        plain.tf.provenance


def test_explode_gives_one_row_per_linked_entity(site, sb):
    df = site.find("Task", fields=["content", "task_assignees", "due_date"])
    out = df.tf.explode("task_assignees")
    assert list(out.columns) == ["id", "content", "task_assignees.id", "task_assignees.type",
                                 "task_assignees.name", "due_date"]
    expected = []
    for t in live(sb, "Task"):
        links = t["task_assignees"] or [None]
        expected += [(t["id"], None if a is None else a["type"], None if a is None else a["id"]) for a in links]
    got = [(i, None if pd.isna(k) else k, None if pd.isna(x) else x)
           for i, k, x in zip(out["id"], out["task_assignees.type"], out["task_assignees.id"])]
    assert got == expected
    assert {c: str(t) for c, t in out.dtypes.items() if c.startswith("task_assignees")} == {
        "task_assignees.id": "Int64", "task_assignees.type": "category", "task_assignees.name": "string"}
    assert (out["due_date"].values == df.set_index("id").loc[out["id"], "due_date"].values).all()
    assert out.attrs["trackframes"]["exploded"] == ["task_assignees"]
    # an exploded link can be expanded
    people = out.tf.expand("task_assignees", ["login"], site=site)
    for kind, pid, login in zip(people["task_assignees.type"], people["task_assignees.id"],
                                people["task_assignees.login"]):
        if kind == "HumanUser":
            assert login == sb.store.records["HumanUser"][pid]["login"]
        else:
            assert pd.isna(login)


def test_explode_tags_and_empty_lists(site, sb):
    df = site.find("Asset", fields=["code", "tag_list"])
    out = df.tf.explode("tag_list")
    expected = [(a["id"], tag) for a in live(sb, "Asset") for tag in (a["tag_list"] or [None])]
    assert [(i, None if pd.isna(t) else t) for i, t in zip(out["id"], out["tag_list"])] == expected
    with pytest.raises(TypeError):
        df.tf.explode("code")


def test_to_parquet_keeps_the_provenance(site, tmp_path):
    df = site.find("Task", fields=["content", "entity", "task_assignees", "due_date", "sg_status_list"], limit=20)
    path = df.tf.to_parquet(tmp_path / "sub" / "tasks.parquet")
    assert path.exists() and not list(path.parent.glob(".*tmp"))
    meta = pq.read_schema(path).metadata
    assert orjson.loads(meta[b"trackframes"]) == orjson.loads(orjson.dumps(df.attrs["trackframes"]))
    back = pd.read_parquet(path, dtype_backend="pyarrow")
    assert back.attrs["trackframes"]["entity"] == "Task"
    assert back["id"].tolist() == df["id"].tolist()
    assert back["content"].tolist() == df["content"].tolist()
    assert [[a["id"] for a in v] for v in back["task_assignees"]] == [[a["id"] for a in v] for v in df["task_assignees"]]
    s = site.summarize("Task", {"id": "count", "due_date": "latest"}, grouping=["step"])
    s.tf.to_parquet(tmp_path / "summary.parquet")
    assert pq.read_table(tmp_path / "summary.parquet").num_rows == len(s)


def test_expand_a_summary_frame(site, sb):
    s = site.summarize("Task", {"id": "count"}, grouping=["entity"])
    out = s.tf.expand("entity", ["code"])  # summarize registered the site
    for kind, eid, code in zip(out["entity.type"], out["entity.id"], out["entity.code"]):
        assert code == sb.store.records[kind][eid]["code"]
