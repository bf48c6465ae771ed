"""Running the real command line in-process, as the contract tests see it."""

import json
import os

from unrolled.cli import run

QUICK = [
    "--epochs",
    "1",
    "--hidden",
    "2",
    "--window",
    "3",
    "--lr",
    "0.01",
    "--scaling",
    "minmax",
    "-q",
]


def refused(argv, folder, monkeypatch, capsys) -> str:
    """Run ``argv`` in ``folder``; assert the refusal contract; return the line.

    Exit 2, exactly one line on stderr, nothing on stdout, no file written,
    changed or removed in ``folder``.
    """
    monkeypatch.chdir(folder)
    before = {p: os.stat(folder / p).st_mtime_ns for p in os.listdir(folder)}
    code = run(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert out == "" and "Traceback" not in err
    after = {p: os.stat(folder / p).st_mtime_ns for p in os.listdir(folder)}
    assert after == before
    return lines[0]


def forecast_json(argv, folder, monkeypatch, capsys) -> tuple[dict, str]:
    """``unrolled forecast ... --json`` in ``folder``: (document, stderr)."""
    monkeypatch.chdir(folder)
    code = run(["forecast", *argv, *QUICK, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err
