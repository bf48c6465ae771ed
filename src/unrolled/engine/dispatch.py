"""The compiled path: whether to take it, and how a layer runs through ``kernels.py``.

:data:`backend` is the one switch: ``mode`` is ``"auto"`` (compiled when
Numba works, the readable loop of ``layers.py`` otherwise), ``"numba"``
(compiled or fail) or ``"numpy"`` (always the readable loop). It starts from
``UNROLLED_KERNELS``, and :func:`set_backend` changes it. If Numba fails
once in ``"auto"`` mode, ``broken`` is set, a warning says why, and the
readable path takes over for good.

A large batch is cut into chunks of rows of about equal work, a few per
thread (``UNROLLED_THREADS``, else the physical cores this process may use,
capped by a container's CPU quota: :mod:`.cores`), each running its own time
loop; the threads take the chunks in turn, so one slowed by other work on
the machine takes fewer. Every kernel runs with subnormal numbers flushed to
zero (``kernels.py`` says why). The chunks' weight gradients are added in a
fixed order, so the result does not depend on which thread ran which chunk.
Hidden sizes up to ``backend.feature_major_max`` run the feature-major
kernels, (T, H, B).

The first run: Numba compiles a kernel the first time it is called and
caches it on disk. ``backend.first_run`` says what happens when the kernels
a layer needs (its cell, dtype and layout: only those) are not in that cache
yet: ``"wait"`` (default) compiles them in the process, ``"background"``
(the CLI's choice, ``UNROLLED_COMPILE``) compiles them in a separate process
(:mod:`.warmup`) while this process runs the readable path, so the first run
costs about what a run on the readable path costs and the next one finds the
kernels cached. Either way ``backend.on_compile`` (a callable, or None) is
called once per compilation with what is compiled and an estimate of how
long it takes; the library itself never prints.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import InputError
from . import blasloop, cores, featuremajor
from .interrupts import sticky_interrupt
from .tape import LayerTape

MODES = ("auto", "numba", "numpy")
FIRST_RUN = ("wait", "background")
KERNELS_ENV, THREADS_ENV = "UNROLLED_KERNELS", cores.THREADS_ENV
COMPILE_ENV = "UNROLLED_COMPILE"
#: seconds to compile one cell's forward and backward kernels for one dtype and
#: layout, measured on a 2-core machine (BENCHMARKS.md, "First run")
COMPILE_SECONDS = 15.0


def choice_from_env(name: str, choices: tuple[str, ...], default: str) -> str:
    """Environment variable ``name`` as one of ``choices`` (``default`` when unset
    or empty); ValueError naming the variable if it is anything else."""
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise InputError(
            f"{name}: expected one of {', '.join(choices)}, got {os.environ[name]!r}"
        )
    return value


def mode_from_env() -> str:
    """``UNROLLED_KERNELS`` (default "auto"); ValueError naming it if invalid."""
    return choice_from_env(KERNELS_ENV, MODES, "auto")


def threads() -> int:
    """Threads for the compiled path: ``UNROLLED_THREADS``, else the physical
    cores this process may use, capped by a container's CPU quota
    (:mod:`.cores`)."""
    return cores.thread_count()[0]


@dataclass
class Backend:
    """Which time loop runs, and the knobs of the compiled one."""

    mode: str | None = None  # "auto" | "numba" | "numpy"; None: read the env
    broken: bool = False  # Numba failed once: the readable path took over
    min_work: int = 4_000_000  # multiply-adds per thread below which one does all
    chunks_per_thread: int = 2  # chunks a thread takes in turn (work sharing;
    # 2, not 4: at H=32 each chunk's loop costs CPU, docs/benchmarks/engine.md)
    flush_subnormals: bool = True  # x86: FTZ/DAZ while kernels run (kernels.py)
    feature_major_max: int = 8  # hidden sizes up to which (T, H, B) kernels run
    blas_min: int = 8192  # gates x hidden**2 from which the BLAS loop runs
    first_run: str | None = None  # "wait" | "background"; None: UNROLLED_COMPILE
    on_compile: object = None  # callable(dict) told when kernels get compiled
    ready_keys: dict = field(default_factory=dict)  # kernel key -> compiled path?
    compiling: set = field(default_factory=set)  # keys compiled in this process

    def resolved(self) -> str:
        """The mode, read from ``UNROLLED_KERNELS`` on first use."""
        if self.mode is None:
            self.mode = mode_from_env()
        return self.mode

    def readable(self) -> bool:
        """Whether the readable loops run (``UNROLLED_KERNELS=numpy``, or
        Numba failed)."""
        return self.resolved() == "numpy" or self.broken

    def compiled(self, X) -> bool:
        """Whether the compiled time loop should run on ``X``."""
        if self.readable():
            return False
        return X.dtype in (np.float32, np.float64)

    def kernel(self, compile, readable):
        """``compile()`` (a compiled kernel), or ``readable``, the loop it
        compiles, where :meth:`readable`."""
        return readable if self.readable() else compile()

    def ready(self, key: tuple) -> bool:
        """Whether the kernels of ``key`` (cell, dtype, layout) run in this process.

        Decided once per process and key, so that one run never mixes the
        two paths: True when they are cached (or ``mode`` is "numba", or
        ``first_run`` is "wait": then they compile here); False while a
        separate process compiles them (``first_run="background"``).
        """
        if self.resolved() == "numba":
            return True  # compiled or fail
        if key not in self.ready_keys:
            self.ready_keys[key] = self._probe(key)
        return self.ready_keys[key]

    def _probe(self, key: tuple) -> bool:
        """See :meth:`ready`; tells ``on_compile`` when compiling starts."""
        from . import warmup

        if warmup.is_cached(key):
            return True
        policy = self.first_run or first_run_from_env()
        background = policy == "background" and self.resolved() == "auto"
        background = background and warmup.start(key)
        if self.on_compile is not None:
            self.on_compile({
                "kernels": warmup.describe(key), "seconds": COMPILE_SECONDS,
                "background": background,
            })  # fmt: skip
        if not background:
            self.compiling.add(key)  # marked cached once its backward has run here
        return not background

    def compiled_here(self, key: tuple) -> None:
        """``key``'s forward and backward ran compiled in this process: if they
        were compiled here, mark them cached so the next run does not say so."""
        if key in self.compiling:
            from . import warmup

            self.compiling.discard(key)
            warmup.write_marker(key, 0.0)

    def run(self, fn, *args):
        """Run a compiled path; if Numba itself fails (missing, cannot compile),
        warn once, fall back to the readable path for good, and return None."""
        for attempt in (1, 2):
            try:
                from . import kernels  # noqa: F401  (imports Numba: lazily, here)

                return fn(*args)
            except Exception as exc:
                err = exc
            if attempt == 1 and _healed(err):
                continue  # a corrupt cache, now removed: compile afresh, once
            if not isinstance(err, ImportError | OSError) and (
                type(err).__module__.split(".")[0] != "numba"
            ):  # no Numba or an unwritable cache, or Numba's own errors: the
                raise err  # readable path; anything else is a bug to show
            break
        if self.mode == "numba":
            raise err
        self.broken = True
        warnings.warn(
            f"unrolled: compiled kernels unavailable ({err}); using the NumPy path",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


#: the one switch every layer consults
backend = Backend()


def _healed(exc: BaseException) -> bool:
    """If ``exc`` is an unreadable Numba cache: remove it, say so once, True."""
    from . import warmup

    if not warmup.cache_failure(exc):
        return False
    removed = warmup.clear_cache()
    where = removed[0].parent if removed else warmup.cache_dir()
    warnings.warn(
        f"unrolled: the compiled-kernel cache in {where} was unreadable "
        f"({type(exc).__name__}); removed {len(removed)} file(s): the kernels "
        "are compiled again",
        RuntimeWarning,
        stacklevel=4,
    )
    return True


def first_run_from_env() -> str:
    """``UNROLLED_COMPILE`` (default "wait"); ValueError naming it if invalid."""
    return choice_from_env(COMPILE_ENV, FIRST_RUN, "wait")


def set_backend(mode: str) -> None:
    """Choose the time loop: ``"auto"``, ``"numba"`` or ``"numpy"``."""
    if mode not in MODES:
        raise InputError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    backend.mode, backend.broken = mode, False


_pool = None


def kernel_key(cell, dtype, hidden: int) -> tuple[str, str, str]:
    """(kind, dtype, layout): what one layer needs compiled.

    ``cell``: a cell object or its name ("rnn", "lstm", "gru").
    """
    kind = cell
    if not isinstance(cell, str):
        kind = "rnn" if cell.gates == 1 else "lstm" if cell.has_cell_state else "gru"
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    return kind, _dtype_name(dtype), layout(hidden, gates)


@lru_cache(maxsize=16)
def _dtype_name(dtype) -> str:
    """``np.dtype(dtype).name``, once per dtype (it costs microseconds a call)."""
    return np.dtype(dtype).name


def layout(hidden: int, gates: int = 1) -> str:
    """Which compiled loop runs a layer of ``hidden`` units: "feature-major"
    (small sizes), "blas" (large ones, where BLAS can be held to one thread
    per chunk: :mod:`.blas`) or "row-major" (the sizes between).

    The BLAS loop from ``gates * hidden**2`` = ``backend.blas_min`` (8192:
    rnn H >= 91, lstm H >= 46, gru H >= 53): where its products win more than
    its Python loop costs per step. Measured on bench.py's batch (512 rows),
    one thread, CPU time own loops / BLAS loop: rnn H=64 0.83, H=128 1.22;
    lstm H=32 0.90, H=64 1.09; gru H=32 0.89, H=64 1.13 (BENCHMARKS.md).
    """
    if hidden <= backend.feature_major_max:
        return "feature-major"
    if gates * hidden * hidden >= backend.blas_min:
        from . import blas

        if blas.controllable():
            return "blas"
    return "row-major"


def row_chunks(
    batch_sizes, B: int, G: int, H: int, I: int, per_thread=None
) -> np.ndarray:
    """Split rows ``0..B`` into contiguous chunks of about equal numbers of steps.

    Each chunk runs its own time loop. With one thread (a small batch, or
    :func:`threads` is 1) the batch is one chunk; with several there are
    ``chunks_per_thread`` chunks per thread, which the threads take in turn
    (:func:`_chunks`), so that a thread slowed by other work on the machine
    takes fewer of them instead of holding the others up. The split depends
    only on the shapes and the thread count. ``per_thread``: chunks per
    thread, ``chunks_per_thread`` unless given (the BLAS loop takes 1: its
    products run faster on more rows, and each chunk pays Python per step).
    """
    steps = np.asarray(batch_sizes, dtype=np.int64)
    per_thread = backend.chunks_per_thread if per_thread is None else per_thread
    # the same batch's split at every step of training: computed once
    return _split(steps.tobytes(), B, G, H, I, per_thread, threads(), backend.min_work)


def side_by_side(work: int, calls: int) -> int:
    """Threads that may run ``calls`` independent forward passes of ``work``
    multiply-adds each at once (a caller's own pool): where one pass runs on
    one thread (``work`` under twice ``backend.min_work``: :func:`row_chunks`
    keeps it whole) the threads :func:`threads` plans, 1 on a busy machine
    (:func:`.cores.threads_now`), at most ``calls``; else 1 (each pass
    spreads over the threads itself). The numbers do not depend on it.
    """
    if calls <= 1 or work >= 2 * backend.min_work:
        return 1
    return max(1, min(calls, cores.threads_now(threads())[0]))


@lru_cache(maxsize=64)
def _split(steps: bytes, B: int, G: int, H: int, I: int, per_thread: int,
           nthread: int, min_work: int) -> np.ndarray:  # fmt: skip
    """:func:`row_chunks`'s split of the batch sizes ``steps`` (int64 bytes),
    read-only: every call with these inputs shares it."""
    steps = np.frombuffer(steps, dtype=np.int64)
    work = int(steps.sum()) * G * (H + I)
    nthread = min(nthread, B // 8)
    if nthread > 1:
        nthread = min(nthread, work // min_work)
    if nthread <= 1:
        bounds = np.array([0, B], dtype=np.int64)
    else:
        nchunk = min(nthread * per_thread, B // 8)
        lengths = (steps[None, :] > np.arange(B)[:, None]).sum(axis=1)
        cum = np.cumsum(lengths)  # rows are sorted longest first
        cuts = np.searchsorted(cum, cum[-1] * np.arange(1, nchunk) / nchunk)
        bounds = np.unique(np.concatenate([[0], cuts, [B]])).astype(np.int64)
    bounds.flags.writeable = False
    return bounds


def run_chunks(fn, bounds, make_args):
    """``fn(*make_args(c, lo, hi))`` for every chunk; on threads when several.

    While this process compiles kernels, a Ctrl-C is not lost in Numba's
    compile (:mod:`.interrupts`).
    """
    if not backend.compiling:
        return _chunks(fn, bounds, make_args)
    with sticky_interrupt():
        return _chunks(fn, bounds, make_args)


def _chunks(fn, bounds, make_args):
    """:func:`run_chunks`'s work: the calling thread and ``threads() - 1`` pool
    threads take the chunks in order, each the next one not yet taken, until
    none is left. Which thread runs a chunk changes nothing in its numbers:
    every chunk writes its own rows and its own partial gradients.
    """
    global _pool
    jobs = [(c, bounds[c], bounds[c + 1]) for c in range(len(bounds) - 1)]
    if len(jobs) == 1:
        _flushed(fn, [make_args(*jobs[0])])
        return
    helpers = min(cores.threads_now(threads())[0], len(jobs)) - 1
    if helpers < 1:
        _flushed(fn, [make_args(*job) for job in jobs])
        return
    if _pool is None or _pool._max_workers < helpers:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(helpers, thread_name_prefix="unrolled")
    queue = iter([make_args(*job) for job in jobs])  # next() is atomic under the GIL
    futures = [_pool.submit(_flushed, fn, queue) for _ in range(helpers)]
    _flushed(fn, queue)  # the calling thread takes chunks too
    for f in futures:
        f.result()


def _flushed(fn, queue) -> None:
    """``fn(*args)`` for each ``args`` taken from ``queue``, on this thread, with
    subnormal numbers flushed to zero (x86; kernels.py says why)."""
    from . import kernels

    old = kernels.flush_subnormals() if backend.flush_subnormals else -1
    try:
        for args in queue:
            fn(*args)
    finally:
        kernels.restore_fp_mode(old)


def forward_compiled(
    cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace=None
) -> LayerTape:
    """``layers.layer_forward`` through ``kernels.py``; the tape holds gate buffers."""
    from . import kernels

    dt = X.dtype
    T, B, I = X.shape
    G, Hn = w_hh.shape
    if not backend.ready(kernel_key(cell, dt, Hn)):
        return None  # compiling elsewhere: the readable path runs
    bs = np.ascontiguousarray(batch_sizes, dtype=np.int64)
    w = [np.ascontiguousarray(a, dtype=dt) for a in (w_ih, w_hh, b_ih, b_hh)]
    bounds = row_chunks(bs, B, G, Hn, I, 1 if layout(Hn, G // Hn) == "blas" else None)

    def zeros(name, shape):  # rows past each end: zero, or stale if reused
        if workspace is None:
            return np.zeros(shape, dt)
        ws, role = workspace
        return ws.take((role, name), shape, dt)

    path = layout(Hn, G // Hn)
    if path == "feature-major":
        return featuremajor.forward_layer(cell, X, bs, w, bounds, zeros, run_chunks)
    X = np.ascontiguousarray(X)
    if path == "blas":
        return blasloop.forward_layer(cell, X, bs, w, bounds, zeros, run_chunks)

    Hs = zeros("H", (T, B, Hn))
    C = A = None
    if cell.gates == 1:
        relu = cell.nonlinearity == "relu"
        run_chunks(
            kernels.elman_forward,
            bounds,
            lambda c, lo, hi: (X, bs, *w, relu, lo, hi, Hs),
        )
    elif cell.has_cell_state:
        C = zeros("C", (T, B, Hn))
        A = zeros("A", (T, B, 4 * Hn))
        run_chunks(
            kernels.lstm_forward,
            bounds,
            lambda c, lo, hi: (X, bs, *w, lo, hi, Hs, C, A),
        )
    else:
        A = zeros("A", (T, B, 4 * Hn))
        run_chunks(
            kernels.gru_forward, bounds, lambda c, lo, hi: (X, bs, *w, lo, hi, Hs, A)
        )
    return LayerTape(X, Hs, None, C, A, (b_ih, b_hh))


def backward_compiled(
    cell, tape, dH, d_last, batch_sizes, w_ih, w_hh, keep, record, need_dx
):
    """``layers.layer_backward`` through ``kernels.py``."""
    grads = _backward(cell, tape, dH, d_last, batch_sizes, w_ih, w_hh, keep, record,
                      need_dx)  # fmt: skip
    backend.compiled_here(kernel_key(cell, tape.X.dtype, w_hh.shape[1]))
    return grads


def _backward(cell, tape, dH, d_last, batch_sizes, w_ih, w_hh, keep, record, need_dx):
    """:func:`backward_compiled`'s work."""
    from . import kernels

    X, Hs = tape.X, tape.H
    dt = X.dtype
    T, B, I = X.shape
    G, Hn = w_hh.shape
    bs = np.ascontiguousarray(batch_sizes, dtype=np.int64)
    bounds = row_chunks(bs, B, G, Hn, I, 1 if layout(Hn, G // Hn) == "blas" else None)
    nc = len(bounds) - 1
    w_ih = np.ascontiguousarray(w_ih, dtype=dt)
    w_hh = np.ascontiguousarray(w_hh, dtype=dt)
    kp = np.zeros((0, 0), dt) if keep is None else np.ascontiguousarray(keep, dt)
    if tape.fm:
        w = (w_ih, w_hh)
        return featuremajor.backward_layer(cell, tape, dH, d_last, bs, w, kp, record,
                                           need_dx, bounds, run_chunks)  # fmt: skip
    empty3 = np.zeros((0, 0, 0), dt)
    dH = empty3 if dH is None else np.ascontiguousarray(dH, dtype=dt)
    blas_loop = layout(Hn, G // Hn) == "blas"
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
    if blas_loop:
        dbhh = np.zeros((nc, G), dtype=dt) if cell.gates == 3 else dbih
        blasloop.backward_layer(cell, tape, dH, dl, bs, w_ih, w_hh, kp, rec, bounds,
                                (dX, dWih, dWhh, dbih, dbhh), run_chunks)  # fmt: skip
    elif cell.gates == 1:
        relu = cell.nonlinearity == "relu"
        run_chunks(
            kernels.elman_backward,
            bounds,
            lambda c, lo, hi: (
                (X, Hs, dH, dl, *common, relu, kp, rec, lo, hi, dX)
                + (dWih[c], dWhh[c], dbih[c])
            ),
        )
    elif cell.has_cell_state:
        run_chunks(
            kernels.lstm_backward,
            bounds,
            lambda c, lo, hi: (
                (X, Hs, tape.C, tape.A, dH, dl, *common, kp, rec, lo, hi)
                + (dX, dWih[c], dWhh[c], dbih[c])
            ),
        )
    else:
        dbhh = np.zeros((nc, G), dtype=dt)
        run_chunks(
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
