"""A network's output back to a value, one origin at a time or many at once.

:meth:`~.transforms.Transform.inverter` works out, for one history,
everything the inverse needs besides the network's output (the start the
change is added to, the linear part, the seasonal step): an
:class:`Inverse`. Called with the output, it gives the next value.
:class:`Inverses` holds many of them as arrays, so that the outputs at every
origin of a batch (a search's validation windows, every epoch) turn into
values in a few array operations instead of one Python call each. Both do
the same float64 operations in the same order: their values are identical,
bit for bit (``tests/forecasting/features/test_inverse.py``).
"""

from __future__ import annotations

import numpy as np

from .scaling import LOG_MAX

EXP_MAX = 709.0  # a log-scaling's level is clipped here before exp


class Inverse:
    """One origin's inverse: ``out -> value``.

    Three kinds: a constant (``value``: a history too short for the
    scaling, or an origin a network dropped out of: NaN); the level's
    ``scaler`` alone (``start`` None); or a change: ``start`` plus the
    ``scaler``'s inverse of ``out`` (plus ``linear``), plus ``season``
    where given, then ``exp`` (``logs``).
    """

    __slots__ = ("scaler", "start", "linear", "season", "logs", "value")

    def __init__(self, scaler=None, start=None, linear=None, season=None,
                 logs: bool = False, value: float | None = None):  # fmt: skip
        self.scaler, self.start, self.linear = scaler, start, linear
        self.season, self.logs, self.value = season, bool(logs), value

    @classmethod
    def constant(cls, value: float) -> Inverse:
        """The same value whatever the output."""
        return cls(value=value)

    def __call__(self, out) -> float:
        if self.scaler is None:
            return self.value
        if self.start is None:  # the scaled level itself
            return float(self.scaler.inverse_transform(np.atleast_1d(out))[0])
        out = np.atleast_1d(out).astype(np.float64)
        if self.linear is not None:
            out = out + self.linear
        b = self.start + float(self.scaler.inverse_transform(out)[0])
        if self.season is not None:
            b = b + self.season
        if self.logs:
            return float(np.exp(min(b, EXP_MAX)))
        return float(b)


class Inverses:
    """Many :class:`Inverse` as arrays: :meth:`__call__` maps a batch of outputs.

    Built once for a batch of origins (the arithmetic per origin is
    :class:`Inverse`'s); any other callable among them is called as it is.
    """

    def __init__(self, inverses: list):
        n = len(inverses)
        self.n = n
        kinds = np.zeros(n, dtype=np.int8)  # 0 other, 1 constant, 2 level, 3 change
        f = np.zeros((6, n))  # value, scale, shift, start, linear, season
        flags = np.zeros((4, n), dtype=bool)  # scaler log, linear, season, logs
        self.other = []
        for k, inv in enumerate(inverses):
            if not isinstance(inv, Inverse):
                self.other.append((k, inv))
                continue
            if inv.scaler is None:
                kinds[k], f[0, k] = 1, inv.value
                continue
            sc = inv.scaler
            f[1, k], f[2, k], flags[0, k] = sc.scale, sc.shift, sc.log
            if inv.start is None:
                kinds[k] = 2
                continue
            kinds[k], f[3, k], flags[3, k] = 3, inv.start, inv.logs
            if inv.linear is not None:
                f[4, k], flags[1, k] = inv.linear, True
            if inv.season is not None:
                f[5, k], flags[2, k] = inv.season, True
        self.const = np.flatnonzero(kinds == 1)
        self.value = f[0, self.const]
        self.scaled = np.flatnonzero(kinds >= 2)  # through a scaler
        self.scale, self.shift = f[1, self.scaled], f[2, self.scaled]
        self.log = np.flatnonzero(flags[0, self.scaled])  # within scaled
        change = kinds[self.scaled] == 3
        self.change = np.flatnonzero(change)  # within scaled
        ch = self.scaled[self.change]  # within all
        self.start = f[3, ch]
        self.linear = np.flatnonzero(flags[1, ch])  # within change
        self.lin = f[4, ch][self.linear]
        self.season = np.flatnonzero(flags[2, ch])
        self.seas = f[5, ch][self.season]
        self.exp = np.flatnonzero(flags[3, ch])
        self.lin_scaled = self.change[self.linear]  # linear, within scaled

    def __call__(self, out) -> np.ndarray:
        """The values of the outputs ``out`` (``(n,)``): ``(n,)`` float64."""
        out = np.asarray(out).astype(np.float64).reshape(self.n)
        res = np.empty(self.n)
        res[self.const] = self.value
        y = out[self.scaled]
        y[self.lin_scaled] = y[self.lin_scaled] + self.lin
        v = y * self.scale + self.shift  # the scalers' inverse_transform
        v[self.log] = np.exp(np.minimum(v[self.log], LOG_MAX))
        b = v.copy()
        b[self.change] = self.start + v[self.change]
        c = b[self.change]
        c[self.season] = c[self.season] + self.seas
        c[self.exp] = np.exp(np.minimum(c[self.exp], EXP_MAX))
        b[self.change] = c
        res[self.scaled] = b
        for k, f in self.other:
            res[k] = f(out[k])
        return res
