"""The longest stretch a person at a terminal waits without the bar changing.

Runs ``unrolled ARGS`` (default: ``forecast``) as the real console script on
a 120x40 pseudo-terminal (``tests/terminal.py``), reads the bar's successive
texts back from the pty (the elapsed-time clock left out) and prints the
longest time between two changes, or between the last change and the end of
the output, with the text the bar showed through it::

    python benchmarks/terminal_silence.py
    python benchmarks/terminal_silence.py forecast --data co2 --horizon 12
    NUMBA_CACHE_DIR=$(mktemp -d) python benchmarks/terminal_silence.py  # cold

Run it with ``PYTHONPATH=src`` from the repository root.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from terminal import longest_silence, run_in_terminal, screens  # noqa: E402


def main(args: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k.startswith("NUMBA_CACHE")}
    run = run_in_terminal(args or ["forecast"], cwd=os.getcwd(), env=env)
    gap, text = longest_silence(run)
    print(f"unrolled {' '.join(args or ['forecast'])}: exit {run.code}, "
          f"{len(screens(run))} bar changes in {run.chunks[-1][0]:.1f} s; "
          f"longest silence {gap:.1f} s, showing: {text}")  # fmt: skip
    return run.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
