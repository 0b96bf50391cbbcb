"""Editors complete on what the reading API returns: return annotations and the py.typed marker."""

from __future__ import annotations

import inspect
import tomllib
import typing
from pathlib import Path

import pandas as pd
import pyarrow as pa

import trackframes as tf
from trackframes import summaries

ROOT = Path(__file__).resolve().parents[2]

FRAME_METHODS = ("find", "afind", "summarize", "asummarize", "entities", "schema", "work_day_rules", "tasks",
                 "timelogs", "projects", "people", "search")


def test_methods_that_return_frames_say_so():
    for name in FRAME_METHODS:
        assert typing.get_type_hints(getattr(tf.Site, name))["return"] is pd.DataFrame, name
    assert typing.get_type_hints(tf.Site.find_one)["return"] == (pd.Series | None)
    assert typing.get_type_hints(tf.Site.find_arrow)["return"] is pa.Table
    assert typing.get_type_hints(tf.Site.count)["return"] is int
    assert typing.get_type_hints(tf.Site.export)["return"] is tf.ExportResult


def test_no_public_site_method_returns_any():
    for name, fn in inspect.getmembers(tf.Site, inspect.isfunction):
        if not name.startswith("_"):
            assert typing.get_type_hints(fn).get("return") is not typing.Any, name


def test_module_level_frame_functions_are_annotated():
    namespace = {"pd": pd}
    for fn in (summaries.summarize, summaries.entities_frame, summaries.schema_frame):
        assert typing.get_type_hints(fn, globalns={**vars(summaries), **namespace})["return"] is pd.DataFrame


def test_py_typed_marker_ships_with_the_package():
    package = Path(tf.__file__).parent
    assert (package / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["trackframes"]
