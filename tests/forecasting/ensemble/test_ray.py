"""The Ray backend against a real local Ray (one per module, 2 CPUs), never a mock."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install ray)")
pytestmark = pytest.mark.slow  # a real local Ray

from unrolled.cli import run  # noqa: E402
from unrolled.engine.network import build_model  # noqa: E402
from unrolled.forecasting.ensemble import backends  # noqa: E402


def test_unreachable_address_exits_2_with_one_line(tmp_path, capsys):
    """First in the module: once a test has killed a worker, the local Ray's
    driver prints that death to stdout when its thread gets to it, which may
    be during a later test's capture."""
    code = run(["forecast", "--backend", "ray", "--address", "127.0.0.1:1",
                "--plot", str(tmp_path / "f.png")])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "127.0.0.1:1" in err and "no Ray cluster reachable" in err
    assert list(tmp_path.iterdir()) == []  # nothing half-written


@pytest.fixture(scope="module")
def on_ray():
    """A local Ray for the module, and a backend on it (left to the fixture).

    Ray's tqdm_ray replaces ``builtins.print`` when a task fails; it is put
    back after, so that no later test sees Ray's print."""
    import builtins

    real_print = builtins.print
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")  # fmt: skip
    yield backends.RayBackend()
    ray.shutdown()
    builtins.print = real_print


def test_tasks_come_back_in_item_order(on_ray):
    assert on_ray.map(lambda x: (x, os.getpid()), [4, 5, 6])[1][0] == 5


def test_data_parallel_weights_equal_one_process_after_20_epochs(on_ray):
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(int(rng.integers(4, 12)), 1)) for _ in range(10)]
    tgs = [rng.normal(size=len(s)) for s in seqs]
    cfg = {"cell": "gru", "input_size": 1, "hidden_size": 6, "seed": 2}
    alone, actors = build_model(cfg), build_model(cfg)
    backends.data_parallel_fit(alone, seqs, tgs, epochs=20, lr=0.01, shards=1)
    backends.data_parallel_fit(actors, seqs, tgs, epochs=20, lr=0.01, shards=2,
                               backend=on_ray)  # fmt: skip
    assert alone.state_dict()["weight_hh_l0"].dtype == np.float64
    for k, w in alone.state_dict().items():
        np.testing.assert_allclose(actors.state_dict()[k], w, rtol=1e-9, atol=1e-12)


def test_forecast_on_ray_gives_the_default_backends_numbers(on_ray, capsys):
    args = ["forecast", "--json", "--epochs", "4", "--seed", "3"]
    assert run(args) == 0
    here = json.loads(capsys.readouterr().out)
    assert run([*args, "--backend", "ray"]) == 0
    there = json.loads(capsys.readouterr().out)
    assert there == here
    assert there["series"][0]["metrics"]["ensemble"]["mae"] > 0


def test_a_lost_worker_is_retried_once(on_ray, tmp_path):
    flag = str(tmp_path / "died-once")

    def die_once(x):
        if not os.path.exists(flag):
            open(flag, "w").close()
            os._exit(1)  # the worker process dies mid-task
        return x + 1

    assert on_ray.map(die_once, [1]) == [2]


def test_a_worker_that_dies_twice_fails_in_one_line(on_ray):
    with pytest.raises(ConnectionError, match="a worker died .* after 1 retry"):
        on_ray.map(lambda x: os._exit(1), [1])


def test_refitted_windows_on_ray_give_the_local_numbers(on_ray):
    from unrolled.forecasting.evaluation.cross_validation import cross_validation
    from unrolled.forecasting.forecaster import Forecaster

    rng = np.random.default_rng(4)
    data = {n: np.cumsum(rng.normal(size=50)) + 40 for n in "ab"}
    kw = {"h": 2, "n_windows": 2, "refit": True}
    fc = Forecaster(epochs=3, seed=1, hidden=4, window=8, lr=0.01, scaling="diff")
    here = cross_validation(fc, data, **kw)
    there = cross_validation(fc, data, **kw, backend=on_ray)
    assert there.equals(here) and len(here) == 8


def test_the_ray_tasks_move_the_progress_display(on_ray):
    """Each search stage on Ray is said, and each of its tasks as it finishes."""
    import io

    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import load_bundled
    from unrolled.forecasting.progress import Progress

    log = io.StringIO()
    with Progress("lines", log):
        Forecaster(seed=0, epochs=2).fit(load_bundled("stocks"), backend=on_ray)
    lines = [line.split("] ", 1)[1] for line in log.getvalue().splitlines()]
    assert lines[0] == "search: configs 1-2 of 8 as ray tasks"
    assert lines[1:3] == [
        "search: configs 1-2 of 8 as ray tasks: 1 of 2 Ray tasks done",
        "search: configs 1-2 of 8 as ray tasks: 2 of 2 Ray tasks done",
    ]
    assert "validation forecasts: ensemble (1 of 5)" in lines
