"""The README's Python blocks run as written against the sandbox they start (the real-site block aside)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import trackframes as tf

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, re.MULTILINE | re.DOTALL)


def test_readme_quickstart_runs_on_the_sandbox_and_finds_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the export line writes out/versions
    sandbox_blocks = [b for b in BLOCKS if "yourstudio" not in b]
    assert "tf.sandbox.serve(" in sandbox_blocks[0]
    namespace: dict = {}
    try:
        for block in sandbox_blocks:
            exec(compile(block, "README.md", "exec"), namespace)
        tasks = namespace["tasks"]
        site = namespace["site"]
        project = re.search(r'"project\.Project\.name", "is", "([^"]+)"', sandbox_blocks[0]).group(1)
        assert project in set(site.find("Project", fields=["name"])["name"])
        assert len(tasks) > 0 and set(tasks["content"].notna()) == {True}
        # the dtypes the README's comment names
        assert str(tasks["due_date"].dtype) == "datetime64[ms]"
        assert str(tasks["entity.id"].dtype) == "Int64"
        assert str(tasks["task_assignees"].dtype).startswith("list<item: struct<")
        assert len(tf.read_parquet("out/versions")) == site.count("Version")
    finally:
        if "sb" in namespace:
            namespace["sb"].close()


def test_readme_real_site_block_names_a_connect_call_and_says_what_works_today():
    real = [b for b in BLOCKS if "yourstudio" in b]
    assert len(real) == 1 and "tf.connect(" in real[0]
    assert "Works today" in README or "What works today" in README
    for backend in ("ftrack", "kitsu"):
        with pytest.raises(NotImplementedError, match="not available yet"):
            tf.connect("https://studio.example.com", backend=backend, auth=tf.BearerToken("t"))
    assert "not available yet" in README
