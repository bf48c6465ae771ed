"""The lesson's toy market, StatLand, and its hand-set one-unit network."""

from __future__ import annotations

import warnings

import numpy as np

from ..engine.network import RNN

LOW, MEDIUM, HIGH = 0.0, 0.5, 1.0

#: (yesterday, today, observed tomorrow), prices scaled Low=0, Medium=0.5, High=1
SCENARIOS: tuple[tuple[float, float, float], ...] = (
    (LOW, LOW, LOW),
    (LOW, MEDIUM, HIGH),
    (HIGH, MEDIUM, LOW),
    (HIGH, HIGH, HIGH),
)

#: the lesson's hand-set weights: the one place these five numbers are written
LESSON_WEIGHTS = {"w1": 1.8, "w2": -0.5, "w3": 1.1, "b1": 0.0, "b2": 0.0}


def lesson_network(
    w1: float = LESSON_WEIGHTS["w1"],
    w2: float = LESSON_WEIGHTS["w2"],
    w3: float = LESSON_WEIGHTS["w3"],
    b1: float = LESSON_WEIGHTS["b1"],
    b2: float = LESSON_WEIGHTS["b2"],
    dtype: str = "float64",
) -> RNN:
    """The lesson's one-unit relu network from its five numbers.

    ``x_t = input_t * w1 + y_{t-1} * w2 + b1``, ``y_t = max(0, x_t)``,
    ``output_t = y_t * w3 + b2``. In PyTorch's names: ``weight_ih_l0 = [[w1]]``,
    ``weight_hh_l0 = [[w2]]``, ``bias_ih_l0 = [b1]``, ``bias_hh_l0 = [0]``,
    ``head.weight = [[w3]]``, ``head.bias = [b2]``.

    Examples
    --------
    >>> lesson_network().predict([[0.0, 0.5]])
    array([0.99])
    """
    net = RNN(hidden_size=1, nonlinearity="relu", dtype=dtype)
    return net.load_state_dict(
        {
            "weight_ih_l0": [[w1]],
            "weight_hh_l0": [[w2]],
            "bias_ih_l0": [b1],
            "bias_hh_l0": [0.0],
            "head.weight": [[w3]],
            "head.bias": [b2],
        }
    )


def seed_network(*args, **kwargs) -> RNN:
    """Deprecated name of :func:`lesson_network` (seed means the random seed).

    Warns with a DeprecationWarning; same arguments, same network.
    """
    warnings.warn(
        "unrolled.lessons.seed_network is deprecated: use lesson_network",
        DeprecationWarning,
        stacklevel=2,
    )
    return lesson_network(*args, **kwargs)


def statland_data() -> tuple[list[np.ndarray], np.ndarray]:
    """The four StatLand rows as ``(sequences [yesterday, today], tomorrow)``."""
    seqs = [np.array([y, t]) for y, t, _ in SCENARIOS]
    return seqs, np.array([n for _, _, n in SCENARIOS])


def statland_table(net: RNN | None = None) -> list[dict]:
    """Each scenario with the network's prediction for tomorrow.

    Returns
    -------
    list of dict
        ``{"yesterday", "today", "expected", "predicted"}`` per row, in the
        lesson's order; the network defaults to :func:`lesson_network`.
    """
    net = net if net is not None else lesson_network()
    seqs, expected = statland_data()
    predicted = net.predict(seqs)
    return [
        {
            "yesterday": float(s[0]),
            "today": float(s[1]),
            "expected": float(e),
            "predicted": float(p),
        }
        for s, e, p in zip(seqs, expected, predicted, strict=True)
    ]
