"""Every scaling name a user may give (``Forecaster(scaling=...)``, ``--scaling``).

The plain ones of :mod:`..features.transforms` and the classical errors of
:mod:`.residuals`; :func:`make_transform` and :func:`transform_from_dict`
build the one a name says, :func:`fit_transforms` a group's (a series too
short for a seasonal scaling reads :data:`SHORT`'s). A network reads any of
them (:mod:`.networks`); one on a classical model's errors is a hybrid
(:mod:`.hybrid`).
"""

from __future__ import annotations

from ...errors import InputError
from ..features import transforms as plain
from .residuals import SHORT as SHORT_RESIDUALS
from .residuals import Residuals

SCALINGS = (*plain.SCALINGS, *Residuals.RECIPES)  # every scaling's name
SEASONAL = plain.SEASONAL + tuple(
    s for s, r in Residuals.RECIPES.items() if r.seasonal
)  # they need the season length
LOGS = plain.LOGS + tuple(s for s, r in Residuals.RECIPES.items() if r.logs)
# what a series too short for a seasonal scaling reads in a group that has
# it: the scaling without a season (plain.ANY_LENGTH: itself, as it can)
SHORT = {**plain.SHORT, **SHORT_RESIDUALS}


def make_transform(scaling: str, name: str = "series", season: int | None = None,
                   ar: int = 0) -> plain.Transform:  # fmt: skip
    """The transform ``scaling`` names: a plain scaling or a classical model's
    errors (:class:`~.residuals.Residuals`), not yet fitted."""
    if scaling in Residuals.RECIPES:
        return Residuals(scaling, name, season, ar)
    if scaling not in plain.RECIPES:
        raise InputError(
            f"scaling: expected one of {', '.join(SCALINGS)} or 'auto', got {scaling!r}"
        )
    return plain.Transform(scaling, name, season, ar)


def transform_from_dict(d: dict, name: str) -> plain.Transform:
    """The fitted transform :meth:`~..features.transforms.Transform.to_dict`
    wrote (either kind)."""
    ours = isinstance(d, dict) and d.get("scaling") in Residuals.RECIPES
    return (Residuals if ours else plain.Transform).from_dict(d, name)


def fit_transforms(scaling: str, names, series, season: int | None = None,
                   ar: int = 0, fallback: bool | None = None) -> dict:  # fmt: skip
    """Every series' transform of ``scaling``, fitted on it, by name.

    The rule of a group's seasonal scaling (one network reads one scaling
    for every series): a series too short for it (under the seasons it
    needs, :meth:`~..features.transforms.Transform.too_short`, or with no
    change to learn from) reads the same inputs without the season
    (:data:`SHORT`: the changes for ``sdiff`` and ``+sa``, exponential
    smoothing's errors for Holt-Winters'; the changes where that too has
    none), or the ``+lag`` scalings as they are, their seasonal input
    averaging the seasons it holds (:data:`~..features.transforms.ANY_LENGTH`).
    ``fallback``: whether it does (None: where one of ``series`` is long
    enough; a network fitted already passes True for a new series). Else,
    and for a scaling without a fallback (``snaive``), the transform raises
    its error, as one series does.
    """
    longest = max(map(len, series), default=0)
    out = {}
    for n, v in zip(names, series, strict=True):
        tf = make_transform(scaling, n, season, ar)
        if learns(tf, len(v)) or scaling not in (*SHORT, *plain.ANY_LENGTH):
            out[n] = tf.fit(v)
        elif fallback or fallback is None and learns(tf, longest):
            out[n] = short_transform(tf, len(v)).fit(v, seasons=0)
        else:
            out[n] = tf.fit(v)  # the error
    return out


def learns(tf: plain.Transform, n: int) -> bool:
    """Whether a network learns from ``tf`` on a history of ``n`` points:
    not :meth:`~..features.transforms.Transform.too_short`, and a change
    defined before its last step (a training window)."""
    return not tf.too_short(n) and n > tf.defined


def short_transform(tf: plain.Transform, n: int) -> plain.Transform:
    """What a series of ``n`` points too short for ``tf`` reads in its group
    (:func:`fit_transforms`), not yet fitted."""
    if tf.scaling in plain.ANY_LENGTH:
        return tf
    short = make_transform(SHORT[tf.scaling], tf.name, None, tf.ar)
    if learns(short, n):
        return short
    return make_transform("logdiff" if tf.recipe.logs else "diff", tf.name, None, tf.ar)
