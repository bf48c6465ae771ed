"""Reports a person can read: width, one precision per column, honest words.

The commands run as a person runs them off a terminal (a subprocess with its
output piped, ``COLUMNS`` unset): every line fits 80 columns, every table
column prints its numbers with one number of decimals, and "beats" is said
only where the printed figures differ.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from unrolled.forecasting.evaluation.report import Report, SeriesResult
from unrolled.text import decimals, table

NUMBER = re.compile(r"^-?\d+(\.\d+)?%?\*?$")


def run_cli(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [sys.executable, "-m", "unrolled", *args],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def tables(text: str):
    """Every table in ``text``: its columns' cells, cut by the dashes' spans."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line or set(line) - {"-", " "} or "--" not in line:
            continue
        spans = [m.span() for m in re.finditer(r"-+", line)]
        body = []
        for row in lines[i + 1 :]:
            if not row.strip():
                break
            body.append(row)
        yield lines[i - 1], [
            [row[a:b].strip() for row in body] for a, b in spans
        ]  # fmt: skip


def mixed_columns(text: str) -> list[tuple[str, list[str]]]:
    """Columns whose numbers print with different numbers of decimals."""
    out = []
    for head, cols in tables(text):
        for col in cols:
            nums = [c.rstrip("*").strip() for c in col if NUMBER.match(c)]
            for kind in (True, False):  # shares (85%) apart from other numbers
                same = [c.rstrip("%") for c in nums if c.endswith("%") == kind]
                if len({len(c.partition(".")[2]) for c in same}) > 1:
                    out.append((head, col))
    return out


@pytest.fixture(scope="module")
def forecast_output() -> str:
    return run_cli("forecast", "--data", "co2", "--horizon", "3", "--level", "80",
                   "95", "-q")  # fmt: skip


@pytest.mark.parametrize("args", [("datasets",), ("statland",)])
def test_short_commands_fit_80_columns_with_one_precision_per_column(args):
    out = run_cli(*args)
    assert max(len(x) for x in out.splitlines()) <= 80
    assert list(tables(out)), out
    assert mixed_columns(out) == []


def test_datasets_wraps_its_descriptions_instead_of_running_190_wide():
    out = run_cli("datasets")
    assert "Monthly closing prices of" in out
    assert len(out.splitlines()) > 5  # the descriptions continue on lines below


def test_the_forecast_report_fits_80_columns_and_explains_every_column(
    forecast_output,
):
    out = forecast_output
    assert max(len(x) for x in out.splitlines()) <= 80, out
    assert mixed_columns(out) == []
    for word in ("train:", "test:", "last:", "next:", "best:", "held:",
                 "width/naive:", "+k:", "dir:"):  # fmt: skip
        assert word in out, word
    naive = next(x for x in out.splitlines() if x.startswith("co2") and "naive " in x)
    assert len(naive.split()) == 6  # series, method, MAE, RMSE, MAPE%, MASE: no dir


def test_the_forecast_report_says_it_forecast_one_to_three_steps_ahead(
    forecast_output,
):
    head = " ".join(forecast_output.split("\n\n")[0].split())
    assert head.startswith(
        "Rolling-origin 1- to 3-step forecasts over the last 12 points of each "
        "series (monthly data, seed 0); the metrics score one step ahead, the "
        "multi-step table each step."
    )


def test_the_header_says_one_step_only_where_one_step_was_scored():
    one = Report([_result("a", 1.0, 2.0)], "monthly", 0, {})
    assert one.format().startswith(
        "Rolling-origin one-step forecasts over the last 5 points of each series "
        "(monthly\ndata, seed 0).\n"
    )
    far = _result("a", 1.0, 2.0)
    far.horizon = [1.0, 2.0]
    far.steps = {m: [{"mae": 1.0, "mase": 1.0, "n": 5}] * 2 for m in far.metrics}
    words = " ".join(Report([far], "monthly", 0, {}).format().split())
    assert words.startswith("Rolling-origin 1- to 2-step forecasts over the last 5 ")
    assert "the multi-step table each step." in words


def test_decimals_is_one_rule_per_column():
    assert decimals([0.7143, 0.819]) == 4
    assert decimals([130.32, 5.2]) == 1
    assert decimals([0.0, 0.5, 1.0]) == 1
    assert decimals([12.0, 3.0]) == 0
    t = table(["a", "b"], [[0.7143, 1.0], [0.819, 130.32]])
    assert t.splitlines()[2:] == ["0.7143    1.0", "0.8190  130.3"]
    assert mixed_columns(t) == []
    old = table(["a", "b"], [[0.7143, 1.0], [0.819, 130.32]], floatfmt=".4g")
    assert len(mixed_columns(old)) == 2  # the checker sees a per-cell format


def test_a_wide_numeric_table_folds_and_repeats_its_first_column():
    rows = [["series one", *np.linspace(100, 200, 14)]]
    heads = ["series"] + [f"+{k}" for k in range(1, 15)]
    out = table(heads, rows, width=60)
    assert max(len(x) for x in out.splitlines()) <= 60
    assert out.count("series one") >= 2 and "+14" in out


def _result(name, rnn, naive):
    metrics = {m: {"mae": v, "rmse": v, "mape": 1.0, "mase": v, "direction": 0.5}
               for m, v in (("ensemble", rnn), ("naive", naive))}  # fmt: skip
    v = np.arange(20.0)
    return SeriesResult(name, 15, 5, 1.0, [1.0], metrics, None, v)


def test_equal_printed_errors_are_called_level_not_a_win():
    # 1.35001 and 1.35 print alike (1.350): neither beats the other
    r = Report([_result("a", 1.35001, 1.35), _result("b", 1.0, 2.0)], "monthly", 0,
               {})  # fmt: skip
    words = " ".join(r.verdict())
    assert "beats naive on 1 of 2 series" in words
    assert "level with naive on: a" in words
    tie = Report([_result("a", 1.349999, 1.35)], "monthly", 0, {})
    assert tie.verdict()[0].startswith("The ensemble does not beat the naive")
    assert "level with it on a" in tie.verdict()[0]


def test_the_jupyter_table_has_one_precision_per_column():
    r = Report([_result("a", 0.7143, 0.819), _result("b", 1.0, 2.0)], "monthly", 0,
               {})  # fmt: skip
    html = r._repr_html_()
    # the column's largest, 2.0, gets 4 significant digits: 3 decimals for all
    assert "<td>0.714</td>" in html and "<td>0.819</td>" in html
    assert "<td>1.000</td>" in html and "<td>2.000</td>" in html


def test_a_column_spanning_many_orders_of_magnitude_is_scientific_throughout():
    from unrolled.text import number_format, table

    assert number_format([0.7143, 0.819]) == ".4f"
    assert number_format([2.0, 1.126e15]) == ".3e"
    assert number_format([0.5, 9.333e-302]) == ".3e"
    assert number_format([0.0, 0.5, 1.0]) == ".1f"
    lines = table(["n", "w2**n"], [[1, 2.0], [50, 1.125899906842624e15]]).splitlines()
    assert lines[2:] == [" 1  2.000e+00", "50  1.126e+15"]
