"""features/transforms holds the plain scalings only: no classical model's errors."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import unrolled.forecasting.features as features
from unrolled.errors import InputError
from unrolled.forecasting.features.transforms import (
    LEVEL_SCALINGS,
    LOGS,
    SCALINGS,
    SEASONAL,
    Transform,
)
from unrolled.forecasting.models.residuals import RESIDUALS

PLAIN = ("minmax", "standard", "log", "diff", "diff+level", "logdiff",
         "logdiff+level", "diff+lag", "logdiff+lag", "sdiff", "logsdiff",
         "sdiff+diff", "diff+sa", "logdiff+sa")  # fmt: skip


def test_the_plain_scalings_are_exactly_the_plain_names():
    assert SCALINGS == PLAIN
    assert LEVEL_SCALINGS == ("minmax", "standard", "log")
    assert SEASONAL == ("diff+lag", "logdiff+lag", "sdiff", "logsdiff",
                        "sdiff+diff", "diff+sa", "logdiff+sa")  # fmt: skip
    assert LOGS == ("logdiff", "logdiff+level", "logdiff+lag", "logsdiff",
                    "logdiff+sa")  # fmt: skip


def test_no_classical_scaling_name_is_written_in_features():
    """Not as a name the plain Transform takes, nor as a string in its source."""
    assert set(RESIDUALS) == {"es", "loges", "hw", "loghw", "theta", "logtheta",
                              "airline", "logairline", "snaive"}  # fmt: skip
    for name in RESIDUALS:
        with pytest.raises(InputError, match=f"expected one of minmax.*got '{name}'"):
            Transform(name, "s", 12)
    folder = Path(features.__file__).parent
    strings = {
        node.value
        for path in folder.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert strings & set(RESIDUALS) == set()
    assert "diff+sa" in strings  # the scan reads the scalings' names


@pytest.mark.parametrize("scaling", PLAIN)
def test_every_plain_scaling_fits_inverts_and_round_trips(scaling):
    y = 10 + np.sin(np.arange(60) * 2 * np.pi / 4) + 0.05 * np.arange(60)
    t = Transform(scaling, "s", 4 if scaling in SEASONAL else None).fit(y[:50])
    back = Transform.from_dict(t.to_dict(), "s")
    assert back.to_dict() == t.to_dict()
    target = t.targets(y)[-1]  # the network's ideal output before the last step
    assert t.invert(target, y[:-1]) == pytest.approx(y[-1], rel=1e-9)
