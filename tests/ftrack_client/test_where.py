"""``where=``: a clause of ftrack's own query language, checked by the server's parse_query, ANDed with filters."""

from __future__ import annotations

import pytest

import trackframes as tf
from trackframes.exceptions import SchemaError

from ..sandbox_ftrack.production import uid


def test_a_native_clause_selects_what_the_same_filters_select(site):
    native = site.find("Task", fields=["name"], where='status.name is "In progress" or bid is none')
    neutral = site.find("Task", {"logical_operator": "or", "conditions": [["status.name", "is", "In progress"],
                                                                         ["bid", "is", None]]}, ["name"])
    assert sorted(native["id"]) == sorted(neutral["id"]) and len(native) == 3
    both = site.count("Task", [["parent.name", "is", "sh010"]], where="timelogs any (duration > 4000)")
    assert both == 1
    found = site.find("Task", fields=["name"], where="timelogs any (duration > 4000)", order=["name"])
    assert sorted(found["id"]) == sorted([uid("task", "sh010/anim"), uid("task", "sh020/anim")])


@pytest.mark.parametrize("clause, message", [
    ('status.nmae is "x"', 'Status has no attribute "nmae"; did you mean name?'),
    ('name is "x") limit 1 offset (0', "unbalanced parentheses"),
    ('name is "x', "unbalanced parentheses or quotes"),
])
def test_a_bad_clause_is_refused_before_any_page_is_asked_for(server, site, clause, message):
    before = server.stats.queries
    with pytest.raises(SchemaError) as caught:
        site.find("Task", fields=["name"], where=clause)
    assert message in str(caught.value)
    assert server.stats.queries == before


def test_a_backend_without_a_query_language_refuses_where():
    with tf.sandbox.serve(scale=0.01, seed=0) as sb:
        with pytest.raises(TypeError, match="takes no where= clause"):
            sb.connect(progress=False).find("Project", where="name is x")
