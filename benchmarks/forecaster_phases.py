"""Where the Forecaster's time goes on a sample of a competition group.

Fits ``Forecaster(seed=0)`` on a fixed sample of an M3 or M1 group (the
training parts, as :mod:`competitions` does) and forecasts its horizon,
with perf_counter timers wrapped around the phases (no profiler, so the
times are the run's own; the numbers are the same as without the timers):

- the search: the candidates' training loops, split into gradient steps
  and the validation scoring after every epoch (early stopping), and the
  rest (windows, transforms, preparing the validation inputs);
- the classical members (Theta, Holt-Winters, airline, seasonal naive:
  fitted, then weighed on validation);
- ``_validate``: the ensemble's and the baselines' h-step recursive paths
  from every validation origin (the calibration of the intervals);
- ``predict(h)``.

Across them: the networks' ``prepare`` (the input windows, the transforms'
features and inverters at every origin), the classical members' refits
and the networks' forward passes and inverses inside the recursive paths.

    python benchmarks/forecaster_phases.py                 # 8 M3 monthly
    python benchmarks/forecaster_phases.py --group yearly --sample 30
    python benchmarks/forecaster_phases.py --sample 1428 --profile 60

``--profile N`` also runs the fit and forecast under cProfile and prints
its N costliest functions by cumulative time, and the process's CPU seconds
(slower than without the profiler).
"""

from __future__ import annotations

import cProfile
import pstats
import time

import numpy as np
from competitions import FREQ, SETS, load

from unrolled.forecasting import forecaster
from unrolled.forecasting.ensemble import members as ensemble
from unrolled.forecasting.ensemble import prediction
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models import networks

SPENT: dict[str, float] = {}
INSIDE: list[str] = []  # the timed phases running now, outermost first


def timed(owner, name: str, key: str, within: str | None = None) -> None:
    """Wrap ``owner.name`` with a timer adding to ``SPENT[key]`` (only while
    phase ``within`` runs, where given)."""
    f = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if within is not None and within not in INSIDE:
            return f(*args, **kwargs)
        INSIDE.append(key)
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            SPENT[key] = SPENT.get(key, 0.0) + time.perf_counter() - t
            INSIDE.pop()

    setattr(owner, name, wrapper)


PHASES = [  # (owner, attribute, key, counted only within)
    (forecaster, "run_search", "search", None),
    (networks, "fit_network", "search: training loops", None),
    (ensemble.ValidationStop, "__call__", "search: per-epoch validation", None),
    (forecaster.Forecaster, "_classical", "classical members", None),
    (forecaster.Forecaster, "_validate", "validation paths (_validate)", None),
    (prediction.Predicting, "predict", "predict(h)", None),
    (prediction, "paths", "recursive paths", None),
    (networks.Network, "prepare", "paths: networks' prepare", "recursive paths"),
    (ensemble.ClassicalMember, "_refit", "paths: classical refits", "recursive paths"),
    (networks.Network, "forecast", "paths: network forward", "recursive paths"),
]


def main(set_name: str, group: str, sample: int, seed: int, profile: int = 0
         ) -> None:  # fmt: skip
    """Fit and forecast once, then print each phase's seconds and share
    (and, with ``profile``, cProfile's costliest functions)."""
    for owner, name, key, within in PHASES:
        timed(owner, name, key, within)
    rows = load(set_name, group, sample, seed)
    ds = from_dict({r["id"]: r["x"] for r in rows}, freq=FREQ[group])
    tiny = forecaster.Forecaster(hidden=4, window=8, lr=0.01, scaling="minmax",
                                 epochs=2, val_size=0)  # fmt: skip
    tiny.fit({"a": np.linspace(1.0, 2.0, 30)}).predict(3)  # loads the kernels
    SPENT.clear()
    prof = cProfile.Profile() if profile else None
    t, cpu = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    fc = forecaster.Forecaster(seed=0).fit(ds)
    fc.predict(rows[0]["h"])
    if prof is not None:
        prof.disable()
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    s = dict.fromkeys((k for _, _, k, _ in PHASES), 0.0) | SPENT
    loops, per_epoch = s["search: training loops"], s["search: per-epoch validation"]
    lines = [
        ("search", s["search"]),
        ("  training loops: gradient steps", loops - per_epoch),
        ("  training loops: validation after every epoch", per_epoch),
        ("  the rest (windows, transforms, inputs)", s["search"] - loops),
        ("classical members (fit, weigh)", s["classical members"]),
        ("validation paths (_validate)", s["validation paths (_validate)"]),
        ("predict(h)", s["predict(h)"]),
        ("recursive paths (_validate and predict)", s["recursive paths"]),
        ("  networks' prepare (windows, features, inverters)",
         s["paths: networks' prepare"]),
        ("  classical members' refits", s["paths: classical refits"]),
        ("  networks' forward and inverse", s["paths: network forward"]),
    ]  # fmt: skip
    print(f"{set_name.upper()} {group}, {len(rows)} series (sample seed {seed}): "
          f"fit and predict({rows[0]['h']}) {wall:.1f} s; "
          f"{len(fc.search_)} candidates, {len(fc.members_)} members")  # fmt: skip
    for label, sec in lines:
        print(f"{label:50s} {sec:7.1f} s {100 * sec / wall:5.1f}%")
    print(f"process CPU time {cpu:.1f} s")
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(profile)


if __name__ == "__main__":
    from arguments import check_group, competition_group

    parser = competition_group(__doc__, SETS, 8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also print cProfile's N costliest functions")  # fmt: skip
    a = parser.parse_args()
    check_group(parser, a, SETS)
    main(a.set, a.group, a.sample, a.seed, a.profile)
