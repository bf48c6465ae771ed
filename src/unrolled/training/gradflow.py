"""Gradient flow diagnostics for any model: how far back the gradient reaches.

:func:`gradient_flow` measures, for any model and data, how far back
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
from ..errors import InputError


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
    - vanish: a parameter's gradient is exactly 0 two epochs in a row (dead
      relu units stay dead; a zero output layer, where every network on
      changes starts, passes nothing back for one step only), or its
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
                raise InputError(f"{name}: expected a number > 0, got {v!r}")
        self.within = check_positive_int("within", self.within)
        self.every = check_positive_int("every", self.every)
        if (self.model is None) != (self.probe is None):
            raise InputError("model, probe: expected both or neither")
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
                if len(self.norms[name]) > 1 and self.norms[name][-2] == 0.0:
                    self._warn(
                        f"vanish:{name}",
                        f"epochs {self.epochs[-2]} and {epoch}: the gradient of "
                        f"{name!r} is exactly 0 (no signal reaches it: dead relu "
                        "units or vanished gradients)",
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
                "(exploding gradients; try clip_norm=, a smaller lr or tbptt=)",
            )
        elif first > 0 and gn > self.explode * first:
            self._warn(
                "explode",
                f"epoch {epoch}: the gradient norm {gn:.3g} is {gn / first:.3g} "
                f"times epoch {self.epochs[0]}'s (exploding gradients; try "
                "clip_norm=, a smaller lr or tbptt=)",
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
