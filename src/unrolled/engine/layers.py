"""One recurrent layer unrolled over a packed batch: the time loop and its reverse.

Forward: one matrix product gives every copy's input projection; then, step
by step, only the rows still running (``batch_sizes[t]``) take the hidden
projection and the cell. Backward replays the loop in reverse, carrying the
hidden-state gradient back one copy at a time, then sums the weight gradients
of all copies in one matrix product each: the copies share their weights, so
their gradients add up.

That loop, read here, is the definition. ``kernels.py`` holds the same
arithmetic compiled with Numba (one call per layer instead of a dozen NumPy
calls per step), and both functions below use it when it is available:
``UNROLLED_KERNELS=numpy`` in the environment (or ``layers.KERNELS = "numpy"``)
forces the readable path; ``tests/test_kernels.py`` pins the two together.
It runs at every hidden size: its products reach single-threaded OpenBLAS
speed on these shapes (one chunk of rows per core), and the readable path
pays Python overhead per step on top of one BLAS call (BENCHMARKS.md).
Hidden sizes up to ``FEATURE_MAJOR_MAX`` run kernels that store the tape
feature-major, (T, H, B), so that their loops run over a step's rows; the
tape then holds (T, B, H) views of those arrays, and nothing outside this
module sees the difference.

A last-step loss passes ``d_last``, the (B, H) gradient of each row's last
copy, rather than a (T, B, H) ``dH`` that is zero everywhere else.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

KERNELS = os.environ.get("UNROLLED_KERNELS", "auto")  # "auto" | "numba" | "numpy"
_broken = False  # set when Numba failed once: the readable path takes over


@dataclass
class LayerTape:
    """What the backward pass needs from one layer's forward pass."""

    X: np.ndarray  # (T, B, I) the layer's input
    H: np.ndarray  # (T, B, H) hidden state of every copy, zero past each end
    caches: list | None  # per step, the cell's cache (readable path)
    C: np.ndarray | None = None  # (T, B, H) LSTM cell state (compiled path)
    A: np.ndarray | None = None  # (T, B, 4H) gate activations (compiled path)
    biases: tuple = ()  # (b_ih, b_hh), to redo the forward if Numba fails later
    fm: bool = False  # compiled feature-major: X, H, C, A view (T, ., B) arrays


def _compiled(X) -> bool:
    """Whether the compiled time loop should run on ``X`` (see module doc)."""
    if KERNELS == "numpy" or _broken or X.dtype not in (np.float32, np.float64):
        return False
    return True


def _try_kernel(fn, *args):
    """Run a compiled path; if Numba itself fails (missing, cannot compile),
    warn once, fall back to the readable path for good, and return None."""
    global _broken
    try:
        from . import kernels  # noqa: F401  (imports Numba: lazily, here)

        return fn(*args)
    except (ImportError, OSError) as exc:  # no Numba; its cache could not be written
        err = exc
    except Exception as exc:  # only Numba's own errors are swallowed
        if type(exc).__module__.split(".")[0] != "numba":
            raise
        err = exc
    if KERNELS == "numba":
        raise err
    _broken = True
    warnings.warn(
        f"unrolled: compiled kernels unavailable ({err}); using the NumPy path",
        RuntimeWarning,
        stacklevel=3,
    )
    return None


def layer_forward(
    cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace=None
) -> LayerTape:
    """Unroll one layer over a packed batch ``X`` (T, B, I), starting from h = 0.

    ``workspace``: an optional ``(Workspace, role)`` to take the tape's large
    arrays from. Their rows past each sequence's end then hold whatever the
    step before left there: only for callers that never read those rows.
    """
    if _compiled(X):
        tape = _try_kernel(
            _forward_compiled, cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace
        )
        if tape is not None:
            return tape
    T, B, _ = X.shape
    Hn = w_hh.shape[1]
    XP = X @ w_ih.T + b_ih  # (T, B, G*H) input projection of every copy at once
    Hs = np.zeros((T, B, Hn), dtype=X.dtype)
    Cs = np.zeros((T, B, Hn), dtype=X.dtype) if cell.has_cell_state else None
    zero = np.zeros((B, Hn), dtype=X.dtype)
    caches = []
    for t in range(T):
        n = batch_sizes[t]
        h_prev = Hs[t - 1, :n] if t else zero[:n]
        c_prev = (Cs[t - 1, :n] if t else zero[:n]) if Cs is not None else None
        hp = h_prev @ w_hh.T + b_hh  # (n, G*H) the feedback loop
        h, c, cache = cell.step(XP[t, :n], hp, h_prev, c_prev)
        Hs[t, :n] = h
        if Cs is not None:
            Cs[t, :n] = c
        caches.append(cache)
    return LayerTape(X, Hs, caches)


def layer_backward(
    cell,
    tape: LayerTape,
    dH,
    batch_sizes,
    w_ih,
    w_hh,
    keep=None,
    record=None,
    d_last=None,
    need_dx=True,
):
    """Backpropagate through time over one layer.

    Parameters
    ----------
    dH : (T, B, H) gradient of the loss with respect to each copy's hidden
        state from above (the head or the next layer), zero past each end;
        or None for zero.
    keep : optional (T, B) array of 0/1; where 0, the gradient is not carried
        from copy t back to copy t-1 (truncated BPTT).
    record : optional (T, B, H) array, filled with the total gradient reaching
        each copy's hidden state (for gradient-flow diagnostics).
    d_last : optional (B, H) gradient reaching each row's last copy, added to
        ``dH`` there: a last-step loss needs no (T, B, H) array of zeros.
    need_dx : bool
        False for the bottom layer: nothing below takes ``dX``.

    Returns
    -------
    dX, (d_weight_ih, d_weight_hh, d_bias_ih, d_bias_hh)
        ``dX`` (T, B, I) is None when ``need_dx`` is False.
    """
    if tape.caches is None:  # the forward ran compiled
        grads = _try_kernel(
            _backward_compiled,
            *(cell, tape, dH, d_last, batch_sizes, w_ih, w_hh, keep, record, need_dx),
        )
        if grads is not None:
            return grads
        tape = layer_forward(cell, tape.X, batch_sizes, w_ih, w_hh, *tape.biases)
    X, Hs = tape.X, tape.H
    dH = _dense(dH, d_last, batch_sizes, Hs.shape, Hs.dtype)
    T, B, Hn = Hs.shape
    G = w_hh.shape[0]
    dXP = np.zeros((T, B, G), dtype=Hs.dtype)
    dHP = np.zeros((T, B, G), dtype=Hs.dtype) if cell.gates == 3 else dXP
    dh = np.zeros((B, Hn), dtype=Hs.dtype)  # gradient carried back from copy t+1
    dc = np.zeros((B, Hn), dtype=Hs.dtype) if cell.has_cell_state else None
    for t in range(T - 1, -1, -1):
        n = batch_sizes[t]
        dh_t = dH[t, :n] + dh[:n]  # from above, and from the next copy
        if record is not None:
            record[t, :n] = dh_t
        dxp, dhp, dh_direct, dc_prev = cell.step_backward(
            dh_t, dc[:n] if dc is not None else None, tape.caches[t]
        )
        dXP[t, :n] = dxp
        if dHP is not dXP:
            dHP[t, :n] = dhp
        dh_prev = dhp @ w_hh  # back through the feedback loop: W_hh once per copy
        if dh_direct is not None:
            dh_prev += dh_direct
        if keep is not None:
            dh_prev *= keep[t, :n, None]
            if dc_prev is not None:
                dc_prev = dc_prev * keep[t, :n, None]
        dh[:n] = dh_prev
        if dc is not None:
            dc[:n] = dc_prev
    H_prev = np.concatenate([np.zeros((1, B, Hn), dtype=Hs.dtype), Hs[:-1]])
    # every copy shares the weights, so their gradients add up over (T, B)
    d_w_ih = dXP.reshape(-1, G).T @ X.reshape(-1, X.shape[2])
    d_w_hh = dHP.reshape(-1, G).T @ H_prev.reshape(-1, Hn)
    d_b_ih = dXP.sum(axis=(0, 1))
    d_b_hh = dHP.sum(axis=(0, 1))
    dX = dXP @ w_ih if need_dx else None  # (T, B, I) to the layer below
    return dX, (d_w_ih, d_w_hh, d_b_ih, d_b_hh)


def _dense(dH, d_last, batch_sizes, shape, dtype):
    """``dH`` (zeros if None) with ``d_last`` added at each row's last copy."""
    if d_last is None:
        return dH
    dH = np.zeros(shape, dtype) if dH is None else np.array(dH, dtype=dtype)
    B = shape[1]
    last = (np.asarray(batch_sizes)[:, None] > np.arange(B)[None, :]).sum(0) - 1
    dH[last, np.arange(B)] += d_last
    return dH


# ------------------------------------------------------------ compiled path
MIN_WORK = 4_000_000  # multiply-adds per thread below which one thread does it all
FEATURE_MAJOR_MAX = 8  # hidden sizes up to which the feature-major kernels run
_pool = None


def _threads() -> int:
    """Threads for the compiled path: ``UNROLLED_THREADS``, else the usable cores."""
    env = os.environ.get("UNROLLED_THREADS")
    if env:
        return max(1, int(env))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _bounds(batch_sizes, B: int, G: int, H: int, I: int) -> np.ndarray:
    """Split rows ``0..B`` into contiguous chunks of about equal numbers of steps.

    One chunk per thread, each running its own time loop; a small batch is
    one chunk. The split depends only on the shapes and the thread count.
    """
    steps = np.asarray(batch_sizes, dtype=np.int64)
    nchunk = min(_threads(), B // 8)
    if nchunk > 1:
        nchunk = min(nchunk, int(steps.sum()) * G * (H + I) // MIN_WORK)
    if nchunk <= 1:
        return np.array([0, B], dtype=np.int64)
    lengths = (steps[None, :] > np.arange(B)[:, None]).sum(axis=1)
    cum = np.cumsum(lengths)  # rows are sorted longest first
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, nchunk) / nchunk)
    return np.unique(np.concatenate([[0], cuts, [B]])).astype(np.int64)


def _run(fn, bounds, make_args):
    """``fn(*make_args(c, lo, hi))`` for every chunk; on threads when several."""
    global _pool
    jobs = [(c, bounds[c], bounds[c + 1]) for c in range(len(bounds) - 1)]
    if len(jobs) == 1:
        fn(*make_args(*jobs[0]))
        return
    if _pool is None or _pool._max_workers < len(jobs) - 1:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(len(jobs) - 1, thread_name_prefix="unrolled")
    futures = [_pool.submit(fn, *make_args(*job)) for job in jobs[1:]]
    fn(*make_args(*jobs[0]))  # the calling thread takes the first chunk
    for f in futures:
        f.result()


def _forward_compiled(
    cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace=None
) -> LayerTape:
    """:func:`layer_forward` through ``kernels.py``; the tape holds gate buffers."""
    from . import kernels

    dt = X.dtype
    bs = np.ascontiguousarray(batch_sizes, dtype=np.int64)
    w = [np.ascontiguousarray(a, dtype=dt) for a in (w_ih, w_hh, b_ih, b_hh)]
    T, B, I = X.shape
    G, Hn = w_hh.shape
    bounds = _bounds(bs, B, G, Hn, I)

    def zeros(name, shape):  # rows past each end: zero, or stale if reused
        if workspace is None:
            return np.zeros(shape, dt)
        ws, role = workspace
        return ws.take((role, name), shape, dt)

    if Hn <= FEATURE_MAJOR_MAX:
        return _forward_fm(cell, X, bs, w, bounds, zeros)
    X = np.ascontiguousarray(X)

    Hs = zeros("H", (T, B, Hn))
    C = A = None
    if cell.gates == 1:
        relu = cell.nonlinearity == "relu"
        _run(
            kernels.elman_forward,
            bounds,
            lambda c, lo, hi: (X, bs, *w, relu, lo, hi, Hs),
        )
    elif cell.has_cell_state:
        C = zeros("C", (T, B, Hn))
        A = zeros("A", (T, B, 4 * Hn))
        _run(
            kernels.lstm_forward,
            bounds,
            lambda c, lo, hi: (X, bs, *w, lo, hi, Hs, C, A),
        )
    else:
        A = zeros("A", (T, B, 4 * Hn))
        _run(kernels.gru_forward, bounds, lambda c, lo, hi: (X, bs, *w, lo, hi, Hs, A))
    return LayerTape(X, Hs, None, C, A, (b_ih, b_hh))


def _backward_compiled(
    cell, tape, dH, d_last, batch_sizes, w_ih, w_hh, keep, record, need_dx
):
    """:func:`layer_backward` through ``kernels.py``."""
    from . import kernels

    X, Hs = tape.X, tape.H
    dt = X.dtype
    T, B, I = X.shape
    G, Hn = w_hh.shape
    bs = np.ascontiguousarray(batch_sizes, dtype=np.int64)
    bounds = _bounds(bs, B, G, Hn, I)
    nc = len(bounds) - 1
    w_ih = np.ascontiguousarray(w_ih, dtype=dt)
    w_hh = np.ascontiguousarray(w_hh, dtype=dt)
    kp = np.zeros((0, 0), dt) if keep is None else np.ascontiguousarray(keep, dt)
    if tape.fm:
        return _backward_fm(cell, tape, dH, d_last, bs, (w_ih, w_hh), kp, record,
                            need_dx, bounds)  # fmt: skip
    empty3 = np.zeros((0, 0, 0), dt)
    dH = empty3 if dH is None else np.ascontiguousarray(dH, dtype=dt)
    dl = np.zeros((0, 0), dt) if d_last is None else np.ascontiguousarray(d_last, dt)
    rec = empty3
    if record is not None:
        own = record.dtype == dt and record.flags.c_contiguous
        rec = record if own else np.zeros(record.shape, dt)
    dX = np.zeros((T, B, I), dtype=dt) if need_dx else empty3
    dWih = np.zeros((nc, G, I), dtype=dt)  # per-chunk partial sums
    dWhh = np.zeros((nc, G, Hn), dtype=dt)
    dbih = np.zeros((nc, G), dtype=dt)
    dbhh = dbih
    common = (bs, w_ih, w_hh)
    if cell.gates == 1:
        relu = cell.nonlinearity == "relu"
        _run(
            kernels.elman_backward,
            bounds,
            lambda c, lo, hi: (
                (X, Hs, dH, dl, *common, relu, kp, rec, lo, hi, dX)
                + (dWih[c], dWhh[c], dbih[c])
            ),
        )
    elif cell.has_cell_state:
        _run(
            kernels.lstm_backward,
            bounds,
            lambda c, lo, hi: (
                (X, Hs, tape.C, tape.A, dH, dl, *common, kp, rec, lo, hi)
                + (dX, dWih[c], dWhh[c], dbih[c])
            ),
        )
    else:
        dbhh = np.zeros((nc, G), dtype=dt)
        _run(
            kernels.gru_backward,
            bounds,
            lambda c, lo, hi: (
                (X, Hs, tape.A, dH, dl, *common, kp, rec, lo, hi, dX)
                + (dWih[c], dWhh[c], dbih[c], dbhh[c])
            ),
        )
    if record is not None and rec is not record:
        record[...] = rec
    # the chunks' partial sums, added in a fixed order
    dX = dX if need_dx else None
    return dX, (dWih.sum(0), dWhh.sum(0), dbih.sum(0), dbhh.sum(0))


def _forward_fm(cell, X, bs, w, bounds, zeros) -> LayerTape:
    """The forward through the feature-major kernels; the tape holds views."""
    from . import kernels

    Xt = np.ascontiguousarray(X.transpose(0, 2, 1))  # (T, I, B): free after a fm layer
    T, I, B = Xt.shape
    Hn = w[1].shape[1]
    Ht = zeros("H", (T, Hn, B))
    Ct = At = None
    if cell.gates == 1:
        relu = cell.nonlinearity == "relu"
        args = lambda c, lo, hi: (Xt, bs, *w, relu, lo, hi, Ht)  # noqa: E731
        _run(kernels.elman_forward_fm, bounds, args)
    elif cell.has_cell_state:
        Ct, At = zeros("C", (T, Hn, B)), zeros("A", (T, 4 * Hn, B))
        args = lambda c, lo, hi: (Xt, bs, *w, lo, hi, Ht, Ct, At)  # noqa: E731
        _run(kernels.lstm_forward_fm, bounds, args)
    else:
        At = zeros("A", (T, 4 * Hn, B))
        args = lambda c, lo, hi: (Xt, bs, *w, lo, hi, Ht, At)  # noqa: E731
        _run(kernels.gru_forward_fm, bounds, args)
    views = [None if a is None else a.transpose(0, 2, 1) for a in (Xt, Ht, Ct, At)]
    return LayerTape(views[0], views[1], None, views[2], views[3], tuple(w[2:]), True)


def _backward_fm(cell, tape, dH, d_last, bs, w, kp, record, need_dx, bounds):
    """The backward through the feature-major kernels; ``dX`` is a view."""
    from . import kernels

    Xt, Ht = tape.X.transpose(0, 2, 1), tape.H.transpose(0, 2, 1)  # contiguous
    dt = Xt.dtype
    T, I, B = Xt.shape
    G, Hn = w[1].shape
    nc = len(bounds) - 1
    empty3 = np.zeros((0, 0, 0), dt)
    dHt = empty3 if dH is None else np.ascontiguousarray(dH.transpose(0, 2, 1), dt)
    dl = np.zeros((0, 0), dt) if d_last is None else np.ascontiguousarray(d_last.T, dt)
    rec, own = empty3, True
    if record is not None:
        rec = record.transpose(0, 2, 1)
        own = rec.dtype == dt and rec.flags.c_contiguous  # filled in place
        rec = rec if own else np.zeros((T, Hn, B), dt)
    dXt = np.zeros((T, I, B), dt) if need_dx else empty3
    dWih = np.zeros((nc, G, I), dtype=dt)  # per-chunk partial sums
    dWhh = np.zeros((nc, G, Hn), dtype=dt)
    db = np.zeros((nc, G, 2), dtype=dt)
    tail = (kp, rec)
    if cell.gates == 1:
        fn, head = kernels.elman_backward_fm, (Xt, Ht, dHt, dl, bs, *w)
        tail = (cell.nonlinearity == "relu", *tail)
    elif cell.has_cell_state:
        Ct, At = tape.C.transpose(0, 2, 1), tape.A.transpose(0, 2, 1)
        fn, head = kernels.lstm_backward_fm, (Xt, Ht, Ct, At, dHt, dl, bs, *w)
    else:
        At = tape.A.transpose(0, 2, 1)
        fn, head = kernels.gru_backward_fm, (Xt, Ht, At, dHt, dl, bs, *w)
    _run(
        fn,
        bounds,
        lambda c, lo, hi: (*head, *tail, lo, hi, dXt, dWih[c], dWhh[c], db[c]),
    )
    if not own:
        record[...] = rec.transpose(0, 2, 1)
    dX = dXt.transpose(0, 2, 1) if need_dx else None
    d_b = db.sum(0)  # the chunks' partial sums, added in a fixed order
    return dX, (dWih.sum(0), dWhh.sum(0), d_b[:, 0].copy(), d_b[:, 1].copy())
