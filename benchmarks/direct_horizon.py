"""Direct multi-horizon networks on the competitions: a study, not the product.

Issue 42's networks forecast one step and feed their forecasts back for
the h steps of a competition's horizon; N-BEATS, whose published figures
the issue asks to beat, forecasts the h steps at once. This script asks
how far the engine's own networks get the direct way, on the same data
and protocol as :mod:`competitions` (``--holdout``: the last h points of
each training part; without it, the official test parts, read only to
score).

One global GRU per group, lookback and seed (one layer, :data:`HIDDEN`
units, :class:`unrolled.GRU` with ``output_size=h``), on the logs of the
series (every M1 and M3 value is positive), seasonally adjusted where M4's
90% test finds a season (the multiplicative indices of the classical
decomposition, as naive 2 takes them; ``--no-deseason``: never): the
input is the window's adjusted logs less its last one, ``b[t-L:t] -
b[t-1]`` (shorter where the series is), the target the next h less the
same, ``b[t:t+h] - b[t-1]``. Each series gives its newest :data:`WINDOWS`
windows. Training: Adam, the SSR, batches of :data:`BATCH`; the epochs
are chosen by early stopping on each series' last window (where two
points come before it), trained on the windows whose targets end before
that one begins; then the model is trained afresh on every window for that
many epochs. The forecast: ``exp(b[n-1] + output)``, the season put back.
The columns: each lookback's first seed alone, the median over
:data:`LOOKBACKS` x :data:`SEEDS` models (N-BEATS takes the median of its
ensemble too) and, with ``--ensemble``, the Forecaster's defaults as
:mod:`competitions` runs them, its networks alone, and the mean of the
Forecaster's forecast and the median. The settings were chosen on the
holdout of M3 (``--holdout``), a few variants on 300 monthly series.

    python benchmarks/direct_horizon.py --sets m3,m1 --holdout --ensemble
    python benchmarks/direct_horizon.py --sets m3 --groups monthly --sample 300
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from competition_metrics import seasonal, seasonal_indices
from competition_report import score, summary
from competitions import FREQ, SEASON, SETS, load, unrolled, words

from unrolled import GRU, fit

HIDDEN = 32  # hidden units of every model
LOOKBACKS = (2, 3, 5)  # lookbacks in multiples of h (N-BEATS: 2h to 7h)
SEEDS = (0, 1)  # models per lookback
WINDOWS = 24  # newest windows per series
BATCH = 128
LR = 0.001
EPOCHS = 80  # most epochs of the early-stopped run
PATIENCE = 6
DESEASON = True  # seasonal series (M4's test) adjusted by classical decomposition


def window(b: np.ndarray, t: int, lookback: int, h: int | None):
    """Input ``b[t-L:t] - b[t-1]`` (from 0 if shorter) and, with ``h``, the
    target ``b[t:t+h] - b[t-1]``."""
    x = b[max(0, t - lookback) : t] - b[t - 1]
    return x, (None if h is None else b[t : t + h] - b[t - 1])


def windows(logs: list[np.ndarray], lookback: int, h: int, last: int):
    """Every series' newest :data:`WINDOWS` windows whose targets end at or
    before ``n - last`` (n: the series' length); at least 2 input points."""
    seqs, targets = [], []
    for b in logs:
        end = len(b) - last - h  # the last t whose target ends in time
        for t in range(end, max(1, end - WINDOWS), -1):
            x, y = window(b, t, lookback, h)
            seqs.append(x)
            targets.append(y)
    return seqs, np.array(targets)


def one_model(logs, h: int, lookback: int, seed: int) -> tuple[np.ndarray, int]:
    """The model's forecasts of every series' next h logs (less the last),
    and the epochs it trained."""
    val = [window(b, len(b) - h, lookback, h) for b in logs if len(b) - h >= 2]
    seqs, targets = windows(logs, lookback, h, h)
    net = GRU(hidden_size=HIDDEN, output_size=h, seed=seed)
    run = fit(net, seqs, targets, epochs=EPOCHS, lr=LR, batch_size=BATCH, seed=seed,
              val=([v[0] for v in val], np.array([v[1] for v in val])),
              patience=PATIENCE)  # fmt: skip
    epochs = max(run.best_epoch + 1, 1)
    seqs, targets = windows(logs, lookback, h, 0)
    net = GRU(hidden_size=HIDDEN, output_size=h, seed=seed)
    fit(net, seqs, targets, epochs=epochs, lr=LR, batch_size=BATCH, seed=seed)
    inputs = [window(b, len(b), lookback, None)[0] for b in logs]
    return np.asarray(net.predict(inputs)).reshape(len(logs), h), epochs


def group(set_name: str, name: str, sample, holdout: bool, ensemble: bool) -> dict:
    """Every method's sMAPE and MASE on one group, with the seconds."""
    rows = load(set_name, name, sample, 0, holdout)
    h = rows[0]["h"]
    m = SEASON[name]
    season = [np.log(seasonal_indices(r["x"], m)) if DESEASON and seasonal(r["x"], m)
              else np.zeros(max(m, 1)) for r in rows]  # fmt: skip
    logs = [np.log(r["x"]) - s[np.arange(len(r["x"])) % len(s)]
            for r, s in zip(rows, season, strict=True)]  # fmt: skip
    ahead = np.array([s[(len(r["x"]) + np.arange(h)) % len(s)]
                      for r, s in zip(rows, season, strict=True)])  # fmt: skip
    last = np.array([b[-1] for b in logs])[:, None] + ahead
    began, outs, epochs = time.perf_counter(), {}, []
    for lookback in LOOKBACKS:
        for seed in SEEDS:
            out, e = one_model(logs, h, lookback * h, seed)
            outs[lookback, seed] = out
            epochs.append(e)
    seconds = time.perf_counter() - began
    methods = {f"L={lb}h": np.exp(last + outs[lb, SEEDS[0]]) for lb in LOOKBACKS}
    methods["median"] = np.exp(last + np.median(np.stack(list(outs.values())), axis=0))
    if ensemble:  # the product's forecast beside it, and the two averaged
        got = unrolled([r["id"] for r in rows], [r["x"] for r in rows], h,
                       SEASON[name], FREQ[name])  # fmt: skip
        methods["unrolled"] = np.array(got["unrolled"])
        if "unrolled-net" in got:
            methods["unrolled-net"] = np.array(got["unrolled-net"])
        both = (methods["unrolled"] + methods["median"]) / 2
        methods["mean(unrolled, median)"] = both
    scores = summary({k: score(rows, v, m) for k, v in methods.items()})
    return {"series": len(rows), "h": h, "scores": scores, "seconds": seconds,
            "epochs": epochs}  # fmt: skip


def main(argv=None) -> None:
    global LOOKBACKS, SEEDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="m3")
    parser.add_argument("--groups", default=None, help="comma-separated; default all")
    parser.add_argument("--sample", type=int, default=None, metavar="N")
    parser.add_argument("--holdout", action="store_true")
    parser.add_argument("--no-deseason", dest="deseason", action="store_false")
    for knob in ("HIDDEN", "WINDOWS", "BATCH", "LR", "PATIENCE"):
        parser.add_argument(f"--{knob.lower()}", type=type(globals()[knob]),
                            default=globals()[knob])  # fmt: skip
    parser.add_argument("--lookbacks", default=",".join(map(str, LOOKBACKS)))
    parser.add_argument("--seeds", type=int, default=len(SEEDS))
    parser.add_argument(
        "--ensemble",
        action="store_true",
        help="also the Forecaster, and its mean with the median",
    )
    args = parser.parse_args(argv)
    sets = words(parser, "--sets", args.sets, list(SETS))
    every = sorted({g for s in SETS.values() for g in s})
    wanted = words(parser, "--groups", args.groups, every) if args.groups else every
    for knob in ("HIDDEN", "WINDOWS", "BATCH", "LR", "PATIENCE"):
        globals()[knob] = getattr(args, knob.lower())
    globals()["DESEASON"] = args.deseason
    LOOKBACKS = tuple(int(k) for k in args.lookbacks.split(","))
    SEEDS = tuple(range(args.seeds))
    part = "holdout" if args.holdout else "test"
    for set_name in sets:
        for name in (g for g in SETS[set_name] if g in wanted):
            got = group(set_name, name, args.sample, args.holdout, args.ensemble)
            cells = "  ".join(f"{k} {s['smape']:.2f} / {s['mase']:.3f}"
                              for k, s in got["scores"].items())  # fmt: skip
            print(f"{set_name} {name} ({got['series']}, h={got['h']}, {part}): "
                  f"{cells}  [{got['seconds']:.0f} s, epochs {got['epochs']}]",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
