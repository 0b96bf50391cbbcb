"""The real Zou of the Kitsu tests, shared by everything in one test process.

:func:`shared_zou` runs ``scripts/zou.sh up`` (which installs what is missing and
starts PostgreSQL, Redis and Zou on 127.0.0.1), seeds the production of
``tests/kitsu/seed.py`` unless the database already holds it, and returns a
:class:`Zou`. The first call of a process does that; later calls return the same
server. At the process's exit, a Zou that this process started is stopped
(``TRACKFRAMES_ZOU_KEEP=1`` keeps it up), unless another process still uses it:
test sessions running side by side each hold a lease on it.

The state folder is ``TRACKFRAMES_ZOU_HOME`` as it was when this module was
imported (tests may clear ``TRACKFRAMES_*`` variables later: the docs harness does).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gazu.client import KitsuClient

from tests.kitsu import seed as zou_seed

REPO = Path(__file__).resolve().parents[2]
ZOU_SH = REPO / "scripts" / "zou.sh"
#: The TRACKFRAMES_ZOU_* variables of the process when the tests started.
ZOU_VARIABLES = {k: v for k, v in os.environ.items() if k.startswith("TRACKFRAMES_ZOU_")}


class ZouUnavailable(RuntimeError):
    """``scripts/zou.sh up`` failed; the message holds its output."""


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
    env = {**os.environ, **ZOU_VARIABLES}
    return subprocess.run(["bash", str(ZOU_SH), command], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env=env)


def _read_env(text: str) -> dict[str, str]:
    """``KEY=value`` lines (what zou.sh prints and writes in zou.env)."""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


_lock = threading.Lock()
_shared: Zou | None = None


def shared_zou() -> Zou:
    """The running, seeded Zou (started by the first call of the process; see the module docstring)."""
    global _shared
    with _lock:
        if _shared is not None:
            return _shared
        started_here = zou_sh("status", timeout=60).returncode != 0
        up = zou_sh("up")
        if up.returncode != 0:
            raise ZouUnavailable(f"`bash scripts/zou.sh up` exited with {up.returncode}:\n"
                                 f"--- stdout\n{up.stdout}\n--- stderr\n{up.stderr}")
        printed = _read_env(up.stdout)
        if "ZOU_ENV_FILE" not in printed:
            raise ZouUnavailable(f"`bash scripts/zou.sh up` printed no ZOU_ENV_FILE:\n{up.stdout}")
        env = _read_env(Path(printed["ZOU_ENV_FILE"]).read_text())
        leases = Path(env["ZOU_HOME"]) / "leases"
        leases.mkdir(exist_ok=True)
        lease = leases / str(os.getpid())
        lease.touch()
        atexit.register(_release, lease, started_here)
        _shared = _seeded(env)
        return _shared


def _release(lease: Path, started_here: bool) -> None:
    lease.unlink(missing_ok=True)
    if started_here and not ZOU_VARIABLES.get("TRACKFRAMES_ZOU_KEEP") and not _live_leases(lease.parent):
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
