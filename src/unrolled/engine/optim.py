"""Optimizers (SGD, Adam) and gradient clipping; steps update params in place."""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """Euclidean norm of all gradients taken together."""
    return float(
        np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
    )


def clip_grads(
    grads: dict[str, np.ndarray],
    max_norm: float | None = None,
    max_value: float | None = None,
    norm: float | None = None,
) -> dict[str, np.ndarray]:
    """Clip gradients by global norm and/or by value; return the clipped dict.

    Parameters
    ----------
    max_norm : float, optional
        If the global norm exceeds it, every gradient is scaled by
        ``max_norm / norm`` (direction kept), as ``torch.nn.utils.clip_grad_norm_``.
    max_value : float, optional
        Each entry is clipped to ``[-max_value, max_value]``.
    norm : float, optional
        ``global_norm(grads)`` where the caller has it already (without
        ``max_value``): it is not computed again.
    """
    for name, v in (("max_norm", max_norm), ("max_value", max_value)):
        if v is not None and not v > 0:
            raise InputError(f"{name}: expected a number > 0, got {v!r}")
    if max_value is not None:
        grads = {k: np.clip(g, -max_value, max_value) for k, g in grads.items()}
    if max_norm is not None:
        if norm is None or max_value is not None:
            norm = global_norm(grads)
        if norm > max_norm:
            scale = max_norm / (norm + 1e-12)
            grads = {k: g * scale for k, g in grads.items()}
    return grads


class SGD:
    """Plain gradient descent, the lesson's: ``p -= lr * grad``."""

    def __init__(self, lr: float = 0.01):
        if not lr > 0:
            raise InputError(f"lr: expected a number > 0, got {lr!r}")
        self.lr = lr

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Take one step against the gradients."""
        for k, g in grads.items():
            params[k] -= self.lr * g

    def state_dict(self) -> dict[str, np.ndarray]:
        """SGD keeps no state."""
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """SGD keeps no state."""


class Adam:
    """Adam (Kingma & Ba), with PyTorch's defaults and bias correction.

    The moments of every parameter lie end to end in one buffer each, and a
    step is a few operations over it: every entry gets the same float
    operations as a step parameter by parameter. ``m`` and ``v`` (by
    parameter name) are views into those buffers.
    """

    def __init__(
        self,
        lr: float = 0.01,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        if not lr > 0:
            raise InputError(f"lr: expected a number > 0, got {lr!r}")
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self._flat = None  # (layout, m buffer, v buffer, m dict, v dict)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Take one step against the bias-corrected first/second moment estimates."""
        b1, b2 = self.betas
        self.t += 1
        layout = tuple((k, g.shape, g.dtype) for k, g in grads.items())
        m, v = self._moments(layout)
        g = np.concatenate([g.reshape(-1) for g in grads.values()])
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1**self.t)
        v_hat = v / (1 - b2**self.t)
        change = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        at = 0
        for k, g in grads.items():
            params[k] -= change[at : at + g.size].reshape(g.shape)
            at += g.size

    def _moments(self, layout) -> tuple[np.ndarray, np.ndarray]:
        """The moment buffers for ``layout`` (name, shape, dtype per gradient)."""
        f = self._flat
        if f is not None and f[0] == layout and f[3] is self.m and f[4] is self.v:
            return f[1], f[2]
        return self._buffers(layout)

    def _buffers(self, layout) -> tuple[np.ndarray, np.ndarray]:
        """New moment buffers for ``layout``, holding the moments so far
        (zeros for a new name); ``m``/``v`` become views into them."""
        dtype = np.result_type(*(d for _, _, d in layout))
        buffers, views = [], []
        for old in (self.m, self.v):
            parts = [np.asarray(old[k], dtype=dtype).reshape(-1) if k in old
                     else np.zeros(int(np.prod(shape)), dtype=dtype)
                     for k, shape, _ in layout]  # fmt: skip
            buf = np.concatenate(parts)
            kept, at = dict(old), 0
            for (k, shape, _), part in zip(layout, parts, strict=True):
                kept[k] = buf[at : at + part.size].reshape(shape)
                at += part.size
            buffers.append(buf)
            views.append(kept)
        self.m, self.v = views
        self._flat = (layout, *buffers, self.m, self.v)
        return buffers[0], buffers[1]

    def state_dict(self) -> dict[str, np.ndarray]:
        """Moments and step count as flat arrays (safetensors-friendly)."""
        state = {"t": np.array([self.t], dtype=np.int64)}
        state.update({f"m.{k}": v for k, v in self.m.items()})
        state.update({f"v.{k}": v for k, v in self.v.items()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.t = int(np.asarray(state["t"]).ravel()[0])
        self.m = {k[2:]: np.array(v) for k, v in state.items() if k.startswith("m.")}
        self.v = {k[2:]: np.array(v) for k, v in state.items() if k.startswith("v.")}
        self._flat = None


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, lr: float):
    """Build an optimizer by name: ``"sgd"`` or ``"adam"``."""
    if name not in OPTIMIZERS:
        raise InputError(f"optimizer: expected 'sgd' or 'adam', got {name!r}")
    return OPTIMIZERS[name](lr=lr)
