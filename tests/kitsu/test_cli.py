"""``trackframes export`` against the real Zou: ``--backend kitsu``, signed in from TRACKFRAMES_* variables
(email and password, or a bot token), never showing the secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import trackframes as tf
from tests.kitsu.conftest import Zou

REPO = Path(__file__).resolve().parents[2]


def _trackframes(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import sys; from trackframes.cli import main; sys.exit(main())",
                           *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("how", ["password", "bot"])
def test_export_with_backend_kitsu(zou: Zou, tmp_path: Path, how: str) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKFRAMES_")}
    env["PYTHONPATH"] = str(REPO)
    secret = zou.password if how == "password" else zou.seed["bot"]["token"]
    if how == "password":
        env.update(TRACKFRAMES_LOGIN=zou.email, TRACKFRAMES_PASSWORD=secret)
    else:
        env["TRACKFRAMES_TOKEN"] = secret
    done = _trackframes(["export", "--backend", "kitsu", "--url", zou.url, "-e", "Task", "-f", "name,task_type",
                         "--filter", f'project is {{"type": "Project", "id": "{zou.main["id"]}"}}',
                         "-o", "tasks", "-q"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    back = tf.read_parquet(tmp_path / "tasks")
    assert set(back["id"]) == set(zou.main["tasks"]) and back["task_type.name"].notna().all()
    assert secret not in done.stdout + done.stderr
    wrong = _trackframes(["export", "--backend", "kitsu", "--url", zou.url, "-e", "Tsak", "-o", "x"], env, tmp_path)
    assert wrong.returncode == 1 and "Did you mean 'Task'" in wrong.stderr and secret not in wrong.stderr
