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


def rival_regressors(forecaster, names) -> list | None:
    """Per series, the regressors the rivals read (:data:`.rivals.TAKE_X`):
    the future covariates and the calendar at every date (historic ones are
    unknown at the dates forecast, static ones constant within a series); None
    without them."""
    cov = getattr(forecaster, "covariates_", None)
    if cov is None:
        return None
    rows = [cov.future_rows(n) for n in names]
    return None if any(r is None for r in rows) else rows


def rival_note(forecaster, rivals) -> list[str]:
    """The note on what the rivals did with the covariates (none without)."""
    from .rivals import TAKE_X

    cov = getattr(forecaster, "covariates_", None)
    if cov is None or not rivals:
        return []
    s = cov.spec
    future = [*s.futr, *(f"calendar:{c}" for c in s.calendar)]
    out = []
    if future:
        took = [r for r in rivals if r in TAKE_X]
        left = [r for r in rivals if r not in TAKE_X]
        if took:
            out.append(
                f"{' and '.join(took)} read {', '.join(future)} as regressors "
                "(statsforecast's X_df), fitted on the rows before each origin"
            )
        if left:
            out.append(
                f"{' and '.join(left)} ignore them (their statsforecast models "
                "take no regressors)"
            )
    unread = [*s.hist, *s.stat]
    if unread:
        out.append(
            f"no rival reads {', '.join(unread)} (historic or static: unknown at "
            "the dates forecast, or constant within a series)"
        )
    return ["rivals with the covariates: " + "; ".join(out)]
