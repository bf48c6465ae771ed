"""The lesson's walk-through: the arithmetic of every unrolled copy, as data."""

from __future__ import annotations

import math

from .statland import LESSON_WEIGHTS


def day_label(steps_before_today: int) -> str:
    """Name a day by how many steps it lies before today (0 = today)."""
    names = {-1: "tomorrow", 0: "today", 1: "yesterday", 2: "day before yesterday"}
    return names.get(steps_before_today, f"{steps_before_today} days before today")


def explain(
    values,
    w1: float = LESSON_WEIGHTS["w1"],
    w2: float = LESSON_WEIGHTS["w2"],
    w3: float = LESSON_WEIGHTS["w3"],
    b1: float = LESSON_WEIGHTS["b1"],
    b2: float = LESSON_WEIGHTS["b2"],
) -> dict:
    """Unroll the lesson's one-unit relu network over ``values`` and record every copy.

    Parameters
    ----------
    values : sequence of float
        Inputs, oldest first; one copy of the network is unrolled per value.
    w1, w2, w3, b1, b2 : float
        The network's weights (input, feedback loop, output) and biases.

    Returns
    -------
    dict
        ``{"weights": {...}, "copies": [...], "forecast": float}``; each copy has
        ``copy``, ``day``, ``input``, ``y_prev``, ``x``, ``y``, ``output`` and
        ``predicts`` (the day its output is the predicted value for); the last
        copy's output is the forecast for tomorrow.

    Examples
    --------
    >>> explain([0.0, 0.5])["forecast"]
    0.9900000000000001
    """
    values = [float(v) for v in values]
    if not values:
        raise ValueError("values: expected at least one input value, got none")
    weights = {
        "w1": float(w1),
        "w2": float(w2),
        "w3": float(w3),
        "b1": float(b1),
        "b2": float(b2),
    }
    for name, v in [*(("values", v) for v in values), *weights.items()]:
        if not math.isfinite(v):
            raise ValueError(f"{name}: expected finite numbers, got {v}")
    n, y_prev, copies = len(values), 0.0, []
    for k, v in enumerate(values):
        x = v * w1 + y_prev * w2 + b1  # the copy's sum, the feedback loop included
        y = max(0.0, x)  # relu
        out = y * w3 + b2  # the output layer
        if not (math.isfinite(x) and math.isfinite(out)):
            raise ValueError(
                f"values: copy {k + 1} overflows float64 (x = {x}, output = {out}); "
                "use inputs and weights of smaller magnitude"
            )
        copies.append(
            {
                "copy": k + 1,
                "day": day_label(n - 1 - k),
                "input": v,
                "y_prev": y_prev,
                "x": x,
                "y": y,
                "output": out,
                "predicts": day_label(n - 2 - k),
            }
        )
        y_prev = y
    return {"weights": weights, "copies": copies, "forecast": copies[-1]["output"]}


def _num(v: float) -> str:
    """A number as the lesson writes it: short, no float noise."""
    s = f"{v:.6g}"
    return "0" if s == "-0" else s


def format_explain(trace: dict) -> str:
    """Render :func:`explain`'s trace as the lesson's walk-through."""
    w = {k: _num(v) for k, v in trace["weights"].items()}
    lines = [
        f"weights: w1 = {w['w1']}, w2 = {w['w2']}, w3 = {w['w3']}, "
        f"b1 = {w['b1']}, b2 = {w['b2']}; y_0 = 0",
        f"unrolled into {len(trace['copies'])} copies, oldest input first:",
        "",
    ]
    for c in trace["copies"]:
        i, last = c["copy"], c["predicts"] == "tomorrow"
        lines.append(f"copy {i} ({c['day']}, input {_num(c['input'])}):")
        lines.append(
            f"  {_num(c['input'])} × {w['w1']} + {_num(c['y_prev'])} × {w['w2']}"
            f" + {w['b1']} = {_num(c['x'])}"
        )
        lines.append(f"  max(0, {_num(c['x'])}) = {_num(c['y'])} = y_{i}")
        tail = (
            "  <- the prediction for tomorrow"
            if last
            else "  (ignored: the actual value is known)"
        )
        lines.append(
            f"  {_num(c['y'])} × {w['w3']} + {w['b2']} = {_num(c['output'])}"
            f" = predicted value for {c['predicts']}{tail}"
        )
    lines += ["", f"prediction for tomorrow: {_num(trace['forecast'])}"]
    return "\n".join(lines)
