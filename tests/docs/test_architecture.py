"""docs/architecture.md's capability table says what each backend declares."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import trackframes as tf
from trackframes.backends import registry
from trackframes.backends.base import Capability

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def table() -> tuple[list[str], dict[str, dict[str, bool]]]:
    """(backend columns, capability -> backend -> yes/no) from the table under "Capabilities per backend"."""
    text = DOC.read_text(encoding="utf-8").split("## Capabilities per backend", 1)[1]
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    backends = header[3:]
    rows: dict[str, dict[str, bool]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(header):
            break
        name = re.fullmatch(r"`(\w+)`", cells[0])
        assert name, f"capability cell {cells[0]!r} is not a `name`"
        assert set(cells[3:]) <= {"yes", "no"}, cells
        rows[name.group(1)] = dict(zip(backends, (c == "yes" for c in cells[3:])))
    return backends, rows


def declared(name: str) -> frozenset[Capability]:
    """What the backend declares, from a site built without any I/O."""
    kind = registry.get(name).auth_kinds[0]
    credential = kind.build({f.name: "x" for f in kind.fields})
    site = tf.connect("https://studio.example.com", backend=name, auth=credential)
    try:
        return frozenset(site.backend.capabilities)
    finally:
        site.close()


def test_the_table_has_every_capability_and_every_backend():
    backends, rows = table()
    assert set(rows) == {c.value for c in Capability}
    assert tuple(backends) == registry.names()


@pytest.mark.parametrize("name", [b.name for b in registry.backends() if b.module is not None])
def test_each_backend_declares_what_the_table_says(name):
    _, rows = table()
    said = {Capability(cap) for cap, per in rows.items() if per[name]}
    assert said == declared(name)
