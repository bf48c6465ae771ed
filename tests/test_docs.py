"""The documentation names every public name, and its links and tutorials hold.

The site itself is built by ``.ci/run`` (``mkdocs build --strict``: a broken
link, a broken reference or a tutorial that raises fails it); these tests check
what can be checked without the ``docs`` extra.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

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
