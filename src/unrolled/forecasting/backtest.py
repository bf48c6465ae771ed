"""Honest evaluation: chronological split, rolling-origin forecasts, baselines.

The last ``test`` points of every series are held out. The network is
trained on what comes before (its own validation slice is carved from that
part too); then, at every test origin, the network and every baseline see
the true history up to the origin and never after it, forecast one step,
and are scored with MAE, RMSE, MAPE, MASE and directional accuracy. The
baselines are refitted at each origin; the network's scalers stay those fitted
on the training part.

Example::

    from unrolled.forecasting.backtest import backtest
    from unrolled.forecasting.data import load_bundled
    from unrolled.forecasting.forecaster import Forecaster
    report = backtest(Forecaster(seed=0), load_bundled("stocks"), test=12)
    print(report.format())
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .baselines import BASELINES, make_baseline
from .data import as_dataset
from .dataset import Dataset, Series
from .metrics import evaluate as score

MIN_TRAIN = 2  # training points a series keeps, whatever --test asks
NETWORK = "rnn"  # the network's key in the metrics (whatever its cell)


@dataclass
class SeriesResult:
    """Evaluation of one series."""

    name: str
    n_train: int
    n_test: int
    next: float  # forecast of the value after the last one given
    horizon: list[float]  # next ``horizon`` values (recursive)
    metrics: dict[str, dict[str, float]]  # method -> metric -> value
    dates: object = None  # DatetimeIndex of the whole series
    values: np.ndarray = None  # the whole series
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)  # over the test

    @property
    def best(self) -> str:
        """The method with the lowest MAE on the test part."""
        return min(self.metrics, key=lambda m: self.metrics[m]["mae"])

    @property
    def beats_naive(self) -> bool:
        return self.metrics[NETWORK]["mae"] < self.metrics["naive"]["mae"]


@dataclass
class Report:
    """What :func:`backtest` or :func:`evaluate_fitted` found, ready to print."""

    series: list[SeriesResult]
    frequency: str
    seed: int
    config: dict
    notes: list[str] = field(default_factory=list)
    search: list = field(default_factory=list)

    def to_json(self) -> dict:
        """The documented JSON: series (name, n_train, n_test, next, metrics)..."""
        rows = []
        for s in self.series:
            row = {
                "name": s.name,
                "n_train": s.n_train,
                "n_test": s.n_test,
                "next": _num(s.next),
                "metrics": {
                    m: {k: _num(v) for k, v in d.items()} for m, d in s.metrics.items()
                },
            }
            if len(s.horizon) > 1:
                row["horizon"] = [_num(v) for v in s.horizon]
            rows.append(row)
        out = {"series": rows, "frequency": self.frequency, "seed": self.seed}
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def verdict(self) -> list[str]:
        """Plain sentences on the network against naive and the other baselines."""
        n = len(self.series)
        ratio = {
            s.name: s.metrics[NETWORK]["mae"] / s.metrics["naive"]["mae"]
            for s in self.series
            if s.metrics["naive"]["mae"] > 0
        }
        wins = [s.name for s in self.series if s.beats_naive]
        if not wins:
            lines = [
                "The network does not beat the naive forecast (last value) on any "
                "series. On prices this is the usual outcome: they move close to a "
                "random walk, and naive is the forecast to beat."
            ]
        else:
            lines = [f"The network beats naive on {len(wins)} of {n} series."]
            losers = [s.name for s in self.series if not s.beats_naive]
            if losers:
                lines.append(f"It does not beat naive on: {', '.join(losers)}.")
            gain = max(1 - ratio.get(w, 1.0) for w in wins)
            if gain < 0.1:
                lines.append(
                    f"Where it wins, it cuts naive's error by {gain:.0%} at most: "
                    "about what chance gives on this few test points."
                )
        best = [s.name for s in self.series if s.best == NETWORK]
        lines.append(
            f"It is the best of all methods on {len(best)} of {n} series"
            + (f" ({', '.join(best)})." if best else ".")
        )
        far = [name for name, r in ratio.items() if r < 0.5]
        if far:
            lines.append(
                f"On {', '.join(far)} its error is under half of naive's: real "
                "skill on seasonal or autocorrelated data, but on stock prices "
                "more likely a leak of the future than skill."
            )
        if self.config.get("epochs", 99) <= 3 and self.search:
            lines.append(
                f"Validation stopped training after {self.config['epochs']} "
                "epoch(s): beyond the average change, the network found nothing "
                "in the history that helps."
            )
        return lines

    def format(self) -> str:
        """The terminal report: forecasts, the metrics table, the verdict."""
        from ..text import table

        c = self.config
        head = [
            "Rolling-origin one-step forecasts over the last "
            f"{max(s.n_test for s in self.series)} points of each series "
            f"({self.frequency} data, seed {self.seed}).",
            _network_line(c, len(self.search)),
        ]
        rows1 = [
            [s.name, s.n_train, s.n_test, float(s.values[-1]), s.next, s.best]
            for s in self.series
        ]
        t1 = table(["series", "train", "test", "last", "next", "best"], rows1)
        rows2 = []
        for s in self.series:
            for m, d in s.metrics.items():
                mark = " *" if m == s.best else ""
                rows2.append(
                    [
                        s.name,
                        m + mark,
                        d["mae"],
                        d["rmse"],
                        d["mape"],
                        d["mase"],
                        d["direction"],
                    ]
                )
        t2 = table(["series", "method", "MAE", "RMSE", "MAPE%", "MASE", "dir"], rows2)
        parts = ["\n".join(head), t1, t2 + "\n(* best MAE of the series)"]
        parts.append("\n".join(self.verdict()))
        if self.notes:
            parts.append("\n".join(f"note: {n}" for n in self.notes))
        return "\n\n".join(parts)


def _network_line(c: dict, tried: int) -> str:
    """One sentence on the network(s) behind the forecasts."""
    best = (
        f"{c.get('cell', '?').upper()}, {c.get('layers', 1)} layer(s), hidden "
        f"{c.get('hidden')}, window {c.get('window')}, scaling {c.get('scaling')}, "
        f"lr {c.get('lr')}, {c.get('epochs')} epoch(s)"
    )
    k = c.get("ensemble", 1)
    if k > 1:
        return (
            f"Network: the mean of the {k} best of {tried} configurations on the "
            f"validation slice; the best: {best}."
        )
    if tried > 1:
        return f"Network: {best} (the best of {tried} configurations on validation)."
    return f"Network: {best}."


def _num(v):
    """A JSON number, or None where undefined."""
    v = float(v)
    return v if math.isfinite(v) else None


def split_sizes(lengths: list[int], test: int) -> list[int]:
    """Test points per series: ``test``, leaving at least :data:`MIN_TRAIN`."""
    if isinstance(test, bool) or not isinstance(test, int | np.integer) or test < 1:
        raise ValueError(f"test: expected an integer >= 1, got {test!r}")
    return [max(1, min(int(test), n - MIN_TRAIN)) for n in lengths]


def _head(ds, sizes):
    """The dataset with the last ``sizes[i]`` points of series i removed."""

    parts = [
        Series(s.name, s.dates[: len(s) - k], s.values[: len(s) - k])
        for s, k in zip(ds.series, sizes, strict=True)
    ]
    return Dataset(parts, ds.frequency, ds.source, list(ds.notes), ds.pandas_freq)


def backtest(
    forecaster, data, test: int = 12, horizon: int = 1, **fit_options
) -> Report:
    """Fit ``forecaster`` on the training parts and evaluate it on the test parts.

    Parameters
    ----------
    forecaster : Forecaster
        Unfitted (it is fitted here, on the training parts only).
    data : Dataset, DataFrame, dict or list of arrays
    test : int
        Points held out at the end of each series (fewer for a series that
        would keep less than :data:`MIN_TRAIN` points).
    horizon : int
        Values forecast after the end of each series (recursive).
    **fit_options
        Passed to ``forecaster.fit`` (``checkpoint``, ``resume``, ...).

    Returns
    -------
    Report
    """
    ds = as_dataset(data)
    sizes = split_sizes([len(s) for s in ds.series], test)
    forecaster.fit(_head(ds, sizes), **fit_options)
    return evaluate_fitted(forecaster, ds, test, horizon, sizes)


def evaluate_fitted(
    forecaster, data, test: int = 12, horizon: int = 1, sizes=None
) -> Report:
    """Rolling-origin evaluation of an already fitted forecaster on ``data``.

    Series the forecaster has not seen get their scaling fitted on their part
    before the test points. Returns a :class:`Report`.
    """
    ds = as_dataset(data)
    names = [s.name for s in ds.series]
    values = [np.asarray(s.values, dtype=np.float64) for s in ds.series]
    if sizes is None:
        sizes = split_sizes([len(v) for v in values], test)
    cut = [len(v) - k for v, k in zip(values, sizes, strict=True)]
    origins = [(i, o) for i, v in enumerate(values) for o in range(cut[i], len(v))]
    net = forecaster.one_step(values, origins, names, fit_upto=cut)
    ahead = forecaster.predict(ds, horizon=horizon)
    results, k = [], 0
    for i, (name, v) in enumerate(zip(names, values, strict=True)):
        pos = np.arange(cut[i], len(v))
        preds = {NETWORK: net[k : k + len(pos)]}
        k += len(pos)
        for b in BASELINES:
            preds[b] = np.array(
                [make_baseline(b, ds.frequency).fit(v[:o]).predict(1)[0] for o in pos]
            )
        train = v[: cut[i]]
        metrics = {m: score(v[pos], p, train, v[pos - 1]) for m, p in preds.items()}
        results.append(
            SeriesResult(
                name,
                int(cut[i]),
                int(len(pos)),
                float(ahead[name][0]),
                [float(x) for x in ahead[name]],
                metrics,
                ds.series[i].dates,
                v,
                preds,
            )
        )
    return Report(
        results,
        ds.frequency,
        int(forecaster.seed),
        dict(forecaster.config_),
        list(ds.notes),
        list(getattr(forecaster, "search_", [])),
    )
