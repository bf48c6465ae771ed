"""``unrolled info`` says what the engine runs with, as the engine itself reports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from unrolled.engine.runinfo import engine_info


def run_info(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "unrolled", "info", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )  # fmt: skip


def test_info_json_is_the_engines_own_report():
    out = run_info("--json", UNROLLED_THREADS="1")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["engine"]["threads"] == 1
    assert "UNROLLED_THREADS" in data["engine"]["threads_rule"]
    assert set(data["engine"]) == set(engine_info())
    assert data["versions"]["unrolled"]


def test_info_text_fits_80_columns_and_names_the_loop():
    out = run_info(UNROLLED_KERNELS="numpy", COLUMNS="80")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "loop: readable (UNROLLED_KERNELS=numpy)" in lines
    assert max(map(len, lines)) <= 80
    loops = " ".join(out.stdout.split("loops: ", 1)[1].split("\n  blas")[0].split())
    assert loops.startswith("feature-major for hidden <= 8; blas for gates *")
    assert "row-major for the sizes between" in loops


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_info_refuses_bad_thread_count_in_one_line(value):
    out = run_info(UNROLLED_THREADS=value)
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert "UNROLLED_THREADS" in out.stderr
