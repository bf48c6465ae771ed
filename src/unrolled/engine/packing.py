"""Ragged list of sequences <-> packed time-major batch, and back to caller's order.

Sequences are sorted longest first, so at step ``t`` the sequences still
running are the first ``batch_sizes[t]`` rows: every step works on one
contiguous block and no padding is ever computed on. This is PyTorch's
``PackedSequence`` layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .validate import check_dtype, check_positive_int, check_sequences, check_targets


@dataclass(frozen=True)
class Packed:
    """A ragged batch packed time-major, longest sequence first."""

    data: np.ndarray  # (T, B, I), zeros past each sequence's end
    lengths: np.ndarray  # (B,) sorted, descending
    batch_sizes: np.ndarray  # (T,) rows active at each step, non-increasing
    order: np.ndarray  # (B,) packed row r holds caller's sequence order[r]

    @property
    def input_size(self) -> int:
        """Features per step."""
        return self.data.shape[2]

    @property
    def steps(self) -> int:
        """Length of the longest sequence."""
        return self.data.shape[0]

    def last_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Index ``(t, row)`` of each packed row's last step, for fancy indexing."""
        return self._last_index

    @cached_property
    def _last_index(self) -> tuple[np.ndarray, np.ndarray]:
        # once per batch: a batch packed once is trained on every epoch
        return self.lengths - 1, np.arange(len(self.lengths))

    @cached_property
    def caller_lengths(self) -> list[int]:
        """The sequences' lengths in the caller's order."""
        return self.unsort(self.lengths).tolist()

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


def pack_batch(seqs, input_size: int = 1, dtype="float64") -> Packed:
    """Validate a ragged batch and pack it once, for repeated calls on it.

    A model's ``predict``, ``loss`` and ``loss_and_grads`` accept the result in
    place of the list and skip validating and packing it again: what a
    training loop over fixed batches, or a benchmark, pays once instead of
    once per step.

    Parameters
    ----------
    seqs : list of array-like
        Sequences of any lengths, each ``(T_i,)`` or ``(T_i, input_size)``.
    input_size : int
        Features per step; must match the model's.
    dtype : {"float64", "float32"}
        Must match the model's dtype.

    Returns
    -------
    Packed
        Time-major ``(T, B, input_size)`` data, longest sequence first.

    Examples
    --------
    >>> import unrolled
    >>> batch = unrolled.pack_batch([[0.0, 0.5, 1.0], [1.0, 0.5]])
    >>> batch.data.shape, batch.lengths.tolist()
    ((3, 2, 1), [3, 2])
    """
    dt = check_dtype(dtype)
    return pack(
        check_sequences(seqs, check_positive_int("input_size", input_size), dt), dt
    )


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


@dataclass(frozen=True)
class PackedTargets:
    """Targets validated and packed like their batch (:meth:`Pool.batch`): a
    model's ``loss_and_grads`` and ``loss`` take them as they are, with that
    batch only."""

    packed: Packed  # the batch they belong to
    data: np.ndarray  # (T, B, O) per step, zeros past each end; or (B, O)
    mask: np.ndarray | None  # (T, B, 1) running rows (per step), else None

    @property
    def per_step(self) -> bool:
        """Whether they are targets per step (else one per sequence)."""
        return self.mask is not None


class Pool:
    """Sequences and their targets validated once, from which any subset is
    packed as :func:`pack` and :func:`pack_targets` pack it (the same
    arrays, bit for bit), with no check and no Python loop per sequence: what
    a training loop pays once instead of once per step.

    ``seqs``: validated ``(T_i, I)`` arrays (:func:`check_sequences`);
    ``targets``: as a model's ``loss_and_grads`` takes them, validated here.
    The sequences are kept end to end in one array (no padding), so memory
    is their total length.
    """

    def __init__(self, seqs: list[np.ndarray], targets, output_size: int,
                 per_step: bool, dtype) -> None:  # fmt: skip
        self.dtype = check_dtype(dtype)
        self.lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        tg = check_targets(
            targets, self.lengths.tolist(), output_size, per_step, self.dtype
        )
        self.per_step = per_step
        # one zero row at the end: what every row reads past its end
        self.data = _end_to_end(seqs, self.dtype)  # (sum T_i + 1, I)
        self.targets = _end_to_end(tg, self.dtype) if per_step else tg
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, idx) -> tuple[Packed, PackedTargets]:
        """Sequences ``idx`` (in that order) packed, and their targets."""
        idx = np.asarray(idx, dtype=np.int64)
        lengths = self.lengths[idx]
        order = np.argsort(-lengths, kind="stable")
        lengths, rows = lengths[order], idx[order]
        T = int(lengths[0])
        running = np.arange(T)[:, None] < lengths[None, :]  # (T, B)
        at = np.where(running, self.starts[rows] + np.arange(T)[:, None],
                      len(self.data) - 1)  # fmt: skip
        packed = Packed(self.data[at], lengths, running.sum(axis=1), order)
        if self.per_step:
            targets = PackedTargets(packed, self.targets[at], running[:, :, None])
        else:
            targets = PackedTargets(packed, self.targets[rows], None)
        return packed, targets


def _end_to_end(arrays: list[np.ndarray], dtype) -> np.ndarray:
    """``(T_i, k)`` arrays one after the other, then one row of zeros."""
    k = arrays[0].shape[1]
    return np.concatenate([*arrays, np.zeros((1, k), dtype=dtype)]).astype(
        dtype, copy=False
    )
