"""The input windows and inverters of many origins at once, for the plain changes.

:meth:`~..models.networks.Network.prepare` works origin by origin: the
transform's features of the points before it, then its inverter. For the
scalings ``diff`` and ``logdiff`` without a linear part (the usual ones on
yearly data) both are elementwise arithmetic on the last ``window + 1``
points: :func:`diff_windows` does it for every origin in a few array
operations, with the same float64 operations, so the windows and
inverters are identical, bit for bit, to the ones origin by origin
(``tests/forecasting/features/test_batched.py``). Where anything would take
another path there (a short history, a value the log refuses, a change
that is not finite: the errors origin by origin raise), it returns None and
the caller goes origin by origin.
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


def diff_windows(tfs: list, values, origins, window: int):
    """(windows, inverters) at ``origins`` as origin by origin, or None.

    ``tfs[k]``: the transform at origin ``k`` (each :func:`batchable`).
    """
    n = len(origins)
    if n == 0 or any(o < window + 1 for _, o in origins):
        return None
    h = np.array([values[i][o - window - 1 : o] for i, o in origins],
                 dtype=np.float64)  # fmt: skip
    logs = np.array([tf.recipe.logs for tf in tfs])
    if (h[logs] <= 0).any() or not np.isfinite(h).all():
        return None
    b = h.copy()
    b[logs] = np.log(h[logs])
    d = np.diff(b, axis=1)  # (n, window): the changes the window's inputs are
    if not np.isfinite(d).all():
        return None
    shift = np.array([tf.change.shift for tf in tfs])[:, None]
    scale = np.array([tf.change.scale for tf in tfs])[:, None]
    x = ((d - shift) / scale)[:, :, None]
    seqs = list(x)
    last = b[:, -1]
    inverters = [Inverse(tf.change, last[k], None, None, tf.recipe.logs)
                 for k, tf in enumerate(tfs)]  # fmt: skip
    return seqs, inverters
