"""The summary that benchmarks/seasonal_real.py (and fresh_real.py,
panels_real.py) prints under its table: the counts the README quotes."""

import importlib
import pathlib


def test_the_summary_counts_each_methods_bests_and_its_losses_to_seasonal_naive(
    monkeypatch, capsys
):
    monkeypatch.syspath_prepend(str(pathlib.Path(__file__).parents[1] / "benchmarks"))
    seasonal_real = importlib.import_module("seasonal_real")
    rows = {  # name: (each method's ratio, passes the seasonality test)
        "a": ({"ensemble": 0.5, "seasonal_naive": 0.4, "AutoETS": 0.6}, True),
        "b": ({"ensemble": 0.2, "seasonal_naive": 0.9, "AutoETS": 0.3}, True),
        "c": ({"ensemble": 0.7, "seasonal_naive": 0.8, "AutoETS": 0.1}, False),
        "d": ({"ensemble": 0.3, "seasonal_naive": 0.6, "AutoETS": 0.4}, True),
    }
    seasonal_real.summary(rows)
    lines = capsys.readouterr().out.splitlines()
    # ensemble: 0.5 * 0.2 * 0.7 * 0.3 = 0.021, its fourth root 0.3807
    assert lines[0] == "geometric mean: ens 0.381, snaive 0.645, ETS 0.291"
    assert lines[1] == (
        "ensemble vs seasonal naive on the 3 seasonal series: 2 wins, 1 losses"
    )
    assert lines[2] == "ensemble vs AutoETS: 3 wins, 1 losses"
    assert lines[3] == "ensemble best of all on 2 of 4"
    assert lines[4] == "best of all, each method (of 4): ens 2, snaive 1, ETS 1"
    # c fails the test, so ETS's loss to seasonal naive there does not count
    assert lines[5] == (
        "behind seasonal naive on the 3 seasonal series, each method: ens 1, ETS 1"
    )
    assert len(lines) == 6
