"""The documentation names every public name, and its links and tutorials hold.

The site itself is built by ``.ci/run`` (``mkdocs build --strict``: a broken
link, a broken reference or a tutorial that raises fails it); these tests check
what can be checked without the ``docs`` extra.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import test_readme as readme

import unrolled

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def reference_entries() -> set[str]:
    names = set()
    for page in (DOCS / "reference").glob("*.md"):
        names |= set(re.findall(r"^::: unrolled\.(\S+)\s*$", page.read_text(), re.M))
    return names


def test_every_public_name_has_its_entry_in_the_api_reference():
    missing = sorted(set(unrolled.__all__) - reference_entries())
    assert missing == [], f"not in docs/reference/*.md: {missing}"


def test_the_api_reference_names_nothing_that_is_not_public():
    extra = sorted(reference_entries() - set(unrolled.__all__))
    assert extra == [], f"docs/reference/*.md documents non-public names: {extra}"


def test_every_page_and_tutorial_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")]
    pages += [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.ipynb")]
    missing = sorted(p for p in pages if p not in nav and p != "design.md")
    assert missing == [], f"pages missing from mkdocs.yml's nav: {missing}"


def test_the_readme_links_to_files_that_exist():
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [x for x in links if "://" not in x]
    assert len(local) >= 10
    missing = [x for x in local if not (ROOT / x).exists()]
    assert missing == [], f"README.md links to missing files: {missing}"


def test_the_readme_is_a_front_door_with_the_layout_section():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    first = text.split("```")[1]  # the set-up commands come first, unchanged
    assert "pip install . && unrolled forecast" in first
    assert "pip install '.[test]' && pytest" in first
    assert text.count("<!-- layout:start -->") == 1
    assert text.count("<!-- layout:end -->") == 1


def test_the_tutorials_are_notebooks_that_execute_without_stored_outputs():
    tutorials = sorted((DOCS / "tutorials").glob("*.ipynb"))
    assert len(tutorials) >= 3
    for nb in tutorials:
        cells = json.loads(nb.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert code, nb.name
        assert all(not c.get("outputs") for c in code), f"{nb.name} stores outputs"
    config = (ROOT / "mkdocs.yml").read_text()
    assert re.search(r"execute:\s*true", config)
    assert re.search(r"allow_errors:\s*false", config)
    assert re.search(r"^strict:\s*true", config, re.M)


DOC_PAGES = [DOCS / "getting-started.md", DOCS / "lesson.md"]
DOC_RUN = [
    (page, b)
    for page in DOC_PAGES
    for b in readme.blocks(page)
    if b.lang in ("console", "bash") and readme.commands(b)
]


def test_the_doc_pages_have_commands_to_run():
    assert {page.name for page, _ in DOC_RUN} == {p.name for p in DOC_PAGES}


@pytest.mark.slow
@pytest.mark.parametrize(
    "page,block", DOC_RUN, ids=[f"{p.name}:{b.line}" for p, b in DOC_RUN]
)
def test_doc_page_commands_run_and_print_what_the_page_shows(page, block, tmp_path):
    """The console blocks of the guide pages, run as the README's are."""
    env, vary = readme.environment(), block.mark("numbers-vary") is not None
    for cmd, expected in readme.commands(block):
        r = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=900)  # fmt: skip
        assert r.returncode == 0, f"{page.name}: $ {cmd}\n{r.stderr[-3000:]}"
        if expected:
            why = readme.matches(expected, r.stdout.splitlines(), vary)
            assert why is None, f"{page.name}: $ {cmd}: {why}\n{r.stdout[-4000:]}"
