"""Stronger rivals, optional: statsforecast's AutoETS, AutoTheta and AutoARIMA.

``pip install 'unrolled[stats]'`` installs statsforecast; it is imported
only here, inside the functions. Each rival is refitted on the history up to
every origin (as the baselines are) and gives its intervals by its own
method (model-based), so the comparison is at the same origins with the same
metrics. A rival that fails on a history (too short for its model) falls
back to the naive forecast at that origin (without an interval there).
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError

RIVALS = ("AutoETS", "AutoTheta", "AutoARIMA")
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


def rival_paths(name, values, origins, h: int, season, levels):
    """(paths (n, h), {level: (lo (n, h), hi (n, h))}) refitted at every origin."""
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
                fc = make_rival(name, m).fit(y).predict(h, level=ints or None)
            out[k] = fc["mean"]
            for lv, key in zip(levels, ints, strict=True):
                bands[lv][0][k] = fc[f"lo-{key}"]
                bands[lv][1][k] = fc[f"hi-{key}"]
        except Exception:  # noqa: BLE001 (a rival's own failure: naive there)
            out[k] = y[-1]
    return out, bands
