"""Memory with many series: prediction passes that keep nothing they do not need."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ragged_batch

import unrolled
from unrolled.forecasting.ensemble import intervals
from unrolled.forecasting.ensemble.intervals import paths, scaled_residuals
from unrolled.forecasting.ensemble.members import validation_targets
from unrolled.forecasting.ensemble.prediction import network_context
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models.chunks import predict_in_chunks


def seasonal(seed=0, lengths=(96, 72, 120)):
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        t = np.arange(n)
        y = 10 + 0.03 * t + 2 * np.sin(2 * np.pi * t / 12 + k)
        out[f"s{k}"] = y + 0.1 * rng.standard_normal(n)
    return from_dict(out, freq="MS")


@pytest.fixture(scope="module", params=["diff", "logdiff+lag"])
def fitted(request):
    """A small fitted forecaster; logdiff+lag reads three seasons back."""
    fc = Forecaster(hidden=6, window=12, lr=0.03, scaling=request.param, epochs=4,
                    seed=0)  # fmt: skip
    ds = seasonal()
    fc.fit(ds)
    return fc, [s.name for s in ds.series], [np.asarray(s.values) for s in ds.series]


def test_network_paths_from_tails_equal_those_from_whole_histories(fitted):
    fc, names, values = fitted
    origins = [(i, o) for i, v in enumerate(values) for o in (13, 40, len(v) - 5)]
    whole = paths(fc.one_step, values, origins, names, 4)
    assert np.array_equal(fc.forecast_paths(values, origins, names, 4), whole)


def test_network_context_is_the_tail_the_members_read(fitted):
    fc, names, values = fitted
    keep = max(m.candidate.window + next(iter(m.transforms.values())).lookback
               for m in fc.members_)  # fmt: skip
    tails, at, own, upto = network_context(fc.members_, values, [(1, 60)], names)
    assert np.shares_memory(tails[0], values[1])  # a view, not a copy
    assert np.array_equal(tails[0], values[1][60 - keep : 60])
    assert at == [(0, keep)] and own == [names[1]] and upto is None


def test_network_context_keeps_whole_histories_of_unseen_series(fitted):
    fc, names, values = fitted
    args = (values, [(0, 50)], ["new", *names[1:]], [30, 40, 50])
    out = network_context(fc.members_, *args)
    assert all(a is b for a, b in zip(out, args, strict=True))


@pytest.mark.parametrize("chunk", [4, 64])
def test_chunked_prediction_equals_one_pass_and_keeps_no_tapes(rng, chunk):
    net = unrolled.build_model({"cell": "gru", "hidden_size": 5, "seed": 1})
    seqs = ragged_batch(rng, rng.integers(2, 15, size=30).tolist())
    once = net.predict(seqs)
    net.release_memory()
    got = predict_in_chunks(net, seqs, chunk)
    np.testing.assert_allclose(got, once, rtol=1e-12, atol=1e-15)
    if chunk >= len(seqs):
        assert np.array_equal(got, once)
    assert "_workspace" not in net.__dict__  # the tape buffers were given back


def long_frame(n_series=4, days=30, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-01", periods=days).strftime("%Y-%m-%d")
    return pd.DataFrame({
        "date": np.tile(dates, n_series),
        "series": np.repeat([f"S{i}" for i in range(n_series)], days),
        "value": rng.normal(100, 5, n_series * days).round(3),
        "volume": rng.normal(1e6, 1e3, n_series * days),
    })  # fmt: skip


def test_long_rows_in_any_order_load_the_same_series(tmp_path):
    from unrolled.forecasting.io.data import load_csv

    df = long_frame()
    df.to_csv(tmp_path / "sorted.csv", index=False)
    df.sample(frac=1.0, random_state=1).to_csv(tmp_path / "shuffled.csv", index=False)
    a = load_csv(tmp_path / "sorted.csv", value_col="value")
    b = load_csv(tmp_path / "shuffled.csv", value_col="value")
    by_name = {s.name: s for s in b.series}  # series in order of first appearance
    assert sorted(by_name) == [s.name for s in a.series]
    for s in a.series:
        t = by_name[s.name]
        assert np.array_equal(s.values, t.values) and s.dates.equals(t.dates)


def test_series_of_a_frame_do_not_view_its_other_columns():
    from unrolled.forecasting.io.data import from_frame

    df = long_frame().copy()  # one float block holding value and volume
    ds = from_frame(df, date_col="date", series_col="series", value_col="value")
    got = ds.series[0].values
    assert np.array_equal(got, df["value"].to_numpy()[:30])
    block = df[["value", "volume"]].to_numpy()
    base = got
    while isinstance(base.base, np.ndarray):
        base = base.base
    assert base.nbytes <= df["value"].to_numpy().nbytes  # not the frame's block
    assert not np.shares_memory(got, block)


def test_network_paths_in_groups_of_origins_equal_those_all_at_once(
    fitted, monkeypatch
):
    from unrolled.forecasting.ensemble import prediction

    fc, names, values = fitted
    origins = [(i, o) for i, v in enumerate(values) for o in range(40, len(v), 7)]
    whole = paths(fc.one_step, values, origins, names, 3)
    monkeypatch.setattr(prediction, "ORIGINS", 4)  # 4 origins' histories at a time
    got = fc.forecast_paths(values, origins, names, 3)
    np.testing.assert_allclose(got, whole, rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def ensemble():
    """A small ensemble with classical members (seasonal data, scaling auto)."""
    ds = seasonal(lengths=(60, 48, 72))
    fc = Forecaster(hidden=4, window=12, lr=0.03, epochs=3, ensemble=2,
                    seed=0).fit(ds)  # fmt: skip
    return fc, [s.name for s in ds.series], [np.asarray(s.values) for s in ds.series]


def test_paths_extend_their_seasonal_steps_and_forget_them_when_done(
    ensemble, monkeypatch
):
    """Theta's seasonal steps: each step of a path extends its history's
    (none computed whole after the first), and none is kept afterwards."""
    from unrolled.forecasting.features import seasons

    fc, names, values = ensemble
    assert any("Theta(season=12" in m.name for m in fc.members_)
    counts = {"whole": 0, "extended": 0}
    of, extended = seasons.SeasonPath.of.__func__, seasons.SeasonPath.extended

    def whole(cls, *args):
        counts["whole"] += 1
        return of(cls, *args)

    def longer(path, *args):
        counts["extended"] += 1
        return extended(path, *args)

    monkeypatch.setattr(seasons.SeasonPath, "of", classmethod(whole))
    monkeypatch.setattr(seasons.SeasonPath, "extended", longer)
    origins = [(i, len(v) - 6) for i, v in enumerate(values)]
    fc.forecast_paths(values, origins, names, 6)
    assert counts["extended"] >= 5 * counts["whole"] > 0
    assert not seasons.RECENT and seasons._KEPT == [0]


def test_validation_paths_stop_where_the_truth_ends(fitted):
    """The calibration's paths run only as far as each origin has a truth:
    the same residuals as paths run to the end of the slice."""
    check_validation_paths(*fitted)


def test_validation_paths_of_an_ensemble_stop_where_the_truth_ends(ensemble):
    """The same with classical members (refitted once per path)."""
    fc = ensemble[0]
    assert {m.kind for m in fc.members_} >= {"classical", "network"}
    check_validation_paths(*ensemble)


def check_validation_paths(fc, names, values):
    n_val, parts, origins = fc._validation_plan(values)
    h = max(n_val)
    whole = fc.forecast_paths(values, origins, names, h)
    known = [len(values[i]) - o for i, o in origins]
    cut = fc.forecast_paths(values, origins, names, h, steps=known)
    assert sorted(set(known)) == list(range(1, h + 1))
    for row, full, k in zip(cut, whole, known, strict=True):
        assert np.array_equal(row[:k], full[:k]) and np.isnan(row[k:]).all()
    _, units = validation_targets(values, origins, parts)
    expected = scaled_residuals(whole, values, origins, units)
    got = fc.calibration_.residuals[fc.alias]
    per = len(origins) // len(values)  # the slice of every series
    assert [len(r) for r in got] == [len(values) * k for k in range(per, 0, -1)]
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


def test_past_max_paths_the_calibration_runs_a_fixed_sample_of_the_paths(
    fitted, monkeypatch
):
    """Many origins: the calibration's residuals are those of the paths from
    a fixed, ordered sample of MAX_PATHS of them, and nothing else changes."""
    import copy

    fc, names, values = fitted
    fc = copy.deepcopy(fc)  # the module's fit keeps its calibration
    n_val, parts, origins = fc._validation_plan(values)
    monkeypatch.setattr(intervals, "MAX_PATHS", 10)
    kept = intervals.calibration_origins(origins)
    assert kept == intervals.calibration_origins(origins)  # the same sample
    assert len(kept) == 10 < len(origins) and len(set(kept)) == 10
    assert kept == [o for o in origins if o in set(kept)]  # in their order
    before = fc.predict(6, level=[80])
    fc._validate(values, parts, origins, names, max(n_val))
    known = [len(values[i]) - o for i, o in kept]
    whole = fc.forecast_paths(values, kept, names, max(n_val), steps=known)
    expected = scaled_residuals(whole, values, kept, validation_targets(
        values, kept, parts)[1])  # fmt: skip
    got = fc.calibration_.residuals[fc.alias]
    assert len(got[0]) == 10 and sum(map(len, got)) == sum(known)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    assert fc.val_score_ == pytest.approx(np.mean(expected[0]))
    after = fc.predict(6, level=[80])
    assert np.array_equal(after[fc.alias], before[fc.alias])  # the points
    assert not after.equals(before)  # the intervals: the sample's


def test_few_origins_calibrate_on_every_path(fitted):
    origins = fitted[0]._validation_plan(fitted[2])[2]
    assert len(origins) <= intervals.MAX_PATHS
    assert intervals.calibration_origins(origins) == origins


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_chunks_run_side_by_side_give_the_same_forecasts(rng, monkeypatch, threads):
    """Small passes run on several threads at once (the kernels release the
    GIL): the forecasts are those of one thread, bit for bit, in order."""
    import threading

    from unrolled.engine.dispatch import side_by_side
    from unrolled.forecasting.models import chunks

    net = unrolled.build_model({"cell": "gru", "hidden_size": 5, "seed": 1})
    seqs = ragged_batch(rng, rng.integers(2, 15, size=50).tolist())
    one = [net.predict(seqs[k : k + 8]) for k in range(0, 50, 8)]
    seen = set()
    predict = net.predict
    monkeypatch.setattr(net, "predict", lambda run: (
        seen.add(threading.get_ident()), predict(run))[1])  # fmt: skip
    monkeypatch.setenv("UNROLLED_THREADS", threads)
    packed = chunks.pack_chunks(net, seqs, 8)
    for runs in (packed, seqs):  # packed once, or a list packed in each pass
        got = chunks.predict_in_chunks(net, runs, chunk=8)
        assert np.array_equal(got, np.concatenate(one))
    assert side_by_side(100, 7) == int(threads)  # small passes: all threads
    assert side_by_side(10**9, 7) == 1  # a large pass spreads over them itself
    # a second layer reads the hidden state: its work, not the first's, counts
    deep = unrolled.build_model({"cell": "gru", "hidden_size": 5, "num_layers": 2})
    steps = int(packed[0].batch_sizes.sum())
    assert chunks._work(net, packed[0]) == steps * 3 * 5 * (5 + 1)
    assert chunks._work(deep, packed[0]) == steps * 3 * 5 * (5 + 5)
    if threads == "1":
        assert seen == {threading.get_ident()}  # no pool: the calling thread
