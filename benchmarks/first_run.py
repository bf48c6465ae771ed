"""The first ``unrolled forecast`` after an install against a warm one, side by side.

One command::

    python benchmarks/first_run.py [--rounds 2] [--json] [-- extra forecast args]

Each round points ``NUMBA_CACHE_DIR`` at a new empty folder (what a fresh
install sees: no compiled kernel), runs ``unrolled forecast --json`` there
(cold), waits for the background compile that run started (the CLI's default,
``UNROLLED_COMPILE=background``) to leave its markers, then runs the same
command again (warm) and once more with ``UNROLLED_COMPILE=wait`` on another
empty folder (the old behaviour: compile inside the run). Wall times are of
the whole process; the ratio cold / warm is the figure of merit (target <= 3).
Also reported: the seconds the background compile took, and whether the cold
run's numbers equal the warm run's (the cold run takes the readable NumPy path,
which agrees with the kernels to ~1e-15).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run_cli(cache: str, extra: list[str], policy: str) -> tuple[float, dict, str]:
    """One ``unrolled forecast --json`` in a new process: (seconds, report, stderr)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, UNROLLED_COMPILE=policy)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "unrolled", "forecast", "--json", *extra]
    began = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, json.loads(out.stdout), out.stderr.strip()


def wait_for_markers(cache: str, timeout: float = 300.0) -> float:
    """Seconds the background compiles took (from their markers), once all ended."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        locks = list(Path(cache).rglob("unrolled-ready-*.lock"))
        if not locks:
            break
        time.sleep(0.5)
    marks = Path(cache).rglob("unrolled-ready-*.json")
    done = [json.loads(p.read_text()) for p in marks]
    return max((d["seconds"] for d in done), default=0.0)


def one_round(extra: list[str]) -> dict:
    """Cold (background compile), warm, and cold with compiling in the run."""
    with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as inrun:
        t_cold, r_cold, err = run_cli(cold, extra, "background")
        compile_s = wait_for_markers(cold)
        t_warm, r_warm, err_warm = run_cli(cold, extra, "background")
        t_wait, r_wait, _ = run_cli(inrun, extra, "wait")
    return {
        "cold_s": t_cold,
        "warm_s": t_warm,
        "cold_compile_in_run_s": t_wait,
        "ratio": t_cold / t_warm,
        "ratio_compile_in_run": t_wait / t_warm,
        "background_compile_s": compile_s,
        "stderr_cold": err,
        "stderr_warm": err_warm,
        "same_numbers_as_warm": r_cold == r_warm,
        "compile_in_run_same_as_warm": r_wait == r_warm,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("extra", nargs="*", help="arguments passed to unrolled forecast")
    args = ap.parse_args(argv)
    rounds = [one_round(args.extra) for _ in range(args.rounds)]
    report = {
        "rounds": rounds,
        "meta": {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.python_implementation()} {platform.python_version()}",
            "command": "python benchmarks/first_run.py "
            + " ".join(argv or sys.argv[1:]),
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return report
    print("round cold_s warm_s ratio in_run_s ratio bg_compile_s same_numbers")
    for k, r in enumerate(rounds):
        keys = ("cold_s", "warm_s", "ratio", "cold_compile_in_run_s")
        keys += ("ratio_compile_in_run", "background_compile_s")
        cells = " ".join(f"{r[key]:.2f}" for key in keys)
        print(f"{k} {cells} {r['same_numbers_as_warm']}")
    print(f"cold stderr: {rounds[0]['stderr_cold']!r}")
    print(f"{report['meta']['date']}; {report['meta']['machine']}")
    return report


if __name__ == "__main__":
    main()
