"""Rate limits, server errors, expiring tokens and data changing mid-fetch: the rows stay exact."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import trackframes as tf

FIELDS = ["content", "sg_status_list", "entity", "task_assignees", "due_date"]


@pytest.fixture
def own_sb():
    with tf.sandbox.serve(scale=0.03, seed=7, today=date(2026, 3, 2)) as sandbox:
        yield sandbox


def clean_run(sb) -> pd.DataFrame:
    with sb.connect(progress=False, page_size=100) as site:
        return site.find("Task", fields=FIELDS)


def test_a_429_storm_random_5xx_and_short_lived_tokens_give_exactly_the_clean_rows(own_sb):
    expected = clean_run(own_sb)
    own_sb.knobs.rate_limit_every = 3
    own_sb.knobs.retry_after = 1
    own_sb.knobs.error_probability = 0.2
    own_sb.knobs.token_lifetime = 2
    own_sb.knobs.latency = 0.05
    with own_sb.connect(progress=False, page_size=100, max_retries=10) as site:
        got = site.find("Task", fields=FIELDS)
        again = site.find("Task", fields=FIELDS)
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(again, expected)
    stats = own_sb.stats
    assert stats.rate_limited > 0, "the storm really happened"
    assert stats.server_errors > 0
    assert stats.tokens_issued >= 3, "tokens expired and were renewed during the fetch"


def test_retries_exhausted_raise_the_right_error_with_the_server_error_objects(own_sb):
    own_sb.knobs.error_probability = 1.0
    with own_sb.connect(progress=False, max_retries=1) as site:
        with pytest.raises(tf.ServerError) as info:
            site.find("Shot", fields=["code"])
    assert info.value.status in (502, 503, 504)
    assert info.value.errors and info.value.errors[0]["status"] == info.value.status


def test_rate_limit_exhausted_is_a_rate_limit_error(own_sb):
    own_sb.knobs.rate_limit_probability = 1.0
    own_sb.knobs.retry_after = 0
    with own_sb.connect(progress=False, max_retries=2) as site:
        with pytest.raises(tf.RateLimitError) as info:
            site.count("Shot")
    assert info.value.status == 429


@pytest.mark.parametrize("creates, deletes", [(7, 0), (0, 7), (9, 9)])
def test_records_created_and_deleted_during_a_fetch_are_never_lost_or_duplicated(own_sb, creates, deletes):
    before = set(own_sb.store.records["Task"])
    own_sb.knobs.mutate_creates = creates
    own_sb.knobs.mutate_deletes = deletes
    with own_sb.connect(progress=False, page_size=50, concurrency=4) as site:
        got = site.find("Task", fields=["content"], include_archived_projects=True)["id"].tolist()
    own_sb.knobs.mutate_creates = own_sb.knobs.mutate_deletes = 0
    after = set(own_sb.store.records["Task"])
    throughout = before & after
    assert before != after, "the knob changed the data during the fetch"
    assert len(got) == len(set(got)), "no record twice"
    assert throughout <= set(got), "no record that existed throughout is missing"
    created_meanwhile = {i for i in set(got) - before if i > max(before)}
    assert set(got) <= before | created_meanwhile, "nothing but real records"


def test_naive_page_number_paging_does_lose_records_under_the_same_mutation(own_sb):
    """Shows the knob bites: sequential page[number] paging misses or repeats records."""
    import requests

    before = set(own_sb.store.records["Task"])
    own_sb.knobs.mutate_deletes = 9
    token = requests.post(own_sb.api_url + "/auth/access_token", data={
        "grant_type": "client_credentials", "client_id": own_sb.credentials["script_name"],
        "client_secret": own_sb.credentials["script_key"]}).json()["access_token"]
    seen: list[int] = []
    number = 1
    while True:
        page = requests.get(own_sb.api_url + "/entity/tasks", params={
            "page[size]": 50, "page[number]": number, "fields": "content",
            "options[include_archived_projects]": "true"},
            headers={"Authorization": f"Bearer {token}"}).json()
        seen += [r["id"] for r in page["data"]]
        if not page["links"].get("next"):
            break
        number += 1
    own_sb.knobs.mutate_deletes = 0
    throughout = before & set(own_sb.store.records["Task"])
    assert not throughout <= set(seen) or len(seen) != len(set(seen))
