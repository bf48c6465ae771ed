"""Gradient flow: the seed's ``w2 ** n``, measured, and diagnostics for any model.

The seed ends on the vanishing/exploding gradient problem: unrolling the
feedback loop multiplies the first input's influence on the last copy by the
loop weight once per unroll, ``w2 ** n``. :func:`w2_demo` puts that closed
form next to what the engine's BPTT measures on the seed's one-unit relu
network. :func:`gradient_flow` measures, for any model and data, how far back
the loss gradient reaches (``||dL/dh_t||`` against steps back from the end),
and :class:`GradientMonitor` records per-parameter gradient norms during
:func:`unrolled.fit` and warns when they explode or vanish.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..engine.validate import check_positive_int

#: the longest unroll count the demonstration accepts (cost grows as n**2)
MAX_UNROLLS = 10_000


def _check_finite_number(name: str, value) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not finite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return v


def check_unrolls(unrolls) -> int:
    """Return ``unrolls`` as an int in ``[1, MAX_UNROLLS]`` or raise ValueError."""
    n = check_positive_int("unrolls", unrolls)
    if n > MAX_UNROLLS:
        raise ValueError(
            f"unrolls: expected an integer from 1 to {MAX_UNROLLS}, got {unrolls!r}"
        )
    return n


def closed_form_factor(w2: float, unrolls: int) -> float:
    """The seed's closed form: Input_1 reaches the last copy scaled by ``w2 ** n``.

    Computed in float64, so it overflows to ``inf`` past about ``2 ** 1023``
    and underflows to 0 below about ``5e-324``, as the engine does.

    Examples
    --------
    >>> closed_form_factor(2.0, 4)
    16.0
    """
    n = check_unrolls(unrolls)
    with np.errstate(over="ignore", under="ignore"):
        return float(np.float64(_check_finite_number("w2", w2)) ** n)


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
    """Pre-activations of the seed's relu unit for T copies of input ``x``."""
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
    w1: float = 1.8,
    w3: float = 1.1,
    b1: float = 0.0,
    b2: float = 0.0,
    x: float = 1.0,
    target: float = 1.0,
) -> dict:
    """The seed's ``w2 ** n`` next to what BPTT measures on its one-unit network.

    For each unroll count ``n`` the seed's network (``seed_network``) is
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
        The other weights and biases (the seed's by default).
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
    from ..lessons.statland import seed_network

    w = {
        k: _check_finite_number(k, v)
        for k, v in {"w1": w1, "w2": w2, "w3": w3, "b1": b1, "b2": b2}.items()
    }
    x = _check_finite_number("x", x)
    target = _check_finite_number("target", target)
    counts = demo_counts(unrolls) if counts is None else counts
    counts = [check_unrolls(c) for c in counts]
    net = seed_network(**w)
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


# ------------------------------------------------------------------ diagnostics
@dataclass
class GradientFlow:
    """``||dL/dh_t||`` against steps back from the end of each sequence."""

    steps_back: np.ndarray  # (K,) 0 = the last copy
    norm: np.ndarray  # (K,) mean over the sequences that reach that far back
    sequences: np.ndarray  # (K,) how many sequences reach that far back

    def relative(self) -> np.ndarray:
        """``norm`` divided by its value at the last copy (1 there)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.norm / self.norm[0]

    def reach(self, floor: float = 1e-3) -> int:
        """Steps back before the relative norm first drops below ``floor``
        (the full length if it never does): how far back the signal reaches."""
        below = np.flatnonzero(~(self.relative() >= floor))
        return int(below[0]) if below.size else len(self.norm)

    def to_dict(self) -> dict:
        """Plain data (lists) for JSON."""
        return {
            "steps_back": self.steps_back.tolist(),
            "norm": self.norm.tolist(),
            "relative": self.relative().tolist(),
            "sequences": self.sequences.tolist(),
        }


def gradient_flow(model, seqs, targets, per_step: bool = False) -> GradientFlow:
    """Measure how far back the loss gradient reaches in ``model`` on this data.

    Runs BPTT once (``loss_and_grads(..., record_hidden=True)``) and averages
    ``||dL/dh_t||`` of the top layer over the sequences, aligned at their ends.

    Parameters
    ----------
    model : RNN, LSTM or GRU
    seqs, targets : as for ``model.loss_and_grads``.
    per_step : bool
        Targets for every copy instead of the last.

    Returns
    -------
    GradientFlow
        ``norm[k]`` is the mean norm ``k`` steps back from each sequence's end.
    """
    with np.errstate(all="ignore"):
        _, _, dh = model.loss_and_grads(seqs, targets, per_step, record_hidden=True)
    K = max(len(d) for d in dh)
    total, count = np.zeros(K), np.zeros(K, dtype=np.int64)
    for d in dh:
        nrm = np.linalg.norm(d.astype(np.float64), axis=1)[::-1]  # last copy first
        total[: len(nrm)] += nrm
        count[: len(nrm)] += 1
    return GradientFlow(np.arange(K), total / count, count)


class GradientWarning(RuntimeWarning):
    """Gradients are exploding or vanishing."""


@dataclass
class GradientMonitor:
    """A :func:`unrolled.fit` callback: per-parameter gradient norms per epoch.

    Pass it as ``fit(..., callbacks=[monitor])``. After every epoch it records
    the norm of each parameter's gradient (``logs["grads"]``: the last batch,
    after any clipping) and the mean global norm before clipping
    (``logs["grad_norm"]``), and warns (:class:`GradientWarning`, also kept in
    ``messages``) when gradients explode or vanish:

    - explode: the global norm exceeds ``limit``, grows beyond ``explode``
      times its first-epoch value, or is not finite;
    - vanish: a parameter's gradient is exactly 0 (dead relu units), or its
      norm is below ``vanish`` times the largest parameter gradient norm of
      the same batch (a ratio, so clipping by norm does not change it); or, with
      ``model`` and ``probe=(seqs, targets)``, the relative ``||dL/dh_t||``
      drops below ``floor`` within ``within`` steps back from the end (checked
      every ``every`` epochs, recorded in ``reach``).

    Each kind of warning is issued once per parameter (or once for the global
    norm and the flow), so a long run does not flood the output.
    """

    explode: float = 1e3  # growth of the global norm over epoch 0 that warns
    limit: float = 1e8  # global norm that warns whatever epoch 0 had
    vanish: float = 1e-8  # parameter norm / largest parameter norm that warns
    floor: float = 1e-3  # relative ||dL/dh_t|| counted as "the signal is gone"
    within: int = 5  # ... warn if it is gone this many steps back or fewer
    model: object = None  # with probe: measure the flow during training
    probe: tuple | None = None  # (seqs, targets) for gradient_flow
    every: int = 1  # epochs between flow measurements
    emit: bool = True  # issue warnings.warn as well as keeping messages
    epochs: list[int] = field(default_factory=list)
    norms: dict[str, list[float]] = field(default_factory=dict)
    global_norm: list[float] = field(default_factory=list)
    reach: list[tuple[int, int]] = field(default_factory=list)  # (epoch, steps)
    messages: list[str] = field(default_factory=list)

    def __post_init__(self):
        for name in ("explode", "limit", "vanish", "floor"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and v > 0 and math.isfinite(v)):
                raise ValueError(f"{name}: expected a number > 0, got {v!r}")
        self.within = check_positive_int("within", self.within)
        self.every = check_positive_int("every", self.every)
        if (self.model is None) != (self.probe is None):
            raise ValueError("model, probe: expected both or neither")
        self._warned: set[str] = set()

    def _warn(self, key: str, message: str) -> None:
        """Record ``message`` and warn, once per ``key``."""
        if key in self._warned:
            return
        self._warned.add(key)
        self.messages.append(message)
        if self.emit:
            warnings.warn(message, GradientWarning, stacklevel=3)

    def __call__(self, epoch: int, logs: dict) -> bool:
        """Record this epoch's gradients; never stops training (returns False)."""
        self.epochs.append(epoch)
        gn = float(logs.get("grad_norm", math.nan))
        self.global_norm.append(gn)
        norms = {
            name: float(np.linalg.norm(np.asarray(g, dtype=np.float64)))
            for name, g in logs.get("grads", {}).items()
        }
        top = max(norms, key=lambda k: norms[k] if math.isfinite(norms[k]) else 0.0,
                  default=None)  # fmt: skip
        for name, nrm in norms.items():
            self.norms.setdefault(name, []).append(nrm)
            if not math.isfinite(nrm):
                self._warn(
                    f"nonfinite:{name}",
                    f"epoch {epoch}: the gradient of {name!r} is not finite "
                    "(exploding gradients)",
                )
            elif nrm == 0.0:
                self._warn(
                    f"vanish:{name}",
                    f"epoch {epoch}: the gradient of {name!r} is exactly 0 (no "
                    "signal reaches it: dead relu units or vanished gradients)",
                )
            elif nrm < self.vanish * norms[top]:
                self._warn(
                    f"vanish:{name}",
                    f"epoch {epoch}: the gradient of {name!r} has norm {nrm:.3g}, "
                    f"{nrm / norms[top]:.3g} of the largest, {top!r} "
                    f"({norms[top]:.3g}) "
                    "(vanishing here, or exploding there)",
                )
        first = self.global_norm[0]
        if not math.isfinite(gn):
            self._warn("explode", f"epoch {epoch}: the gradient norm is {gn}")
        elif gn > self.limit:
            self._warn(
                "explode",
                f"epoch {epoch}: the gradient norm {gn:.3g} exceeds {self.limit:g} "
                "(exploding gradients; try --clip, a smaller --lr or --tbptt)",
            )
        elif first > 0 and gn > self.explode * first:
            self._warn(
                "explode",
                f"epoch {epoch}: the gradient norm {gn:.3g} is {gn / first:.3g} "
                f"times epoch {self.epochs[0]}'s (exploding gradients; try "
                "--clip, a smaller --lr or --tbptt)",
            )
        if self.probe is not None and (epoch - self.epochs[0]) % self.every == 0:
            flow = gradient_flow(self.model, *self.probe)
            steps = flow.reach(self.floor)
            self.reach.append((epoch, steps))
            if steps <= self.within and len(flow.norm) > self.within:
                self._warn(
                    "flow",
                    f"epoch {epoch}: ||dL/dh_t|| falls below {self.floor:g} of its "
                    f"last-copy value within {steps} steps back (vanishing "
                    "gradients; try an LSTM or GRU)",
                )
        return False

    def to_dict(self) -> dict:
        """Everything recorded, as plain data for JSON."""
        return {
            "epochs": list(self.epochs),
            "global_norm": list(self.global_norm),
            "norms": {k: list(v) for k, v in self.norms.items()},
            "reach": [list(r) for r in self.reach],
            "messages": list(self.messages),
        }
