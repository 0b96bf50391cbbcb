"""A real Zou (Kitsu's API server) for the Kitsu tests, seeded once.

``zou`` (session scope) runs ``scripts/zou.sh up`` — which installs what is
missing and starts PostgreSQL, Redis and Zou on 127.0.0.1 — then seeds the
production of ``tests/kitsu/seed.py`` through gazu unless the database already
holds it. When the script fails, every test using the fixture errors with the
script's output: nothing is skipped. A Zou that this session started is
stopped at the end (set ``TRACKFRAMES_ZOU_KEEP=1`` to keep it up for the next
run); one that was already up is left as it was, and so is one that another
test session still uses.

``zou_bench`` adds the benchmark project (``TRACKFRAMES_ZOU_BENCH_TASKS``
tasks, 3000 by default) the first time a test asks for it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
from gazu.client import KitsuClient

from tests.kitsu import seed as zou_seed

REPO = Path(__file__).resolve().parents[2]
ZOU_SH = REPO / "scripts" / "zou.sh"


@dataclass(frozen=True)
class Zou:
    """The running server: its API url, the admin account and the seed manifest."""

    url: str  # the API root, e.g. http://127.0.0.1:PORT/api
    email: str
    password: str = field(repr=False)
    home: Path = field(repr=False)
    seed: dict[str, Any] = field(repr=False)

    @property
    def manifest_path(self) -> Path:
        return self.home / "seed-manifest.json"

    @property
    def main(self) -> dict[str, Any]:
        """The seeded open project (``TF Seed Main``)."""
        return self.seed["projects"]["main"]

    @property
    def archive(self) -> dict[str, Any]:
        """The seeded closed project (``TF Seed Archive``)."""
        return self.seed["projects"]["archive"]

    def person(self, first_name: str) -> dict[str, Any]:
        """A seeded person (id, email, password, role, departments) by first name."""
        return self.seed["people"][first_name]

    def client(self, email: str | None = None, password: str | None = None) -> KitsuClient:
        """A gazu client of its own, logged in as the admin or as the given account."""
        if email is None:
            email, password = self.email, self.password
        return zou_seed.login(self.url, email, password or "")


def zou_sh(command: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``bash scripts/zou.sh <command>`` and return it, output captured."""
    return subprocess.run(["bash", str(ZOU_SH), command], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _read_env(text: str) -> dict[str, str]:
    """``KEY=value`` lines (what zou.sh prints and writes in zou.env)."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Kitsu tests may start the server (a cold start installs Zou and seeds it): 30 minutes."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(1800))


@pytest.fixture(scope="session")
def zou() -> Iterator[Zou]:
    started_here = zou_sh("status", timeout=60).returncode != 0
    up = zou_sh("up")
    if up.returncode != 0:
        pytest.fail(f"`bash scripts/zou.sh up` exited with {up.returncode}:\n"
                    f"--- stdout\n{up.stdout}\n--- stderr\n{up.stderr}", pytrace=False)
    printed = _read_env(up.stdout)
    if "ZOU_ENV_FILE" not in printed:
        pytest.fail(f"`bash scripts/zou.sh up` printed no ZOU_ENV_FILE:\n{up.stdout}", pytrace=False)
    env = _read_env(Path(printed["ZOU_ENV_FILE"]).read_text())
    # Test sessions running side by side share the server: each holds a lease,
    # and the one that started it stops it only when no other session holds one.
    leases = Path(env["ZOU_HOME"]) / "leases"
    leases.mkdir(exist_ok=True)
    lease = leases / str(os.getpid())
    lease.touch()
    try:
        yield _seeded(env)
    finally:
        lease.unlink(missing_ok=True)
        if started_here and not os.environ.get("TRACKFRAMES_ZOU_KEEP") and not _live_leases(leases):
            down = zou_sh("down", timeout=120)
            if down.returncode != 0:
                print(f"`bash scripts/zou.sh down` exited with {down.returncode}:\n{down.stderr}")


def _live_leases(leases: Path) -> list[int]:
    live = []
    for lease in leases.iterdir():
        try:
            os.kill(int(lease.name), 0)
            live.append(int(lease.name))
        except (ValueError, ProcessLookupError):
            lease.unlink(missing_ok=True)
        except PermissionError:
            live.append(int(lease.name))
    return live


def _seeded(env: dict[str, str]) -> Zou:
    home = Path(env["ZOU_HOME"])
    client = zou_seed.login(env["ZOU_URL"], env["ZOU_ADMIN_EMAIL"], env["ZOU_ADMIN_PASSWORD"])
    manifest = zou_seed.seed_production(client, home / "seed-manifest.json")
    return Zou(url=env["ZOU_URL"], email=env["ZOU_ADMIN_EMAIL"], password=env["ZOU_ADMIN_PASSWORD"],
               home=home, seed=manifest)


@pytest.fixture(scope="session")
def zou_bench(zou: Zou) -> dict[str, Any]:
    """The benchmark project (id, name, n_tasks, n_shots), seeded on first use."""
    n_tasks = int(os.environ.get("TRACKFRAMES_ZOU_BENCH_TASKS", "3000"))
    return zou_seed.seed_benchmark(zou.client(), zou.manifest_path, n_tasks)
