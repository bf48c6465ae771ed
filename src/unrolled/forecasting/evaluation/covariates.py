"""Whether the covariates helped on the test points, beside the validation slice.

The search compares the best network with the covariates and the best
without on the validation slice (:func:`..ensemble.covariates.verdict`,
``config_["covariates"]``); :func:`on_test_points` scores the same two
networks one step ahead at the backtest's test points, so the report can
say whether what validation chose held up ("volume did not help on the
test points: MAE 1.23 with, 1.20 without").
"""

from __future__ import annotations

import numpy as np

from ..ensemble.covariates import names_of
from .metrics import mae, mase

KINDS = ((True, "with"), (False, "without"))


def on_test_points(forecaster, values, origins, names, cut) -> dict | None:
    """The one-step MAE and MASE at ``origins`` (the test points, in series
    order; ``cut``: each series' training size) of the best network with the
    covariates and of the best without, and the sentence (:func:`summary`).

    None without such a pair: no covariates, no validation slice (one kind
    only was trained), or a loaded model (the pair is not saved).
    """
    pair = getattr(forecaster, "compared_", None) or {}
    if len(pair) < 2:
        return None
    pred = {flag: m.one_step(values, origins, names, cut) for flag, m in pair.items()}
    rows, at = {}, 0
    for i, name in enumerate(names):
        n = len(values[i]) - cut[i]
        truth, train = values[i][cut[i] :], values[i][: cut[i]]
        row = {}
        for flag, word in KINDS:
            p = pred[flag][at : at + n]
            row[f"mae_{word}"] = mae(truth, p)
            row[f"mase_{word}"] = mase(truth, p, train)
        rows[name] = row
        at += n
    return summary(forecaster.covariates_.spec, rows)


def summary(spec, rows: dict) -> dict:
    """The figures of :func:`on_test_points` (``rows``: per series) in one
    sentence: the MAE with one series, the mean MASE over several; "helped"
    only where the figure with them is lower as printed (4 digits)."""
    key, label = ("mae", "MAE") if len(rows) == 1 else ("mase", "mean MASE")
    fig = {w: float(np.nanmean([r[f"{key}_{w}"] for r in rows.values()]))
           for _, w in KINDS}  # fmt: skip
    shown = {w: f"{v:.4g}" for w, v in fig.items()}
    helped = bool(fig["with"] < fig["without"] and shown["with"] != shown["without"])
    verb = "helped" if helped else "did not help"
    text = (f"{', '.join(names_of(spec))} {verb} on the test points: {label} "
            f"{shown['with']} with, {shown['without']} without")  # fmt: skip
    return {"helped": helped, "text": text, "metric": key, "with": fig["with"],
            "without": fig["without"], "series": rows}  # fmt: skip
