"""Run the real ``unrolled`` console script under a pseudo-terminal, as a person does.

:func:`run_in_terminal` gives the command a 120x40 pty for stdin, stdout and
stderr (what a terminal emulator gives it), records every chunk it writes
with its arrival time, and returns them with the exit code. :func:`screens`
turns the chunks into the successive texts of the progress bar's line, so a
test can see that a bar was drawn and how often it changed.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
#: the bar's filled and empty cells (rich's BarColumn)
BAR = "━"
_ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CLOCK = re.compile(r"\s+-?:?-?-?\d*:?\d+:\d\d$")  # the bar's elapsed time


def unrolled_script() -> str:
    """The ``unrolled`` console script of the running Python's environment."""
    here = Path(sys.executable).parent / "unrolled"
    return str(here) if here.exists() else shutil.which("unrolled") or "unrolled"


@dataclass
class TerminalRun:
    code: int
    chunks: list[tuple[float, str]]  # (seconds since start, text as written)

    @property
    def raw(self) -> str:
        return "".join(c for _, c in self.chunks)

    @property
    def text(self) -> str:
        """What stays on the screen: escape sequences removed, ``\\r\\n`` as ``\\n``."""
        return _ESC.sub("", self.raw).replace("\r\n", "\n")


def run_in_terminal(args, cwd=None, timeout=600, env=None) -> TerminalRun:
    """Run ``unrolled *args`` with a 120x40 pseudo-terminal; return what it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    environ = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p
    )
    for k in ("NO_COLOR", "FORCE_COLOR", "TERM_PROGRAM"):
        environ.pop(k, None)
    environ.update(env or {})
    proc = subprocess.Popen(
        [unrolled_script(), *args], stdin=slave, stdout=slave, stderr=slave,
        cwd=cwd, env=environ, close_fds=True, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    start, chunks, data = time.monotonic(), [], b""
    try:
        while True:
            if time.monotonic() - start > timeout:
                proc.kill()
                raise TimeoutError(f"unrolled {' '.join(args)}: over {timeout} s")
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                got = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not got:
                break
            data += got
            text = data.decode("utf-8", errors="ignore")
            if text:  # whole characters only
                keep = len(text.encode())
                data = data[keep:]
                chunks.append((time.monotonic() - start, text))
    finally:
        os.close(master)
    return TerminalRun(proc.wait(timeout=60), chunks)


def screens(run: TerminalRun) -> list[tuple[float, str]]:
    """The successive texts of the bar's line, each with the time it was drawn.

    A redraw that shows the same text as the one before is not a change.
    """
    out = []
    for t, chunk in run.chunks:
        for piece in chunk.split("\r"):
            line = _CLOCK.sub("", _ESC.sub("", piece).strip())
            if BAR in line and (not out or out[-1][1] != line):
                out.append((t, line))
    return out


def longest_silence(run: TerminalRun) -> tuple[float, str]:
    """The longest time between two changes of the bar (or its start and the
    first report line), and the bar's text at the start of that stretch."""
    seen = screens(run)
    if not seen:
        return float("inf"), ""
    end = run.chunks[-1][0]
    marks = [*seen, (end, "(end)")]
    gaps = [(b[0] - a[0], a[1]) for a, b in zip(marks, marks[1:], strict=False)]
    return max(gaps, default=(0.0, ""))
