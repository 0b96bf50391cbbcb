"""Every public name stays what it is after being used: no submodule import may replace a package's function.

Importing a submodule binds it as an attribute of its package. When a package
exports a function named like one of its submodules and that submodule is
imported lazily (on the first call), the first call replaces the function by the
module and the second call fails with ``'module' object is not callable``. These
tests call the public functions twice in a fresh interpreter, then import every
submodule of the package, and check that every public name still resolves to
the very same object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import importlib, io, json, pkgutil, sys, tempfile, threading
from datetime import date

import trackframes as tf

PACKAGES = [name for name in ["trackframes"] + [m.name for m in pkgutil.walk_packages(tf.__path__, "trackframes.")
                                                if m.ispkg]]

def public(package):
    module = importlib.import_module(package)
    return {name: getattr(module, name) for name in getattr(module, "__all__", [])}

def snapshot():
    return {package: public(package) for package in PACKAGES}

before = snapshot()
called = []

def twice(label, function, *args, **kwargs):
    for _ in range(2):
        function(*args, **kwargs)
    called.append(label)

tmp = tempfile.mkdtemp()
tiny = dict(scale=0.02, seed=1, today=date(2026, 3, 2))
with tf.sandbox.serve(**tiny) as sb:
    twice("trackframes.sandbox.serve", lambda: tf.sandbox.serve(**tiny).close())
    stop = threading.Event(); stop.set()
    twice("trackframes.sandbox.serve_forever", tf.sandbox.serve_forever, port=0, stop=stop, out=io.StringIO(), **tiny)
    twice("trackframes.connect", lambda: tf.connect(sb.url, auth=sb.auth, progress=False).count("Shot"))
    site = sb.connect(progress=False)
    twice("trackframes.io.export", tf.io.export, site, "Shot", f"{tmp}/shots", fields=["code"])
    twice("trackframes.io.sync", tf.io.sync, site, f"{tmp}/shots")
    twice("trackframes.read_parquet", tf.read_parquet, f"{tmp}/shots")
    twice("trackframes.read_arrow", tf.read_arrow, f"{tmp}/shots")
    twice("trackframes.io.read_parquet", tf.io.read_parquet, f"{tmp}/shots")
    twice("trackframes.io.read_arrow", tf.io.read_arrow, f"{tmp}/shots")
    twice("trackframes.io.read_metadata", tf.io.read_metadata, f"{tmp}/shots")
    twice("trackframes.widgets.in_notebook", tf.widgets.in_notebook)
    twice("trackframes.widgets.login", tf.widgets.login, sb.url, widget=True)
    answers = iter(["", "script", sb.credentials["script_name"]] * 2)
    twice("trackframes.widgets.login (terminal)", tf.widgets.login, sb.url, widget=False,
          ask=lambda prompt: next(answers), ask_secret=lambda prompt: sb.credentials["script_key"],
          say=lambda text: None)
    twice("trackframes.widgets.pick_fields", tf.widgets.pick_fields, site, "Shot")
    import trackframes.schedule as schedule
    twice("trackframes.schedule.schedule_report", schedule.schedule_report, site)
    twice("trackframes.schedule.working_days", schedule.working_days, date(2026, 3, 2), date(2026, 3, 8))
    site.close()

after_calls = snapshot()
for module in pkgutil.walk_packages(tf.__path__, "trackframes."):
    importlib.import_module(module.name)      # every submodule, as any later import might
after_imports = snapshot()

changed = [f"{package}.{name}: {type(then).__name__} became {type(now[package][name]).__name__}"
           for now in (after_calls, after_imports) for package, names in before.items()
           for name, then in names.items() if now[package][name] is not then]
print(json.dumps({"called": called, "changed": sorted(set(changed)),
                  "names": sum(len(v) for v in before.values()),
                  "widgets": type(tf.widgets.login).__name__}))
'''


def _run() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKFRAMES_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_public_functions_called_twice_stay_the_same_objects():
    result = _run()
    assert result["changed"] == []
    assert result["widgets"] == "function"
    for label in ("trackframes.widgets.login", "trackframes.widgets.pick_fields", "trackframes.sandbox.serve",
                  "trackframes.connect", "trackframes.io.export", "trackframes.io.sync"):
        assert label in result["called"]
    assert result["names"] > 40

