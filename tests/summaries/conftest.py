"""A shared ShotGrid sandbox for the summary and schema-frame tests."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

import pytest

import trackframes as tf

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="session")
def sb() -> Iterator[Any]:
    with tf.sandbox.serve(scale=0.03, seed=1, today=TODAY) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def site(sb: Any) -> Iterator[tf.Site]:
    with sb.connect(progress=False) as s:
        yield s
