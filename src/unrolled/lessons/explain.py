"""The lesson's walk-through: the arithmetic of every unrolled copy, as data."""

from __future__ import annotations

import math

from ..errors import InputError
from ..text import table
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
    target: float | None = None,
) -> dict:
    """Unroll the lesson's one-unit relu network over ``values`` and record every copy.

    Parameters
    ----------
    values : sequence of float
        Inputs, oldest first; one copy of the network is unrolled per value.
    w1, w2, w3, b1, b2 : float
        The network's weights (input, feedback loop, output) and biases.
    target : float, optional
        Tomorrow's actual value: adds the backward pass (:func:`backward`).

    Returns
    -------
    dict
        ``{"weights": {...}, "copies": [...], "forecast": float}``; each copy has
        ``copy``, ``day``, ``input``, ``y_prev``, ``x``, ``y``, ``output`` and
        ``predicts`` (the day its output is the predicted value for); the last
        copy's output is the forecast for tomorrow. With ``target``, also
        ``"backward"``. The arithmetic is the engine's, in its order: the
        forward numbers equal :func:`~unrolled.lessons.lesson_network`'s to the
        last bit, the gradients to a relative 1e-12 (to the bit with the
        compiled kernels; NumPy's BLAS may sum the copies in another order).

    Examples
    --------
    >>> explain([0.0, 0.5])["forecast"]
    0.9900000000000001
    """
    values = [float(v) for v in values]
    if not values:
        raise InputError("values: expected at least one input value, got none")
    weights = {
        "w1": float(w1),
        "w2": float(w2),
        "w3": float(w3),
        "b1": float(b1),
        "b2": float(b2),
    }
    for name, v in [*(("values", v) for v in values), *weights.items()]:
        if not math.isfinite(v):
            raise InputError(f"{name}: expected finite numbers, got {v}")
    n, y_prev, copies = len(values), 0.0, []
    for k, v in enumerate(values):
        x = (v * w1 + b1) + (y_prev * w2 + 0.0)  # the engine's order: input, loop
        y = max(0.0, x)  # relu
        out = y * w3 + b2  # the output layer
        if not (math.isfinite(x) and math.isfinite(out)):
            raise InputError(
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
    trace = {"weights": weights, "copies": copies, "forecast": copies[-1]["output"]}
    if target is not None:
        trace["backward"] = backward(trace, target)
    return trace


def backward(trace: dict, target: float) -> dict:
    """BPTT of the SSR of the forecast, copy by copy, for :func:`explain`'s trace.

    The backward loop replays the copies in reverse, carrying dSSR/dy back:
    through relu (``relu' = 1`` if the copy's unit is on, else 0) and then
    through the loop (``× w2``). Every copy adds its share to the gradients of
    the shared ``w1``, ``w2`` and ``b1``.

    Parameters
    ----------
    trace : dict
        :func:`explain`'s result.
    target : float
        The actual value the forecast is compared with.

    Returns
    -------
    dict
        ``target``, ``residual`` (forecast - target), ``ssr``, ``d_prediction``
        (2 × residual), ``copies`` (per copy, oldest first: ``copy``, ``dy``
        arriving, ``relu``, ``dx``, and its shares ``dw1``, ``dw2``, ``db1``) and
        ``grads`` (``w1``, ``w2``, ``w3``, ``b1``, ``b2``): the engine's BPTT
        gradients (``weight_ih_l0``, ``weight_hh_l0``, ``head.weight``,
        ``bias_ih_l0``, ``head.bias``).
    """
    target = float(target)
    if not math.isfinite(target):
        raise InputError(f"target: expected a finite number, got {target}")
    w, copies = trace["weights"], trace["copies"]
    residual = trace["forecast"] - target
    dpred = 2.0 * residual  # dSSR/dprediction
    grads = {"w1": 0.0, "w2": 0.0, "w3": dpred * copies[-1]["y"], "b1": 0.0}
    grads["b2"] = dpred
    dy, rows = dpred * w["w3"], []  # back through the output layer
    for c in reversed(copies):
        relu = 1 if c["y"] > 0 else 0
        dx = dy if relu else 0.0  # back through relu
        row = {"copy": c["copy"], "dy": dy, "relu": relu, "dx": dx}
        row |= {"dw1": dx * c["input"], "dw2": dx * c["y_prev"], "db1": dx}
        grads["w1"] += row["dw1"]  # the weights are shared: shares add up
        grads["w2"] += row["dw2"]
        grads["b1"] += row["db1"]
        rows.append(row)
        dy = dx * w["w2"]  # back through the loop
    numbers = [residual * residual, *grads.values()]
    if not all(math.isfinite(v) for v in numbers):
        raise InputError(
            "target: the SSR or its gradients overflow float64; "
            "use inputs and weights of smaller magnitude"
        )
    return {
        "target": target,
        "residual": residual,
        "ssr": residual * residual,
        "d_prediction": dpred,
        "copies": rows[::-1],
        "grads": grads,
    }


def _num(v: float) -> str:
    """A number as the lesson writes it: short, no float noise."""
    s = f"{v:.6g}"
    return "0" if s == "-0" else s


def diagram(trace: dict, most: int = 6) -> str:
    """The unrolled copies as a small text picture (at most ``most`` columns)."""
    copies = trace["copies"]
    if len(copies) > most:
        keep = [*copies[:2], None, *copies[-(most - 3) :]]
    else:
        keep = list(copies)
    cols = []
    for c in keep:
        if c is None:
            cols.append(["", "", "…", "", "", ""])
            continue
        last = c["predicts"] == "tomorrow"
        cols.append(
            [
                _num(c["input"]),
                "↓",
                f"[copy {c['copy']}]",
                "↓",
                _num(c["output"]),
                "tomorrow" if last else "ignored",
            ]
        )
    widths = [max(len(x) for x in col) + 2 for col in cols]
    names = ["input", "", "", "", "output", ""]
    lines = []
    for r in range(6):
        parts = [col[r].center(w) for col, w in zip(cols, widths, strict=True)]
        sep = "─y→" if r == 2 else "   "
        lines.append((names[r].ljust(7) + sep.join(parts)).rstrip())
    lines.append(
        " " * 7 + "every copy: the same w1, w2, b1, w3, b2; y carries each copy's "
        "relu output into the next (× w2)"
    )
    return "\n".join(lines)


def format_explain(trace: dict) -> str:
    """Render :func:`explain`'s trace as the lesson's walk-through."""
    w = {k: _num(v) for k, v in trace["weights"].items()}
    n = len(trace["copies"])
    lines = [
        "each copy: x = input × w1 + previous × w2 + b1;  y = max(0, x) (relu);  "
        "output = y × w3 + b2",
        f"weights: w1 = {w['w1']} (input), w2 = {w['w2']} (the loop), b1 = {w['b1']}, "
        f"w3 = {w['w3']}, b2 = {w['b2']}; previous = the copy before's y "
        "(0 for copy 1)",
        f"unrolled into {n} cop{'y' if n == 1 else 'ies'}, oldest input first; "
        "every copy uses the same weights and biases (unrolling adds no parameters):",
        "",
        diagram(trace),
        "",
    ]
    for c in trace["copies"]:
        i, last = c["copy"], c["predicts"] == "tomorrow"
        lines.append(f"copy {i} ({c['day']}, input {_num(c['input'])}):")
        lines.append(
            f"  input × w1 + previous × w2 + b1 = {_num(c['input'])} × {w['w1']}"
            f" + {_num(c['y_prev'])} × {w['w2']} + {w['b1']} = {_num(c['x'])}"
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
    if "backward" in trace:
        lines += ["", format_backward(trace["backward"], len(trace["copies"]))]
    return "\n".join(lines)


def format_backward(b: dict, n: int) -> str:
    """The backward pass: residual, SSR, every copy's share, the sums."""
    g = {k: _num(v) for k, v in b["grads"].items()}
    rows = [
        [c["copy"], _num(c["dy"]), c["relu"], _num(c["dx"]), _num(c["dw1"]),
         _num(c["dw2"]), _num(c["db1"])]
        for c in b["copies"]
    ]  # fmt: skip
    head = ["copy", "dSSR/dy", "relu'", "dSSR/dx", "dx × input", "dx × previous"]
    lines = [
        f"backward pass for target {_num(b['target'])}:",
        f"  residual = prediction - target = {_num(b['residual'])}; "
        f"SSR = residual² = {_num(b['ssr'])}",
        f"  dSSR/dprediction = 2 × residual = {_num(b['d_prediction'])}; "
        f"dSSR/dw3 = that × y_{n} = {g['w3']}; dSSR/db2 = {g['b2']}",
        "  dSSR/dy of the last copy = dSSR/dprediction × w3; each copy back "
        "multiplies by relu' × w2",
        "",
        table([*head, "dx (db1)"], rows),
        "",
        "summed over the copies, because every copy shares the weights:",
        f"  dSSR/dw1 = {g['w1']}   dSSR/dw2 = {g['w2']}   dSSR/db1 = {g['b1']}",
    ]
    return "\n".join(lines)
