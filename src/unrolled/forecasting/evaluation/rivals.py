"""Stronger rivals, optional: statsforecast's AutoETS, AutoTheta and AutoARIMA.

``pip install 'unrolled[stats]'`` installs statsforecast; it is imported
only here, inside the functions. Each rival is refitted on the history up to
every origin (as the baselines are) and gives its intervals by its own
method (model-based), so the comparison is at the same origins with the same
metrics. A rival that fails on a history (too short for its model) falls
back to the naive forecast at that origin (without an interval there).
With future covariates (or a calendar), the rivals of :data:`TAKE_X` read
them as regressors, as statsforecast's ``X_df``: fitted on their rows before
each origin, forecasting with the rows of the dates forecast.
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError

RIVALS = ("AutoETS", "AutoTheta", "AutoARIMA")
# the rivals whose statsforecast models use exogenous regressors (X, X_df's
# columns); AutoETS and AutoTheta take an X and ignore it
TAKE_X = ("AutoARIMA",)
INSTALL = "pip install 'unrolled[stats]'  (or: pip install statsforecast)"


def check_rivals(rivals) -> list[str]:
    """Validate rival names; ImportError-free ValueError naming how to install."""
    out = []
    for r in rivals or ():
        if r not in RIVALS:
            raise InputError(f"rivals: expected any of {', '.join(RIVALS)}, got {r!r}")
        out.append(r)
    if out:
        try:
            import statsforecast  # noqa: F401
        except ImportError:
            raise InputError(
                f"rivals: statsforecast is not installed; {INSTALL}"
            ) from None
    return out


def make_rival(name: str, season: int | None):
    """A statsforecast model object for ``name`` with the season length."""
    from statsforecast import models

    return getattr(models, name)(season_length=season or 1)


def rival_paths(name, values, origins, h: int, season, levels, exog=None):
    """(paths (n, h), {level: (lo (n, h), hi (n, h))}) refitted at every origin.

    ``exog``: per series, the regressors at every date of its history and the
    ``h`` after it (``(len + h, k)``), or None; read by :data:`TAKE_X` only.
    """
    import warnings

    n = len(origins)
    out = np.empty((n, h))
    bands = {lv: (np.full((n, h), np.nan), np.full((n, h), np.nan)) for lv in levels}
    ints = [int(lv) if float(lv).is_integer() else lv for lv in levels]
    for k, (i, o) in enumerate(origins):
        y = np.asarray(values[i][:o], dtype=np.float64)
        m = season if season and len(y) >= 2 * season + 2 else 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                x = None if exog is None or name not in TAKE_X else exog[i]
                model = make_rival(name, m)
                if x is None:
                    fc = model.fit(y).predict(h, level=ints or None)
                else:  # the rows before the origin, then those of the dates forecast
                    fc = model.fit(y, X=x[:o]).predict(h, X=x[o : o + h],
                                                       level=ints or None)  # fmt: skip
            out[k] = fc["mean"]
            for lv, key in zip(levels, ints, strict=True):
                bands[lv][0][k] = fc[f"lo-{key}"]
                bands[lv][1][k] = fc[f"hi-{key}"]
        except Exception:  # noqa: BLE001 (a rival's own failure: naive there)
            out[k] = y[-1]
    return out, bands
