"""Claims the pages make in prose (not in code blocks) that the block harness cannot see."""

from __future__ import annotations

import re

import pytest

import trackframes as tf

from .harness import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_names_the_projects_the_sandbox_serves_and_which_is_archived():
    named = re.search(r'projects "([^"]+)", "([^"]+)" and the archived "([^"]+)"', README)
    assert named, "the README's quickstart names the sandbox's projects"
    with tf.sandbox.serve(scale=0.1, seed=0) as sb:
        projects = sb.connect(progress=False).projects(include_archived_projects=True)
    archived = dict(zip(projects["name"], projects["archived"]))
    assert archived == {named.group(1): False, named.group(2): False, named.group(3): True}


@pytest.mark.parametrize("backend, says, auth", [
    ("ftrack", "ftrack, through its operations API", lambda: tf.ApiKey("jane", "k")),
    ("kitsu", "Kitsu, through\nits server Zou's REST API", lambda: tf.BearerToken("t")),
])
def test_what_works_today_names_each_backend_and_it_connects(backend, says, auth):
    assert says in README
    assert "not available yet" not in README
    site = tf.connect("https://studio.example.com/api", backend=backend, auth=auth())
    assert site.backend.name == backend


def test_every_doc_page_is_linked_from_the_readme():
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)\)", README))
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set(), "pages the README does not link to"


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_at_files_that_exist(page):
    targets = re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
    missing = [t for t in targets if not (page.parent / t).exists()]
    assert missing == []
