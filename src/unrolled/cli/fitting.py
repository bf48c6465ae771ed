"""What ``forecast`` and ``train`` share: the Forecaster their options describe,
a fit whose non-finite training is the user's to fix, and the validation line."""

from __future__ import annotations

import click

from .render import wrap


def make_forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience,
                    seed, clip, clip_value, tbptt, huber, alias,
                    select="network", **covariates):  # fmt: skip
    """The unfitted :class:`~unrolled.forecasting.forecaster.Forecaster` of the
    model options (``--clip`` is its ``clip_norm``) and ``covariates``
    (:func:`.covariates.covariate_params`)."""
    from ..forecasting.forecaster import Forecaster

    return Forecaster(
        cell=cell, hidden=hidden, window=window, layers=layers, scaling=scaling,
        lr=lr, epochs=epochs, patience=patience, seed=seed, clip_norm=clip,
        clip_value=clip_value, tbptt=tbptt, huber=huber, select=select,
        alias=alias, **covariates,
    )  # fmt: skip


def fit_or_fail(call):
    """Run a training call; a non-finite training is the user's to fix (exit 2)."""
    from ..errors import TrainingError

    try:
        return call()
    except TrainingError as exc:
        raise click.UsageError(str(exc)) from None


def val_line(fc) -> str:
    """The ensemble against naive (and the best baseline) on the validation slice."""
    if fc.val_score_ is None:
        return "no validation slice (series too short): default configuration"
    net, naive = f"{fc.val_score_:.3f}", f"{fc.naive_val_score_:.3f}"
    verdict = "beats" if fc.val_score_ < fc.naive_val_score_ else "does not beat"
    verdict = "is level with" if net == naive else verdict
    line = (
        f"validation (MAE / naive in-sample MAE): {fc.alias} {net}, "
        f"naive {naive}: the ensemble {verdict} naive there"
    )
    scores = getattr(fc, "baseline_val_scores_", {}) or {}
    best = min(scores, key=scores.get) if scores else None
    if best is not None and round(scores[best], 3) < round(fc.val_score_, 3):
        line += f"; {best} ({scores[best]:.3f}) beat the ensemble there"
    return wrap(line)
