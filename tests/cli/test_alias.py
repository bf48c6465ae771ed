"""``--alias NAME``: the ensemble's name on the command line, as
``Forecaster(alias=NAME)`` gives it in Python.

Run through the real ``unrolled`` console script in its own process (piped:
no bar to see); the name is everywhere the ensemble's was, and nothing else
changes.
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pandas as pd
import pytest
from terminal import SRC, unrolled_script

FAST = ["--epochs", "4", "--patience", "2", "--seed", "3"]
LEVEL = ["--horizon", "2", "--level", "80"]


def unrolled(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run([unrolled_script(), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def ok(r) -> str:
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A user's CSV (two monthly series in long form)."""
    d = tmp_path_factory.mktemp("alias")
    t = np.arange(48)
    rows = ["date,ticker,close"]
    for name, level in (("ACME", 50.0), ("BOLT", 80.0)):
        y = level + 0.3 * t + 4 * np.sin(2 * np.pi * t / 12) + np.cos(t)
        rows += [f"{2015 + i // 12}-{i % 12 + 1:02d}-01,{name},{v:.3f}"
                 for i, v in enumerate(y)]  # fmt: skip
    (d / "mine.csv").write_text("\n".join(rows) + "\n")
    return d


@pytest.fixture(scope="module")
def forecasts(work):
    """``forecast --json --out`` without and with ``--alias mine``."""
    common = ["forecast", "--data", "mine.csv", "--test", "6", *LEVEL, *FAST]
    plain = json.loads(ok(unrolled(*common, "--json", "--out", "plain.csv", cwd=work)))
    named = json.loads(ok(unrolled(*common, "--json", "--out", "named.csv",
                                   "--alias", "mine", cwd=work)))  # fmt: skip
    return plain, named


def renamed(value, old="ensemble", new="mine"):
    """``value`` (JSON) with the ensemble's name ``old`` put as ``new`` in its
    keys and in its strings that are that name or one of its columns."""
    if isinstance(value, dict):
        return {renamed(k, old, new): renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, old, new) for v in value]
    if isinstance(value, str) and (value == old or value.startswith(old + "-")):
        return new + value[len(old) :]
    return value


def test_forecast_json_names_the_ensemble_alias_and_changes_nothing_else(forecasts):
    plain, named = forecasts
    assert named["ensemble"] == "mine" and plain["ensemble"] == "ensemble"
    for s in named["series"]:
        assert "mine" in s["metrics"] and "ensemble" not in s["metrics"]
        assert "mine" in s["test"] and set(s["coverage"]) >= {"mine", "naive"}
    assert set(named["forecasts"][0]) == {"unique_id", "ds", "mine", "mine-lo-80",
                                          "mine-hi-80"}  # fmt: skip
    # the same numbers, under the new name (the config's "ensemble" is a count)
    assert set(named) == set(plain) and named["config"] == plain["config"]
    for key in set(plain) - {"ensemble", "config"}:
        assert named[key] == renamed(plain[key]), key


def test_forecast_out_heads_its_columns_with_the_alias(work, forecasts):
    plain = pd.read_csv(work / "plain.csv")
    named = pd.read_csv(work / "named.csv")
    assert list(named.columns) == ["unique_id", "ds", "mine", "mine-lo-80",
                                   "mine-hi-80"]  # fmt: skip
    assert len(named) == 2 * 2
    np.testing.assert_array_equal(named["mine"], plain["ensemble"])


def test_forecast_report_shows_the_alias_as_the_ensembles_row(work):
    out = ok(unrolled("forecast", "--data", "mine.csv", "--test", "6",
                      "--alias", "mine", *FAST, cwd=work))  # fmt: skip
    rows = [line.split() for line in out.splitlines()]
    methods = [r[1] for r in rows if len(r) > 5 and r[0] == "ACME"
               and not r[1][0].isdigit()]  # fmt: skip
    assert methods[0] == "mine" and "naive" in methods
    assert "ensemble" not in methods
    line = next(x for x in out.splitlines() if x.startswith("validation (MAE"))
    assert "in-sample MAE): mine " in line


@pytest.fixture(scope="module")
def model(work):
    out = ok(unrolled("train", "--data", "mine.csv", "--out", "model",
                      "--alias", "mine", *FAST, cwd=work))  # fmt: skip
    assert "saved to model" in out
    return work


def test_a_model_trained_with_an_alias_predicts_and_evaluates_under_it(model):
    doc = json.loads(ok(unrolled("predict", "--model", "model", *LEVEL, "--json",
                                 cwd=model)))  # fmt: skip
    assert set(doc["forecasts"][0]) == {"unique_id", "ds", "mine", "mine-lo-80",
                                        "mine-hi-80"}  # fmt: skip
    first = [r["mine"] for r in doc["forecasts"] if r["unique_id"] == "ACME"]
    assert first == [s["horizon"] for s in doc["series"] if s["name"] == "ACME"][0]
    out = ok(unrolled("predict", "--model", "model", *LEVEL, cwd=model))
    assert "mine-lo-80" in out and "ensemble" not in out
    rep = json.loads(ok(unrolled("evaluate", "--model", "model", "--data",
                                 "mine.csv", "--test", "6", "--json",
                                 cwd=model)))  # fmt: skip
    assert rep["ensemble"] == "mine"
    assert all("mine" in s["metrics"] for s in rep["series"])


@pytest.mark.parametrize(
    ("alias", "why"),
    [("naive", "'naive' is taken"), ("networks", "'networks' is taken"),
     ("m-lo-80", "'m-lo-80' is taken"), ("", "expected a non-empty name")],
)  # fmt: skip
@pytest.mark.parametrize("command", ["forecast", "train"])
def test_a_refused_alias_exits_2_naming_the_option_before_any_work(
    tmp_path, command, alias, why
):
    r = unrolled(command, "--out", "out", "--alias", alias, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("error: Invalid value for '--alias': ")
    assert why in r.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
