"""The architecture is a rule, not a habit: an AST scan of every import.

The layers, lowest first: the base modules (``errors``, ``_version``,
``text``), ``engine``, ``storage``, ``training``, then ``forecasting`` and
``lessons`` side by side, and ``cli`` on top. A module may import its own
layer and the ones below; ``forecasting`` and ``lessons`` never import each
other; nothing imports ``cli``; nothing imports the package ``__init__`` or a
subpackage's; no import cycle, at module level or inside functions; no
``_private`` name crosses a module boundary.

Inside ``forecasting`` the stages follow the flow, lowest first (see
:data:`STAGES`): ``progress`` (the display every stage may report to),
``io`` (bytes to a validated dataset), ``features`` (scalings, seasons,
windows), ``models`` (one method each), ``ensemble`` (plan, search, members,
prediction), ``evaluation`` (backtests, metrics, reports) and ``forecaster``
(the facade). A stage imports its own and the stages below, never one above:
each hands the next a value and is not called back.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "unrolled"

BASE = "base"
ALLOWED = {
    BASE: {BASE},
    "engine": {BASE, "engine"},
    "storage": {BASE, "engine", "storage"},
    "training": {BASE, "engine", "storage", "training"},
    "forecasting": {BASE, "engine", "storage", "training", "forecasting"},
    "lessons": {BASE, "engine", "storage", "training", "lessons"},
    "cli": {BASE, "engine", "storage", "training", "forecasting", "lessons", "cli"},
}
# the public re-exports (the package, its models namespace) and ``python -m``
TOP = {"unrolled", "unrolled.models", "unrolled.__main__"}
# the stages of forecasting, lowest first: a module of a stage (a subpackage
# or a top-level module of forecasting) imports only its own stage and those before
STAGES = ("progress", "io", "features", "models", "ensemble", "evaluation",
          "forecaster")  # fmt: skip
FORECASTING = "unrolled.forecasting"


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def stage(name: str) -> str | None:
    """The forecasting stage of a dotted module name (None outside one)."""
    parts = name.split(".")
    return parts[2] if name.startswith(FORECASTING + ".") else None


def stage_broken(name: str, target: str) -> bool:
    """Whether ``name`` imports a later forecasting stage (an unknown one: too)."""
    a, b = stage(name), stage(target)
    if a is None or b is None or a == b:
        return False
    if a not in STAGES or b not in STAGES:
        return True
    return STAGES.index(b) > STAGES.index(a)


def layer(name: str) -> str:
    """The layer of a dotted module name."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (parts[1:] and parts[1] in ALLOWED) else BASE


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple]:
    """``(line, imported module, imported names)`` of every import in a module,
    relative ones resolved; a name that is itself a module counts as that module."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = tuple(a.name for a in node.names)
            subs = [n for n in names if f"{target}.{n}" in known]
            found += [(node.lineno, f"{target}.{n}", ()) for n in subs]
            rest = tuple(n for n in names if n not in subs)
            if rest or not subs:
                found.append((node.lineno, target, rest))
    return [f for f in found if f[1].split(".")[0] == PACKAGE.name or f[1] in known]


def violations(root: Path) -> list[str]:
    """Every broken rule in the package at ``root``, one line each."""
    known = modules(root)
    graph: dict[str, set[str]] = {n: set() for n in known}
    bad = []
    for name, path in known.items():
        for line, target, names in imports(name, path, known):
            where = f"{path.relative_to(root.parent)}:{line}"
            if target not in known:
                continue
            graph[name].add(target)
            is_package = known[target].name == "__init__.py"
            if is_package and name not in TOP:
                bad.append(f"{where}: imports the package __init__ {target}")
            if name in TOP:
                if layer(target) == "cli" and name != "unrolled.__main__":
                    bad.append(f"{where}: imports the command line {target}")
            elif layer(target) not in ALLOWED[layer(name)]:
                bad.append(f"{where}: {layer(name)} imports {layer(target)} ({target})")
            if stage_broken(name, target):
                bad.append(f"{where}: stage {stage(name)} imports {stage(target)} "
                           f"({target})")  # fmt: skip
            private = [n for n in names if n[:1] == "_" and n[:2] != "__"]
            if private and target != name:
                bad.append(f"{where}: imports private {', '.join(private)} of {target}")
    return bad + [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp) + [sorted(comp)[0]])

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_package_keeps_every_layering_rule():
    assert violations(PACKAGE) == []


def test_every_subpackage_is_a_layer():
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert subpackages == set(ALLOWED) - {BASE}


def test_every_forecasting_module_is_in_a_stage():
    root = PACKAGE / "forecasting"
    found = {p.parent.name for p in root.glob("*/__init__.py")}
    found |= {p.stem for p in root.glob("*.py")} - {"__init__"}
    assert found == set(STAGES)


PLANTS = [  # (module, line planted at its end, the violation it must report)
    ("engine/cells.py", "from ..forecasting import data", "engine imports forecasting"),
    (
        "forecasting/evaluation/metrics.py",
        "from ...lessons import statland",
        "imports lessons",
    ),
    ("lessons/explain.py", "from ..cli import render", "lessons imports cli"),
    ("storage/atomic.py", "from .. import Forecaster", "imports the package __init__"),
    ("training/fit.py", "from ..forecasting.io.reader import X", "imports forecasting"),
    (
        "forecasting/io/dialect.py",
        "from .reader import _names",
        "imports private _names",
    ),
    ("engine/cells.py", "def f():\n    from . import network", "import cycle"),
]


# one plant per stage rule: each stage importing the stage after it, and a
# few longer jumps (at module level and inside a function)
STAGE_PLANTS = [
    ("forecasting/progress.py", "from .io import dataset", "progress imports io"),
    ("forecasting/io/dates.py", "from ..features import seasons",
     "io imports features"),
    ("forecasting/features/seasons.py", "from ..models import theta",
     "features imports models"),
    ("forecasting/models/classical.py", "from ..ensemble import plan",
     "models imports ensemble"),
    ("forecasting/ensemble/plan.py", "from ..evaluation import metrics",
     "ensemble imports evaluation"),
    ("forecasting/evaluation/metrics.py", "from .. import forecaster",
     "evaluation imports forecaster"),
    ("forecasting/io/source.py", "def f():\n    from ..models import baselines",
     "io imports models"),
    ("forecasting/io/reader.py", "from ..evaluation.report import Report",
     "io imports evaluation"),
    ("forecasting/features/scaling.py", "from ..ensemble.members import Member",
     "features imports ensemble"),
    ("forecasting/models/base.py", "def f():\n    from ..evaluation.metrics import mae",
     "models imports evaluation"),
    ("forecasting/ensemble/search.py", "from .. import forecaster",
     "ensemble imports forecaster"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "code", "expected"), PLANTS + STAGE_PLANTS)
def test_a_planted_violation_is_caught(tmp_path, target, code, expected):
    root = tmp_path / PACKAGE.name
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    path = root / target
    path.write_text(path.read_text() + "\n" + code + "\n")
    found = violations(root)
    assert any(expected in v for v in found), found
