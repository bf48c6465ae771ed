"""The training windows over one series: where each starts and stops."""

from __future__ import annotations


def windows(n: int, length: int, stride: int) -> list[tuple[int, int]]:
    """(start, stop) of the windows over the ``n - 1`` inputs of an n-point series.

    Windows end at the last input and step back by ``stride``; the first one
    starts at 0. A series with ``n - 1 <= length`` inputs is one window.
    """
    last = n - 1
    if last <= length:
        return [(0, last)]
    out = [(e - length, e) for e in range(last, length - 1, -stride)]
    if out[-1][0] > 0:
        out.append((0, length))
    return out
