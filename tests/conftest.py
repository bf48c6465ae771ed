"""Shared test helpers: finite differences and ragged batches."""

from __future__ import annotations

import os

import numpy as np
import pytest

# The command line compiles missing Numba kernels in a background process and
# runs the NumPy loop meanwhile (a fast first run); its numbers then differ
# from the compiled loop's in the last digits. Tests compare runs bit for bit
# across processes, so every run here compiles in its own process instead;
# the background policy is tested explicitly (test_kernels.py).
os.environ.setdefault("UNROLLED_COMPILE", "wait")


#: fixtures that start a real part: Chromium (the lesson page), a local Ray,
#: a Jupyter kernel running the notebook; a test using one is ``slow``
REAL_PARTS = {"browser", "on_ray", "executed"}


def pytest_collection_modifyitems(config, items):
    """Mark ``slow`` every test that starts a real part (see :data:`REAL_PARTS`),
    so that ``pytest -m "not slow"`` is a fast inner loop; a plain ``pytest``
    (CI's ``.ci/run``) still runs everything. PyTorch parity, the terminal
    (pty) runs and the README's blocks carry the marker in their files."""
    for item in items:
        if REAL_PARTS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def kernels_decided():
    """Every kernel key decided up front (compiled here when first called), so
    that no command run in this process prints the first-run compile line."""
    from unrolled.engine import dispatch

    for kind in ("rnn", "lstm", "gru"):
        for dtype in ("float32", "float64"):
            for hidden in (1, dispatch.backend.feature_major_max + 1):
                dispatch.backend.ready_keys[
                    dispatch.kernel_key(kind, dtype, hidden)
                ] = True


def ragged_batch(rng, lengths, input_size=1):
    """Random sequences of the given lengths, each (T_i, input_size)."""
    return [rng.normal(size=(T, input_size)) for T in lengths]


def numeric_grads(model, seqs, targets, eps=1e-6, **kw):
    """Central finite differences of the SSR for every parameter (float64)."""
    out = {}
    for name, p in model.params.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            lp = model.loss_and_grads(seqs, targets, **kw)[0]
            p[idx] = old - eps
            lm = model.loss_and_grads(seqs, targets, **kw)[0]
            p[idx] = old
            g[idx] = (lp - lm) / (2 * eps)
        out[name] = g
    return out


def max_rel_error(a, b):
    """Relative error of two gradient tensors: ||a - b|| / max(||a||, ||b||).

    Measured on the whole tensor, as gradient checks usually are: an entry
    that is tiny next to its neighbours carries finite-difference round-off
    (about 1e-16 * loss / eps) that says nothing about the analytic gradient.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


#: the lesson's five weights under the engine's (PyTorch's) parameter names
ENGINE_NAMES = {
    "w1": "weight_ih_l0",
    "w2": "weight_hh_l0",
    "w3": "head.weight",
    "b1": "bias_ih_l0",
    "b2": "head.bias",
}


def validation_weights(fc, values) -> list[float]:
    """The classical members' weights as validation should set them, worked
    out here: each weighs ``len(networks)`` times the networks' mean's
    validation error over its own (mean absolute one-step error over the
    training part's naive unit, at every validation origin, the classical
    model fitted on the training part), seasonal naive's half that."""
    from unrolled.forecasting.ensemble.plan import validation_sizes
    from unrolled.forecasting.features.transforms import naive_unit

    sizes = validation_sizes([len(v) for v in values], fc.val_size)
    origins = [(i, o) for i, v in enumerate(values)
               for o in range(len(v) - sizes[i], len(v))]  # fmt: skip
    truth = np.array([values[i][o] for i, o in origins])
    units = np.array([naive_unit(values[i][: len(values[i]) - sizes[i]])
                      for i, _ in origins])  # fmt: skip
    nets = [m for m in fc.members_ if not m.refits]
    mean = np.mean([m.one_step(values, origins, fc.names_) for m in nets], axis=0)
    e_net = np.mean(np.abs(truth - mean) / units)
    half = {"SeasonalNaive": 0.5}  # seasonal naive's member: half that weight
    parts = [len(v) - k for v, k in zip(values, sizes, strict=True)]
    return [len(nets) * e_net * half.get(type(m.model).__name__, 1.0)
            / np.mean(np.abs(truth - m.one_step(values, origins, fc.names_,
                                                refit_upto=parts)) / units)
            for m in fc.members_ if m.refits]  # fmt: skip
