"""The notebook widgets in a real browser: JupyterLab on 127.0.0.1, headless Chromium driven by Playwright.

The test process runs the sandbox; a generated notebook in a temporary
directory is served by JupyterLab, whose kernel gets only the sandbox URL
(through ``TRACKFRAMES_URL``, which pre-fills the form). The script name and
key reach the kernel the way a producer's would: typed into the login form.

Needs ``/usr/bin/chromium`` plus ``playwright``, ``jupyterlab`` and
``ipywidgets`` (``bash scripts/browser-deps.sh``); skipped otherwise. The
screenshot goes to ``$TRACKFRAMES_SAVE_SCREENSHOT`` when set (the docs use
``docs/widgets-screenshot.png``), else to ``test-artifacts/``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

import trackframes as tf

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    # nothing but 127.0.0.1 resolves, whatever a page asks for
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 90_000  # generous: a cold kernel on a busy 2-core CI machine
PREVIEW_LIMIT = 10
PAGE_SIZE = 25
LATENCY = 0.15  # seconds per sandbox request, so the Version fetch spans seconds and its bar can be seen
FIELDS = ("code", "sg_status_list")

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]


def _missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (bash scripts/browser-deps.sh)"
    for module in ("playwright", "jupyterlab", "ipywidgets"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (bash scripts/browser-deps.sh)"
    return None


if (_reason := _missing()) is not None:
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402

# -- the notebook ------------------------------------------------------------------------------------------
SETUP_CELL = """\
import ipywidgets as w
import trackframes.widgets as tfw

# the URL comes pre-filled from TRACKFRAMES_URL; name and key are typed into the form
login = tfw.login(widget=True, page_size={page_size}, concurrency=1)
login.auth_kind.add_class("tf-login-kind")
for name, box in login.inputs.items():
    box.add_class(f"tf-login-{{name}}")
login.url.add_class("tf-login-url")
login.connect_button.add_class("tf-connect")
login.status.add_class("tf-login-status");  # add_class returns the widget: no output here
""".format(page_size=PAGE_SIZE)

APP_CELL = """\
progress_out = w.Output()
progress_out.add_class("tf-progress")
picker_box = w.VBox()  # filled on connect; the login view stays as it is
app = w.VBox([login, picker_box, progress_out])
app.add_class("tf-app")
picker = None


def show_picker(site):
    global picker
    picker = tfw.pick_fields(site, limit={limit})
    for attr in ("entity_dropdown", "field_search", "available", "add_button", "chosen", "preview_button",
                 "status", "table"):
        getattr(picker, attr).add_class("tf-" + attr.replace("_", "-"))
    picker_box.children = [picker]
    with progress_out:  # a long fetch: tqdm.auto renders a widget bar while pages arrive
        n = len(site.find("Version", fields=["code"], progress=True))
        print(f"fetched {{n}} Version records")


login.on_connect(show_picker)
app
""".format(limit=PREVIEW_LIMIT)


def _write_notebook(path: Path) -> None:
    def code(source: str) -> dict[str, Any]:
        return {"cell_type": "code", "execution_count": None, "id": secrets.token_hex(4), "metadata": {},
                "outputs": [], "source": source}

    notebook = {
        "cells": [code(SETUP_CELL), code(APP_CELL)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


# -- JupyterLab --------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(log: Path, n: int = 4000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return "(no log)"


def _descendants(pid: int) -> list[int]:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dev dependency
        return []
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    try:  # a zombie child of ours counts as gone
        import psutil
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:  # noqa: BLE001
        return True


def _stop_server(proc: subprocess.Popen, base: str, token: str) -> None:
    """Shut JupyterLab and its kernels down: politely, then by pid."""
    pids = _descendants(proc.pid)  # the kernel runs in its own session: remember it by pid
    if proc.poll() is None:
        try:
            requests.post(f"{base}/api/shutdown", headers={"Authorization": f"token {token}"}, timeout=10)
        except requests.RequestException:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
    for pid in pids:
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with tf.sandbox.serve(scale=0.03, seed=1) as server:
        yield server


@pytest.fixture(scope="module")
def lab(sb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """JupyterLab on 127.0.0.1 with a known token, serving a temporary folder with the test notebook."""
    root = tmp_path_factory.mktemp("lab")
    work = root / "notebooks"
    work.mkdir()
    _write_notebook(work / "widgets.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKFRAMES_")}
    env.update({
        "TRACKFRAMES_URL": sb.url,
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "IPYTHONDIR": str(root / "ipython"),
        # anything that would still try the outside world fails locally
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = root / "jupyterlab.log"
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{_log_tail(log)}")
            try:
                if requests.get(f"{base}/api/status", headers={"Authorization": f"token {token}"},
                                timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {base} within 120 s:\n{_log_tail(log)}")
            time.sleep(0.25)
        yield {"base": base, "token": token, "log": log}
    finally:
        _stop_server(proc, base, token)


# -- helpers -------------------------------------------------------------------------------------------------
def _screenshot_path() -> Path:
    chosen = os.environ.get("TRACKFRAMES_SAVE_SCREENSHOT")
    path = Path(chosen) if chosen else REPO / "test-artifacts" / "widgets-screenshot.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _input_values(page: Page) -> list[str]:
    """Live values of every input in the page (typed values are properties, not attributes)."""
    return page.evaluate("() => Array.from(document.querySelectorAll('input, textarea'), e => e.value)")


def _options(page: Page, selector: str) -> list[tuple[str, str]]:
    """``(value, text)`` of each option of a ``<select>``; ipywidgets shows spaces as no-break spaces."""
    pairs = page.locator(f"{selector} option").evaluate_all("els => els.map(o => [o.value, o.textContent])")
    return [(value, text.replace("\xa0", " ").strip()) for value, text in pairs]


def _run_all_cells(page: Page) -> None:
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=WAIT_MS)
    page.evaluate("""async () => {
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.context.ready;
        await panel.sessionContext.ready;
        await window.jupyterapp.commands.execute('notebook:run-all-cells');
    }""")


# -- the test --------------------------------------------------------------------------------------------------
def test_login_pick_preview_in_jupyterlab(sb: Any, lab: dict[str, Any]) -> None:
    creds = sb.credentials
    key = creds["script_key"]
    # what find returns by default, read straight from the sandbox's store: records of unarchived projects
    live = {p["id"] for p in sb.store.iter_records("Project") if not p.get("archived")}
    shots = [r for r in sb.store.iter_records("Shot") if (r.get("project") or {}).get("id") in live]
    shot_codes = {r["code"] for r in shots}
    n_versions = sum((r.get("project") or {}).get("id") in live for r in sb.store.iter_records("Version"))
    sb.knobs.latency = LATENCY
    outside: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 2400})

            def refuse(route: Any) -> None:
                outside.append(route.request.url)
                route.abort()

            context.route(re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])"), refuse)
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{lab['base']}/lab/tree/widgets.ipynb?reset&token={lab['token']}",
                      wait_until="domcontentloaded", timeout=WAIT_MS)
            _run_all_cells(page)

            # 1) the login form, pre-filled with the URL only; sign in with the script key
            url_box = page.locator(".tf-login-url input")
            url_box.wait_for(state="visible")
            assert url_box.input_value() == sb.url
            page.locator(".tf-login-kind select").select_option(label="Script key")
            name_box = page.locator(".tf-login-script_name input")
            key_box = page.locator(".tf-login-script_key input")
            key_box.wait_for(state="visible")
            assert key_box.get_attribute("type") == "password"
            assert not page.locator(".tf-login-password input").is_visible()
            name_box.fill(creds["script_name"])
            key_box.fill(key)
            page.locator("button.tf-connect").click()
            # the connect callback starts a long fetch: a tqdm widget bar shows while pages arrive, then the result
            bar = page.locator(".tf-progress .widget-hprogress")
            bar.first.wait_for(state="visible")
            assert "Version" in page.locator(".tf-progress").inner_text()
            page.locator(".tf-progress").filter(has_text=f"fetched {n_versions} Version records").wait_for()
            sb.knobs.latency = 0.0  # the rest needs no slow server

            status = page.locator(".tf-login-status")
            status.filter(has_text="Connected").wait_for(state="visible")
            text = status.inner_text()
            assert creds["script_name"] in text and sb.url in text, text
            assert key not in page.content()
            assert key not in _input_values(page)
            assert key_box.input_value() == ""

            # 2) pick Shot and two fields, press Preview
            page.locator(".tf-entity-dropdown select").select_option(label="Shot")
            available = ".tf-available select"
            page.wait_for_function(
                "sel => Array.from(document.querySelectorAll(sel + ' option'), o => o.textContent)"
                ".some(t => t.replace(/\\u00a0/g, ' ').includes(' · sg_status_list · '))", arg=available)
            options = _options(page, available)
            wanted = [next((v, t) for v, t in options if f" · {f} · " in t) for f in FIELDS]
            page.locator(available).select_option(value=[v for v, _ in wanted])
            page.locator("button.tf-add-button").click()
            page.wait_for_function(
                "sel => document.querySelectorAll(sel + ' option').length === 2", arg=".tf-chosen select")
            assert [t for _, t in _options(page, ".tf-chosen select")] == [t for _, t in wanted]
            page.locator("button.tf-preview-button").click()

            # 3) the preview table: the chosen columns, `limit` rows of real Shot codes
            table = page.locator(".tf-table table.trackframes-preview")
            table.wait_for(state="visible")
            headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
            for field in FIELDS:
                assert field in headers, headers
            rows = table.locator("tbody tr")
            assert rows.count() == min(PREVIEW_LIMIT, len(shots))
            code_col = headers.index("code")
            codes = [rows.nth(i).locator("td").nth(code_col).inner_text().strip() for i in range(rows.count())]
            assert set(codes) <= shot_codes and len(set(codes)) == len(codes)
            assert page.locator(".tf-status").filter(has_text="row(s) of Shot").count() == 1

            # the key never reached the page, not even after the picker ran
            assert key not in page.content()
            assert key not in _input_values(page)

            # 4) the screenshot: login form, field picker and preview
            shot = _screenshot_path()
            page.locator(".tf-app").screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        finally:
            sb.knobs.latency = 0.0
            browser.close()
    assert outside == [], f"requests outside 127.0.0.1 were refused: {outside[:5]}"
