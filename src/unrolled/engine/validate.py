"""Validation at the public boundary: one place, messages that name what is wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import InputError

DTYPES = {"float64": np.float64, "float32": np.float32}


def check_dtype(dtype) -> np.dtype:
    """Return the NumPy dtype for ``"float64"``/``"float32"`` or raise ValueError."""
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise InputError(f"dtype: expected 'float64' or 'float32', got {dtype!r}")
    return np.dtype(DTYPES[name])


def is_real(value) -> bool:
    """True for an int or float (NumPy's too) that is not a bool."""
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def is_integer(value) -> bool:
    """True for an int (NumPy's too) that is not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_finite_number(name: str, value) -> float:
    """Return ``value`` as a float, or raise ValueError naming ``name`` if it is
    not a finite number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{name}: expected a finite number, got {value!r}")
    return v


def check_finite_1d(name: str, values, *, nonempty: bool = False) -> np.ndarray:
    """``values`` as a float64 1-D array (an (n, 1) column is flattened), or a
    ValueError naming ``name`` and the first position that is not finite."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected numbers ({exc})") from None
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or (nonempty and x.size == 0):
        what = "a non-empty 1-D array" if nonempty else "a 1-D array"
        raise InputError(f"{name}: expected {what}, got shape {x.shape}")
    if not np.isfinite(x).all():
        i = int(np.argmax(~np.isfinite(x)))
        raise InputError(f"{name}: expected finite numbers, got {x[i]} at position {i}")
    return x


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not an integer >= 1."""
    if not is_integer(value) or value < 1:
        raise InputError(f"{name}: expected an integer >= 1, got {value!r}")
    return int(value)


def check_sequences(
    seqs, input_size: int, dtype, name: str = "seqs"
) -> list[np.ndarray]:
    """Validate a ragged batch and return it as a list of ``(T_i, input_size)`` arrays.

    Each sequence may be shaped ``(T_i,)`` (only when ``input_size == 1``) or
    ``(T_i, input_size)``; lengths may differ. Raises ValueError naming the
    sequence, the expected and the actual value.
    """
    if isinstance(seqs, np.ndarray) and seqs.ndim >= 1 and seqs.dtype != object:
        seqs = list(seqs)  # a rectangular array: one sequence per row
    if not isinstance(seqs, Sequence) or isinstance(seqs, str | bytes):
        raise InputError(
            f"{name}: expected a list of sequences, got {type(seqs).__name__}"
        )
    if len(seqs) == 0:
        raise InputError(f"{name}: expected at least one sequence, got an empty batch")
    out = []
    for i, s in enumerate(seqs):
        try:
            a = np.asarray(s, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}[{i}]: expected numbers, got {exc}") from None
        if a.ndim == 1:
            if input_size != 1:
                raise InputError(
                    f"{name}[{i}]: expected shape (T, {input_size}), got {a.shape}"
                )
            a = a[:, None]
        elif a.ndim != 2:
            raise InputError(
                f"{name}[{i}]: expected 1 or 2 dimensions, got {a.ndim} "
                f"(shape {a.shape})"
            )
        if a.shape[0] == 0:
            raise InputError(f"{name}[{i}]: expected at least one step, got length 0")
        if a.shape[1] != input_size:
            raise InputError(
                f"{name}[{i}]: expected input_size {input_size}, "
                f"got {a.shape[1]} features (shape {a.shape})"
            )
        out.append(a)
    _check_all_finite(name, out)
    return out


def check_targets(
    targets,
    lengths: list[int],
    output_size: int,
    per_step: bool,
    dtype,
    name: str = "targets",
) -> list[np.ndarray]:
    """Validate targets against the batch.

    Last-step targets: one value (or ``output_size`` values) per sequence,
    returned as a ``(B, output_size)`` array. Per-step targets: one array per
    sequence shaped ``(T_i,)`` or ``(T_i, output_size)``.
    """
    B = len(lengths)
    if per_step:
        if not isinstance(targets, Sequence) or len(targets) != B:
            got = (
                len(targets) if hasattr(targets, "__len__") else type(targets).__name__
            )
            raise InputError(
                f"{name}: expected {B} per-step target sequences, got {got}"
            )
        out = []
        for i, (t, T) in enumerate(zip(targets, lengths, strict=True)):
            a = np.asarray(t, dtype=dtype)
            if a.ndim == 1 and output_size == 1:
                a = a[:, None]
            if a.shape != (T, output_size):
                raise InputError(
                    f"{name}[{i}]: expected shape ({T}, {output_size}) to match "
                    f"sequence {i}, got {a.shape}"
                )
            out.append(a)
        _check_all_finite(name, out)
        return out
    try:
        a = np.asarray(targets, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected numbers, got {exc}") from None
    want = (B,) if output_size == 1 else (B, output_size)
    if a.shape != want and not (output_size == 1 and a.shape == (B, 1)):
        raise InputError(
            f"{name}: expected shape {want}, one per sequence, got {a.shape}"
        )
    a = a.reshape(B, output_size)
    if not np.isfinite(a).all():
        _check_all_finite(name, list(a))  # names the first bad target
    return a


def _check_all_finite(name: str, arrays) -> None:
    """One pass over every array; on NaN or inf, name the first entry and step."""
    if np.isfinite(np.concatenate(arrays, axis=0)).all():
        return
    for i, a in enumerate(arrays):
        if not np.isfinite(a).all():
            bad = np.argwhere(~np.isfinite(a))[0]
            where = f" at step {bad[0]}" if a.ndim == 2 else ""  # (T, ...) arrays
            raise InputError(
                f"{name}[{i}]: expected finite values, got {a[tuple(bad)]}{where}"
            )
