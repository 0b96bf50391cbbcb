"""A sandbox, and a real TLS front for it on 127.0.0.1 with a private certificate authority."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

import pytest

import trackframes as tf
from tests.faults.proxy import FaultProxy

from .certs import Authority, make_authority


@pytest.fixture(scope="module")
def upstream() -> Iterator[Any]:
    with tf.sandbox.serve(scale=0.02, seed=5, today=date(2026, 3, 2)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Any]:
    """``ca`` signs the site's certificate; ``other`` is an unrelated CA (as in a corporate bundle)."""
    folder = tmp_path_factory.mktemp("pki")
    return {"folder": folder, "ca": make_authority(folder, "ca"), "other": make_authority(folder, "other")}


@pytest.fixture
def https_site(upstream, pki) -> Iterator[FaultProxy]:
    """``https://127.0.0.1:<port>`` in front of the sandbox, with a certificate from ``pki["ca"]``."""
    ca: Authority = pki["ca"]
    with FaultProxy(upstream.url, tls=ca.server_context(pki["folder"])) as front:
        yield front


@pytest.fixture
def no_ca_env(monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "TRACKFRAMES_VERIFY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch
