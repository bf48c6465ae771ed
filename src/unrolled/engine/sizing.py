"""Refuse work that would not fit in memory, up front, with an estimate.

Training a recurrent network unrolls it into one copy per step: every layer
keeps ``(T, B, ...)`` arrays for the forward pass (input projections, hidden
states, the cells' caches) that the backward pass reads in reverse. For long
sequences or wide layers that is most of the memory a run needs, and it can
be computed before a single array is allocated. :func:`check_memory` compares
such an estimate with the memory the machine (or its container) has free and
raises :class:`ResourceLimitError` instead of letting the run swap or be
killed. The environment variable ``UNROLLED_MEMORY_LIMIT`` (bytes, or with a
``K``/``M``/``G`` suffix) caps the memory this library assumes it may use.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError, ResourceLimitError
from .cells import GATES

ENV_LIMIT = "UNROLLED_MEMORY_LIMIT"
FRACTION = 0.8  # share of the available memory one run may plan to use
CSV_FACTOR = 4  # bytes of memory per byte of CSV while parsing (pandas + copies)

# Array elements per (step, sequence) slot, in units of H, held by one layer:
# forward tape = input projection (G*H) + hidden states (H) [+ cell states (H)]
# + the cell's per-step cache; backward, one layer at a time = dXP (G*H)
# [+ dHP (G*H) for GRU] + shifted hidden states (H) + dH from above (H) + dX.
_FORWARD = {"rnn": 1 + 1 + 1, "lstm": 4 + 1 + 1 + 5, "gru": 3 + 1 + 6}
_BACKWARD = {"rnn": 1 + 1 + 1, "lstm": 4 + 1 + 1, "gru": 3 + 3 + 1 + 1}


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def _parse_size(text: str) -> int:
    """``'512M'`` -> bytes; ValueError on anything else."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    mult = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(text[-1:], 1)
    number = text[:-1] if mult > 1 else text
    value = float(number)
    if not value >= 0:
        raise InputError(text)
    return int(value * mult)


def _read_int(path: str) -> int | None:
    """An integer from a one-line system file, or None."""
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def available_memory() -> int | None:
    """Bytes of memory this process may still use, or None if unknown.

    The smallest of: ``MemAvailable`` in ``/proc/meminfo`` (or free pages from
    ``os.sysconf``), the container's cgroup limit minus its usage, and the
    ``UNROLLED_MEMORY_LIMIT`` environment variable.

    Raises
    ------
    ValueError
        If ``UNROLLED_MEMORY_LIMIT`` is set but is not a size.
    """
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    for limit, usage in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        cap, used = _read_int(limit), _read_int(usage)
        if cap is not None and used is not None and cap < 2**60:
            found.append(max(cap - used, 0))
    env = os.environ.get(ENV_LIMIT)
    if env:
        try:
            found.append(_parse_size(env))
        except (ValueError, IndexError):
            raise InputError(
                f"{ENV_LIMIT}: expected a size such as 2G or 500M, got {env!r}"
            ) from None
    return min(found) if found else None


def check_memory(
    nbytes: float, what: str, available: int | None = None, hint: str = ""
) -> None:
    """Raise :class:`ResourceLimitError` if ``nbytes`` would not fit in memory.

    Parameters
    ----------
    nbytes : float
        The estimated need.
    what : str
        What needs it, for the message (``"training"``, ``"reading data.csv"``).
    available : int, optional
        Bytes available; default :func:`available_memory`. If that is unknown
        the check passes.
    hint : str
        A remedy appended to the message (``"use --tbptt or a smaller --hidden"``).

    Raises
    ------
    ResourceLimitError
        A ValueError with the estimate and the available memory, when the need
        exceeds 80% of what is available.
    """
    if available is None:
        available = available_memory()
    if available is None or nbytes <= FRACTION * available:
        return
    msg = (
        f"{what} would need about {format_bytes(nbytes)} of memory, but only "
        f"{format_bytes(available)} is available"
    )
    raise ResourceLimitError(f"{msg}; {hint}" if hint else msg)


def parameter_count(
    cell: str, input_size: int, hidden_size: int, num_layers: int, output_size: int
) -> int:
    """Scalars in a model of this shape, before building it.

    Every layer holds ``weight_ih`` (G, I), ``weight_hh`` (G, H) and two biases
    (G,), with ``G = gates * H``; the head holds ``weight`` (O, H) and ``bias``.

    Examples
    --------
    >>> parameter_count("rnn", 1, 1, 1, 1)  # the lesson's w1, w2, b1, b_hh, w3, b2
    6
    """
    G, H = GATES[cell] * int(hidden_size), int(hidden_size)
    inputs = [int(input_size)] + [H] * (int(num_layers) - 1)
    O = int(output_size)
    return sum(G * i + G * H + 2 * G for i in inputs) + O * H + O


def estimate_training_bytes(
    cell: str,
    hidden_size: int,
    num_layers: int,
    total_steps: int,
    batch: int,
    input_size: int = 1,
    output_size: int = 1,
    dtype: str = "float64",
) -> int:
    """Estimate the peak memory of one training step (forward + BPTT).

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    hidden_size, num_layers, input_size, output_size : int
        As for the model.
    total_steps : int
        Length of the longest sequence in a batch (the unrolled copies, ``T``).
    batch : int
        Sequences per batch (``B``); the packed batch is ``T x B`` slots.
    dtype : {"float64", "float32"}

    Returns
    -------
    int
        Bytes: every layer's forward tape, one layer's backward buffers, the
        packed inputs and outputs, and the parameters with their gradients,
        optimizer moments and copies. It errs high: 1.2 to 1.6 times the
        peak that ``tracemalloc`` measures for ``loss_and_grads``.
    """
    if cell not in GATES:
        raise InputError(f"cell: expected 'rnn', 'lstm' or 'gru', got {cell!r}")
    T, B, H, L = int(total_steps), int(batch), int(hidden_size), int(num_layers)
    I, O = int(input_size), int(output_size)
    slots = T * B
    per_slot = L * _FORWARD[cell] * H + _BACKWARD[cell] * H + max(I, H)
    per_slot += I + 3 * O  # packed inputs, outputs, their gradient, targets
    params = parameter_count(cell, I, H, L, O)
    # params, grads, Adam m and v, the best and last-good copies
    return int(np.dtype(dtype).itemsize * (slots * per_slot + 6 * params))


def check_training_memory(
    cell: str,
    hidden_size: int,
    num_layers: int,
    total_steps: int,
    batch: int,
    input_size: int = 1,
    output_size: int = 1,
    dtype: str = "float64",
    available: int | None = None,
) -> int:
    """Refuse a training configuration that would not fit; return its estimate.

    Arguments as :func:`estimate_training_bytes`; raises
    :class:`ResourceLimitError` naming the sizes and a remedy.
    """
    need = estimate_training_bytes(
        cell,
        hidden_size,
        num_layers,
        total_steps,
        batch,
        input_size,
        output_size,
        dtype,
    )
    check_memory(
        need,
        f"training a {num_layers}-layer {cell.upper()} with hidden size "
        f"{hidden_size} on {batch} sequence(s) of up to {total_steps} steps",
        available,
        "use a smaller hidden size, fewer layers, smaller batches or shorter "
        "sequences (hidden_size, num_layers, window)",
    )
    return need


def check_file_size(path, what: str = "", available: int | None = None) -> int:
    """Refuse a data file too big to parse in the memory available.

    Parameters
    ----------
    path : str or path-like
        The file (a CSV). A missing file is left to the reader to report.
    what : str
        How to name it; default the path.
    available : int, optional
        Bytes available; default :func:`available_memory`.

    Returns
    -------
    int
        The file's size in bytes (0 if it does not exist).

    Raises
    ------
    ResourceLimitError
        When about ``4 x`` the file's size (parsing it into a table) exceeds
        80% of the available memory.
    """
    try:
        size = os.stat(path).st_size
    except OSError:
        return 0
    check_memory(
        CSV_FACTOR * size,
        f"reading {what or path} ({format_bytes(size)})",
        available,
        "split the file or keep only the columns and series you need",
    )
    return size
