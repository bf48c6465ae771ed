"""The BLAS loop holds NumPy's BLAS to one thread, and gives its setting back."""

import sys

import numpy as np
import pytest

from unrolled.engine import blas


def blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    info = threadpoolctl.threadpool_info()
    return [p["num_threads"] for p in info if p["user_api"] == "blas"]


@pytest.fixture
def fresh(monkeypatch):
    """Find the BLAS afresh (the module keeps what it found once)."""
    monkeypatch.setattr(blas, "_state", {})


def test_one_thread_inside_the_block_and_the_setting_back_after(fresh):
    np.ones((2, 2)) @ np.ones((2, 2))  # NumPy's BLAS loaded
    before = blas_threads()
    if not before or not blas.controllable():
        pytest.skip("no BLAS that threadpoolctl can set here")
    with blas.one_thread():
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before
    assert "threadpoolctl" in blas.describe()


def test_openblas_found_by_its_own_functions_without_threadpoolctl(fresh, monkeypatch):
    """No threadpoolctl: OpenBLAS's *set_num_threads* found in the loaded files."""
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    if not blas._openblas_functions():
        pytest.skip("no OpenBLAS loaded (another BLAS, or not Linux)")
    assert blas.controllable() and "via openblas" in blas.describe()
    (get, put), *_ = blas._how()[1]
    old = get()
    put(2)  # so that one thread inside is a change to see
    try:
        with blas.one_thread():
            assert get() == 1
        assert get() == 2
    finally:
        put(old)


def test_nothing_to_control_leaves_the_engine_its_own_loops(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    monkeypatch.setattr(blas, "_openblas_functions", lambda: [])
    assert not blas.controllable()
    assert "own loops" in blas.describe()
    with blas.one_thread():  # a no-op, not an error
        pass
    from unrolled.engine import dispatch

    monkeypatch.setattr(dispatch.backend, "blas_min", 0)
    assert dispatch.layout(64, 4) == "row-major"
