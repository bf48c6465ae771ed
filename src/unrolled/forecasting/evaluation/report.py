"""What a backtest found: per-series results, the verdict in words, table, JSON.

:class:`Report` prints as the terminal report (:meth:`Report.format`), gives
the documented JSON (:meth:`Report.to_json`), a per-series, per-method
metrics DataFrame (:meth:`Report.to_frame`) and an HTML table in Jupyter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ENSEMBLE = "ensemble"  # the ensemble's default key (a Forecaster's ``alias``)
NETWORKS = "networks"  # the networks alone: scored beside, never the best
LEGEND = (
    "MAE, RMSE: mean absolute / root mean squared error in the series' units; "
    "MAPE%: mean absolute percentage error; MASE: MAE over the mean absolute "
    "one-step change of the training part (below 1: better than naive was on "
    "the history); dir: share of steps whose direction (up/down) was right "
    "(none for naive, which never moves); *: the best MAE of the series."
)
NETWORKS_LEGEND = (
    "networks: the weighted mean of the ensemble's network members alone (no "
    "hybrid, no classical member), scored on the same points; a part of the "
    "ensemble shown beside it, not a method: never marked best."
)
SERIES_LEGEND = (
    "train: points the ensemble learned from (its validation slice included); "
    "test: points held out and forecast one step ahead from each origin; "
    "last: the series' last value; next: the forecast of the value after it; "
    "best: the method with the lowest MAE on the test points."
)


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
    steps: dict = field(default_factory=dict)  # method -> [{mae, mase}] per step
    intervals: dict = field(default_factory=dict)  # method -> level -> (lo, hi)
    coverage: dict = field(default_factory=dict)  # method -> level -> dict
    random_walk: bool = False  # naive is hard to beat (see backtest)
    future: dict = field(default_factory=dict)  # level -> (lo, hi) of ``horizon``
    ensemble: str = ENSEMBLE  # the ensemble's key in the dicts above

    @property
    def best(self) -> str:
        """The method with the lowest MAE on the test part (the networks-only
        figure aside: it is part of the ensemble, not a method of its own)."""
        methods = [m for m in self.metrics if m != NETWORKS]
        return min(methods, key=lambda m: self.metrics[m]["mae"])

    @property
    def beats_naive(self) -> bool:
        return self.metrics[self.ensemble]["mae"] < self.metrics["naive"]["mae"]


@dataclass
class Report:
    """What :func:`backtest` or :func:`evaluate_fitted` found, ready to print."""

    series: list[SeriesResult]
    frequency: str
    seed: int
    config: dict
    notes: list[str] = field(default_factory=list)
    search: list = field(default_factory=list)
    levels: list = field(default_factory=list)
    validation: dict = field(default_factory=dict)  # method -> validation score
    selected: str = ENSEMBLE
    unit: str | None = None  # the values' unit, where the data say it
    name: str = ENSEMBLE  # the ensemble's key (its ``alias``)
    covariates: dict | None = None  # helped on the test points? (.covariates)

    # ------------------------------------------------------------ data out
    def to_json(self) -> dict:
        """The documented JSON: series (name, n_train, n_test, next, metrics)..."""
        rows = [_series_json(s) for s in self.series]
        out = {"series": rows, "frequency": self.frequency, "seed": self.seed}
        out["ensemble"] = self.name
        out["config"] = dict(self.config)
        out["verdict"] = self.verdict()
        if self.validation:
            out["validation"] = {m: _num(v) for m, v in self.validation.items()}
            out["validation_winner"] = self.validation_winner()
            out["selected"] = self.selected
        if self.covariates:
            out["covariates"] = _covariates_json(self.covariates)
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def to_frame(self):
        """Per-series, per-method metrics: a long pandas DataFrame.

        Columns ``unique_id, method, mae, rmse, mape, mase, direction`` and,
        with intervals, ``coverage-80, width-80, ...``.
        """
        import pandas as pd

        rows = []
        for s in self.series:
            for m, d in s.metrics.items():
                row = {"unique_id": s.name, "method": m, **d}
                for lv, c in s.coverage.get(m, {}).items():
                    row[f"coverage-{lv}"] = c["coverage"]
                    row[f"width-{lv}"] = c["width"]
                rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.series[:5])
        more = f", ... ({len(self.series)} series)" if len(self.series) > 5 else ""
        best = sum(s.best == self.name for s in self.series)
        return (
            f"<Report: {self.frequency}, series {names}{more}; the ensemble is "
            f"best on {best} of {len(self.series)}>"
        )

    def _repr_html_(self) -> str:
        from ...text import decimals

        frame = self.to_frame()
        places = {c: decimals(frame[c].dropna().tolist())
                  for c in frame.select_dtypes("float").columns}  # fmt: skip
        return frame.to_html(index=False, formatters={
            c: (lambda v, d=d: f"{v:.{d}f}") for c, d in places.items()})  # fmt: skip

    # ------------------------------------------------------------ words
    def validation_winner(self) -> str | None:
        """The method with the best validation score, when it is a baseline."""
        if not self.validation:
            return None
        name = self.name
        best = min(self.validation, key=lambda m: (self.validation[m], m != name))
        return None if best == name else best

    def verdict(self) -> list[str]:
        """Plain sentences on the ensemble against naive and the other baselines."""
        return _verdict(self)

    def format(self) -> str:
        """The terminal report: forecasts, the metrics table, the verdict."""
        from ...text import table, wrap

        c = self.config
        h = max(len(s.horizon) for s in self.series)
        steps = h > 1 and any(s.steps for s in self.series)
        scored = "; the metrics score one step ahead, the multi-step table each step"
        head = [
            f"Rolling-origin {_ahead(h if steps else 1)} forecasts over the last "
            f"{max(s.n_test for s in self.series)} points of each series "
            f"({self.frequency} data, seed {self.seed}){scored if steps else ''}.",
            _network_line(c, len(self.search)),
        ]
        if self.covariates:
            head[-1] += (f" Covariates: {self.covariates['text']} (the same two "
                         "networks, one step ahead).")  # fmt: skip
        winner = self.validation_winner()
        if winner:
            head.append(
                f"On the validation slice {winner} beat the ensemble"
                + (
                    f"; the forecasts given are {winner}'s."
                    if self.selected == winner
                    else "."
                )  # fmt: skip
            )
        rows1 = [
            [s.name, s.n_train, s.n_test, float(s.values[-1]), s.next, s.best]
            for s in self.series
        ]
        t1 = table(["series", "train", "test", "last", "next", "best"], rows1)
        parts = [
            "\n".join(wrap(x) for x in head),
            t1 + "\n" + wrap(SERIES_LEGEND),
            _metrics_table(self) + "\n" + wrap(LEGEND) + _networks_legend(self),
        ]
        if self.levels:
            parts.append(_coverage_table(self))
        if steps:
            parts.append(_steps_table(self))
        parts.append("\n".join(wrap(x) for x in self.verdict()))
        if self.notes:
            parts.append("\n".join(wrap(f"note: {n}", indent="  ") for n in self.notes))
        return "\n\n".join(parts)


def _ahead(h: int) -> str:
    """How far ahead each test origin is forecast: "one-step", "1- to 3-step"."""
    return "one-step" if h == 1 else f"1- to {h}-step"


def _networks_legend(r: Report) -> str:
    """The networks row's legend, where the table has that row."""
    from ...text import wrap

    shown = any(NETWORKS in s.metrics for s in r.series)
    return "\n" + wrap(NETWORKS_LEGEND) if shown else ""


def _series_json(s: SeriesResult) -> dict:
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
    row["test"] = {"y": [_num(v) for v in s.values[s.n_train : s.n_train + s.n_test]]}
    for m, f in s.forecasts.items():
        row["test"][m] = [_num(v) for v in f]
    if s.dates is not None:
        test = s.dates[s.n_train : s.n_train + s.n_test]
        row["test"]["ds"] = [str(d) for d in test]
    if s.intervals:
        row["intervals"] = {
            m: {lv: {"lo": [_num(v) for v in lo], "hi": [_num(v) for v in hi]}
                for lv, (lo, hi) in d.items()}
            for m, d in s.intervals.items()
        }  # fmt: skip
    if s.coverage:
        row["coverage"] = {
            m: {lv: {k: _num(v) for k, v in c.items()} for lv, c in d.items()}
            for m, d in s.coverage.items()
        }
    if s.steps:
        row["steps"] = {
            m: [{k: _num(v) for k, v in st.items()} for st in d]
            for m, d in s.steps.items()
        }
    return row


def _covariates_json(c: dict) -> dict:
    """:attr:`Report.covariates` as JSON (undefined figures as null)."""
    out = {k: _num(c[k]) for k in ("with", "without")}
    out.update(helped=c["helped"], text=c["text"], metric=c["metric"])
    out["series"] = {n: {k: _num(v) for k, v in row.items()}
                     for n, row in c["series"].items()}  # fmt: skip
    return out


def _metrics_table(r: Report) -> str:
    from ...text import table

    rows = []
    for s in r.series:
        for m, d in s.metrics.items():
            mark = " *" if m == s.best else ""
            direction = None if m == "naive" else d["direction"]  # 0 by construction
            rows.append([s.name, m + mark, d["mae"], d["rmse"], d["mape"], d["mase"],
                         direction])  # fmt: skip
    return table(["series", "method", "MAE", "RMSE", "MAPE%", "MASE", "dir"], rows)


def pooled_coverage(r: Report, method: str, level: str) -> tuple[float, float, int]:
    """(coverage, width relative to naive's, test points) over every series."""
    inside = total = 0
    rel = []
    for s in r.series:
        c = s.coverage.get(method, {}).get(level)
        if c is None or c["coverage"] != c["coverage"]:
            continue
        inside += c["coverage"] * c["n"]
        total += c["n"]
        if c.get("relative") == c.get("relative"):
            rel.append(c["relative"])
    cov = inside / total if total else float("nan")
    return cov, float(np.mean(rel)) if rel else float("nan"), total


def _coverage_table(r: Report) -> str:
    from ...text import table, wrap

    methods = list(r.series[0].coverage) if r.series else []
    rows, short = [], []
    for m in methods:
        for lv in r.levels:
            cov, rel, n = pooled_coverage(r, m, lv)
            if n == 0:
                rows.append([m, f"{lv}%", "not given", "", 0])
                continue
            rows.append([m, f"{lv}%", f"{cov:.0%}", rel, n])
            if m == r.name and cov < float(lv) / 100 - 0.1:
                short.append(
                    f"The ensemble's {lv}% interval held {cov:.0%} of the test points."
                )
    t = table(["method", "level", "held", "width/naive", "points"], rows)
    lines = [
        wrap(
            "Intervals (split conformal, from the validation slice's residuals): "
            "held: the share of the test points inside; width/naive: the mean "
            "width relative to naive's; points: test points scored."
        ),
        t,
    ]
    return "\n".join(lines + short)


def _steps_table(r: Report) -> str:
    from ...text import table, wrap

    h = max(len(st) for s in r.series for st in s.steps.values())
    rows = []
    for m in r.series[0].steps:
        per = []
        for k in range(h):
            vals = [s.steps[m][k]["mase"] for s in r.series
                    if k < len(s.steps.get(m, []))]  # fmt: skip
            per.append(float(np.nanmean(vals)) if vals else float("nan"))
        rows.append([m, *per, float(np.nanmean(per))])
    for lv in r.levels:  # the ensemble's interval, held per step (pooled)
        key, per = f"coverage-{lv}", []
        for k in range(h):
            got = [(st[k][key], st[k]["n"]) for s in r.series
                   for st in [s.steps.get(r.name, [])]
                   if k < len(st) and st[k].get(key) == st[k].get(key)]  # fmt: skip
            n = sum(w for _, w in got)
            per.append(sum(c * w for c, w in got) / n if n else float("nan"))
        cells = ["-" if c != c else f"{c:.0%}" for c in per]
        rows.append([f"{r.name} {lv}% held", *cells, ""])
    heads = ["method"] + [f"+{k + 1}" for k in range(h)] + ["mean"]
    head = (
        "Multi-step forecasts from every test origin: mean MASE over the series, "
        "per step ahead (+k: k steps ahead; no retraining)"
        + (
            "; the share of the test points inside the ensemble's interval."
            if r.levels
            else "."
        )
    )
    return wrap(head) + "\n" + table(heads, rows, together=True)


def _verdict(r: Report) -> list[str]:
    n = len(r.series)
    ratio = {
        s.name: s.metrics[r.name]["mae"] / s.metrics["naive"]["mae"]
        for s in r.series
        if s.metrics["naive"]["mae"] > 0
    }
    shown = _shown_mae(r)
    level = [s.name for s in r.series if shown(s, r.name) == shown(s, "naive")]
    wins = [s.name for s in r.series if s.beats_naive and s.name not in level]
    if not wins:
        lines = ["The ensemble does not beat the naive forecast (last value) on any "
                 "series."]  # fmt: skip
        if level:
            lines[0] = lines[0][:-1] + f" (level with it on {', '.join(level)})."
        if all(s.random_walk for s in r.series):
            lines[0] += (
                " These series move close to a random walk (as prices do), and "
                "naive is the forecast to beat."
            )
    else:
        lines = [f"The ensemble beats naive on {len(wins)} of {n} series."]
        losers = [s.name for s in r.series if s.name not in wins + level]
        if losers:
            lines.append(f"It does not beat naive on: {', '.join(losers)}.")
        if level:
            lines.append(f"It is level with naive on: {', '.join(level)}.")
        gain = max(1 - ratio.get(w, 1.0) for w in wins)
        if gain < 0.1:
            lines.append(
                f"Where it wins, it cuts naive's error by {gain:.0%} at most: "
                "about what chance gives on this few test points."
            )
    best = [s.name for s in r.series if s.best == r.name]
    lines.append(
        f"It is the best of all methods on {len(best)} of {n} series"
        + (f" ({', '.join(best)})." if best else ".")
    )
    others = {}
    for s in r.series:
        if s.best != r.name:
            others.setdefault(s.best, []).append(s.name)
    for m, names in others.items():
        lines.append(f"{m} was the best on {', '.join(names)}.")
    far = [s.name for s in r.series if ratio.get(s.name, 1) < 0.5 and s.random_walk]
    if far:
        lines.append(
            f"On {', '.join(far)} its error is under half of naive's although the "
            "series behaves like a random walk: more likely a leak of the future "
            "than skill."
        )
    c = r.config
    if c.get("epochs", 99) <= 3 and r.search and len(wins) * 2 <= n:
        lines.append(
            f"Validation stopped training after {c['epochs']} epoch(s): beyond the "
            "average change, the networks found nothing in the history that helps."
        )
    return lines


def _shown_mae(r: Report):
    """``shown(series, method)``: its MAE as the metrics table prints it, so that
    the words never call a method better where the figures read the same."""
    from ...text import decimals

    d = decimals([v["mae"] for s in r.series for v in s.metrics.values()])
    return lambda s, m: round(s.metrics[m]["mae"], d)


def _classical_phrase(c: dict) -> str:
    """The clause on the classical members (Theta's, Holt-Winters', exponential
    smoothing's, the airline model's, seasonal naive's) and their share of the
    forecast, or ""."""
    kinds = (("the Theta method", "theta"), ("Holt-Winters", "hw"),
             ("exponential smoothing", "es"),
             ("the airline model", "airline"),
             ("seasonal naive", "snaive"))  # fmt: skip
    names = [n for n, k in kinds if c.get(k)]
    if not names:
        return ""
    count = ("one", "two", "three", "four")[len(names) - 1]
    more = f"{count} more member{'s' * (len(names) > 1)}"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    share = c.get("classical_share")  # absent from model files before it
    weighed = (f", weighed against the networks by validation error ({share:.0%} "
               "of the forecast)" if share is not None else "")  # fmt: skip
    return f", and {listed} as {more}{weighed}"


def _network_line(c: dict, tried: int) -> str:
    """One sentence on the network(s) behind the forecasts, and one on the
    ensemble's shares (model files before them have none)."""
    line = _networks_sentence(c, tried)
    shares = c.get("shares")
    if shares:
        parts = ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
        line += f" The ensemble's weight: {parts}."
    if c.get("covariates"):  # fitted with covariates: did they help?
        line += f" Covariates: {c['covariates']['text']}."
    return line


def _networks_sentence(c: dict, tried: int) -> str:
    """One sentence on the network(s) behind the forecasts."""
    season = f" (season {c['season']})" if c.get("season") else ""
    ar = f", linear AR({c['ar']}) beneath" if c.get("ar") else ""
    huber = f", Huber's loss (delta {c['huber']})" if c.get("huber") else ""
    best = (
        f"{c.get('cell', '?').upper()}, {c.get('layers', 1)} layer(s), hidden "
        f"{c.get('hidden')}, window {c.get('window')}, scaling {c.get('scaling')}"
        f"{season}{ar}, lr {c.get('lr')}, {c.get('epochs')} epoch(s){huber}"
    )
    k, rounds = c.get("ensemble", 1), c.get("searches", 1)
    hedged = c.get("hedged", 0)
    classical = _classical_phrase(c)
    if rounds > 1:
        other = (f"; in {hedged} of the searches the last member is the best of "
                 "another scaling" if hedged else "")  # fmt: skip
        return (
            f"Ensemble: the mean of {k} networks, the best ones of {rounds} "
            f"searches, each with its own seed, on the validation slice ({tried} "
            f"configurations in all{other}){classical}; the best: {best}."
        )
    if k > 1 and hedged:
        return (
            f"Ensemble: the mean of {k} of {tried} configurations on the validation "
            f"slice, the {k - 1} best and the best of another scaling{classical}; the "
            f"best: {best}."
        )
    if k > 1:
        return (
            f"Ensemble: the mean of the {k} best of {tried} configurations on the "
            f"validation slice{classical}; the best: {best}."
        )
    if tried > 1:
        return f"Network: {best} (the best of {tried} configurations on validation)."
    return f"Network: {best}."


def _num(v):
    """A JSON number, or None where undefined."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None
