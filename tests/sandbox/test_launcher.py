"""tf.sandbox.serve finds each backend's sandbox module through the backend registry, hands it the
generated production, and wraps what it starts in one Sandbox handle.

The registry tests run in a subprocess that registers a made-up backend whose sandbox is
tests/sandbox/fake_sandbox.py, so this process's registry stays as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

import trackframes as tf
from trackframes.sandbox import production as neutral
from trackframes.sandbox.shotgrid import launch

TODAY = date(2026, 3, 2)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE = r'''
import json, sys
from datetime import date
sys.path.insert(0, sys.argv[1])
import trackframes as tf
from trackframes.backends import registry
from trackframes.sandbox import launcher
from trackframes.sandbox.production import generate
from tests.sandbox import fake_sandbox

registry.register(registry.BackendInfo(
    name="fakeproto", title="Fake Proto", module=None, max_page_size=10, sandbox="tests.sandbox.fake_sandbox",
    auth_kinds=(registry.AuthKind("api_key", "API key", "ApiKey", ()),)))
out = {"backends": list(tf.sandbox.backends()), "BACKENDS": list(launcher.BACKENDS)}
sb = tf.sandbox.serve("fakeproto", scale=0.01, seed=4, today=date(2026, 3, 2), greeting="hi", latency=0.5)
started = fake_sandbox.STARTED[-1]
out["same_production"] = started["production"] is sb.production
out["today"] = sb.today.isoformat()
out["tasks"] = [len(sb.production.tasks), len(generate(scale=0.01, seed=4, today=date(2026, 3, 2)).tasks)]
out["options"] = {k: started[k] for k in ("greeting", "latency", "seed", "host", "port")}
out["repr"] = repr(sb)
out["banner"] = launcher.describe(sb)
out["api_url"] = sb.api_url
try:
    sb.connect()
except Exception as exc:
    out["connect"] = f"{type(exc).__name__}: {exc}"
try:
    tf.sandbox.serve("fakeproto", scale=0.01, colour=1)
except TypeError as exc:
    out["unknown"] = str(exc)
sb.close()
sb.close()
out["closed"] = fake_sandbox.SERVERS[-1].closed
given = generate(scale=0.01, seed=1, today=date(2026, 3, 2))
with tf.sandbox.serve("fakeproto", production=given) as other:
    out["given"] = [other.production is given, other.scale, fake_sandbox.STARTED[-1]["store"]]
with tf.sandbox.serve("fakeproto", store={"own": "store"}) as other:
    out["store"] = [other.production is None, other.store, other.scale]
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def probe() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, ROOT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_registered_backend_sandbox_is_found_and_listed(probe):
    assert "fakeproto" in probe["backends"] and "shotgrid" in probe["backends"]
    assert probe["BACKENDS"] == probe["backends"]  # what `trackframes sandbox --backend` accepts


def test_serve_hands_the_module_the_generated_production_and_its_options(probe):
    assert probe["same_production"] is True
    assert probe["today"] == "2026-03-02"
    assert probe["tasks"][0] == probe["tasks"][1] > 0  # generated from scale, seed and today
    assert probe["options"] == {"greeting": "hi", "latency": 0.5, "seed": 4, "host": "127.0.0.1", "port": 0}
    assert probe["api_url"] == "http://127.0.0.1:9/fake-api"


def test_the_handle_names_the_backend_and_keeps_secrets_out_of_repr(probe):
    assert "backend='fakeproto'" in probe["repr"] and "fake-key-123" not in probe["repr"]
    banner = probe["banner"]
    assert "trackframes sandbox (fakeproto) serving at http://127.0.0.1:9" in banner
    assert "fake user: fake-user / key fake-key-123 / hi" in banner and "Press Ctrl-C to stop." in banner
    assert probe["closed"] == 1  # closing twice stops the server once


def test_connect_passes_the_backend_name_and_its_credential(probe):
    # the made-up backend has no client: connect fails naming it, not ShotGrid refusing an ApiKey
    assert probe["connect"].startswith("CapabilityError") and "Fake Proto backend is not available" in probe["connect"]


def test_options_and_knobs_are_the_modules(probe):
    message = probe["unknown"]
    assert "colour" in message and "Fake Proto" in message and "greeting" in message and "latency" in message


def test_a_given_production_or_store_is_served_as_it_is(probe):
    assert probe["given"] == [True, 0.01, None]
    assert probe["store"] == [True, {"own": "store"}, None]


def test_unknown_backends_and_options_are_named_with_the_closest():
    with pytest.raises(ValueError, match="Did you mean 'shotgrid'"):
        tf.sandbox.serve("shotgird", scale=0.01)
    with pytest.raises(ValueError, match="no sandbox yet; sandboxes: shotgrid"):
        tf.sandbox.serve("kitsu", scale=0.01)
    with pytest.raises(TypeError, match="Did you mean 'latency'"):
        tf.sandbox.serve(scale=0.01, latncy=0.1)
    with pytest.raises(TypeError, match="Did you mean 'script_key'"):
        tf.sandbox.serve(scale=0.01, script_kye="x")
    prod = neutral.generate(scale=0.01, seed=1, today=TODAY)
    with pytest.raises(TypeError, match="a production or a store, not both"):
        tf.sandbox.serve(production=prod, store=object())


def test_one_production_served_as_shotgrid_and_connect_uses_its_today():
    prod = neutral.generate(scale=0.01, seed=2, today=TODAY)
    with tf.sandbox.serve(production=prod) as sb:
        assert sb.production is prod and sb.today == TODAY and sb.scale == 0.01
        assert sb.store.count("Task") == len(prod.tasks)
        assert sb.api_url == sb.url + "/api/v1.1"
        site = sb.connect(progress=False)
        assert site.today == TODAY and "shotgrid" in repr(site)
        shots = site.find("Shot", fields=["code"], include_archived_projects=True)
        assert sorted(shots["code"]) == sorted(s.name for s in prod.shots)


def test_the_shotgrid_module_serves_a_production_or_a_store():
    prod = neutral.generate(scale=0.01, seed=2, today=TODAY)
    with pytest.raises(TypeError, match="exactly one"):
        launch.start(None)
    with pytest.raises(TypeError, match="exactly one"):
        launch.start(prod, store=object())
    assert "seed" not in launch.knob_names() and "latency" in launch.knob_names()
    assert launch.OPTIONS == ("script_name", "script_key")


CLI = r'''
import sys
sys.path.insert(0, sys.argv[1])
from trackframes.backends import registry
registry.register(registry.BackendInfo(
    name="fakeproto", title="Fake Proto", module=None, max_page_size=10, sandbox="tests.sandbox.fake_sandbox",
    auth_kinds=(registry.AuthKind("api_key", "API key", "ApiKey", ()),)))
from trackframes.cli import main
sys.exit(main(["sandbox", "--backend", "fakeproto", "--port", "0", "--scale", "0.01"]))
'''


def test_the_sandbox_command_runs_a_registered_backends_sandbox():
    import signal

    proc = subprocess.Popen([sys.executable, "-u", "-c", CLI, ROOT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines = []
    try:
        for line in proc.stdout:  # the banner, then the server waits for Ctrl-C
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(lines) + rest
    assert proc.returncode == 0, err
    assert "trackframes sandbox (fakeproto) serving at http://127.0.0.1:9" in text
    assert "fake user: fake-user / key fake-key-123" in text and "stopping the sandbox" in text
