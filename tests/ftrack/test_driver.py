"""The ftrack_api harness: scripts/ftrack-venv.sh builds the isolated client venv and
tests/ftrack/driver.py drives the real client, proven against a tiny fake server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from . import driver
from .fake_minimal import API_KEY, API_USER, PROJECTS, FakeFtrack

ROOT = Path(__file__).resolve().parents[2]
VENV_SCRIPT = ROOT / "scripts" / "ftrack-venv.sh"
DRIVER = Path(driver.__file__).resolve()
PINNED = "3.1.0"


def build_venv() -> str:
    proc = subprocess.run(["bash", str(VENV_SCRIPT)], capture_output=True, text=True,
                          timeout=900)  # safety limit: a cold build downloads ~20 packages
    assert proc.returncode == 0, f"scripts/ftrack-venv.sh failed:\n{proc.stderr[-4000:]}"
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, f"stdout must be the python path only, got {proc.stdout!r}"
    return lines[0]


@pytest.fixture(scope="module")
def venv_python() -> str:
    return build_venv()


def drive(python: str, job: dict[str, Any]) -> tuple[dict[str, Any], subprocess.CompletedProcess]:
    proc = subprocess.run([python, str(DRIVER)], input=json.dumps(job), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"driver exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout), proc


def job_for(fake: FakeFtrack, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"server_url": fake.url, "api_user": API_USER, "api_key": API_KEY, "steps": steps, **extra}


def queries_sent(batches: list[Any]) -> list[str]:
    return [op["expression"] for batch in batches for op in batch if op.get("action") == "query"]


# ---------------------------------------------------------------- the venv script


def test_venv_script_is_idempotent_and_isolates_the_pinned_client(venv_python):
    assert os.access(venv_python, os.X_OK)
    # a second run reuses the venv and prints the same path
    assert build_venv() == venv_python
    probe = ("import sys, ftrack_api, arrow, pyparsing; "
             "print(ftrack_api.__version__, arrow.__version__, pyparsing.__version__, sys.prefix)")
    out = subprocess.run([venv_python, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    ftrack_version, arrow_version, pyparsing_version, prefix = out.stdout.split()
    assert Path(prefix).resolve() != Path(sys.prefix).resolve()  # a venv of its own
    assert ftrack_version == PINNED
    # the client's old pins live only in its venv
    assert int(arrow_version.split(".")[0]) < 1
    assert int(pyparsing_version.split(".")[0]) < 3


def _offline_pip_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Even if the script misbehaved, pip could find nothing to install here.
    empty = tmp_path / "no-wheels"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "TRACKFRAMES_FTRACK_API": "trackframes-no-such-package==0",
            "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": str(empty), **extra}


def test_venv_script_refuses_a_directory_that_is_not_a_venv(tmp_path):
    target = tmp_path / "not-a-venv"
    (target / "bin").mkdir(parents=True)
    (target / "bin" / "python").symlink_to(sys.executable)  # a base interpreter, not a venv
    (target / "keep.txt").write_text("user data")
    before = sorted(p.name for p in target.rglob("*"))
    proc = subprocess.run(["bash", str(VENV_SCRIPT)], capture_output=True, text=True, timeout=120,
                          env=_offline_pip_env(tmp_path, TRACKFRAMES_FTRACK_VENV=str(target)))
    assert proc.returncode != 0 and proc.stdout == ""
    assert "not a virtual environment" in proc.stderr and str(target) in proc.stderr
    assert "installing" not in proc.stderr
    assert sorted(p.name for p in target.rglob("*")) == before


def test_venv_script_never_runs_pip_with_an_interpreter_outside_the_venv(tmp_path):
    target = tmp_path / "venv-with-foreign-python"
    (target / "bin").mkdir(parents=True)
    (target / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    # a wrapper that execs the base interpreter: it runs with the base prefix, not this venv's
    wrapper = target / "bin" / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    proc = subprocess.run(["bash", str(VENV_SCRIPT)], capture_output=True, text=True, timeout=120,
                          env=_offline_pip_env(tmp_path, TRACKFRAMES_FTRACK_VENV=str(target),
                                               PYTHON="false"))  # and the venv cannot be remade
    assert proc.returncode != 0 and proc.stdout == ""
    assert "installing" not in proc.stderr


# ---------------------------------------------------------------- the driver against the fake


def test_session_constructs_and_a_query_pages_across_two_pages_of_one(venv_python):
    with FakeFtrack() as fake:
        report, proc = drive(venv_python, job_for(
            fake, [{"query": "select id, name from Project", "page_size": 1}], record_requests=True))
        received = fake.requests

    assert report["session"]["ok"], report["session"]
    assert report["session"]["version"] == PINNED
    assert {"Location", "Project"} <= set(report["session"]["types"])
    # construction: server information, then schemas (no cache), nothing else
    assert report["session"]["sent"] == [[{"action": "query_server_information"}],
                                         [{"action": "query_schemas"}]]

    step = report["steps"][0]
    assert step["ok"], step
    assert [(r["entity_type"], r["id"], r["name"]) for r in step["result"]] == [
        ("Project", p["id"], p["name"]) for p in PROJECTS]
    # two pages of one, following metadata.next.offset until it is null
    assert queries_sent(step["sent"]) == ["select id, name from Project offset 0 limit 1",
                                          "select id, name from Project offset 1 limit 1"]
    # what the server saw matches what the driver recorded, and every call carried the user
    assert [r["operations"] for r in received] == report["session"]["sent"] + step["sent"]
    assert all(r["headers"]["ftrack-user"] == API_USER for r in received)
    assert API_KEY not in proc.stdout + proc.stderr


def test_first_one_and_a_failing_step_are_reported_per_step(venv_python):
    steps = [
        {"query": "Project", "mode": "first"},                       # default projections
        {"query": "select id, name from Project", "mode": "one"},    # two match: an error
        {"query": "select name from Task"},                          # the fake refuses it
        {"query": "select id, full_name from Project", "page_size": 5},
    ]
    with FakeFtrack() as fake:
        report, _ = drive(venv_python, job_for(fake, steps, record_requests=True))

    first, one, refused, last = report["steps"]
    assert first["ok"] and first["result"]["name"] == PROJECTS[0]["name"]
    assert queries_sent(first["sent"]) == ["select id, name from Project limit 1"]
    assert not one["ok"] and one["error"]["type"] == "MultipleResultsFoundError"
    assert queries_sent(one["sent"]) == ["select id, name from Project limit 2"]
    assert not refused["ok"] and refused["error"]["type"] == "ServerError"
    assert "ParseError" in refused["error"]["message"]
    # a failed step does not stop the next one
    assert last["ok"] and [r["full_name"] for r in last["result"]] == [p["full_name"] for p in PROJECTS]


def test_get_attr_auto_population_and_call(venv_python):
    bravo = PROJECTS[1]
    steps = [
        {"get": ["Project", bravo["id"]]},
        {"attr": ["Project", bravo["id"], ["full_name", "name"]]},  # get is cached now
        {"get": ["Project", "no-such-project"]},
        {"call": [{"action": "query", "expression": "select id, name from Project limit 1"}]},
    ]
    with FakeFtrack() as fake:
        report, _ = drive(venv_python, job_for(fake, steps, record_requests=True))
    got, attr, missing, call = report["steps"]

    assert got["ok"] and (got["result"]["id"], got["result"]["name"]) == (bravo["id"], bravo["name"])
    assert "full_name" not in got["result"]  # not projected, not fetched
    assert queries_sent(got["sent"]) == [
        f'select id, name from Project where (id is "{bravo["id"]}") offset 0 limit 500']
    # reading an unprojected attribute fetches it with an unquoted id; "name" is already there
    assert attr["ok"] and attr["result"] == {"full_name": bravo["full_name"], "name": bravo["name"]}
    assert queries_sent(attr["sent"]) == [
        f'select full_name from Project where id is {bravo["id"]} offset 0 limit 500']
    assert missing["ok"] and missing["result"] is None
    # session.call returns the decoded batch: entities as dicts, metadata as sent
    assert call["ok"]
    (result,) = call["result"]
    assert [(e["entity_type"], e["name"]) for e in result["data"]] == [("Project", PROJECTS[0]["name"])]
    assert result["metadata"] == {"next": {"offset": 1}}


def test_a_wrong_key_is_a_session_error_that_never_echoes_the_key(venv_python):
    wrong = "wrong-key-Xv81"
    with FakeFtrack() as fake:
        report, proc = drive(venv_python, {**job_for(fake, [{"query": "Project"}]), "api_key": wrong})
    assert report["session"]["ok"] is False
    assert report["session"]["error"]["type"] == "ServerError"
    assert "InvalidCredentialsError" in report["session"]["error"]["message"]
    assert report["steps"] == []
    assert wrong not in proc.stdout + proc.stderr


# ---------------------------------------------------------------- job validation (no venv needed)


@pytest.mark.parametrize("job, words", [
    ({"server_url": "https://studio.ftrackapp.com", "api_user": "u", "api_key": "k"},
     ["studio.ftrackapp.com", "loopback", "127.0.0.1"]),
    ({"server_url": "http://127.0.0.1:1", "api_user": "u"}, ["api_key"]),
    ({"server_url": "http://127.0.0.1:1", "api_user": "u", "api_key": "k",
      "steps": [{"query": "Task", "get": ["Task", "1"]}]}, ["step 0", "query, get, attr, call"]),
    ([1, 2], ["JSON object"]),
])
def test_unusable_jobs_exit_2_naming_the_problem(job, words):
    out = io.StringIO()
    assert driver.main(io.StringIO(json.dumps(job)), out) == 2
    message = json.loads(out.getvalue())["job_error"]
    for word in words:
        assert word in message
