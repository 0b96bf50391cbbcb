"""Knobs of the ftrack sandbox give exactly the clean run's frame: page cap, permission culling, references
encoded once or not, latency, 429s and 5xx (retried); under creates and deletes, the records present throughout keep their rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import trackframes as tf
from trackframes.sandbox import production

PROD = production.generate(scale=0.03, seed=2, today=date(2026, 3, 2))
FIELDS = ["name", "status", "parent", "parent.parent.name", "bid", "start_date", "timelogs", "assignees",
          "custom_attributes.milestone"]


def frame(**knobs):
    with tf.sandbox.serve(backend="ftrack", production=PROD, **knobs) as sb:
        site = sb.connect(progress=False, page_size=60)
        before = {r.key[0] for r in sb.store.records("Task")}
        df = site.find("Task", fields=FIELDS)
        after = {r.key[0] for r in sb.store.records("Task")}
        return df, before, after, sb.stats


@pytest.fixture(scope="module")
def clean():
    df, before, after, _ = frame()
    assert before == after and len(df) > 200
    return df


@pytest.mark.parametrize("knobs", [{"page_size_cap": 17}, {"cull_every": 4}, {"cull_every": 1, "page_size_cap": 9},
                                   {"references_once": False}, {"latency": 0.003},
                                   {"rate_limit_every": 4, "retry_after": 0}, {"error_probability": 0.15, "seed": 5}],
                         ids=["cap", "cull", "cull-and-cap", "no-dedup", "latency", "429", "5xx"])
def test_knobs_give_exactly_the_clean_frame(clean, knobs):
    df, _, _, stats = frame(**knobs)
    if "rate_limit_every" in knobs:
        assert stats.rate_limited > 0
    if "error_probability" in knobs:
        assert stats.server_errors > 0
    pd.testing.assert_frame_equal(df, clean)
    assert df.attrs["trackframes"]["fields"] == clean.attrs["trackframes"]["fields"]


def test_under_creates_and_deletes_records_present_throughout_keep_their_rows(clean):
    df, before, after, stats = frame(mutate_creates=2, mutate_deletes=2)
    assert stats.created and stats.deleted
    ids = df["id"].tolist()
    assert len(ids) == len(set(ids))
    kept = sorted(before & after & set(clean["id"]))  # present throughout, in a project that is not archived
    assert set(kept) <= set(ids) and len(kept) < len(clean)
    mine = df.set_index("id").loc[kept].reset_index()
    theirs = clean.set_index("id").loc[kept].reset_index()
    # the knob mutates every type it is asked about: the users and groups that name the assignees too
    others = ["timelogs", "assignees"]
    pd.testing.assert_frame_equal(mine.drop(columns=others), theirs.drop(columns=others), check_categorical=False)
