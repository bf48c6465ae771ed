"""Every example in README.md runs and prints what the README shows.

The README's fenced blocks are found generically:

- ```console / ```bash blocks: each line starting with ``$ `` is a command,
  run by bash in a temporary folder with the real ``unrolled`` console script
  of this environment first on PATH; the lines after it, up to the next
  ``$ ``, are its expected output. ``...`` stands for any number of lines;
  other lines must appear in that order, consecutively. Blocks without a
  ``$ `` line (lists of commands to copy) are not run.
- ```python blocks: executed, each in a fresh namespace, in a temporary folder.

An HTML comment right before a block changes how it is run:

- ``<!-- readme-test: skip: REASON -->``: not run (rare; say why);
- ``<!-- readme-test: numbers-vary -->``: numbers are compared as ``#``;
- ``<!-- readme-test: setup: CODE -->``: bash (console blocks) or Python
  (python blocks) run first, unseen by the reader (e.g. making the
  ``prices.csv`` the example reads).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from terminal import SRC, unrolled_script

README = Path(__file__).resolve().parents[1] / "README.md"
MARK = re.compile(r"<!--\s*readme-test:\s*(.*?)\s*-->", re.S)
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@dataclass
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    text: str
    marks: list[str]

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.lang}"

    def mark(self, name: str) -> str | None:
        for m in self.marks:
            if m == name or m.startswith(name + ":"):
                return m[len(name) + 1 :].strip() if ":" in m else ""
        return None


def blocks(path: Path = README) -> list[Block]:
    """The fenced blocks of ``path`` with the readme-test marks right before them."""
    lines = path.read_text().splitlines()
    out, k = [], 0
    while k < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[k])
        if not fence:
            k += 1
            continue
        end = next(j for j in range(k + 1, len(lines)) if lines[j].startswith("```"))
        before, j = [], k - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        while j >= 0 and "-->" in lines[j]:  # the comments right before the fence
            start = j
            while "<!--" not in lines[start]:
                start -= 1
            before[:0] = MARK.findall("\n".join(lines[start : j + 1]))
            j = start - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
        out.append(Block(fence.group(1), k + 1, "\n".join(lines[k + 1 : end]), before))
        k = end + 1
    return out


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every ``$ `` line of a block."""
    out = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    for _, expected in out:  # a blank line between two commands is not output
        while expected and not expected[-1].strip():
            expected.pop()
    return out


def matches(expected: list[str], actual: list[str], vary: bool) -> str | None:
    """None if ``actual`` shows ``expected`` (``...``: any lines), else why not."""

    def norm(s: str) -> str:
        s = s.rstrip()
        return NUMBER.sub("#", s) if vary else s

    got = [norm(s) for s in actual]
    runs, run = [], []
    for line in expected:
        if line.strip() == "...":
            runs.append(run)
            run = []
        else:
            run.append(norm(line))
    runs.append(run)
    pos = 0
    for k, run in enumerate(runs):
        if not run:
            continue
        anchored = k == 0  # the output starts with the first lines shown
        starts = [pos] if anchored else range(pos, len(got) - len(run) + 1)
        at = next((i for i in starts if got[i : i + len(run)] == run), None)
        if at is None:
            return f"not printed in this order: {run[0]!r} ..."
        pos = at + len(run)
    if runs[-1] and pos != len(got):  # no `...` at the end: nothing more
        return f"printed more than the README shows: {got[pos]!r}"
    return None


def environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p
    )
    bin_dir = str(Path(unrolled_script()).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["MPLBACKEND"] = "Agg"
    return env


RUN = [b for b in blocks() if b.lang in ("console", "bash", "python")]
RUN = [b for b in RUN if b.lang == "python" or commands(b)]


def test_the_readme_has_examples_to_run():
    assert len(RUN) >= 4
    assert any(cmd == "unrolled forecast" for b in RUN for cmd, _ in commands(b))


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_readme_block_runs_and_prints_what_the_readme_shows(block, tmp_path):
    reason = block.mark("skip")
    if reason is not None:
        pytest.skip(f"README marks it: {reason}")
    env, vary = environment(), block.mark("numbers-vary") is not None
    setup = block.mark("setup")
    if block.lang == "python":
        code = (setup + "\n" if setup else "") + block.text
        r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=900)  # fmt: skip
        assert r.returncode == 0, r.stderr[-3000:]
        return
    if setup:
        r = subprocess.run(["bash", "-c", setup], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=900)  # fmt: skip
        assert r.returncode == 0, r.stderr[-3000:]
    for cmd, expected in commands(block):
        r = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=900)  # fmt: skip
        assert r.returncode == 0, f"$ {cmd}\n{r.stderr[-3000:]}"
        if expected:
            why = matches(expected, r.stdout.splitlines(), vary)
            assert why is None, f"$ {cmd}: {why}\n--- printed:\n{r.stdout[-4000:]}"


def test_the_matcher_reads_elisions_and_anchors():
    out = ["a", "b", "c", "d"]
    assert matches(["a", "...", "d"], out, False) is None
    assert matches(["a", "b", "..."], out, False) is None
    assert matches(["b", "..."], out, False) is not None  # must start at the top
    assert matches(["a", "c", "..."], out, False) is not None  # not consecutive
    assert matches(["a", "b"], out, False) is not None  # more was printed
    assert matches(["a 1.5", "..."], ["a 2.25", "b"], True) is None
