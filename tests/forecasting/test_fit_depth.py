"""Readable from the top (issue 41): from ``Forecaster.fit`` to the engine's
first gradient, the call stack passes at most four modules of the package."""

from __future__ import annotations

import sys

import numpy as np

from unrolled.forecasting.forecaster import Forecaster

FIT = ("unrolled.forecasting.forecaster", "fit")


def stack_at_first_gradient(data) -> list[tuple[str, str]]:
    """(module, function) of every frame from ``Forecaster.fit`` down to the
    first call of ``loss_and_grads`` in ``unrolled.engine.network``."""
    found = []

    def profile(frame, event, arg):
        if found or event != "call" or frame.f_code.co_name != "loss_and_grads":
            return
        if frame.f_globals.get("__name__") != "unrolled.engine.network":
            return
        f = frame
        while f is not None:
            found.append((f.f_globals.get("__name__", ""), f.f_code.co_name))
            if found[-1] == FIT:
                break
            f = f.f_back

    sys.setprofile(profile)
    try:
        Forecaster(hidden=2, window=6, scaling="diff", lr=0.01, epochs=1,
                   ensemble=1, seed=0).fit(data)  # fmt: skip
    finally:
        sys.setprofile(None)
    return found[::-1]


def test_fit_reaches_the_engine_in_at_most_four_modules():
    rng = np.random.default_rng(0)
    stack = stack_at_first_gradient({"a": np.cumsum(rng.normal(size=40)) + 50})
    assert stack[0] == FIT and stack[-1] == ("unrolled.engine.network",
                                              "loss_and_grads")  # fmt: skip
    modules = list(dict.fromkeys(m for m, _ in stack[:-1]))
    assert len(modules) <= 4, modules
    assert modules == ["unrolled.forecasting.forecaster",
                       "unrolled.forecasting.ensemble.search",  # the search trains
                       "unrolled.forecasting.models.networks",  # the network model
                       "unrolled.training.fit"]  # fmt: skip
