"""The doc harness itself: each rule it enforces fails a page that breaks it, and lets a good page pass."""

from __future__ import annotations

import doctest
import os
import textwrap
from pathlib import Path

import pytest

from . import harness
from .harness import DocError, run_page

FENCE = "```"


def page(tmp_path: Path, text: str) -> Path:
    """Write a Markdown page (``~~~`` stands for a fence) into ``tmp_path/page.md``."""
    path = tmp_path / "page.md"
    path.write_text(textwrap.dedent(text).replace("~~~", FENCE))
    return path


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("TRACKFRAMES_")]:
        monkeypatch.delenv(name)


def test_the_harness_docstring_examples_run():
    assert doctest.testmod(harness, optionflags=doctest.ELLIPSIS).failed == 0


def test_arrow_claims_are_checked_against_the_repr_or_the_str(tmp_path):
    good = page(tmp_path, """
        ~~~python
        x = {"a": 1, "b": [1, 2, 3]}
        x        # -> {'a': 1, ...}
        len(x["b"]) * 2   # -> 6
        "two words"       # -> two words
        ~~~
        """)
    assert run_page(good, tmp_path).claims == 3
    bad = page(tmp_path, """
        ~~~python
        x = 41
        x + 1    # -> 43
        ~~~
        """)
    with pytest.raises(DocError, match=r"page.md:4: claims '# -> 43' but the value is 42"):
        run_page(bad, tmp_path)


def test_an_arrow_claim_may_stand_alone_on_the_line_after_its_expression(tmp_path):
    good = page(tmp_path, "~~~python\nwords = ['a', 'b']\n'-'.join(words)\n# -> a-b\n~~~\n")
    assert run_page(good, tmp_path).claims == 1
    with pytest.raises(DocError, match="claims '# -> a b'"):
        run_page(page(tmp_path, "~~~python\n'-'.join(['a', 'b'])\n# -> a b\n~~~\n"), tmp_path)
    with pytest.raises(DocError, match="must end a top-level expression"):
        run_page(page(tmp_path, "~~~python\nx = 1\n\n# -> 1\n~~~\n"), tmp_path)


def test_an_arrow_claim_on_an_assignment_or_inside_a_block_is_refused(tmp_path):
    with pytest.raises(DocError, match="must end a top-level expression"):
        run_page(page(tmp_path, "~~~python\nx = 1   # -> 1\n~~~\n"), tmp_path)
    with pytest.raises(DocError, match="must end a top-level expression"):
        run_page(page(tmp_path, "~~~python\nfor i in range(2):\n    i   # -> 1\n~~~\n"), tmp_path)


def test_a_text_block_right_after_a_code_block_is_its_stdout(tmp_path):
    good = page(tmp_path, """
        ~~~python
        print("rows:", 3)
        print([1,
               2])
        ~~~

        ~~~text
        rows: 3
        [1, ...]
        ~~~
        """)
    assert run_page(good, tmp_path).outputs == 1
    bad = page(tmp_path, "~~~python\nprint(2)\n~~~\n~~~text\n3\n~~~\n")
    with pytest.raises(DocError, match="does not match what the block printed"):
        run_page(bad, tmp_path)


def test_a_text_block_after_prose_is_not_a_claim(tmp_path):
    text = page(tmp_path, "~~~python\nprint(2)\n~~~\n\nAn error reads:\n\n~~~text\nSchemaError: ...\n~~~\n")
    assert run_page(text, tmp_path).outputs == 0


def test_prose_saying_what_a_block_prints_is_refused(tmp_path):
    with pytest.raises(DocError, match="put the output in a ```text block"):
        run_page(page(tmp_path, "~~~python\nprint(True)\n~~~\n\nprints `True`.\n"), tmp_path)


def test_invalid_python_in_a_python_block_names_the_page_line(tmp_path):
    with pytest.raises(DocError, match=r"page.md:3: the ```python block is not valid Python"):
        run_page(page(tmp_path, "Title\n~~~python\nserve(**knobs, *more) -> Sandbox\n~~~\n"), tmp_path)


def test_an_exception_in_a_block_says_which_block(tmp_path):
    with pytest.raises(ZeroDivisionError) as info:
        run_page(page(tmp_path, "~~~python\nx = 1\n~~~\n\n~~~python\n1 / 0\n~~~\n"), tmp_path)
    assert "page.md:6" in "".join(info.value.__notes__)


def test_real_site_placeholders_run_against_the_harness_sandbox(tmp_path):
    real = page(tmp_path, """
        ~~~python
        import trackframes as tf

        site = tf.connect("https://yourstudio.shotgrid.autodesk.com",
                          auth=tf.ScriptKey("reports", "<script key>"), progress=False)
        site.url.startswith("http://127.0.0.1:")   # -> True
        sorted(site.find("Project", fields=["name"])["name"])   # -> ['Copper Sky', 'Hollow Pines']
        ~~~
        """)
    assert run_page(real, tmp_path).claims == 2


@pytest.mark.parametrize("url", ["https://studio.example.com", "http://10.0.0.1:8000/api"])
def test_a_url_that_is_not_a_placeholder_fails_before_anything_runs(tmp_path, url):
    marker = tmp_path / "ran"
    text = page(tmp_path, f'~~~python\nopen({str(marker)!r}, "w").close()\nurl = "{url}"\n~~~\n')
    with pytest.raises(DocError, match="is not a placeholder the harness replaces"):
        run_page(text, tmp_path)
    assert not marker.exists()


def test_shell_blocks_run_trackframes_from_this_checkout_and_check_their_output(tmp_path):
    from trackframes._version import __version__

    text = page(tmp_path, f"""
        ~~~bash
        pip install .
        trackframes --version
        ~~~

        ~~~text
        trackframes {__version__}
        ~~~
        """)
    run = run_page(text, tmp_path)
    assert (run.shell_blocks, run.outputs, run.excluded) == (1, 1, ["pip install ."])


def test_shell_placeholders_and_variables_reach_the_harness_sandbox(tmp_path):
    text = page(tmp_path, """
        ~~~bash
        export TRACKFRAMES_URL=https://yourstudio.shotgrid.autodesk.com
        export TRACKFRAMES_SCRIPT_NAME=reports TRACKFRAMES_SCRIPT_KEY="<script key>"
        trackframes export --entity Project --fields name -o /data/projects -q
        curl -s -X POST $URL/api/v1.1/auth/access_token -d "client_id=$SCRIPT&client_secret=$KEY&grant_type=client_credentials" | grep -c Bearer
        ~~~

        ~~~text
        1
        ~~~
        """)
    run_page(text, tmp_path)
    assert (tmp_path / "data" / "projects" / "_trackframes.json").is_file()


def test_shell_commands_outside_the_known_programs_are_refused_by_name(tmp_path):
    with pytest.raises(DocError, match=r"does not run 'rm' \('rm -rf build'\).*EXCLUDED"):
        run_page(page(tmp_path, "~~~bash\nrm -rf build\n~~~\n"), tmp_path)


def test_absolute_paths_in_shell_commands_are_refused(tmp_path):
    with pytest.raises(DocError, match="'/srv/tasks' is an absolute path"):
        run_page(page(tmp_path, "~~~bash\ntrackframes sync /srv/tasks\n~~~\n"), tmp_path)


def test_a_failing_shell_command_fails_the_page_with_its_error_line(tmp_path):
    with pytest.raises(DocError, match=r"exited with status 1:\ntrackframes sync: "):
        run_page(page(tmp_path, "~~~bash\ntrackframes sync nowhere --sandbox\n~~~\n"), tmp_path)


def test_sandboxes_and_sites_left_open_by_a_page_are_closed(tmp_path):
    from trackframes.sandbox.launcher import Sandbox
    from trackframes.site import Site

    namespace: dict[str, object] = {}
    text = page(tmp_path, "~~~python\nimport trackframes as tf\nsb = tf.sandbox.serve(scale=0.05)\n"
                          "site = sb.connect()\nsite.count('Project') > 0   # -> True\n~~~\n")
    run_page(text, tmp_path, namespace)
    assert isinstance(namespace["sb"], Sandbox) and namespace["sb"].closed
    assert isinstance(namespace["site"], Site)
