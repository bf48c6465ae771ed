"""What the ensemble may be called: ``Forecaster(alias=...)`` names its column
and its key, so it may not take a name another column or method has."""

from __future__ import annotations

from ...errors import InputError
from ..models.baselines import BASELINES
from .prediction import NETWORKS

#: names an ``alias`` cannot take: the columns and methods beside the ensemble's
RESERVED = ("unique_id", "ds", "cutoff", "y", NETWORKS, *BASELINES,
            "AutoETS", "AutoTheta", "AutoARIMA")  # fmt: skip


def check_alias(alias) -> None:
    """The ensemble's name: a non-empty one-line string no other column has.

    Raises
    ------
    InputError
        Naming ``alias``, if it is not such a string.
    """
    if not isinstance(alias, str) or not alias.strip() or not alias.isprintable():
        raise InputError(f"alias: expected a non-empty name on one line, got {alias!r}")
    if alias in RESERVED or "-lo-" in alias or "-hi-" in alias:
        raise InputError(
            f"alias: {alias!r} is taken (the names of the other columns and "
            f"methods: {', '.join(RESERVED)}; and no '-lo-' or '-hi-')"
        )
