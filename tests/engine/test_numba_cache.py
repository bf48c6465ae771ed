"""A corrupt or empty Numba cache is detected, removed and rebuilt (issue 40).

Garbage in a ``.nbc`` failed every run with exit 1; an empty ``.nbi`` gave
exit 130, the Ctrl-C code. Now the run removes the package's cached kernels,
says so in one warning, compiles them again and gives the same numbers; the
next run finds a good cache and says nothing. Each run is a fresh process
with its own ``NUMBA_CACHE_DIR``, as a person's runs would be.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

SRC = str(Path(__file__).resolve().parents[2] / "src")
SCRIPT = """
import numpy as np
from unrolled.engine.cells import make_cell
from unrolled.engine.layers import layer_forward
from unrolled.engine.dispatch import backend
cell = make_cell("rnn", "tanh")
rng = np.random.default_rng(0)
X = rng.normal(size=(4, 3, 1))
w = [rng.normal(size=s) for s in ((2, 1), (2, 2), 2, 2)]
tape = layer_forward(cell, X, np.array([3, 3, 2, 1]), *w)
print(repr(float(np.asarray(tape.H).sum())), backend.broken)
"""


def python(cache: Path, *args, **more):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), UNROLLED_KERNELS="auto",
               PYTHONPATH=SRC, **more)  # fmt: skip
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=600
    )


def kernel_files(cache: Path, suffix: str) -> list[Path]:
    return sorted(cache.rglob(f"kernels.elman_forward_fm-*{suffix}"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache filled by a first run, and that run's numbers."""
    where = tmp_path_factory.mktemp("numba")
    first = python(where, "-c", SCRIPT)
    assert first.returncode == 0, first.stderr
    assert kernel_files(where, ".nbc") and kernel_files(where, ".nbi")
    return where, first.stdout


@pytest.mark.parametrize(
    "damage,error",
    [
        (lambda p: p.write_bytes(b"garbage, not a cache\n" * 20), r"\w+Error"),
        (lambda p: p.write_bytes(b""), "EOFError"),
    ],
    ids=["garbage-nbc", "empty-nbi"],
)
def test_a_damaged_cache_is_rebuilt_with_one_warning(cache, damage, error):
    where, numbers = cache
    suffix = ".nbi" if error == "EOFError" else ".nbc"
    damage(kernel_files(where, suffix)[0])
    run = python(where, "-c", SCRIPT)
    assert run.returncode == 0, run.stderr
    assert run.stdout == numbers  # same numbers, compiled path (not broken)
    warned = [line for line in run.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warned) == 1
    assert re.search(rf"was unreadable \({error}\); removed \d+ file", warned[0])
    again = python(where, "-c", SCRIPT)
    assert again.stdout == numbers and "unreadable" not in again.stderr
    assert kernel_files(where, ".nbc") and kernel_files(where, ".nbi")


def test_the_cli_heals_the_cache_and_exits_0(cache, tmp_path):
    where, _ = cache
    kernel_files(where, ".nbi")[0].write_bytes(b"")
    data = tmp_path / "d.csv"
    data.write_text("date,value\n" + "".join(
        f"2020-{m:02d}-01,{10 + m % 3}\n" for m in range(1, 13)))  # fmt: skip
    argv = ["-m", "unrolled", "forecast", "--data", str(data), "--test", "2",
            "--cell", "rnn", "--hidden", "2", "--window", "3", "--epochs", "1",
            "--lr", "0.01", "--scaling", "minmax", "-q"]  # fmt: skip
    run = python(where, *argv, UNROLLED_COMPILE="wait")  # compiled in this run
    assert run.returncode == 0, run.stderr
    lines = run.stderr.strip().splitlines()
    healed = [x for x in lines if "compiled-kernel cache" in x]
    assert len(healed) == 1 and "unreadable (EOFError)" in healed[0], lines
