"""features/batched: every origin's window and inverter at once, the same bits
as origin by origin (and None wherever origin by origin takes another path)."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.features.batched import batchable, diff_windows
from unrolled.forecasting.features.inverse import Inverses
from unrolled.forecasting.models.networks import GRU
from unrolled.forecasting.models.scalings import make_transform

WINDOW = 7


def yearly(n_series: int = 5, seed: int = 2) -> list[np.ndarray]:
    """Positive yearly-like series of different lengths."""
    rng = np.random.default_rng(seed)
    return [100 * np.exp(np.cumsum(rng.normal(0.03, 0.08, 20 + 4 * k)))
            for k in range(n_series)]  # fmt: skip


def one_by_one(tfs, values, origins, window=WINDOW):
    seqs, invs = [], []
    for tf, (i, o) in zip(tfs, origins, strict=True):
        ctx = values[i][max(0, o - window - tf.lookback) : o]
        tail = tf.features(ctx)[-window:].copy()
        seqs.append(tail)
        invs.append(tf.inverter(ctx, tail))
    return seqs, invs


def quarterly(n_series: int = 6, seed: int = 3) -> list[np.ndarray]:
    """Positive series with a season of 4 and a trend, of 22 to 47 points."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_series):
        n = 22 + 5 * k
        season = np.tile(rng.normal(0, 0.1, 4), n // 4 + 1)[:n]
        out.append(100 * np.exp(np.cumsum(rng.normal(0.01, 0.03, n)) + season))
    return out


@pytest.mark.parametrize(
    "scaling,season,features",
    [("diff", None, 1), ("logdiff", None, 1), ("diff+lag", 4, 2),
     ("logdiff+lag", 4, 2), ("sdiff", 4, 1), ("logsdiff", 4, 1)],
)  # fmt: skip
def test_the_windows_and_inverters_equal_those_origin_by_origin(scaling, season,
                                                                features):  # fmt: skip
    values = yearly() if season is None else quarterly()
    by_series = [make_transform(scaling, f"s{i}", season).fit(v[:-6])
                 for i, v in enumerate(values)]  # fmt: skip
    assert all(map(batchable, by_series))
    origins = [(i, o) for i, v in enumerate(values) for o in range(len(v) - 6, len(v))]
    tfs = [by_series[i] for i, _ in origins]
    seqs, invs = [None] * len(origins), [None] * len(origins)
    diff_windows(tfs, values, origins, WINDOW, seqs, invs)
    want_seqs, want_invs = one_by_one(tfs, values, origins)
    done = [s is not None for s in seqs]
    long = [o >= WINDOW + tfs[k].lookback for k, (_, o) in enumerate(origins)]
    assert done == long and sum(done) >= len(origins) // 2  # short: origin by origin
    seqs = [s if s is not None else w for s, w in zip(seqs, want_seqs, strict=True)]
    invs = [v if v is not None else w for v, w in zip(invs, want_invs, strict=True)]
    for got, want in zip(seqs, want_seqs, strict=True):
        assert got.shape == want.shape == (WINDOW, features)
        np.testing.assert_array_equal(got, want)
    out = np.random.default_rng(0).normal(0, 2, len(origins))
    np.testing.assert_array_equal(Inverses(invs)(out), Inverses(want_invs)(out))


@pytest.mark.parametrize("scaling,season", [("logdiff", None), ("logdiff+lag", 4),
                                            ("logsdiff", 4)])  # fmt: skip
def test_a_network_prepares_as_before_with_and_without_the_batch(scaling, season):
    values = yearly() if season is None else quarterly()
    net = GRU(scaling, window=WINDOW, hidden=3, epochs=2, seed=0, season=season)
    net.fit({f"s{i}": v[:-6] for i, v in enumerate(values)})
    names = list(net.transforms_)
    origins = [(i, o) for i, v in enumerate(values) for o in range(len(v) - 6, len(v))]
    seqs, invs = net.prepare(values, origins, names)
    want_seqs, want_invs = one_by_one([net.transforms_[names[i]] for i, _ in origins],
                                      values, origins)  # fmt: skip
    np.testing.assert_array_equal(np.stack(seqs), np.stack(want_seqs))
    want = net.forecast((want_seqs, want_invs))
    np.testing.assert_array_equal(net.forecast((seqs, invs)), want)
    np.testing.assert_array_equal(net.one_step(values, origins, names), want)


def test_other_origins_are_left_to_origin_by_origin():
    values = yearly()
    tf = make_transform("logdiff", "s0").fit(values[0][:-6])
    bad = [values[0].copy()]
    n = len(bad[0])
    bad[0][-3] = -1.0  # the log refuses it: origin by origin raises
    bad[0][-10] = np.inf  # not finite
    origins = [(0, WINDOW), (0, n - 12), (0, n - 5), (0, n - 1), (0, n - 8), (0, 9)]
    seqs, invs = [None] * 6, [None] * 6
    diff_windows([tf, tf, tf, tf, None, tf], bad, origins, WINDOW, seqs, invs)
    done = [s is not None for s in seqs]
    # too short; fine; reads the inf; reads -1; skipped; fine
    assert done == [False, True, False, False, False, True]
    assert done == [i is not None for i in invs]
    want, _ = one_by_one([tf], bad, [origins[1]])
    np.testing.assert_array_equal(seqs[1], want[0])
    diff_windows([tf], bad, [(0, n - 9)], WINDOW, seqs, invs)  # reads inf: left
    assert seqs[0] is None
    others = [("sdiff+diff", 4, 0), ("diff", None, 2), ("diff+level", None, 0),
              ("es", None, 0), ("logdiff+sa", 4, 0), ("diff+lag", 4, 1),
              ("logsdiff", 4, 2), ("hw", 4, 0)]  # fmt: skip
    for scaling, season, ar in others:
        other = make_transform(scaling, "s0", season, ar).fit(values[4])
        assert not batchable(other)


def test_a_network_prepares_short_and_long_histories_alike():
    values = yearly()
    net = GRU("diff", window=WINDOW, hidden=3, epochs=2, seed=0)
    net.fit({f"s{i}": v[:-6] for i, v in enumerate(values)})
    names = list(net.transforms_)
    origins = [(i, o) for i, v in enumerate(values) for o in (3, WINDOW, len(v) - 2)]
    seqs, invs = net.prepare(values, origins, names)
    want_seqs, want_invs = one_by_one([net.transforms_[names[i]] for i, _ in origins],
                                      values, origins)  # fmt: skip
    for got, want in zip(seqs, want_seqs, strict=True):
        np.testing.assert_array_equal(got, want)
    want = net.forecast((want_seqs, want_invs))
    np.testing.assert_array_equal(net.forecast((seqs, invs)), want)
