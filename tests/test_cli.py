"""The command line: `trackframes demo` and `trackframes sandbox`, and how every command fails."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

import pyarrow.parquet as pq
import requests

from trackframes.cli import main
from trackframes.schedule import TASK_COLUMNS, TIMELOG_COLUMNS


def test_demo_writes_typed_parquet_and_prints_an_overview(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--scale", "0.03", "--seed", "2", "-o", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    stems = ["tasks", "time_logs", "shots", "versions"]  # the canonical frames, then the backend's extras
    for stem in stems:
        assert any(line.startswith(stem + " ") and " rows " in line for line in printed.splitlines()), stem
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
    assert set(TASK_COLUMNS) <= set(tasks.column_names)  # the canonical frame, as on every backend
    assert str(tasks.schema.field("due_date").type) == "timestamp[ms]"
    assert str(tasks.schema.field("entity.id").type) == "int64"
    assert "struct<id: int64, type: string, name: string>" in str(tasks.schema.field("assignees").type)
    assert b"trackframes" in tasks.schema.metadata  # with its provenance
    logs = pq.read_table(out / "time_logs.parquet")
    assert set(TIMELOG_COLUMNS) <= set(logs.column_names) and logs.num_rows > 0
    for name in ("shots", "versions"):
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


# -- failures: one line, non-zero exit, never a traceback (the real commands, as subprocesses) ------------

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKFRAMES_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def trackframes(*argv: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """``trackframes ARGV...`` in a new process (the module the console script runs)."""
    return subprocess.run([sys.executable, "-m", "trackframes.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, env=_env(**env), cwd=ROOT)


def assert_one_line_failure(done: subprocess.CompletedProcess, command: str, *words: str, status: int = 1) -> str:
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"trackframes {command}: "), done.stderr
    for word in words:
        assert word in last, last
    return last


@contextlib.contextmanager
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 that something else is listening on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("argv, words", [
    (["demo", "--scale", "0"], ["--scale", "above 0", "'0'"]),
    (["demo", "--scale", "-1"], ["--scale", "above 0"]),
    (["demo", "--scale", "nan"], ["--scale", "above 0"]),
    (["demo", "--seed", "x"], ["--seed", "invalid int value"]),
    (["sandbox", "--port", "70000"], ["--port", "0 to 65535"]),
    (["sandbox", "--scale", "0"], ["--scale", "above 0"]),
    (["export", "-e", "Task", "-o", "x", "--sandbox", "--sandbox-scale", "0"], ["--sandbox-scale", "above 0"]),
    (["demoo"], ["invalid choice", "'demo'"]),
])
def test_bad_arguments_end_with_one_error_line_and_status_2(argv, words):
    done = trackframes(*argv)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"trackframes {argv[0]}: error: ") or last.startswith("trackframes: error: "), last
    for word in words:
        assert word in last


def test_demo_into_an_existing_file_fails_in_one_line_and_leaves_the_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    last = assert_one_line_failure(trackframes("demo", "--scale", "0.02", "-o", str(target)), "demo",
                                   str(target), "is a file", "-o")
    assert "folder" in last
    assert target.read_text() == "keep me"


def test_demo_under_a_file_fails_in_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    assert_one_line_failure(trackframes("demo", "--scale", "0.02", "-o", str(tmp_path / "file" / "out")), "demo",
                            str(tmp_path / "file"))


def test_sandbox_on_a_port_in_use_names_the_port_and_suggests_another():
    with listening() as port:
        done = trackframes("sandbox", "--port", str(port), timeout=60)
    last = assert_one_line_failure(done, "sandbox", f"port {port}", "already in use", "--port ")
    suggested = int(last.split("--port ")[1].split(",")[0])
    assert suggested != port and 0 < suggested < 65536


def test_sandbox_with_an_unknown_backend_fails_in_one_line():
    assert_one_line_failure(trackframes("sandbox", "--backend", "ftrack", "--port", "0"), "sandbox",
                            "'ftrack'", "not available yet", "shotgrid")


def test_export_sandbox_on_a_port_in_use_names_it(tmp_path):
    with listening() as port:
        done = trackframes("export", "--sandbox", "--sandbox-scale", "0.02", "--sandbox-port", str(port),
                           "-e", "Shot", "-o", str(tmp_path / "shots"))
    assert_one_line_failure(done, "export", f"port {port}", "already in use", "--sandbox-port")
    assert not (tmp_path / "shots").exists()


def test_export_and_sync_with_sandbox_while_trackframes_sandbox_runs_on_8765(tmp_path):
    # `trackframes sandbox` holds its default port; the embedded sandbox of export/sync must not collide
    server = None
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", 8765))
            free = True
        except OSError:
            free = False  # taken already (another sandbox): the same situation
    if free:
        server = subprocess.Popen([sys.executable, "-m", "trackframes.cli", "sandbox", "--scale", "0.02"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=ROOT)
    try:
        if server is not None:
            _wait_for_port(8765, server)
        out = tmp_path / "shots"
        common = ["--sandbox", "--sandbox-scale", "0.02", "--sandbox-seed", "3"]
        done = trackframes("export", "-e", "Shot", "-f", "code", "-o", str(out), *common)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("exported") and "Traceback" not in done.stderr
        meta = json.loads((out / "_trackframes.json").read_text())
        assert meta["site"].startswith("http://127.0.0.1:") and not meta["site"].endswith(":8765")
        done = trackframes("sync", str(out), *common)  # reuses the dataset's port: the site matches
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("synced")
    finally:
        if server is not None:
            server.terminate()
            server.communicate(timeout=30)


def _wait_for_port(port: int, proc: subprocess.Popen) -> None:
    for _ in range(600):  # a safety bound, not a timing assertion
        if proc.poll() is not None:
            raise AssertionError(f"trackframes sandbox exited: {proc.communicate()[0]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def test_demo_without_matplotlib_writes_the_tables_and_exits_0(tmp_path):
    out = tmp_path / "demo"
    code = ("import sys; sys.modules['matplotlib'] = None  # as if matplotlib could not be imported\n"
            "from trackframes.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "demo", "--scale", "0.03", "--seed", "2", "-q",
                           "-o", str(out)], capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    skipped = [line for line in done.stdout.splitlines() if "skipped" in line]
    assert len(skipped) == 1
    assert "gantt.png" in skipped[0] and "utilization.png" in skipped[0] and "pip install matplotlib" in skipped[0]
    assert not (out / "gantt.png").exists() and not (out / "utilization.png").exists()
    assert (out / "summary.csv").stat().st_size > 0
    for name in ("tasks", "shots", "versions", "time_logs"):
        assert pq.read_metadata(out / f"{name}.parquet").num_rows > 0


def test_unexpected_errors_are_one_line_unless_debugging(capsys, monkeypatch):
    from trackframes.cli_support import report_failure

    monkeypatch.delenv("TRACKFRAMES_DEBUG", raising=False)
    assert report_failure("demo", KeyError("boom")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("trackframes demo: unexpected KeyError: ")
    assert "--debug" in err and "TRACKFRAMES_DEBUG=1" in err
    assert report_failure("demo", OSError(13, "Permission denied", "/srv/x")) == 1
    assert capsys.readouterr().err == "trackframes demo: /srv/x: Permission denied\n"
    monkeypatch.setenv("TRACKFRAMES_DEBUG", "1")
    with pytest.raises(KeyError):
        report_failure("demo", KeyError("boom"))


def test_debug_shows_the_traceback(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    done = trackframes("--debug", "demo", "-o", str(target / "sub"))
    assert done.returncode != 0 and "Traceback" in done.stderr
