"""A backend without the SUMMARIZE capability: ``site.summarize`` computes the same frame locally.

The backend here is an honest stand-in: it delegates every call to the real ShotGrid backend but
does not declare SUMMARIZE (and has no ``summarize`` method), so the Site must fetch the fields
and summarize them with the local engine. Its frames must equal the server's, summary type by
summary type and grouping type by grouping type.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import trackframes as tf
from trackframes.backends.base import Capability
from trackframes.site import Site


class WithoutSummaries:
    """The real backend minus one capability (and minus the methods behind it)."""

    def __init__(self, inner: Any, hidden: Capability) -> None:
        self._inner = inner
        self.capabilities = frozenset(inner.capabilities) - {hidden}
        self.requests: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name == "summarize":
            raise AttributeError(name)
        return getattr(self._inner, name)


@pytest.fixture(scope="module")
def local_site(sb: Any) -> Any:
    inner = sb.connect(progress=False)
    site = Site(WithoutSummaries(inner.backend, Capability.SUMMARIZE), url=inner.url, progress=False,
                today=inner.today)  # clustered_date groups are relative to the sandbox's today
    yield site
    inner.close()


CASES = [
    ("Task", {"id": "count", "est_in_mins": "sum"}, ["step"]),
    ("Task", [("est_in_mins", "average"), ("est_in_mins", "maximum"), ("est_in_mins", "minimum")],
     [("due_date", "month", "desc")]),
    ("Task", {"due_date": "earliest", "start_date": "latest"}, ["sg_status_list"]),
    ("Task", [("sg_status_list", "status_list"), ("sg_status_list", "status_percentage", "fin")],
     [("entity", "entitytype")]),
    ("Task", {"id": "record_count"}, [("content", "firstletter"), ("est_in_mins", "hundreds")]),
    ("Task", {"duration": "sum"}, [("start_date", "week"), ("start_date", "quarter")]),
    ("Task", {"id": "count"}, [("due_date", "clustered_date")]),
    ("Shot", {"id": "count"}, ["sg_sequence", "sg_status_list"]),
    ("TimeLog", {"duration": "sum"}, [("date", "year"), "user"]),
]


@pytest.mark.parametrize("entity, summaries, grouping", CASES)
def test_local_summaries_equal_the_servers(site, local_site, entity, summaries, grouping):
    assert Capability.SUMMARIZE not in local_site.capabilities
    remote = site.summarize(entity, summaries, grouping=grouping)
    local = local_site.summarize(entity, summaries, grouping=grouping)
    pd.testing.assert_frame_equal(local, remote)
    assert local.attrs["total"] == remote.attrs["total"]


def test_local_summaries_honour_filters_and_archived_projects(site, local_site):
    filters = [["sg_status_list", "is_not", "omt"]]
    for archived in (False, True):
        remote = site.summarize("Task", {"id": "count"}, filters, ["project"], include_archived_projects=archived)
        local = local_site.summarize("Task", {"id": "count"}, filters, ["project"],
                                     include_archived_projects=archived)
        pd.testing.assert_frame_equal(local, remote)


def test_a_missing_capability_is_a_clear_error_naming_backend_and_capability(site, sb):
    inner = sb.connect(progress=False)
    try:
        bare = Site(WithoutSummaries(inner.backend, Capability.TEXT_SEARCH), url=inner.url, progress=False)
        with pytest.raises(tf.CapabilityError) as info:
            bare.search("sh010")
        assert info.value.backend == "shotgrid" and info.value.capability == "text_search"
        assert "shotgrid backend cannot search text" in str(info.value)
        assert isinstance(info.value, NotImplementedError)
    finally:
        inner.close()
