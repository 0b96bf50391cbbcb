"""What ``import trackframes`` and a plain ``find`` load: no notebook machinery, no event-loop patching.

Cron jobs and servers install the same package as notebooks (ipywidgets is a
dependency so that the widgets work out of the box), but nothing outside
``trackframes.widgets`` may import ipywidgets or IPython. ``find`` runs its
requests on threads and never touches an event loop, so it works inside a
running loop (a Jupyter cell) without nest_asyncio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("ipywidgets", "IPython", "ipykernel", "nest_asyncio", "nest_asyncio2", "matplotlib")


def _fresh(code: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKFRAMES_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_find_export_and_cli_load_no_notebook_modules(tmp_path):
    out = _fresh(f"""
import json, sys
import trackframes as tf
from trackframes.cli import build_parser
build_parser()
with tf.sandbox.serve(scale=0.02, seed=1) as sb:
    site = sb.connect(page_size=20)          # several pages, progress bars on: tqdm must not pull IPython in
    n = len(site.find("Task", fields=["content", "task_assignees"]))
    site.export("Shot", {str(tmp_path / "shots")!r}, fields=["code"])
    tf.read_parquet({str(tmp_path / "shots")!r})
    tf.widgets.in_notebook()
print(json.dumps({{"rows": n, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
""")
    assert out["rows"] > 20
    assert out["loaded"] == []


def test_find_inside_a_running_event_loop_without_nest_asyncio():
    # what a Jupyter cell does: a loop is already running when find() is called
    out = _fresh("""
import asyncio, json, sys
import trackframes as tf

async def cell(site):
    assert asyncio.get_running_loop().is_running()
    frame = site.find("Task", fields=["content"])          # blocking call, inside the loop
    ticks = 0
    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)
    task = asyncio.create_task(ticker())
    awaited = await site.afind("Task", fields=["content"])  # the loop keeps running meanwhile
    task.cancel()
    return frame, awaited, ticks

with tf.sandbox.serve(scale=0.02, seed=1, latency=0.05) as sb:
    site = sb.connect(progress=False, page_size=25)
    frame, awaited, ticks = asyncio.run(cell(site))
    same = frame.equals(awaited) and frame.equals(site.find("Task", fields=["content"]))
print(json.dumps({"rows": len(frame), "same": bool(same), "ticks": ticks,
                  "nest": [m for m in ("nest_asyncio", "nest_asyncio2") if m in sys.modules]}))
""")
    assert out["rows"] > 25 and out["same"]
    assert out["ticks"] > 1, "afind blocked the event loop"
    assert out["nest"] == []
