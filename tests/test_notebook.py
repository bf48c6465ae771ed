"""examples/forecast.ipynb, executed as a person runs it: a real Jupyter kernel.

The fit shows its progress (rich's bar as a widget, or one line per step
where ipywidgets is missing), the report prints its verdict, the picture
is an image, and the forecasts carry their interval columns.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "forecast.ipynb"
SRC = Path(__file__).resolve().parents[1] / "src"
WIDGET = "application/vnd.jupyter.widget-view+json"


def outputs(cell) -> list[dict]:
    return [dict(o) for o in cell.get("outputs", [])]


def text_of(out: dict) -> str:
    return out.get("text") or out.get("data", {}).get("text/plain", "")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env) if p)
    try:
        where = tmp_path_factory.mktemp("notebook")
        nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3",
            resources={"metadata": {"path": str(where)}},
        ).execute()  # fmt: skip
    finally:
        os.environ["PYTHONPATH"] = env
    return [c for c in nb.cells if c.cell_type == "code"]


def shows_progress(cell) -> bool:
    """rich's bar (a widget) or, without ipywidgets, the line saying so."""
    outs = outputs(cell)
    return any(WIDGET in o.get("data", {}) for o in outs) or any(
        "progress:" in text_of(o) for o in outs
    )


@pytest.mark.slow
def test_the_notebook_runs_and_shows_progress_report_picture_and_intervals(executed):
    imports, backtest, picture, predict = executed
    assert "MSFT" in text_of(outputs(imports)[-1])
    assert shows_progress(backtest) and shows_progress(predict)
    printed = "".join(
        text_of(o) for o in outputs(backtest) if o.get("name") == "stdout"
    )
    assert "Rolling-origin one-step forecasts over the last 6 points" in printed
    assert "The ensemble beats naive on" in printed
    assert any("image/png" in o.get("data", {}) for o in outputs(picture))
    table = text_of(outputs(predict)[-1])
    assert "ensemble-lo-95" in table and "ensemble-hi-80" in table
    assert not [o for c in executed for o in outputs(c) if o["output_type"] == "error"]
