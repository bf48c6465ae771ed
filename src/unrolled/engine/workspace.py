"""Tape memory kept between training steps.

A training step's tape (every copy's hidden state, and the gates of a gated
cell) is the largest thing it allocates: for a (T, B, H) batch padded to its
longest sequence, ``np.zeros`` hands back fresh pages every step, and the
system zeroes every one of them, padding included, as the kernels first
write it (10-15% of a step at large hidden sizes).

A :class:`Workspace` keeps those buffers from one step to the next instead.
They come from an anonymous mapping with 4 KiB pages (transparent huge pages
off), so the padding past each sequence's end, never written, is never
committed either: a step then costs the memory of its real copies, not of
the padded batch. What a buffer holds from the step before is never read:
the compiled time loops read only the rows they wrote in the same step
(rows still running), so a workspace serves only tapes whose padding nobody
reads (see ``network.py``).
"""

from __future__ import annotations

import mmap
import threading

import numpy as np


class Workspace:
    """Reusable buffers for tape arrays, one per role (e.g. ``(layer, "H")``).

    A buffer grows to the largest request seen and is reused for any smaller
    one. Not shared between threads: :meth:`acquire` returns False while
    another caller holds it, and that caller allocates afresh instead.
    """

    def __init__(self):
        self._buffers: dict = {}
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        """Take the workspace for one step; False if another step holds it."""
        return self._lock.acquire(blocking=False)

    def release(self) -> None:
        """Give the workspace back after a step (its memory stays mapped)."""
        self._lock.release()

    def clear(self) -> None:
        """Drop every buffer (unmapped once no array views it)."""
        self._buffers.clear()

    def nbytes(self) -> int:
        """Bytes reserved (committed only where written)."""
        return sum(len(b) for b in self._buffers.values())

    def take(self, role, shape, dtype) -> np.ndarray:
        """An array of ``shape`` over the role's buffer; its contents are stale."""
        dtype = np.dtype(dtype)
        count = int(np.prod(shape))
        buf = self._buffers.get(role)
        if buf is None or len(buf) < count * dtype.itemsize:
            buf = self._buffers[role] = _small_pages(count * dtype.itemsize)
        return np.frombuffer(buf, dtype=dtype, count=count).reshape(shape)


def _small_pages(nbytes: int):
    """A zero-filled anonymous mapping (a bytearray where mmap is lacking)."""
    try:
        buf = mmap.mmap(-1, max(nbytes, 1))
    except (OSError, ValueError):  # pragma: no cover - platforms without mmap
        return bytearray(nbytes)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # Linux: commit 4 KiB at a time
        buf.madvise(mmap.MADV_NOHUGEPAGE)
    return buf
