"""``trackframes export`` and ``trackframes sync``: environment credentials, --sandbox, quiet, failures."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
from typing import Any, Sequence

import pandas as pd
import pytest

import trackframes as tf
from tests.io.conftest import now_iso
from trackframes.export_cli import add_export_parsers, parse_filter
from trackframes.io import read_metadata, read_parquet


def _wired_into_main() -> bool:
    from trackframes import cli

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            cli.build_parser().parse_args(["sync", "somewhere"])
    except SystemExit:
        return False
    return True


def run(argv: Sequence[str]) -> int:
    """Run a command line through ``trackframes.cli.main`` once it has the commands, else a parser of our own."""
    if _wired_into_main():
        from trackframes.cli import main

        return main(list(argv))
    parser = argparse.ArgumentParser(prog="trackframes")
    add_export_parsers(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A clean TRACKFRAMES_* environment; returns a function that points it at a sandbox."""
    for name in list(os.environ):
        if name.startswith("TRACKFRAMES_"):
            monkeypatch.delenv(name)

    def point_at(sandbox: Any) -> None:
        monkeypatch.setenv("TRACKFRAMES_URL", sandbox.url)
        monkeypatch.setenv("TRACKFRAMES_SCRIPT_NAME", sandbox.credentials["script_name"])
        monkeypatch.setenv("TRACKFRAMES_SCRIPT_KEY", sandbox.credentials["script_key"])

    return point_at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_export_then_sync_with_environment_credentials(fresh, env, tmp_path, capsys):
    env(fresh)
    out = tmp_path / "tasks"
    code = run(["export", "--entity", "Task", "--fields", "content,sg_status_list", "--fields", "due_date",
                "--filter", "sg_status_list is_not omt", "--filter", '["duration", "greater_than", 0]',
                "-p", "project.name", "-o", str(out), "--quiet"])
    assert code == 0
    assert capsys.readouterr() == ("", "")  # quiet: nothing at all, as cron wants
    filters = [["sg_status_list", "is_not", "omt"], ["duration", "greater_than", 0]]
    fields = ["content", "sg_status_list", "due_date", "project"]
    with fresh.connect(progress=False) as site:
        pd.testing.assert_frame_equal(read_parquet(out), site.find("Task", filters, fields))
        rid = int(read_parquet(out)["id"].iloc[0])
        fresh.store.update("Task", rid, {"sg_status_list": "omt", "updated_at": now_iso()})
        assert run(["sync", str(out), "--quiet"]) == 0
        pd.testing.assert_frame_equal(read_parquet(out), site.find("Task", filters, fields))
    assert rid not in set(read_parquet(out)["id"])
    assert capsys.readouterr() == ("", "")


def test_without_quiet_a_summary_is_printed(sb, env, tmp_path, capsys):
    env(sb)
    out = tmp_path / "shots"
    assert run(["export", "-e", "Shot", "-f", "code", "-o", str(out)]) == 0
    n = len(read_parquet(out))
    printed = capsys.readouterr()
    assert printed.out.startswith("exported") and f"{n:,d} Shot rows" in printed.out
    assert printed.err == ""  # not a terminal: no progress bars
    assert run(["sync", str(out)]) == 0
    assert capsys.readouterr().out.startswith("synced")


def test_sandbox_option_exports_and_syncs_on_a_stable_port(env, tmp_path, capsys):
    port = free_port()
    out = tmp_path / "versions"
    common = ["--sandbox", "--sandbox-scale", "0.02", "--sandbox-seed", "4", "--sandbox-port", str(port), "-q"]
    assert run(["export", "-e", "Version", "-f", "code,sg_status_list", "-o", str(out)] + common) == 0
    assert read_metadata(out)["site"] == f"http://127.0.0.1:{port}"
    rows = len(read_parquet(out))
    assert run(["sync", str(out)] + common) == 0
    assert len(read_parquet(out)) == rows > 0
    with tf.sandbox.serve(scale=0.02, seed=4) as sb:  # the same generated production
        with sb.connect(progress=False) as site:
            assert rows == len(site.find("Version", fields=["code"]))


@pytest.mark.parametrize("argv, message", [
    (["sync", "{tmp}/nothing-here"], "does not exist"),
    (["export", "-e", "Tsk", "-o", "{tmp}/x"], "Did you mean 'Task'"),
    (["export", "-e", "Task", "--filter", "sg_status_list is", "-o", "{tmp}/x"], "FIELD RELATION VALUE"),
    (["export", "-e", "Task", "-p", "updated_at", "-o", "{tmp}/x"], "by a period"),
])
def test_failures_exit_non_zero_with_a_clear_message(sb, env, tmp_path, capsys, argv, message):
    env(sb)
    code = run([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"trackframes {argv[0]}: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_sync_against_another_site_fails_and_keeps_the_dataset(sb, fresh, env, tmp_path, capsys):
    env(fresh)
    out = tmp_path / "tasks"
    assert run(["export", "-e", "Task", "-f", "content", "-o", str(out), "-q"]) == 0
    before = read_parquet(out)
    env(sb)
    assert run(["sync", str(out), "-q"]) == 1
    assert "was exported from shotgrid site" in capsys.readouterr().err
    pd.testing.assert_frame_equal(read_parquet(out), before)


def test_missing_credentials_fail_clearly(env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TRACKFRAMES_URL", "http://127.0.0.1:9")
    assert run(["export", "-e", "Task", "-o", str(tmp_path / "x")]) == 1
    assert "No credentials" in capsys.readouterr().err


@pytest.mark.parametrize("text, condition", [
    ("sg_status_list is ip", ["sg_status_list", "is", "ip"]),
    ("duration greater_than 100", ["duration", "greater_than", 100]),
    ('sg_status_list in ["ip", "rev"]', ["sg_status_list", "in", ["ip", "rev"]]),
    ("due_date is null", ["due_date", "is", None]),
    ("content contains two words", ["content", "contains", "two words"]),
    ('["code", "is", "sh010"]', ["code", "is", "sh010"]),
    ('{"logical_operator": "or", "conditions": [["id", "is", 1]]}',
     {"logical_operator": "or", "conditions": [["id", "is", 1]]}),
])
def test_filter_syntax(text, condition):
    assert parse_filter(text) == condition


@pytest.mark.parametrize("text", ["code is", "[broken", "justoneword"])
def test_bad_filters_are_refused(text):
    with pytest.raises(ValueError):
        parse_filter(text)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_shows_on_a_terminal_only_without_quiet(sb, env, tmp_path, monkeypatch, quiet):
    env(sb)
    monkeypatch.setenv("TRACKFRAMES_PAGE_SIZE", "50")  # several pages: the progress bar appears
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    argv = ["export", "-e", "Task", "-f", "content", "-o", str(tmp_path / "t")] + (["-q"] if quiet else [])
    assert run(argv) == 0
    shown = terminal.getvalue()
    if quiet:
        assert shown == ""
    else:
        assert "Task" in shown and " rec" in shown
