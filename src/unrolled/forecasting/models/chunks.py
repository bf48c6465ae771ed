"""Memory-bounded passes over many windows at once.

Scoring a forecaster on its validation slice (every epoch of every
configuration) and backtesting it forecast one window per origin: with 1,000
series and 12 origins each that is a batch of 12,000 windows, whose forward
tape (a GRU's: about ``10 H`` floats per window and step) alone takes
hundreds of MB. :func:`predict_in_chunks` runs such a batch in chunks of at
most :data:`CHUNK` windows, so memory stays flat in the number of series: a
GRU of 32 units on windows of 48 steps then tapes 15 MB per chunk (60 MB
with chunks of 1,024). Rows of a batch never interact: the forecasts equal
those of one call to rounding (a BLAS product may round a row differently in
a batch of another size: a few ulp), and exactly when there are at most
``chunk`` sequences. (Chunks of 256 and of 1,024 gave the same JSON report,
byte for byte, for 300 series x 1,000 days.)

A network keeps its tape buffers between calls (see
:mod:`unrolled.engine.workspace`): a chunk's tape stays committed after the
pass, one per network. :func:`predict_in_chunks` gives it back when it is
done, so that the members of an ensemble do not each hold one after their
forecasts (at 1,000 series: 67 MB for four members). The next pass maps the
buffers afresh (page faults: +0.8 s of system time in a 51 s fit and
backtest of 1,000 series).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...engine.dispatch import side_by_side

CHUNK = 256  # windows per forward pass at most
_pool: ThreadPoolExecutor | None = None  # runs chunks beside the calling thread


class PackedChunks(list):
    """A batch of windows validated and packed once, :data:`CHUNK` at a time
    (:func:`pack_chunks`): a list of :class:`~unrolled.Packed`."""


def pack_chunks(model, seqs: list, chunk: int = CHUNK) -> PackedChunks:
    """``seqs`` packed for ``model`` in the chunks :func:`predict_in_chunks`
    runs, so that forecasting the same windows again (a search scores them
    after every epoch) neither validates nor packs them again."""
    from ...engine.packing import pack_batch

    size, dtype = model.input_size, model.dtype
    return PackedChunks(pack_batch(run, size, dtype) for run in _runs(seqs, chunk))


def predict_in_chunks(model, seqs, chunk: int = CHUNK,
                      keep_memory: bool = False) -> np.ndarray:  # fmt: skip
    """``model.predict(seqs)``, ``chunk`` sequences at a time (see the module).

    ``seqs``: a list, or :func:`pack_chunks`' result (its chunks as they
    are). ``keep_memory``: the tape buffers stay with the model for the
    next call (the caller releases them: :func:`release_memory`).
    """
    try:
        if isinstance(seqs, PackedChunks):
            runs = seqs
        else:
            runs = [seqs] if len(seqs) <= chunk else _runs(seqs, chunk)
        parts = _predict_runs(model, runs)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
    finally:
        if not keep_memory:
            release_memory(model)


def _predict_runs(model, runs: list) -> list:
    """``[model.predict(run) for run in runs]``, several at a time where the
    engine runs each on one thread (:func:`~unrolled.engine.dispatch.side_by_side`):
    the calling thread and pool threads take the runs in turn. The kernels
    release the GIL; each run's rows are computed as alone, so the forecasts
    are the same, bit for bit, whichever thread ran them.
    """
    global _pool
    lanes = 1
    if hasattr(model, "cell"):  # an engine network (not a stand-in model)
        lanes = side_by_side(max(_work(model, run) for run in runs), len(runs))
    if lanes <= 1:
        return [model.predict(run) for run in runs]
    if _pool is None or _pool._max_workers < lanes - 1:
        _pool = ThreadPoolExecutor(lanes - 1, thread_name_prefix="unrolled-chunks")
    out = [None] * len(runs)
    todo = iter(range(len(runs)))  # next() is atomic under the GIL

    def take() -> None:
        for k in todo:
            out[k] = model.predict(runs[k])

    futures = [_pool.submit(take) for _ in range(lanes - 1)]
    take()
    for f in futures:
        f.result()
    return out


def _work(model, run) -> int:
    """Multiply-adds of the largest layer's recurrences over ``run`` (steps x
    gates x hidden x (hidden + its inputs: the series' for the first layer,
    the hidden state for the others)): what the engine sizes each layer's
    threads by, so that no layer of a pass run side by side spreads too."""
    steps = getattr(run, "batch_sizes", None)
    steps = int(np.sum(steps)) if steps is not None else sum(len(s) for s in run)
    H = model.hidden_size
    inputs = model.input_size if model.num_layers == 1 else max(model.input_size, H)
    return steps * model.cell.gates * H * (H + inputs)


def _runs(seqs, chunk: int) -> list:
    """``seqs`` cut into runs of ``chunk`` sequences (the last one shorter)."""
    return [seqs[k : k + chunk] for k in range(0, len(seqs), chunk)]


def release_memory(model) -> None:
    """Give back the tape buffers ``model`` keeps between passes, if any."""
    release = getattr(model, "release_memory", None)
    if release is not None:
        release()
