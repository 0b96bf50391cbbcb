"""Runs the code blocks of a Markdown page and checks what they claim to print.

The conventions (what runs, how claims are written, which placeholders are
replaced, which shell commands are left to other CI steps) are described at
the top of ``tests/docs/test_doc_blocks.py``; this module implements them.

    >>> from pathlib import Path
    >>> blocks = parse_blocks("Intro\\n\\n```python\\nprint(1 + 1)\\n```\\n\\n```text\\n2\\n```\\n")
    >>> [(b.lang, b.line, b.output.code if b.output else None) for b in blocks]
    [('python', 4, '2\\n'), ('text', 8, None)]
    >>> matches("{'a': 1, ...}", "{'a': 1, 'b': 2}"), matches("[1, 2]", "[1,\\n 2]"), matches("3", "4")
    (True, True, False)
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tokenize
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tests.kitsu import server as kitsu_server  # imported now: it keeps TRACKFRAMES_ZOU_* as the run started

ROOT = Path(__file__).resolve().parents[2]

PYTHON = {"python", "py"}
SHELL = {"bash", "sh", "shell"}
OUTPUT = {"text"}  # right after a code block: what that block prints

#: The script name the harness's sandbox accepts: the one the docs' real-site examples use.
SCRIPT_NAME = "reports"

#: Documented placeholders and what the harness puts in their place (textually, in python and
#: shell blocks alike) so that real-site examples run against the harness's sandbox.
PLACEHOLDERS: dict[str, Callable[[Any], str]] = {
    # the example site URL of every real-site example
    "https://yourstudio.shotgrid.autodesk.com": lambda sb: sb.url,
    # the API script's key (the script name, "reports", is the sandbox's own: SCRIPT_NAME)
    "<script key>": lambda sb: sb.credentials["script_key"],
    # a user's password and a session token, for UserPassword / SessionToken examples
    "<password>": lambda sb: sb.credentials["users"][0]["password"],
    "<session token>": lambda sb: sb.credentials["session_token"],
    # the data folder of command-line examples: a folder of the page's temporary directory
    "/data/": lambda sb: "data/",
}

#: Kitsu placeholders (docs/kitsu.md): replaced by the values of the test Zou, which
#: tests/kitsu/server.py starts for the first page that uses them.
KITSU_PLACEHOLDERS: dict[str, Callable[[Any], str]] = {
    "https://kitsu.yourstudio.com/api": lambda zou: zou.url,
    "<kitsu email>": lambda zou: zou.email,
    "<kitsu password>": lambda zou: zou.password,
    "<bot token>": lambda zou: zou.seed["bot"]["token"],
}

#: Shell variables a shell block may use (``$URL`` ...), set from the harness's sandbox.
SHELL_VARIABLES: dict[str, Callable[[Any], str]] = {
    "URL": lambda sb: sb.url,
    "SCRIPT": lambda sb: sb.credentials["script_name"],
    "KEY": lambda sb: sb.credentials["script_key"],
    "LOGIN": lambda sb: sb.credentials["users"][0]["login"],
    "PW": lambda sb: sb.credentials["users"][0]["password"],
    "OTP": lambda sb: sb.credentials["two_factor_user"]["otp"],
    "SESSION": lambda sb: sb.credentials["session_token"],
    "REFRESH": lambda sb: _refresh_token(sb),
}

#: Shell commands that are shown but not run here, exactly as written (spacing, quoting and a trailing
#: comment aside), and why.
EXCLUDED: dict[str, str] = {
    "pip install . && trackframes demo":
        "README's install-and-demo line: scripts/fresh-venv-check.sh runs it as written in a fresh venv",
    "pip install .":
        "install line: scripts/fresh-venv-check.sh runs it (and the commands after it) in a fresh venv",
    "trackframes demo":
        "follows docs/quickstart.md's install line: scripts/fresh-venv-check.sh runs it there, at full scale "
        "(about 15 s and 800 MB, too much for this harness)",
    "bash scripts/test.sh":
        "installs the test tools and runs the whole suite: it is CI's main step",
    "bash scripts/browser-deps.sh":
        "installs Chromium (apt), Playwright and JupyterLab for the browser test",
    "sudo apt-get install -y --no-install-recommends openjdk-17-jre-headless":
        "docs/scale.md's Spark set-up: scripts/spark-deps.sh (called by scripts/test.sh) installs the JRE in CI",
    'pip install "pyspark>=4.0"':
        "docs/scale.md's Spark set-up: scripts/spark-deps.sh (called by scripts/test.sh) installs pyspark in CI",
    "TRACKFRAMES_SAVE_SCREENSHOT=docs/widgets-screenshot.png python -m pytest tests/widgets/test_browser.py -q":
        "the browser test (marker `browser`), which CI runs after scripts/browser-deps.sh",
}

#: Programs a shell block may run (after any NAME=value assignments).
RUNNABLE = {"trackframes", "export", "curl"}

_CLAIM = re.compile(r"#\s*->\s?(.*)$")
_URL = re.compile(r"https?://[^\s\"'`)<>\]]+")
_LOCAL = re.compile(r"https?://(127\.0\.0\.1|localhost)([:/]|$)")
_FENCE = re.compile(r"^( {0,3})(`{3,})\s*([\w+-]*)")
_PROSE_CLAIM = re.compile(r"^(it |this |that )?prints?\b", re.IGNORECASE)


class DocError(AssertionError):
    """A page breaks a rule of the harness, or a block's claim does not hold."""


@dataclass
class Block:
    """One fenced block: language, body, the page line of its first body line."""

    lang: str
    code: str
    line: int
    end: int = 0  # the line of the closing fence
    output: Block | None = None  # the ```text block right after it, if any
    after: str = ""  # the first non-blank line after the closing fence


@dataclass
class PageRun:
    """What running a page did, for reports and the harness's own tests."""

    python_blocks: int = 0
    shell_blocks: int = 0
    claims: int = 0
    outputs: int = 0
    excluded: list[str] = field(default_factory=list)


# -- parsing ---------------------------------------------------------------------------------------
def parse_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, in order, with its output block attached."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks, lang = len(m.group(1)), m.group(2), m.group(3).lower()
        close = re.compile(rf"^ {{0,3}}`{{{len(ticks)},}}\s*$")
        body, j = [], i + 1
        while j < len(lines) and not close.match(lines[j]):
            body.append(lines[j][indent:] if not lines[j][:indent].strip() else lines[j].lstrip())
            j += 1
        after = next((line.strip() for line in lines[j + 1:] if line.strip()), "")
        blocks.append(Block(lang, "\n".join(body) + "\n" if body else "", i + 2, j, after=after))
        i = j + 1
    for block, nxt in zip(blocks, blocks[1:]):
        between = lines[block.end + 1:nxt.line - 2]
        if block.lang in PYTHON | SHELL and nxt.lang in OUTPUT and not any(s.strip() for s in between):
            block.output = nxt
    return blocks


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` matches ``expected``: whitespace runs count as one space, ``...`` matches anything."""
    pieces = [" ".join(p.split()) for p in expected.split("...")]
    pattern = ".*?".join(re.escape(p) for p in pieces)
    return re.fullmatch(rf"\s*{pattern}\s*", " ".join(actual.split()), flags=re.DOTALL) is not None


def claims(code: str) -> dict[int, str]:
    """The ``# -> value`` comments of a python block: the block line of the expression they end -> value.

    A claim ends the line of its expression, or stands alone on the line right after it.

    >>> claims("x = 1\\nx + 1   # -> 2\\nx * 3\\n# -> 3\\n")
    {2: '2', 3: '3'}
    """
    found: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT and (m := _CLAIM.match(tok.string)):
            line = tok.start[0] - 1 if tok.line.lstrip().startswith("#") else tok.start[0]
            if line in found:
                raise DocError(f"block line {tok.start[0]}: two '# ->' claims for one expression")
            found[line] = m.group(1).strip()
    return found


# -- checks --------------------------------------------------------------------------------------
def check_urls(code: str, where: str) -> None:
    """Refuse a URL that is neither local nor a documented placeholder: no doc reaches the network."""
    for url in _URL.findall(code):
        if _LOCAL.match(url) or any(url.startswith(p) for p in {**PLACEHOLDERS, **KITSU_PLACEHOLDERS}
                                     if p.startswith("http")):
            continue
        raise DocError(f"{where}: {url} is not a placeholder the harness replaces (known: "
                       f"{', '.join(p for p in PLACEHOLDERS if p.startswith('http'))}); "
                       "a doc block may not reach the network")


def check_prose(block: Block, where: str) -> None:
    """A claim about what a block prints must be a ```text block, not prose the harness cannot check."""
    if block.lang in PYTHON | SHELL and block.output is None and _PROSE_CLAIM.match(block.after):
        raise DocError(f"{where}: the line after the block says what it prints ({block.after[:60]!r}); "
                       "put the output in a ```text block right after the code block instead")


def substitute(code: str, sb: Any) -> str:
    """Replace every documented placeholder by the harness sandbox's value."""
    for placeholder, value in PLACEHOLDERS.items():
        if placeholder in code:
            code = code.replace(placeholder, value(sb))
    return code


def substitute_kitsu(code: str) -> str:
    """Replace the Kitsu placeholders by the test Zou's values (starting it, seeded, if needed)."""
    if not any(p in code for p in KITSU_PLACEHOLDERS):
        return code
    zou = kitsu_server.shared_zou()
    for placeholder, value in KITSU_PLACEHOLDERS.items():
        code = code.replace(placeholder, value(zou))
    return code


def needs_sandbox(code: str) -> bool:
    """Whether a block uses a placeholder (so the harness's sandbox must run)."""
    return any(p in code for p in PLACEHOLDERS)


def _refresh_token(sb: Any) -> str:
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": sb.credentials["script_name"],
                                   "client_secret": sb.credentials["script_key"]}).encode()
    with urllib.request.urlopen(sb.api_url + "/auth/access_token", data=body, timeout=30) as answer:
        return json.load(answer)["refresh_token"]


# -- running -------------------------------------------------------------------------------------
def run_python(block: Block, namespace: dict[str, Any], path: Path, run: PageRun) -> str:
    """Run a python block statement by statement, checking its ``# ->`` claims; returns its stdout."""
    try:
        tree = ast.parse(block.code, filename=str(path))
    except SyntaxError as exc:
        raise DocError(f"{path.name}:{block.line + (exc.lineno or 1) - 1}: the ```python block is not "
                       f"valid Python ({exc.msg}); mark a signature or an output sample ```text") from None
    wanted = claims(block.code)
    offset = block.line - 1
    ast.increment_lineno(tree, offset)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            _run_statements(tree, wanted, offset, namespace, path, run)
    except BaseException:
        sys.stdout.write(printed.getvalue())  # what the block printed before it failed, for the report
        raise
    if wanted:
        line = min(wanted) + offset
        raise DocError(f"{path.name}:{line}: a '# ->' claim must end a top-level expression")
    return printed.getvalue()


def _run_statements(tree: ast.Module, wanted: dict[int, str], offset: int, namespace: dict[str, Any],
                    path: Path, run: PageRun) -> None:
    """Execute a block's top-level statements one by one, evaluating and checking those with a claim."""
    for stmt in tree.body:
        expected = wanted.pop((stmt.end_lineno or stmt.lineno) - offset, None)
        if expected is None:
            exec(compile(ast.Module([stmt], type_ignores=[]), str(path), "exec"), namespace)
            continue
        if not isinstance(stmt, ast.Expr):
            raise DocError(f"{path.name}:{stmt.end_lineno}: a '# ->' claim must end a top-level "
                           "expression (not an assignment or a compound statement)")
        value = eval(compile(ast.Expression(stmt.value), str(path), "eval"), namespace)
        run.claims += 1
        if not (matches(expected, repr(value)) or matches(expected, str(value))):
            raise DocError(f"{path.name}:{stmt.end_lineno}: claims '# -> {expected}' but the value is "
                           f"{_short(repr(value))}")


def shell_commands(code: str) -> list[str]:
    """The commands of a shell block: continuation lines joined, blank lines and comment lines dropped."""
    commands, current = [], ""
    for line in code.splitlines():
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        if current.strip() and not current.lstrip().startswith("#"):
            commands.append(current.strip())
        current = ""
    return commands


def _words(command: str) -> tuple[str, ...]:
    """A command as its shell words (quoting and a trailing comment aside)."""
    return tuple(shlex.split(command, comments=True))


_EXCLUDED_WORDS = {_words(command) for command in EXCLUDED}


def _program(command: str) -> str:
    words = list(_words(command))
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        words = words[1:]
    return words[0] if words else ""


def run_shell(block: Block, path: Path, run: PageRun, env: dict[str, str], cwd: Path,
              sb: Callable[[], Any]) -> str:
    """Run a shell block's commands (the excluded ones aside) with bash; returns their stdout."""
    kept = []
    for command in shell_commands(block.code):
        if _words(command) in _EXCLUDED_WORDS:
            run.excluded.append(command)
            continue
        program = _program(command)
        if program not in RUNNABLE:
            raise DocError(f"{path.name}:{block.line}: the harness does not run {program!r} ({command!r}); "
                           f"runnable programs: {', '.join(sorted(RUNNABLE))}. Add the exact line to EXCLUDED "
                           "in tests/docs/harness.py with the reason, if another CI step runs it")
        kept.append(command)
    if not kept:
        return ""
    script = "\n".join(kept)
    if needs_sandbox(script) or re.search(r"\$\{?(" + "|".join(SHELL_VARIABLES) + r")\b", script):
        site = sb()
        script = substitute(script, site)
        env = {**env, **{name: value(site) for name, value in SHELL_VARIABLES.items()
                         if re.search(rf"\$\{{?{name}\b", script)}}
    for word in shlex.split(script, comments=True):
        if word.startswith("/") or re.match(r"^-[\w-]*=/", word):
            raise DocError(f"{path.name}:{block.line}: {word!r} is an absolute path; commands run in a "
                           "temporary folder, so write a relative path (or a documented placeholder)")
    run.shell_blocks += 1
    try:
        done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise DocError(f"{path.name}:{block.line}: the shell block did not finish within 120 s") from None
    if done.returncode != 0:
        raise DocError(f"{path.name}:{block.line}: the shell block exited with status {done.returncode}:\n"
                       f"{done.stderr[-2000:]}")
    return done.stdout


def shell_environment(bin_dir: Path) -> dict[str, str]:
    """The environment of shell blocks: no TRACKFRAMES_* variables, and ``trackframes`` from this checkout."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "trackframes"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                    '"import sys; from trackframes.cli import main; sys.exit(main())" "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKFRAMES_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    return env


def run_page(path: Path, workdir: Path, namespace: dict[str, Any] | None = None) -> PageRun:
    """Run every code block of a page in order (python in one namespace, in ``workdir``)."""
    import trackframes as tf

    blocks = parse_blocks(path.read_text(encoding="utf-8"))
    run = PageRun()
    namespace = {"__name__": "docs"} if namespace is None else namespace
    sandbox: list[Any] = []

    def harness_sandbox() -> Any:
        if not sandbox:
            sandbox.append(tf.sandbox.serve(scale=0.05, seed=0, script_name=SCRIPT_NAME))
        return sandbox[0]

    env = shell_environment(workdir / ".harness-bin")
    try:
        for block in blocks:
            where = f"{path.name}:{block.line}"
            if block.lang not in PYTHON | SHELL:
                continue
            check_urls(block.code, where)
            check_prose(block, where)
            if block.lang in PYTHON:
                code = substitute(block.code, harness_sandbox()) if needs_sandbox(block.code) else block.code
                code = substitute_kitsu(code)
                run.python_blocks += 1
                try:
                    printed = run_python(Block(block.lang, code, block.line), namespace, path, run)
                except DocError:
                    raise
                except BaseException as exc:
                    exc.add_note(f"raised by the ```python block at {where}")
                    raise
            else:
                printed = run_shell(block, path, run, env, workdir, harness_sandbox)
            sys.stdout.write(printed)
            if block.output is not None:
                run.outputs += 1
                if not matches(block.output.code, printed):
                    raise DocError(f"{where}: the ```text block at line {block.output.line} does not match "
                                   f"what the block printed:\n--- page says\n{block.output.code}"
                                   f"--- block printed\n{printed}")
    finally:
        _close_all(namespace, sandbox)
    return run


def _close_all(namespace: dict[str, Any], sandbox: list[Any]) -> None:
    from trackframes.sandbox.launcher import Sandbox
    from trackframes.site import Site

    for value in list(namespace.values()):
        if isinstance(value, (Site, Sandbox)):
            with contextlib.suppress(Exception):
                value.close()
    for sb in sandbox:
        sb.close()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def _short(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
