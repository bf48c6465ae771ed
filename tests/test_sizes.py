"""Short modules, short functions: a rule, not a habit (issue 41, item 6).

No module of the package over :data:`MAX_MODULE` lines, no function or method
over :data:`MAX_FUNCTION` (its whole text, docstring included, as a reader
sees it), except the modules of :data:`LONG_MODULES`, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "unrolled"
MAX_MODULE, MAX_FUNCTION = 500, 100

#: module (relative to the package) -> why it may be longer
LONG_MODULES = {
    "engine/kernels.py": "the Numba kernels of every cell, forward and backward, "
    "compiled together (one cache, one warm-up)",
}


def too_long(root: Path) -> list[str]:
    """Every module and function over its limit, one line each."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > MAX_MODULE and rel not in LONG_MODULES:
            out.append(f"{rel}: {lines} lines (at most {MAX_MODULE})")
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION:
                    out.append(f"{rel}:{node.lineno}: {node.name} is {n} lines "
                               f"(at most {MAX_FUNCTION})")  # fmt: skip
    return out


def test_no_module_or_function_is_over_its_limit():
    assert too_long(PACKAGE) == []


def test_every_long_module_exception_is_still_needed():
    for rel in LONG_MODULES:
        lines = len((PACKAGE / rel).read_text().splitlines())
        assert lines > MAX_MODULE, f"{rel} is {lines} lines: drop its exception"


def test_the_rule_bites(tmp_path):
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_MODULE + 1))
    body = "".join(f"    y = {k}\n" for k in range(MAX_FUNCTION))
    (tmp_path / "func.py").write_text(f"def f():\n{body}")
    (tmp_path / "fine.py").write_text("def g():\n    return 1\n")
    assert too_long(tmp_path) == [
        f"func.py:1: f is {MAX_FUNCTION + 1} lines (at most {MAX_FUNCTION})",
        f"long.py: {MAX_MODULE + 1} lines (at most {MAX_MODULE})",
    ]
