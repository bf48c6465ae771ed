"""The input windows and inverters of many origins at once, for plain changes.

:meth:`~..models.networks.Network.prepare` works origin by origin: the
transform's features of the points before it, then its inverter. For the
scalings whose inputs are the (seasonal) changes of the last few points,
without a linear part or a level (``diff`` and ``logdiff``, the usual ones
on yearly data; ``diff+lag`` and ``logdiff+lag``, with the mean change one
to :data:`~.seasons.LAG_SEASONS` seasons back as a second input;
``sdiff`` and ``logsdiff``, the change from a season back), both are
elementwise arithmetic on the last ``window + lookback`` points:
:func:`diff_windows` does it for every origin in a few array operations,
with the same float64 operations in the same order, so the windows and
inverters are identical, bit for bit, to the ones origin by origin
(``tests/forecasting/features/test_batched.py``). An origin where anything
would take another path (a history shorter than that, a value the log
refuses, a change that is not finite: origin by origin raises there) is
left to the caller, origin by origin.
"""

from __future__ import annotations

import numpy as np

from .inverse import Inverse
from .seasons import LAG_SEASONS
from .transforms import Transform


def batchable(tf) -> bool:
    """Whether :func:`diff_windows` handles the transform ``tf``."""
    r = tf.recipe
    return (type(tf) is Transform and r.change in ("diff", "lag", "sdiff")
            and r.level is None and tf.coef is None and not tf.ar
            and not tf.change.log)  # fmt: skip


def diff_windows(tfs: list, values, origins, window: int, seqs: list,
                 inverters: list) -> None:  # fmt: skip
    """Fill ``seqs[k]`` and ``inverters[k]`` as origin by origin where it can.

    ``tfs[k]``: the transform at origin ``k`` (each :func:`batchable`), or
    None (the origin is skipped). The others are left as they are (None):
    too short a history, a value the log refuses or a change that is not
    finite (there origin by origin raises).
    """
    groups: dict[tuple, list[int]] = {}  # the same arithmetic, the same lengths
    for k, tf in enumerate(tfs):
        if tf is not None:
            key = (tf.recipe.change, tf.season, tf.lookback)
            groups.setdefault(key, []).append(k)
    for (change, m, back), rows in groups.items():
        _fill(change, m, back, rows, tfs, values, origins, window, seqs, inverters)


def _fill(change, m, back, rows, tfs, values, origins, window, seqs, inverters):
    """:func:`diff_windows` for the origins ``rows``, whose transforms share
    the ``change``, the season ``m`` and the ``back`` points a window needs."""
    n = window + back  # the points origin by origin reads (features(ctx))
    rows = [k for k in rows if origins[k][1] >= n]
    if not rows:
        return
    h = np.array([values[i][o - n : o] for i, o in (origins[k] for k in rows)],
                 dtype=np.float64)  # fmt: skip
    logs = np.array([tfs[k].recipe.logs for k in rows])
    good = np.isfinite(h).all(axis=1) & ~(logs & (h <= 0).any(axis=1))
    rows, h, logs = (
        [k for k, g in zip(rows, good, strict=True) if g],
        h[good],
        logs[good],
    )
    b = h.copy()
    b[logs] = np.log(h[logs])
    d = b[:, m:] - b[:, :-m] if change == "sdiff" else np.diff(b, axis=1)
    good = np.isfinite(d).all(axis=1)
    rows, b, d = [k for k, g in zip(rows, good, strict=True) if g], b[good], d[good]
    shift = np.array([tfs[k].change.shift for k in rows])[:, None]
    scale = np.array([tfs[k].change.scale for k in rows])[:, None]
    scaled = np.zeros((len(rows), n))  # Transform._scaled_changes: 0 before
    scaled[:, n - d.shape[1] :] = (d - shift) / scale
    x = scaled[:, n - window :, None]
    if change == "lag":  # .seasons.seasonal_profile at the window's steps
        t = np.arange(n - window, n)
        total = np.zeros((len(rows), window))
        for k in range(1, LAG_SEASONS + 1):
            total += scaled[:, t + 1 - k * m]
        x = np.stack([scaled[:, n - window :], total / float(LAG_SEASONS)], axis=2)
    start = b[:, -m] if change == "sdiff" else b[:, -1]
    for r, k in enumerate(rows):
        tf = tfs[k]
        seqs[k] = x[r]
        inverters[k] = Inverse(tf.change, start[r], None, None, tf.recipe.logs)
