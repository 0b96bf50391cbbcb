"""Every bad argument fails before anything is sent, naming the argument and what would be valid.

One row per kind of bad argument. Each row says which exception it raises, the
words its message must contain (the argument or field and the bad value), and
the valid names or values it must offer. The test counts the sandbox's
requests around the call: the schema is read beforehand, so any request
during the call would be the bad query itself.

The table is split by who owns the arguments. Rows for ``connect`` options and
for ``export``/``sync`` arguments go into :data:`CONNECT_CASES` and
:data:`EXPORT_CASES` below, in the same :class:`Case` format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

import trackframes as tf
from trackframes.query import MAX_DEPTH


@dataclass(frozen=True)
class Ctx:
    """What a row's call gets: a connected site, the sandbox behind it, a scratch folder."""

    site: tf.Site
    sb: Any
    tmp: Path


@dataclass(frozen=True)
class Case:
    """One bad argument.

    ``call`` makes the bad call; ``error`` is the exception type it must raise;
    every string in ``names`` must appear in the message (the argument or field
    name and the bad value); every string in ``suggests`` must appear in the
    message or in the error's ``suggestions``. ``item`` is the issue item.
    """

    id: str
    item: str
    call: Callable[[Ctx], Any]
    error: type[BaseException]
    names: tuple[str, ...]
    suggests: tuple[str, ...] = ()


def _nested(depth: int) -> Any:
    node: Any = [["sg_status_list", "is", "ip"]]
    for _ in range(depth):
        node = {"logical_operator": "and", "conditions": [node if isinstance(node, dict) else node[0]]}
    return node


def _find(entity: str, filters: Any = None, **kw: Any) -> Callable[[Ctx], Any]:
    return lambda c: c.site.find(entity, filters, **kw)


NAN, INF = float("nan"), float("inf")

#: Query arguments: find, find_one, find_arrow, iter_batches, count, search (issue 10, items 13-16).
QUERY_CASES: list[Case] = [
    # 13: silent wrong results
    Case("nan-value", "10.13", _find("Shot", [["sg_cut_in", "is", NAN]]), tf.SchemaError,
         ("sg_cut_in", "nan", "NaN"), ("None",)),
    Case("numpy-nan-value", "10.13", _find("Project", [["sg_budget", "greater_than", np.float64("nan")]]),
         tf.SchemaError, ("sg_budget", "NaN")),
    Case("nan-in-a-list", "10.13", _find("Shot", [["sg_cut_in", "in", [1001, NAN]]]), tf.SchemaError,
         ("sg_cut_in", "NaN"), ("None",)),
    Case("inf-value", "10.13", _find("Shot", [["sg_cut_in", "less_than", INF]]), tf.SchemaError,
         ("sg_cut_in", "inf")),
    Case("minus-inf-value", "10.13", _find("Task", [["duration", "greater_than", -INF]]), tf.SchemaError,
         ("duration", "-inf")),
    Case("inf-in-between", "10.13", _find("Project", [["sg_budget", "between", [0, INF]]]), tf.SchemaError,
         ("sg_budget", "inf")),
    Case("greater-than-none", "10.13", _find("Task", [["due_date", "greater_than", None]]), tf.SchemaError,
         ("due_date", "greater_than", "None"), ("'is', None",)),
    Case("less-than-none", "10.13", lambda c: c.site.count("Shot", [["sg_cut_in", "less_than", None]]),
         tf.SchemaError, ("sg_cut_in", "less_than", "None"), ("'is', None",)),
    Case("between-none", "10.13", _find("Shot", [["sg_cut_in", "between", [None, 1100]]]), tf.SchemaError,
         ("sg_cut_in", "between", "None")),
    Case("contains-none", "10.13", _find("Shot", [["code", "contains", None]]), tf.SchemaError,
         ("code", "contains", "None")),
    Case("order-double-minus", "10.13", _find("Task", order=["--content"]), tf.SchemaError,
         ("order", "--content"), ("-content",)),
    Case("order-plus", "10.13", _find("Task", order="+due_date"), tf.SchemaError,
         ("order", "+due_date"), ("due_date",)),
    Case("order-with-a-space", "10.13", _find("Task", order=["-due date"]), tf.SchemaError,
         ("order", "-due date"), ("-due_date",)),
    Case("link-of-wrong-type", "10.13", _find("Task", [["entity", "is", {"type": "Sequence", "id": 1}]]),
         tf.SchemaError, ("entity", "Sequence"), ("Shot", "Asset")),
    Case("link-type-typo", "10.13", _find("Task", [["entity", "is", {"type": "Shto", "id": 1}]]),
         tf.SchemaError, ("entity", "Shto"), ("Shot",)),
    Case("link-of-wrong-type-in-list", "10.13",
         _find("Shot", [["project", "in", [{"type": "Project", "id": 1}, {"type": "Shot", "id": 2}]]]),
         tf.SchemaError, ("project", "Shot"), ("Project",)),
    Case("link-of-wrong-type-dotted", "10.13",
         _find("Task", [["entity.Shot.sg_sequence", "is", {"type": "Shot", "id": 1}]]), tf.SchemaError,
         ("entity.Shot.sg_sequence", "Shot"), ("Sequence",)),
    Case("link-of-wrong-type-multi", "10.13",
         _find("Task", [["task_assignees", "is", {"type": "Step", "id": 1}]]), tf.SchemaError,
         ("task_assignees", "Step"), ("HumanUser", "Group")),
    Case("progress-no-find", "10.13", _find("Shot", progress="no"), TypeError, ("progress", "'no'"),
         ("True", "False", "None")),
    Case("progress-no-find-arrow", "10.13", lambda c: c.site.find_arrow("Shot", progress="no"), TypeError,
         ("progress", "'no'")),
    Case("progress-int-iter-batches", "10.13", lambda c: c.site.iter_batches("Shot", progress=1), TypeError,
         ("progress", "1")),
    Case("progress-no-export", "10.13", lambda c: c.site.export("Shot", c.tmp / "shots", progress="no"),
         TypeError, ("progress", "'no'")),
    Case("progress-no-sync", "10.13", lambda c: c.site.sync(c.tmp / "shots", progress="no"), TypeError,
         ("progress", "'no'")),
    # 15: wrong types caught before the server
    Case("text-for-number", "10.15", _find("Shot", [["sg_cut_in", "is", "1"]]), tf.SchemaError,
         ("sg_cut_in", "'1'"), ("write 1 without quotes",)),
    Case("text-in-number-list", "10.15", _find("Shot", [["id", "in", [1, "2"]]]), tf.SchemaError,
         ("id", "'2'"), ("write 2 without quotes",)),
    Case("text-for-checkbox", "10.15", _find("Task", [["milestone", "is", "true"]]), tf.SchemaError,
         ("milestone", "'true'"), ("True or False",)),
    Case("int-for-checkbox", "10.15", _find("Task", [["milestone", "is", 1]]), tf.SchemaError,
         ("milestone", "1"), ("True or False",)),
    Case("list-with-is", "10.15", _find("Task", [["sg_status_list", "is", ["ip"]]]), tf.SchemaError,
         ("sg_status_list", "['ip']"), ("'in'",)),
    Case("scalar-with-in", "10.15", _find("Task", [["sg_status_list", "in", "ip"]]), tf.SchemaError,
         ("sg_status_list", "'ip'", "list")),
    Case("bare-int-link", "10.15", _find("Task", [["entity", "is", 12]]), tf.SchemaError,
         ("entity", "12"), ("{'type': 'Shot', 'id': 12}",)),
    Case("bare-ints-link-list", "10.15", _find("Shot", [["project", "in", [1, 2]]]), tf.SchemaError,
         ("project", "1"), ("{'type': 'Project', 'id': 1}",)),
    Case("name-for-link", "10.15", _find("Task", [["entity", "is", "SQ010_0010"]]), tf.SchemaError,
         ("entity", "'SQ010_0010'"), ("name_is",)),
    Case("link-without-type", "10.15", _find("Task", [["entity", "is", {"id": 3}]]), tf.SchemaError,
         ("entity", "{'id': 3}"), ("'type'",)),
    Case("link-with-text-id", "10.15", _find("Task", [["entity", "is", {"type": "Shot", "id": "3"}]]),
         tf.SchemaError, ("entity", "'3'"), ("whole-number id",)),
    Case("ids-without-type", "10.15",
         _find("Task", [["entity", "in", pd.Series([1, 2], name="entity_ids")]]), tf.SchemaError,
         ("entity", "entity_ids"), ("df[['id']]",)),
    Case("words-for-date", "10.15", _find("Task", [["due_date", "is", "next friday"]]), tf.SchemaError,
         ("due_date", "next friday"), ("YYYY-MM-DD",)),
    Case("words-for-date-time", "10.15", _find("Task", [["updated_at", "greater_than", "yesterday"]]),
         tf.SchemaError, ("updated_at", "yesterday"), ("ISO 8601",)),
    Case("number-for-text", "10.15", _find("Shot", [["code", "is", 10]]), tf.SchemaError,
         ("code", "10"), ("'10'",)),
    Case("status-typo", "10.15", _find("Task", [["sg_status_list", "in", ["ip", "fnal"]]]), tf.SchemaError,
         ("sg_status_list", "fnal"), ("fin",)),
    Case("type-is-typo", "10.15", _find("Task", [["entity", "type_is", "Shto"]]), tf.SchemaError,
         ("entity", "Shto"), ("Shot",)),
    Case("in-last-words", "10.15", _find("Task", [["due_date", "in_last", ["two", "WEEK"]]]), tf.SchemaError,
         ("due_date", "in_last", "'two'"), ("[2, 'WEEK']",)),
    Case("multi-entity-path-in-fields", "10.15", _find("Task", fields=["task_assignees.HumanUser.login"]),
         tf.SchemaError, ("task_assignees.HumanUser.login", "multi-entity"), ("task_assignees",)),
    Case("multi-entity-path-in-order", "10.15",
         _find("Task", fields=["content"], order=["-task_assignees.HumanUser.login"]), tf.SchemaError,
         ("task_assignees.HumanUser.login", "multi-entity"), ("task_assignees",)),
    Case("multi-entity-path-in-find-one", "10.15",
         lambda c: c.site.find_one("Shot", fields=["assets.Asset.code"]), tf.SchemaError,
         ("assets.Asset.code", "multi-entity"), ("assets",)),
    # 16: ugly errors become one clear sentence
    Case("order-none", "10.16", _find("Task", order=[None]), TypeError, ("order", "None"), ("'-due_date'",)),
    Case("order-number", "10.16", _find("Task", order=5), TypeError, ("order", "5")),
    Case("huge-int-value", "10.16", _find("Shot", [["sg_cut_in", "greater_than", 10**30]]), tf.SchemaError,
         ("sg_cut_in", str(10**30), "64 bits")),
    Case("huge-int-in-list", "10.16", _find("Shot", [["id", "in", [1, 10**30]]]), tf.SchemaError,
         ("id", str(10**30))),
    Case("huge-link-id", "10.16", _find("Shot", [["project", "is", {"type": "Project", "id": 10**30}]]),
         tf.SchemaError, ("project", str(10**30))),
    Case("nested-200-deep", "10.16", _find("Task", _nested(200)), tf.SchemaError,
         ("filters", str(MAX_DEPTH))),
    Case("limit-text", "10.16", _find("Shot", limit="5"), TypeError, ("limit", "'5'")),
    Case("limit-negative", "10.16", _find("Shot", limit=-1), ValueError, ("limit", "-1")),
    Case("limit-float", "10.16", _find("Shot", limit=2.5), TypeError, ("limit", "2.5")),
    Case("fields-number", "10.16", _find("Shot", fields=5), TypeError, ("fields", "5")),
    Case("fields-with-none", "10.16", _find("Shot", fields=["code", None]), TypeError, ("fields", "None")),
    Case("entity-number", "10.16", lambda c: c.site.find(5), TypeError, ("entity", "5")),
    Case("flag-text", "10.16", _find("Shot", include_archived_projects="yes"), TypeError,
         ("include_archived_projects", "'yes'")),
    Case("filters-set", "10.16", _find("Shot", {"code"}), tf.SchemaError, ("Filters", "set")),
    Case("condition-too-long", "10.16", _find("Shot", [["code", "is", "a", "b"]]), tf.SchemaError,
         ("code", "too many values")),
    # shortcuts (issue 9, item 18): bad arguments refused before sending too
    Case("tz-typo", "9.18", _find("Shot", tz="Europe/Pariss"), ValueError, ("tz", "Europe/Pariss"),
         ("Europe/Paris",)),
    Case("tz-lower-case", "9.18", _find("Shot", tz="europe/paris"), ValueError, ("tz", "europe/paris"),
         ("Europe/Paris",)),
    Case("tz-city", "9.18", _find("Shot", tz="Paris"), ValueError, ("tz", "Paris"), ("Europe/Paris",)),
    Case("tz-number", "9.18", _find("Shot", tz=1), TypeError, ("tz", "1")),
    Case("project-bool", "9.18", _find("Shot", project=True), TypeError, ("project", "True")),
    Case("project-on-people", "9.18", _find("HumanUser", project="Copper Sky"), tf.SchemaError,
         ("HumanUser", "project"), ("projects",)),
    Case("search-number", "9.18", lambda c: c.site.search(10), TypeError, ("search", "10")),
    Case("search-empty", "9.18", lambda c: c.site.search("  "), ValueError, ("search",), ("'sh010'",)),
    Case("search-type-typo", "9.18", lambda c: c.site.search("sh010", ["Shto"]), tf.SchemaError,
         ("Shto",), ("Shot",)),
    Case("search-limit", "9.18", lambda c: c.site.search("sh010", limit="all"), TypeError, ("limit", "'all'")),
]

#: ``connect`` options (timeout, proxies, verify, page_size ...): rows added by the owners of connect.
CONNECT_CASES: list[Case] = []

#: ``export``/``sync`` arguments and dataset paths (overlap, corrupt metadata ...): rows added by their owners.
EXPORT_CASES: list[Case] = []

CASES = QUERY_CASES + CONNECT_CASES + EXPORT_CASES


@pytest.fixture(scope="module")
def warm(sb: Any) -> tf.Site:
    """A site whose schema cache is full, so that a call sends nothing but the query itself."""
    site = sb.connect(progress=False)
    for entity in site.entity_types():
        site.field_specs(entity)
    yield site
    site.close()


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_argument_is_refused_before_sending(case: Case, warm: tf.Site, sb: Any, tmp_path: Path):
    before = sb.stats.requests
    with pytest.raises(case.error) as info:
        case.call(Ctx(warm, sb, tmp_path))
    assert sb.stats.requests == before, "a request reached the server for a refused argument"
    message = str(info.value)
    for word in case.names:
        assert word in message, f"the message does not name {word!r}: {message}"
    offered = message + " " + " ".join(getattr(info.value, "suggestions", []) or [])
    for word in case.suggests:
        assert word in offered, f"the message does not offer {word!r}: {message}"
    assert "\n" not in message and len(message) < 500, f"not one clear sentence: {message}"
    assert not isinstance(info.value, RecursionError)
