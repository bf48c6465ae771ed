"""The input windows and inverters of many origins at once, for the plain changes.

:meth:`~..models.networks.Network.prepare` works origin by origin: the
transform's features of the points before it, then its inverter. For the
scalings ``diff`` and ``logdiff`` without a linear part (the usual ones on
yearly data) both are elementwise arithmetic on the last ``window + 1``
points: :func:`diff_windows` does it for every origin in a few array
operations, with the same float64 operations, so the windows and
inverters are identical, bit for bit, to the ones origin by origin
(``tests/forecasting/features/test_batched.py``). An origin where anything
would take another path (a short history, a value the log refuses, a change
that is not finite: origin by origin raises there) is left to the caller,
origin by origin.
"""

from __future__ import annotations

import numpy as np

from .inverse import Inverse
from .transforms import Transform


def batchable(tf) -> bool:
    """Whether :func:`diff_windows` handles the transform ``tf``."""
    r = tf.recipe
    return (type(tf) is Transform and r.change == "diff" and r.level is None
            and tf.coef is None and not tf.ar and tf.lookback == 1
            and not tf.change.log)  # fmt: skip


def diff_windows(tfs: list, values, origins, window: int, seqs: list,
                 inverters: list) -> None:  # fmt: skip
    """Fill ``seqs[k]`` and ``inverters[k]`` as origin by origin where it can.

    ``tfs[k]``: the transform at origin ``k`` (each :func:`batchable`), or
    None (the origin is skipped). The others are left as they are (None):
    too short a history, a value the log refuses or a change that is not
    finite (there origin by origin raises).
    """
    rows = [k for k, (tf, (_, o)) in enumerate(zip(tfs, origins, strict=True))
            if tf is not None and o >= window + 1]  # fmt: skip
    if not rows:
        return
    h = np.array([values[i][o - window - 1 : o] for i, o in (origins[k] for k in rows)],
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
    d = np.diff(b, axis=1)  # (n, window): the changes the window's inputs are
    good = np.isfinite(d).all(axis=1)
    rows, b, d = [k for k, g in zip(rows, good, strict=True) if g], b[good], d[good]
    shift = np.array([tfs[k].change.shift for k in rows])[:, None]
    scale = np.array([tfs[k].change.scale for k in rows])[:, None]
    x = ((d - shift) / scale)[:, :, None]
    for r, k in enumerate(rows):
        tf = tfs[k]
        seqs[k] = x[r]
        inverters[k] = Inverse(tf.change, b[r, -1], None, None, tf.recipe.logs)
