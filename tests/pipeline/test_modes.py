"""Collect mode (find) and stream mode (iter_batches, export) give the same rows, counted the same way."""

from __future__ import annotations

from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import trackframes as tf
from tests.pipeline.conftest import live_ids

PAGE = 200


@pytest.fixture(scope="module")
def site(big: Any) -> Iterator[tf.Site]:
    with big.connect(progress=False, page_size=PAGE) as s:
        yield s


def _by_id(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")])).combine_chunks()


@pytest.mark.parametrize("entity, filters", [("Task", None), ("Task", [["sg_status_list", "is", "ip"]]),
                                             ("Version", None), ("Shot", [["code", "contains", "0"]])])
def test_stream_mode_yields_the_same_rows_as_collect_mode(site, entity, filters):
    collected = site.find_arrow(entity, filters, "*")
    batches = list(site.iter_batches(entity, filters, "*"))
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    streamed = pa.Table.from_batches(batches, schema=batches[0].schema)
    assert streamed.schema.equals(collected.schema, check_metadata=False)
    assert _by_id(streamed).to_pylist() == _by_id(collected).to_pylist()  # dictionaries may differ per page


def test_every_page_counts_its_rows_once_the_same_way_everywhere(big, site, tmp_path, monkeypatch):
    """The progress bar, the pages of stream mode, find and export all report the same row count."""
    import tqdm.auto

    bars: list[Any] = []

    class Recording(tqdm.auto.tqdm):  # a third-party class: records what the bar was told
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    expected = len(live_ids(big, "Task"))
    df = site.find("Task", fields=["content"], progress=True)
    assert len(df) == expected
    assert len(bars) == 1 and bars[0].n == expected

    query, _ = site._query("Task", None, ["content"], None, None, False, False)
    pages = list(site._pages(query, False))
    assert all(page.rows == page.data.num_rows for page in pages)
    assert sum(page.rows for page in pages) == expected

    result = site.export("Task", tmp_path / "tasks", fields=["content"], progress=False)
    assert result.rows == result.fetched == expected
