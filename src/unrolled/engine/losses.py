"""What training minimises: a function of the residuals, and its gradient.

The lesson's loss is the sum of squared residuals (SSR). Huber's loss
(Huber, 1964) is the SSR with the squares beyond ``delta`` made linear:

    r**2                        where |r| <= delta
    2 * delta * |r| - delta**2  beyond

so it equals the SSR on small residuals, and its gradient, ``2 r`` inside,
is ``2 delta sign(r)`` beyond: an outlier pulls no harder than a residual
of ``delta``. It is twice PyTorch's ``HuberLoss(reduction="sum",
delta=delta)``, so that it is the SSR where the two agree.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError


def check_huber(huber) -> float | None:
    """``huber`` as a float: None (the SSR) or a positive finite delta."""
    if huber is None:
        return None
    bad = isinstance(huber, bool) or not isinstance(huber, (int, float, np.number))
    if bad or not math.isfinite(huber) or huber <= 0:
        raise InputError(
            f"huber: expected None or a positive finite number, got {huber!r}"
        )
    return float(huber)


def residual_loss(R: np.ndarray, huber: float | None = None
                  ) -> tuple[float, np.ndarray]:  # fmt: skip
    """The loss of the residuals ``R`` and its gradient, shaped like ``R``.

    The SSR with ``huber`` None, else Huber's loss with ``delta = huber``
    (see the module). The sum is accumulated in float64.
    """
    if huber is None:
        return float(np.sum(R * R, dtype=np.float64)), 2.0 * R
    a = np.abs(R)
    inside = a <= huber
    loss = np.where(inside, R * R, (2.0 * huber) * a - huber * huber)
    grad = np.where(inside, 2.0 * R, (2.0 * huber) * np.sign(R)).astype(R.dtype)
    return float(np.sum(loss, dtype=np.float64)), grad
