"""``trackframes demo --backend ftrack`` and ``trackframes sandbox --backend ftrack``."""

from __future__ import annotations

import io
import threading
import time

import pyarrow.parquet as pq

import trackframes as tf
from trackframes.cli import main
from trackframes.sandbox.launcher import serve_forever


def test_the_demo_runs_over_the_ftrack_sandbox(tmp_path, capsys):
    assert main(["demo", "--backend", "ftrack", "--scale", "0.05", "-q", "-o", str(tmp_path / "out")]) == 0
    tasks = pq.read_table(tmp_path / "out" / "tasks.parquet")
    assert tasks.num_rows > 100 and str(tasks.schema.field("id").type) in ("string", "large_string")  # UUID text
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"tasks.parquet", "time_logs.parquet", "shots.parquet",
                                                              "versions.parquet", "summary.csv"}
    assert "Late sequences" in capsys.readouterr().out


def test_the_sandbox_command_prints_how_to_connect_with_an_api_key():
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve_forever, args=("ftrack",), daemon=True,
                              kwargs={"scale": 0.01, "port": 0, "out": out, "stop": stop})
    thread.start()
    try:
        for _ in range(600):  # safety limit: about a minute for the server to start
            if "Press Ctrl-C" in out.getvalue():
                break
            time.sleep(0.1)
        text = out.getvalue()
        assert 'backend="ftrack"' in text and "tf.ApiKey(" in text
        url = text.split("serving at ")[1].split()[0]
        user, key = text.split("API user: ")[1].split(" / API key ")
        site = tf.connect(url, backend="ftrack", auth=tf.ApiKey(user, key.split()[0]), progress=False)
        assert site.count("Project") >= 2
    finally:
        stop.set()
        thread.join(10)
