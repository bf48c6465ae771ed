"""The StatLand lesson's ``w2 ** n``: the closed form next to what BPTT measures.

The lesson ends on the vanishing/exploding gradient problem: unrolling the
feedback loop multiplies the first input's influence on the last copy by the
loop weight once per unroll, ``w2 ** n``. :func:`w2_demo` puts that closed
form next to what the engine's BPTT measures on the lesson's one-unit relu
network.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine.validate import check_finite_number, check_positive_int
from ..errors import InputError
from .statland import LESSON_WEIGHTS, lesson_network

#: the longest unroll count the demonstration accepts (cost grows as n**2)
MAX_UNROLLS = 10_000


def check_unrolls(unrolls) -> int:
    """Return ``unrolls`` as an int in ``[1, MAX_UNROLLS]`` or raise ValueError."""
    n = check_positive_int("unrolls", unrolls)
    if n > MAX_UNROLLS:
        raise InputError(
            f"unrolls: expected an integer from 1 to {MAX_UNROLLS}, got {unrolls!r}"
        )
    return n


def closed_form_factor(w2: float, unrolls: int) -> float:
    """The lesson's closed form: Input_1 reaches the last copy scaled by ``w2 ** n``.

    Computed in float64, so it overflows to ``inf`` past about ``2 ** 1023``
    and underflows to 0 below about ``5e-324``, as the engine does.

    Examples
    --------
    >>> closed_form_factor(2.0, 4)
    16.0
    """
    n = check_unrolls(unrolls)
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float64(check_finite_number("w2", w2)) ** n)


def demo_counts(unrolls: int, dense: bool = False) -> list[int]:
    """Unroll counts to tabulate up to ``unrolls``: every one up to 12 (or 200
    when ``dense``), then a log-spaced selection that always ends at ``unrolls``."""
    n = check_unrolls(unrolls)
    limit = 200 if dense else 12
    if n <= limit:
        return list(range(1, n + 1))
    if dense:
        grid = np.unique(np.round(np.geomspace(1, n, limit)).astype(int))
        return sorted({*grid.tolist(), n})
    nice = [1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
    return sorted({*(c for c in nice if c < n), n})


def _one_unit_forward(T: int, x: float, w1: float, w2: float, b1: float):
    """Pre-activations of the lesson's relu unit for T copies of input ``x``."""
    pre, y = np.empty(T), 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T):
            pre[t] = x * w1 + y * w2 + b1
            y = max(pre[t], 0.0)
    return pre


def w2_demo(
    w2: float = 2.0,
    unrolls: int = 4,
    *,
    counts: list[int] | None = None,
    w1: float = LESSON_WEIGHTS["w1"],
    w3: float = LESSON_WEIGHTS["w3"],
    b1: float = LESSON_WEIGHTS["b1"],
    b2: float = LESSON_WEIGHTS["b2"],
    x: float = 1.0,
    target: float = 1.0,
) -> dict:
    """The lesson's ``w2 ** n`` next to what BPTT measures on its one-unit network.

    For each unroll count ``n`` the lesson's network (``lesson_network``) is
    unrolled over ``n + 1`` copies of the input ``x``, so that the loop carries
    Input_1 ``n`` times to the last copy, and the engine's BPTT
    (``loss_and_grads(..., record_hidden=True)``) gives ``dL/dy_t`` for every
    copy. The measured factor is ``dL/dy_1 / dL/dy_{n+1} = dy_{n+1}/dy_1``; with
    relu it equals ``w2 ** n`` exactly while every unit stays active
    (pre-activation > 0), and is 0 once one copy is inactive (relu passes no
    gradient there).

    Parameters
    ----------
    w2 : float
        The weight on the feedback loop.
    unrolls : int
        Largest unroll count, 1 to ``MAX_UNROLLS``.
    counts : list of int, optional
        The unroll counts to tabulate; default :func:`demo_counts`.
    w1, w3, b1, b2 : float
        The other weights and biases (the lesson's by default).
    x : float
        The input value at every copy (positive keeps the units active).
    target : float
        Observed value for the SSR of the last prediction (High = 1); the
        measured factor is a ratio, so it does not depend on it unless the
        prediction equals it (then the SSR has no gradient at all).

    Returns
    -------
    dict
        ``weights``, ``input``, ``target`` and ``rows``; each row has ``unrolls``,
        ``copies``, ``closed_form`` (``w2 ** n``), ``measured``,
        ``d_pred_d_input1`` and ``d_pred_d_input1_closed`` (``w1 w3 w2 ** n``),
        ``dssr_dw1`` and ``dssr_dw1_closed``, ``active`` (every copy's unit on),
        ``matches`` and ``note`` (why the measurement departs, if it does).
    """
    w = {
        k: check_finite_number(k, v)
        for k, v in {"w1": w1, "w2": w2, "w3": w3, "b1": b1, "b2": b2}.items()
    }
    x = check_finite_number("x", x)
    target = check_finite_number("target", target)
    counts = demo_counts(unrolls) if counts is None else counts
    counts = [check_unrolls(c) for c in counts]
    net = lesson_network(**w)
    rows = []
    for n in counts:
        rows.append(_demo_row(net, n, w, x, target))
    return {"weights": w, "input": x, "target": target, "rows": rows}


def _demo_row(net, n: int, w: dict, x: float, target: float) -> dict:
    """One row of :func:`w2_demo`: closed forms, BPTT measurements, and a note."""
    T = n + 1
    w1, w2, w3, b1, b2 = (w[k] for k in ("w1", "w2", "w3", "b1", "b2"))
    with np.errstate(all="ignore"):
        loss, grads, dh = net.loss_and_grads(
            [np.full(T, x)], [target], record_hidden=True
        )
        g = dh[0][:, 0]  # (T,) dL/dy_t measured by BPTT, oldest copy first
        measured = float(g[0] / g[-1]) + 0.0 if g[-1] != 0 else math.nan  # no -0
        pre = _one_unit_forward(T, x, w1, w2, b1)
        d_in = measured * w3 * float(pre[0] > 0) * w1  # through copy 1's relu, w1
        powers = np.float64(w2) ** np.arange(n, -1, -1)  # w2^(T-t), t = 1..T
        factor = float(powers[0])
        pred_cf = w3 * float(np.sum((w1 * x + b1) * powers)) + b2
        dssr_cf = 2.0 * (pred_cf - target) * w3 * float(np.sum(x * powers))
        row = {
            "unrolls": n,
            "copies": T,
            "closed_form": factor,
            "measured": measured,
            "d_pred_d_input1": float(d_in),
            "d_pred_d_input1_closed": float(w1 * w3 * factor),
            "dssr_dw1": float(grads["weight_ih_l0"][0, 0]),
            "dssr_dw1_closed": float(dssr_cf),
            "active": bool(np.all(pre > 0)),
        }
    row["matches"] = _close(measured, factor)
    row["note"] = _departure(row, pre, loss)
    return row


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    """Equal within ``rel`` (infinities equal to themselves, NaN to nothing)."""
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b)) or a == b


def _departure(row: dict, pre: np.ndarray, loss: float) -> str:
    """Why the measured factor differs from ``w2 ** n`` (or is not meaningful)."""
    if math.isnan(row["measured"]) and math.isfinite(loss):
        return (
            "the prediction equals the target: dSSR/dprediction = 0, so BPTT "
            "carries no signal to measure (choose another target)"
        )
    if not math.isfinite(loss) or not math.isfinite(row["measured"]):
        return (
            "the SSR or its gradient overflows float64 (max about 1.8e308): "
            "BPTT yields inf/NaN, the exploding-gradient failure itself"
        )
    if not row["active"]:
        k = int(np.argmax(~(pre > 0))) + 1
        return (
            f"the unit is inactive at copy {k} (x = {pre[k - 1]:.4g} <= 0): relu "
            "passes no gradient there, so the measured factor is "
            f"{row['measured']:.4g} instead of w2**n"
        )
    if math.isinf(row["closed_form"]):
        return "w2**n overflows float64 (> 1.8e308): exploding"
    if row["closed_form"] == 0.0:
        return "w2**n underflows float64 (< 5e-324) to 0: vanished"
    if not row["matches"]:
        return "measured and closed form differ beyond 1e-9 (round-off at extremes)"
    return ""
