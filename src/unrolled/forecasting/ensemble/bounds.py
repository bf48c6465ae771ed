"""The range of every number the forecasting API and the command line take.

One table for both: the command line's options are built from it and the
:class:`~.forecaster.Forecaster` checks its arguments (and ``predict``'s
horizon) against it, so a value the command line refuses is refused by the
library too, naming the argument, and no number is large enough to
overflow anything further in.
"""

from __future__ import annotations

import math

from ...engine.validate import is_integer, is_real
from ...errors import InputError

#: name -> (lowest, highest) of whole-number arguments
INTS = {
    "hidden": (1, 4096),
    "layers": (1, 16),
    "window": (2, 100_000),
    "tbptt": (1, 100_000),
    "epochs": (1, 100_000),
    "patience": (1, 100_000),
    "batch_size": (1, 100_000),
    "ensemble": (1, 64),
    "val_size": (0, 100_000),
    "season": (1, 100_000),
    "seed": (0, 2**32 - 1),
    "h": (1, 10_000),  # the horizon of predict and --horizon
    "test": (1, 100_000),
    "checkpoint_every": (1, 100_000),
    "n_windows": (1, 100_000),
    "step_size": (1, 100_000),
}
#: name -> highest of positive real arguments (all > 0)
REALS = {"lr": 10.0, "clip_norm": 1e6, "clip_value": 1e6, "huber": 1e6}


def check_int(name: str, value, optional: bool = False) -> int | None:
    """``value`` as an int within ``INTS[name]``; ValueError naming ``name``."""
    if value is None and optional:
        return None
    lo, hi = INTS[name]
    if not is_integer(value) or not lo <= value <= hi:
        raise InputError(f"{name}: expected an integer from {lo} to {hi}, got "
                         f"{_shown(value)}")  # fmt: skip
    return int(value)


def check_real(name: str, value, optional: bool = True) -> float | None:
    """``value`` as a float in (0, ``REALS[name]``]; ValueError naming ``name``."""
    if value is None and optional:
        return None
    hi = REALS[name]
    if not is_real(value) or not (0 < float(value) <= hi) or math.isnan(value):
        raise InputError(f"{name}: expected a number > 0 and <= {hi:g}, got "
                         f"{_shown(value)}")  # fmt: skip
    return float(value)


def check_forecaster(params: dict) -> None:
    """Every numeric constructor argument of a Forecaster within its range."""
    for name in ("layers", "epochs", "patience", "batch_size", "ensemble", "seed"):
        check_int(name, params[name])
    for name in ("hidden", "window", "tbptt", "season", "val_size"):
        check_int(name, params[name], optional=True)
    for name in ("lr", "clip_norm", "clip_value"):
        check_real(name, params[name])
    huber = params["huber"]
    if not (isinstance(huber, str) and huber == "auto"):
        check_real("huber", huber)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def window_note(forecaster) -> list[str]:
    """A note when the fitted window is shorter than the one asked for.

    A window longer than the longest series' training part cannot be filled:
    the search shortens it to that length, and says so here.
    """
    asked = getattr(forecaster, "window", None)
    used = (getattr(forecaster, "config_", None) or {}).get("window")
    if asked is None or used is None or used >= asked:
        return []
    return [
        f"window {asked} is longer than the longest training part: shortened to "
        f"{used} steps"
    ]
