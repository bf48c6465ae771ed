"""How to weigh the ensemble's members: combination rules on the M3/M1 holdout.

Issue 42's study. For each group (M3 yearly, quarterly, monthly, other; M1
yearly, quarterly, monthly) ``Forecaster(seed=0)`` is fitted ONCE on the
holdout training parts (:func:`competitions.load` with ``holdout=True``: the
last ``h`` points of each training part held out; the official test parts
are never read). From that one fit the script keeps, per member, its
one-step forecasts at the validation origins (what the weights are computed
from) and its own ``h``-step path from the end of every series; and per
rule (:data:`RULES`) the weights it gives and the real ensemble's path with
those weights (the members fed the ensemble's mean recursively, as
``predict`` does). All of it is cached in an ``.npz`` under ``--cache``, so
that re-scoring costs seconds; a new rule is scored from the members' own
paths combined afterwards (``approx``), an approximation whose distance from
the real path is reported for the current rule (``approx vs real``).

Scores: sMAPE (M3's, percent) and MASE (season 12/4/1) on the held-out
points, the means per group; beside each rule its mean per-series sMAPE
difference to ``current`` and that difference's standard error.

Rules (the networks ``N``: every network and hybrid member, equally weighted;
``e(x)``: the mean one-step validation error of forecast ``x`` over the
naive unit; seasonal naive keeps :data:`SNAIVE_WEIGHT` of what a rule gives
it where the rule weighs the classical members one by one):

- ``current``: ``mean(N)`` and each classical member in proportion to
  ``1 / e`` (the library's rule on main).
- ``two-groups``: ``mean(N)`` and the classical members' mean (seasonal
  naive at half weight in it) in proportion to ``1 / e`` of each mean.
- ``inv-sq``: as ``current`` with ``1 / e**2``; ``inv-mse``: with ``1 /``
  the mean squared scaled error (Bates and Granger's variances).
- ``two-groups-sq``: ``two-groups`` with ``1 / e**2``.
- ``equal-methods``: ``mean(N)`` and each classical member alike;
  ``equal-members``: every member alike (each network counts once).
- ``shrink-0.5``: ``current``'s shares halfway to ``equal-methods``'.
- ``best``: the one of ``mean(N)`` and the classical members best on
  validation; ``median``: the median of the members' paths (approx only).
- ``networks``, ``classical``: ``mean(N)`` alone, the classical mean alone.
- ``share-0.1`` ... ``share-0.6``: a diagnostic, not a rule (picked on the
  holdout it would be tuned to it): ``mean(N)`` holds that share of the
  weight, the classical members the rest in ``current``'s proportions.

    python benchmarks/weighting.py --sets m3,m1 --sample 200
    python benchmarks/weighting.py --sets m3 --groups monthly
    python benchmarks/weighting.py --rescore   # from the cache only
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from competition_metrics import mase, smape
from competitions import FREQ, SEASON, SETS, load

from unrolled.forecasting.ensemble.plan import SNAIVE_WEIGHT

SWEEP = tuple(f"share-{s:.1f}" for s in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6))
EXACT = ("current", "two-groups", "inv-sq", "inv-mse", "two-groups-sq",
         "equal-methods", "equal-members", "shrink-0.5", "best", "networks",
         "classical", *SWEEP)  # fmt: skip
RULES = (*EXACT, "median")


# ------------------------------------------------------------------ the rules
def errors(preds, weights, truth, unit, squared=False) -> float:
    """Validation error of the weighted mean of ``preds`` (members, origins)."""
    w = np.asarray(weights, float)
    pred = w @ preds / w.sum()
    e = np.abs(pred - truth) / unit
    return max(float(np.mean(e**2 if squared else e)), 1e-12)


def rule_weights(rule: str, val: dict) -> np.ndarray | None:
    """Each member's weight under ``rule`` (None: not a weighted mean)."""
    kinds, snaive = val["kinds"], val["snaive"]
    preds, truth, unit = val["preds"], val["truth"], val["unit"]
    net = np.array([k != "classical" for k in kinds])
    cls = ~net
    k = net.sum()
    half = np.where(snaive, SNAIVE_WEIGHT, 1.0)

    def alone(mask, base=None):
        w = mask * (half if base is None else base)
        return w.astype(float)

    if rule == "median":
        return None
    if rule == "networks" or not cls.any():
        return alone(net, np.ones(len(kinds)))
    if rule == "classical":
        return alone(cls)
    if rule.startswith("share-"):  # the networks hold this share (a diagnostic)
        w = rule_weights("current", val)
        x = float(rule.split("-")[1])
        return np.where(net, x * w / w[net].sum(), (1 - x) * w / w[cls].sum())
    if rule == "equal-members":
        return np.where(cls, half, 1.0)
    e_net = errors(preds, net, truth, unit)
    e_each = np.array([errors(preds, np.arange(len(kinds)) == j, truth, unit)
                       for j in range(len(kinds))])  # fmt: skip
    if rule in ("current", "inv-sq", "inv-mse", "shrink-0.5", "equal-methods"):
        if rule == "inv-mse":
            e_net = errors(preds, net, truth, unit, squared=True)
            e_each = np.array([errors(preds, np.arange(len(kinds)) == j, truth,
                                      unit, squared=True)
                               for j in range(len(kinds))])  # fmt: skip
        power = 2 if rule == "inv-sq" else 1
        share = np.where(cls, (e_net / e_each) ** power, 0.0)  # per network unit
        if rule == "equal-methods":
            share = cls.astype(float)
        if rule == "shrink-0.5":
            units = np.r_[1.0, share[cls]]
            units = 0.5 * units / units.sum() + 0.5 / len(units)
            share = np.zeros(len(kinds))
            share[cls] = units[1:] / units[0]
        return np.where(net, 1.0, k * share * half)
    if rule in ("two-groups", "two-groups-sq"):
        power = 2 if rule == "two-groups-sq" else 1
        e_cls = errors(preds, alone(cls), truth, unit)
        w_net, w_cls = e_net**-power, e_cls**-power
        c = alone(cls)
        return np.where(net, w_net / k, w_cls * c / c.sum())
    if rule == "best":
        cands = [(e_net, net.astype(float))]
        cands += [(e_each[j], (np.arange(len(kinds)) == j).astype(float))
                  for j in np.flatnonzero(cls)]  # fmt: skip
        return min(cands, key=lambda c: c[0])[1]
    raise ValueError(f"rule: unknown {rule!r}")


def combined(rule: str, weights, own: np.ndarray) -> np.ndarray:
    """The members' own paths ``(members, series, h)`` combined by ``rule``."""
    if weights is None:
        return np.median(own, axis=0)
    w = np.asarray(weights, float)
    return np.tensordot(w / w.sum(), own, axes=1)


# -------------------------------------------------------------------- the fit
def fit_group(set_name, group, rows) -> dict:
    """Fit once; the validation forecasts, own paths and real paths per rule."""
    from unrolled.forecasting.ensemble.members import validation_targets
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    names = [r["id"] for r in rows]
    h = rows[0]["h"]
    ds = from_dict(dict(zip(names, [r["x"] for r in rows], strict=True)),
                   freq=FREQ[group])  # fmt: skip
    t0 = time.perf_counter()
    fc = Forecaster(seed=0).fit(ds)
    fit_s = time.perf_counter() - t0
    values = [fc.history_[n] for n in names]
    _, parts, origins = fc._validation_plan(values)  # the fit's own slice
    members = fc.members_
    truth, unit = validation_targets(values, origins, parts)
    fits = [len(p) for p in parts]  # the classical members' validation fits
    preds = np.array([m.one_step(values, origins, names, refit_upto=fits)
                      for m in members])  # fmt: skip
    # the members' own paths, then the real ensemble under every rule
    own_cols = fc.member_paths(h, names, values)
    own = np.array([own_cols[c] for c in list(own_cols)[: len(members)]])
    kinds = [m.kind for m in members]
    val = {"kinds": kinds, "snaive": np.array(["SeasonalNaive" in m.name
                                               for m in members]),
           "preds": preds, "truth": truth, "unit": unit}  # fmt: skip
    saved = [m.weight for m in members]
    real, weights = {}, {}
    t1 = time.perf_counter()
    for rule in EXACT:
        w = rule_weights(rule, val)
        weights[rule] = w
        for m, wm in zip(members, w, strict=True):
            m.weight = float(wm)
        point = fc.predict_values(h, names, values)
        real[rule] = np.array([point[n] for n in names])
    for m, wm in zip(members, saved, strict=True):
        m.weight = wm
    paths_s = time.perf_counter() - t1
    return {
        "names": np.array(names), "member_names": np.array([m.name for m in members]),
        "kinds": np.array(kinds), "snaive": val["snaive"],
        "scores": np.array([m.score for m in members]),
        "weights_main": np.array(saved), "preds": preds, "truth": truth,
        "unit": unit, "own": own,
        **{f"real_{r}": p for r, p in real.items()},
        "meta": np.array(json.dumps({"fit_s": fit_s, "paths_s": paths_s,
                                     "h": h, "n": len(names)})),
    }  # fmt: skip


# ---------------------------------------------------------------- the scores
def group_scores(rows, data, season) -> dict:
    """``{rule: {"smape", "mase", "real_smape", ...}}`` and the per-series sMAPE."""
    val = {
        "kinds": list(data["kinds"]),
        "snaive": data["snaive"],
        "preds": data["preds"],
        "truth": data["truth"],
        "unit": data["unit"],
    }
    own = data["own"]
    out = {}

    def scores(paths):
        s = np.array([smape(r["xx"], p) for r, p in zip(rows, paths, strict=True)])
        m = np.array([mase(r["xx"], p, r["x"], season)
                      for r, p in zip(rows, paths, strict=True)])  # fmt: skip
        return s, m

    for rule in RULES:
        w = rule_weights(rule, val)
        s, m = scores(combined(rule, w, own))
        row = {"approx_s": s, "approx_m": m, "weights": w}
        if f"real_{rule}" in data:
            row["real_s"], row["real_m"] = scores(data[f"real_{rule}"])
            row["gap"] = float(np.mean(np.abs(combined(rule, w, own)
                                              - data[f"real_{rule}"])
                                       / np.abs(data[f"real_{rule}"])))  # fmt: skip
        out[rule] = row
    return out


def shares(data, w) -> str:
    """The networks' share of the weight (hybrids included)."""
    if w is None:
        return "  -  "
    net = data["kinds"] != "classical"
    return f"{w[net].sum() / w.sum():5.2f}"


def report(key, rows, data, season) -> dict:
    """Print one group's table; its means by rule."""
    sc = group_scores(rows, data, season)
    meta = json.loads(str(data["meta"]))
    print(
        f"\n{key}: {meta['n']} series, h={meta['h']}, members "
        f"{len(data['kinds'])} ({int((data['kinds'] == 'classical').sum())} "
        f"classical), fit {meta['fit_s']:.0f} s, real paths {meta['paths_s']:.0f} s"
    )
    w_main = data["weights_main"]
    w_cur = sc["current"]["weights"]
    print(
        f"  current rule recomputed = main's weights: "
        f"{np.allclose(w_main, w_cur, rtol=1e-9)}"
    )
    print(
        f"  {'rule':14s} {'net':>5s} {'sMAPE':>7s} {'MASE':>7s} {'d sMAPE':>8s} "
        f"{'se':>5s} | {'approx':>7s} {'MASE':>7s} {'gap':>7s}"
    )
    base = sc["current"].get("real_s", sc["current"]["approx_s"])
    means = {}
    for rule, row in sc.items():
        s = row.get("real_s", row["approx_s"])
        m = row.get("real_m", row["approx_m"])
        d = s - base
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        gap = f"{row['gap']:7.4f}" if "gap" in row else "      -"
        print(f"  {rule:14s} {shares(data, row['weights'])} {s.mean():7.3f} "
              f"{np.nanmean(m):7.3f} {d.mean():+8.3f} {se:5.3f} | "
              f"{row['approx_s'].mean():7.3f} {np.nanmean(row['approx_m']):7.3f} "
              f"{gap}")  # fmt: skip
        means[rule] = {
            "smape": float(s.mean()),
            "mase": float(np.nanmean(m)),
            "d": float(d.mean()),
            "se": float(se),
            "s": s,
            "m": m,
        }
    return means


def pooled(set_name, groups: dict) -> None:
    """One set's means over all its series (the groups end to end), by rule."""
    print(f"\n{set_name}/all: {sum(len(g['current']['s']) for g in groups.values())}"
          " series")  # fmt: skip
    base = np.concatenate([g["current"]["s"] for g in groups.values()])
    for rule in RULES:
        s = np.concatenate([g[rule]["s"] for g in groups.values()])
        m = np.concatenate([g[rule]["m"] for g in groups.values()])
        d = s - base
        print(
            f"  {rule:14s} {s.mean():7.3f} {np.nanmean(m):7.3f} {d.mean():+8.3f} "
            f"{d.std(ddof=1) / np.sqrt(len(d)):5.3f}"
        )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", default="m3,m1")
    p.add_argument("--groups", default=None)
    p.add_argument("--sample", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache", default="/tmp/weighting-cache")
    p.add_argument("--rescore", action="store_true", help="from the cache only")
    p.add_argument("--json", default=None, help="write the means here")
    a = p.parse_args(argv)
    os.makedirs(a.cache, exist_ok=True)
    wanted = a.groups.split(",") if a.groups else None
    out = {}
    for set_name in a.sets.split(","):
        for group in SETS[set_name]:
            if wanted and group not in wanted:
                continue
            key = f"{set_name}/{group}"
            rows = load(set_name, group, a.sample, a.seed, holdout=True)
            path = os.path.join(a.cache, f"{set_name}-{group}-{a.sample or 'all'}"
                                f"-{a.seed}.npz")  # fmt: skip
            if not os.path.exists(path):
                if a.rescore:
                    print(f"{key}: not cached ({path})")
                    continue
                np.savez_compressed(path, **fit_group(set_name, group, rows))
            with np.load(path, allow_pickle=False) as f:
                data = {k: f[k] for k in f.files}
            out[key] = report(key, rows, data, SEASON[group])
    for set_name in a.sets.split(","):
        got = {k: v for k, v in out.items() if k.startswith(set_name + "/")}
        if len(got) > 1:
            pooled(set_name, got)
    if a.json:
        keep = {k: {r: {n: x for n, x in v.items() if n not in "sm"}
                    for r, v in g.items()} for k, g in out.items()}  # fmt: skip
        with open(a.json, "w") as f:
            json.dump(keep, f, indent=1)


if __name__ == "__main__":
    main()
