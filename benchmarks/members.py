"""What each member of the forecast does on the real series: which one carries it.

The default forecaster's forecast is a weighted mean of its members (the
networks, and where the plan admits them the Theta method, Holt-Winters or
exponential smoothing, the airline model and seasonal naive; see
:mod:`unrolled.forecasting.ensemble.plan`). This prints, for each series of
:mod:`seasonal_real` and :mod:`yearly_real` under their protocol (the last
12 points held out, or with ``--fold K`` the 12 that end 12K before the
last; one-step forecasts from the true history), the one-step MAE over
naive's of the forecast (``ensemble``), of the networks' mean
(``networks``), of each classical member alone, and of seasonal naive
(``snaive``: the member, or the baseline where the series has a season
but no such member), each the mean over the seeds;
then the classical members' share of the weight (``share``) and, under
``val``, the same members' validation scores (MAE over the naive unit of
the training part, as the search scores them), which set the weights. At
the end, for the seasonal series and for those without a season apart:
each column's geometric mean over the series that have it, beside the
ensemble's over the same series.

No autos are fitted, so a run takes the networks' time only (a few seconds
a series and seed). A member's test ratio beside its validation score
shows when validation misled the weights; the ensemble column equals the
ensemble's ratio of :mod:`seasonal_real` and :mod:`yearly_real`.

    python benchmarks/members.py                        # every series, seed 0
    python benchmarks/members.py --seeds 3 --fold 2 gas nhtemp
"""

from __future__ import annotations

import numpy as np
from seasonal_real import SERIES as SEASONAL
from seasonal_real import TEST, earlier, window
from yearly_real import REAL, real
from yearly_real import SERIES as YEARLY

from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.evaluation.report import ENSEMBLE
from unrolled.forecasting.forecaster import Forecaster

GROUPS = ("networks", "theta", "hw", "es", "airline", "snaive")
COLUMNS = ("ensemble", *GROUPS)


def group(member) -> str:
    """The column a member falls in: ``networks``, or its classical method."""
    if not member.refits:
        return "networks"
    return member.model.method


def one_seed(ds, seed: int) -> tuple[dict, dict, float]:
    """(test ratio of each column, validation score of each group, classical
    share) of the forecaster with ``seed`` on ``ds``: the ensemble and
    seasonal naive as :func:`~unrolled.forecasting.evaluation.backtest.backtest` scores
    them, each member alone at the same origins."""
    fc = Forecaster(seed=seed)
    result = backtest(fc, ds, test=TEST).series[0]
    y, n, metrics = result.values, result.n_train, result.metrics
    naive = metrics["naive"]["mae"]
    ratio = {"ensemble": metrics[ENSEMBLE]["mae"] / naive}
    names, tests = fc.names_, [(0, o) for o in range(n, len(y))]
    val, weight = {}, dict.fromkeys(GROUPS, 0.0)
    for g in GROUPS:
        members = [m for m in fc.members_ if group(m) == g]
        if members:
            f = np.mean([m.one_step([y], tests, names) for m in members], axis=0)
            ratio[g] = float(np.mean(np.abs(f - y[n:]))) / naive
            val[g] = float(np.mean([m.score for m in members]))
            weight[g] = sum(m.weight for m in members)
    seasonal = fc.season_for(fc.frequency_)
    if "snaive" not in ratio and any(weight[g] for g in GROUPS[1:]) and seasonal:
        ratio["snaive"] = metrics["seasonal_naive"]["mae"] / naive
    share = 1 - weight["networks"] / sum(weight.values())
    return ratio, val, share


def run(name: str, seeds: int, fold: int) -> tuple[dict, dict, float]:
    """:func:`one_seed`'s three, each the mean over seeds 0..N-1."""
    ds = earlier(real(name), fold)
    runs = [one_seed(ds, s) for s in range(seeds)]
    ratio = {k: float(np.mean([r[0][k] for r in runs])) for k in runs[0][0]}
    val = {k: float(np.mean([r[1][k] for r in runs])) for k in runs[0][1]}
    return ratio, val, float(np.mean([r[2] for r in runs]))


def cells(values: dict, columns) -> str:
    """Each column's value, or ``-`` where the series has none."""
    return " ".join(f"{values[c]:8.3f}" if c in values else "       -" for c in columns)


def main(names: list[str], seeds: int, fold: int) -> None:
    print(f"one-step MAE / naive's over {window(fold)}, the mean over seeds "
          f"0..{seeds - 1}; val: validation MAE / naive unit")  # fmt: skip
    print(f"{'series':15s} " + " ".join(f"{c:>8s}" for c in COLUMNS) + "   share")
    rows = {}
    for name in names:
        ratio, val, share = rows[name] = run(name, seeds, fold)
        print(f"{name:15s} {cells(ratio, COLUMNS)}  {share:6.0%}")
        print(f"{'  val':15s} {' ' * 9}{cells(val, GROUPS)}", flush=True)
    for label, kind in (
        ("seasonal series", SEASONAL),
        ("series without a season", YEARLY),
    ):
        footer({k: r for k, (r, _, _) in rows.items() if k in kind}, label)


def footer(rows: dict, label: str) -> None:
    """Each column's geometric mean over the ``rows`` (name: ratios) that
    have it, beside the ensemble's over the same series."""
    if not rows:
        return
    print(f"geometric means on the {len(rows)} {label}, each over the series "
          "that have the column, beside the ensemble's there:")  # fmt: skip
    for c in COLUMNS[1:]:
        have = [r for r in rows.values() if c in r]
        if have:
            own, ens = (
                np.exp(np.mean([np.log(r[k]) for r in have])) for k in (c, "ensemble")
            )
            print(f"  {c:9s} {own:.3f}  ensemble {ens:.3f}  ({len(have)} series)")


if __name__ == "__main__":
    from arguments import names_seeds_and_fold

    names, seeds, fold = names_seeds_and_fold(
        __doc__, REAL, "series", "train with seeds 0..N-1"
    )
    main(names, seeds, fold)
