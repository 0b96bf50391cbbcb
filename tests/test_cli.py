"""The command line: `trackframes demo` and `trackframes sandbox`."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import requests

from trackframes.cli import main
from trackframes.demo import DEMO_QUERIES


def test_demo_writes_typed_parquet_and_prints_an_overview(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--scale", "0.03", "--seed", "2", "-o", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    for entity in DEMO_QUERIES:
        assert entity in printed
    assert "Tasks by status" in printed and "Late tasks" in printed
    for question in ("Late sequences", "Over-booked users", "Bid vs actual"):
        assert question in printed
    for name in ("gantt.png", "utilization.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) > 0
    tasks = pq.read_table(out / "tasks.parquet")
    assert tasks.num_rows > 0
    assert str(tasks.schema.field("due_date").type) == "date32[day]"
    assert str(tasks.schema.field("entity.id").type) == "int64"
    assert "struct<id: int64, type: string, name: string>" in str(tasks.schema.field("task_assignees").type)
    for name in ("shots", "versions", "time_logs"):
        assert pq.read_metadata(out / f"{name}.parquet").num_rows > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sandbox_command_answers_spec_shaped_requests(tmp_path):
    port = _free_port()
    key = "cli-test-key"
    proc = subprocess.Popen([sys.executable, "-m", "trackframes.cli", "sandbox", "--port", str(port),
                             "--scale", "0.02", "--script-key", key],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/v1.1"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert requests.get(base + "/").json()["data"]["api_version"] == "v1.1"
        token = requests.post(base + "/auth/access_token", data={
            "client_id": "trackframes_sandbox", "client_secret": key, "grant_type": "client_credentials"},
            headers={"Accept": "application/json"}).json()
        assert token["token_type"] == "Bearer"
        auth = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
        shots = requests.get(base + "/entity/shots", params={"fields": "code", "page[size]": 5}, headers=auth).json()
        assert len(shots["data"]) == 5 and "next" in shots["links"]
        array = requests.post(base + "/entity/tasks/_search", json={"filters": [["sg_status_list", "is", "ip"]]},
                              headers={**auth, "Content-Type": "application/vnd+shotgun.api3_array+json"}).json()
        hashed = requests.post(base + "/entity/tasks/_search", json={"filters": {
            "logical_operator": "and", "conditions": [["sg_status_list", "is", "ip"]]}},
            headers={**auth, "Content-Type": "application/vnd+shotgun.api3_hash+json"}).json()
        assert [r["id"] for r in array["data"]] == [r["id"] for r in hashed["data"]]
        summary = requests.post(base + "/entity/tasks/_summarize", json={
            "summary_fields": [{"field": "id", "type": "count"}],
            "grouping": [{"field": "sg_status_list", "type": "exact", "direction": "asc"}]},
            headers={**auth, "Content-Type": "application/json"}).json()
        assert summary["data"]["summaries"]["id"] == sum(g["summaries"]["id"] for g in summary["data"]["groups"])
        rules = requests.get(base + "/schedule/work_day_rules", params={
            "start_date": "2026-01-01", "end_date": "2026-01-07"}, headers=auth).json()
        assert [r["date"] for r in rules["data"]][0] == "2026-01-01" and len(rules["data"]) == 7
        schema = requests.get(base + "/schema/task/fields", headers=auth).json()
        assert schema["data"]["due_date"]["data_type"]["value"] == "date"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"127.0.0.1:{port}" in out
