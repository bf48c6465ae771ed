"""Ragged list of sequences <-> packed time-major batch, and back to caller's order.

Sequences are sorted longest first, so at step ``t`` the sequences still
running are the first ``batch_sizes[t]`` rows: every step works on one
contiguous block and no padding is ever computed on. This is PyTorch's
``PackedSequence`` layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packed:
    """A ragged batch packed time-major, longest sequence first."""

    data: np.ndarray  # (T, B, I), zeros past each sequence's end
    lengths: np.ndarray  # (B,) sorted, descending
    batch_sizes: np.ndarray  # (T,) rows active at each step, non-increasing
    order: np.ndarray  # (B,) packed row r holds caller's sequence order[r]

    @property
    def steps(self) -> int:
        """Length of the longest sequence."""
        return self.data.shape[0]

    def last_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Index ``(t, row)`` of each packed row's last step, for fancy indexing."""
        return self.lengths - 1, np.arange(len(self.lengths))

    def mask(self) -> np.ndarray:
        """Boolean ``(T, B)``: True where packed row ``b`` is still running at ``t``."""
        return np.arange(self.steps)[:, None] < self.lengths[None, :]

    def unsort(self, rows: np.ndarray) -> np.ndarray:
        """Reorder per-row results (packed order) back into the caller's order."""
        out = np.empty_like(rows)
        out[self.order] = rows
        return out

    def unpack(self, Y: np.ndarray) -> list[np.ndarray]:
        """Split time-major ``(T, B, ...)`` into per-sequence arrays, caller's order."""
        out: list[np.ndarray] = [None] * len(self.order)  # type: ignore[list-item]
        for r, (i, L) in enumerate(zip(self.order, self.lengths, strict=True)):
            out[i] = Y[:L, r]
        return out


def pack(seqs: list[np.ndarray], dtype=np.float64) -> Packed:
    """Pack validated ``(T_i, I)`` arrays into a :class:`Packed` batch."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    lengths = lengths[order]
    T, B, I = int(lengths[0]), len(seqs), seqs[0].shape[1]
    data = np.zeros((T, B, I), dtype=dtype)
    for r, i in enumerate(order):
        data[: lengths[r], r] = seqs[i]
    batch_sizes = (lengths[None, :] > np.arange(T)[:, None]).sum(axis=1)
    return Packed(data, lengths, batch_sizes, order)


def pack_targets(targets: list[np.ndarray], packed: Packed) -> np.ndarray:
    """Pack per-step targets ``(T_i, O)`` like their sequences: ``(T, B, O)``."""
    O = targets[0].shape[-1]
    out = np.zeros((packed.steps, len(targets), O), dtype=packed.data.dtype)
    for r, i in enumerate(packed.order):
        out[: packed.lengths[r], r] = targets[i]
    return out
