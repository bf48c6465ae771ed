"""Every scaling name a user may give (``Forecaster(scaling=...)``, ``--scaling``).

The plain ones of :mod:`..features.transforms` and the classical errors of
:mod:`.residuals`; :func:`make_transform` and :func:`transform_from_dict`
build the one a name says. A network reads any of them
(:mod:`.networks`); one on a classical model's errors is a hybrid
(:mod:`.hybrid`).
"""

from __future__ import annotations

from ...errors import InputError
from ..features import transforms as plain
from .residuals import Residuals

SCALINGS = (*plain.SCALINGS, *Residuals.RECIPES)  # every scaling's name
SEASONAL = plain.SEASONAL + tuple(
    s for s, r in Residuals.RECIPES.items() if r.seasonal
)  # they need the season length
LOGS = plain.LOGS + tuple(s for s, r in Residuals.RECIPES.items() if r.logs)


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
