"""A series' season as known at each step: what the seasonal scalings read.

Everything here is causal: entry t uses the values up to step t only, so the
same numbers serve training, validation and forecasting.

- :func:`seasonal_profile`: the mean change one to a few seasons back (the
  ``+lag`` scalings' second input);
- :func:`seasonal_steps`: the classical decomposition's seasonal index, as
  the change it makes into the next step (the ``+sa`` scalings);
- :func:`best_span`: how many seasons that index averages, all or the
  latest few, chosen per series on its training part.

A seasonal index averaged over every year of history is the least noisy
when the season is fixed, and wrong when it moves: a pattern that has
changed over twenty years is still half the old one. The X-11 family of
seasonal adjustment (Census X-11, X-13ARIMA-SEATS) meets this with a choice
of seasonal filters, from the stable one (all years) to moving ones over a
few years; :data:`SPANS` holds the stable index and one moving one (the
latest five seasons, about X-11's 3x5 filter), and :func:`best_span` takes
the one whose adjusted changes vary least in-sample, which are the one-step
errors of the forecast the scaling starts from.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict

import numpy as np

LAG_SEASONS = 3  # the lag channel averages the change this many seasons back
SPANS = (None, 5)  # seasons a seasonal index averages: all, or the latest five
# the seasonal steps of recent histories are kept up to about this many bytes:
# a recursive path's next step extends its history's (see seasonal_steps), and
# the paths of a forecast run 1,024 origins at a time, each read by a few members
# (M3 monthly's need 16 MB); forget() drops them when the paths are done
MAX_RECENT_BYTES = 32 * 2**20


def seasonal_profile(d: np.ndarray, m: int, seasons: int = LAG_SEASONS) -> np.ndarray:
    """At each step, the mean change 1..``seasons`` seasons before the next value.

    ``d[t]`` is the change into step t; entry t averages ``d[t + 1 - k m]``
    over the k whose step exists (0 where none does): the season's profile
    of the last few years, less noisy than one year's change alone.
    """
    n = len(d)
    total, count = np.zeros(n), np.zeros(n)
    for k in range(1, seasons + 1):
        lag = k * m - 1
        if lag >= n:
            break
        total[lag:] += d[: n - lag]
        count[lag:] += 1
    return np.divide(total, count, out=np.zeros(n), where=count > 0)


def detrended_values(b: np.ndarray, m: int):
    """(steps, ``b`` there less its centred moving average of one season).

    The classical decomposition's first step: the average is 2 x m for even
    ``m``, so it is centred; it exists from step ``m // 2`` to ``m // 2``
    before the end. None when ``b`` is shorter than the average.
    """
    w = _centred(m)
    if len(b) < len(w):
        return None
    trend = np.convolve(b, w, mode="valid")
    off = (len(w) - 1) // 2
    pos = np.arange(off, off + len(trend))
    return pos, b[pos] - trend


@functools.lru_cache(maxsize=64)
def _centred(m: int) -> np.ndarray:
    """The weights of the centred moving average of one season (read only)."""
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    w.flags.writeable = False
    return w


def seasonal_steps(b: np.ndarray, m: int, span: int | None = None) -> np.ndarray:
    """At every step t, the seasonal change into t + 1 known from ``b[: t + 1]``.

    The classical decomposition, causal: ``b`` less its centred moving
    average of one season (2 x m for even m) gives the detrended values;
    their mean per season slot, over the steps whose average is known by
    step t (with ``span``, the latest ``span`` of them), is the seasonal
    index then; entry t is the index of t + 1's slot less that of t's. Zero
    until every slot it needs has a value.

    A recursive path calls this with its history one value longer at each
    step: where ``b`` less its last value is a history seen lately (one of
    those kept, up to :data:`MAX_RECENT_BYTES`), the steps are that
    history's with one entry added from its running sums (:class:`SeasonPath`):
    the same numbers, bit for bit, at the cost of one step, not the whole
    history.
    """
    b = np.asarray(b)
    key = (m, span, b.dtype.str)
    with _LOCK:
        path = RECENT.get((*key, b[:-1].tobytes())) if len(b) > 1 else None
    if path is not None:
        path = path.extended(b, m, span)
    else:
        path = SeasonPath.of(b, m, span)
    if path is None:
        return np.zeros(len(b))
    with _LOCK:
        _keep((*key, b.tobytes()), path)
    return path.steps.copy()


RECENT: OrderedDict = OrderedDict()  # (m, span, dtype, bytes of b) -> SeasonPath
_LOCK = threading.Lock()
_KEPT = [0]  # the bytes RECENT holds, by _cost's estimate


def _cost(key: tuple, path: SeasonPath) -> int:
    """The most bytes an entry of :data:`RECENT` holds: its key's history, its
    steps and its running sums as Python floats (fewer where an extension
    shares its columns with the path it extends)."""
    return len(key[-1]) + path.steps.nbytes + 32 * path.size


def forget() -> None:
    """Drop the recent histories' seasonal steps (the recursive paths that
    would extend them are done)."""
    with _LOCK:
        RECENT.clear()
        _KEPT[0] = 0


def _keep(key: tuple, path: SeasonPath) -> None:
    """Add ``path`` to :data:`RECENT` (the newest last); drop the oldest past
    :data:`MAX_RECENT_BYTES`. The caller holds :data:`_LOCK`."""
    old = RECENT.pop(key, None)
    if old is not None:
        _KEPT[0] -= _cost(key, old)
    RECENT[key] = path
    _KEPT[0] += _cost(key, path)
    while _KEPT[0] > MAX_RECENT_BYTES and len(RECENT) > 1:
        gone, dropped = RECENT.popitem(last=False)
        _KEPT[0] -= _cost(gone, dropped)


class SeasonPath:
    """One history's seasonal steps and what extends them by one value.

    ``steps``: :func:`seasonal_steps` of the history; ``sums[c]``: the
    running sums (from 0) of the detrended values of table column ``c`` (slot
    ``(off + c) % m``), each the sequential sum that ``np.cumsum`` makes;
    ``size``: how many detrended values there are; ``off``: the step of the
    first.
    """

    __slots__ = ("steps", "sums", "size", "off")

    def __init__(self, steps, sums, size, off):
        self.steps, self.sums, self.size, self.off = steps, sums, size, off

    @classmethod
    def of(cls, b: np.ndarray, m: int, span: int | None) -> SeasonPath | None:
        """The whole history's steps at once (None: too short for an average)."""
        n = len(b)
        split = detrended_values(b, m)
        if split is None:
            return None
        pos, detrended = split
        off = pos[0]  # step off + i has its average known at 2 off + i
        # column c of the table holds the detrended values of slot (off + c) % m,
        # in order; sums[j, c] is the sum of its first j (each column's running
        # sum is sequential, as np.cumsum of the slot alone)
        size = len(detrended)
        table = np.full(-(-size // m) * m, np.nan)
        table[:size] = detrended
        sums = np.zeros((len(table) // m + 1, m))
        np.cumsum(table.reshape(-1, m), axis=0, out=sums[1:])
        t = np.arange(n)
        last = np.minimum(t - 2 * off, size - 1)  # the last value known by step t

        def mean(slot):  # slot's index at every step t (NaN while none is known)
            c = (slot - off) % m
            known = np.maximum((last - c) // m + 1, 0)
            first = (
                np.zeros_like(known) if span is None else np.maximum(known - span, 0)
            )
            ok = known > 0
            out = np.full(n, np.nan)
            out[ok] = (sums[known[ok], c[ok]] - sums[first[ok], c[ok]]) / (
                known[ok] - first[ok]
            )
            return out

        step = mean((t + 1) % m) - mean(t % m)
        counts = [(size - c + m - 1) // m for c in range(m)]
        columns = [sums[: k + 1, c].tolist() for c, k in enumerate(counts)]
        return cls(np.where(np.isfinite(step), step, 0.0), columns, size, int(off))

    def extended(self, b: np.ndarray, m: int, span: int | None) -> SeasonPath:
        """The steps of ``b``, this history with one value added (``b[-1]``)."""
        w, off, size = _centred(m), self.off, self.size
        at = off + size  # the step of the new detrended value
        trend = np.convolve(b[at - off : at - off + len(w)], w, mode="valid")[0]
        value = float(b[at] - trend)
        c = size % m
        sums = list(self.sums)  # the other columns are shared, never changed
        sums[c] = [*sums[c], sums[c][-1] + value]
        size += 1
        t = len(b) - 1
        last = size - 1  # every detrended value is known by the last step

        def mean(slot):
            col = (slot - off) % m
            known = max((last - col) // m + 1, 0)
            first = 0 if span is None else max(known - span, 0)
            if known <= 0:
                return math.nan
            return (sums[col][known] - sums[col][first]) / (known - first)

        step = mean((t + 1) % m) - mean(t % m)
        step = step if math.isfinite(step) else 0.0
        return SeasonPath(np.append(self.steps, step), sums, size, off)


def adjusted_changes(b: np.ndarray, m: int, span: int | None = None) -> np.ndarray:
    """The changes of ``b`` less their seasonal part (:func:`seasonal_steps`)."""
    return np.diff(b) - seasonal_steps(b, m, span)[:-1]


def best_span(b: np.ndarray, m: int, skip: int) -> int | None:
    """The span of :data:`SPANS` whose adjusted changes from ``skip`` on vary least.

    Their variance is the mean squared one-step error of the forecast last
    value plus mean adjusted change plus seasonal step, each step's index
    known from the steps before it: an in-sample but honest score. Ties go
    to the earlier span (the stable index).
    """
    if len(b) - 1 <= skip:
        return SPANS[0]
    scores = [float(np.var(adjusted_changes(b, m, s)[skip:])) for s in SPANS]
    return SPANS[int(np.argmin(scores))]


def seasonal_strength(b: np.ndarray, m: int) -> float:
    """The strength of the season in ``b`` (Wang, Smith and Hyndman 2006).

    The classical decomposition (less the centred moving average of one
    season, the mean per slot as the season, the rest the remainder R of
    the detrended values D): ``max(0, 1 - var(R) / var(D))``, 0 when ``b``
    is too short for a centred average or has no variance left.
    """
    split = detrended_values(np.asarray(b, dtype=np.float64), m)
    if split is None or len(split[1]) <= m:  # not one full season detrended
        return 0.0
    pos, d = split
    slot = pos % m
    means = np.bincount(slot, d, m) / np.maximum(np.bincount(slot, minlength=m), 1)
    total = float(np.var(d))
    return max(0.0, 1.0 - float(np.var(d - means[slot])) / total) if total > 0 else 0.0
