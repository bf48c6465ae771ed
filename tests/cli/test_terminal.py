"""Every command as a person runs it: the real ``unrolled`` at a pseudo-terminal.

Nothing is replaced: the console script runs in its own process with a
120x40 pty as its terminal (stdin, stdout, stderr), so rich sees a terminal
and draws its bar. Each command must exit 0, draw what it draws (the bar's
cells are read back from the pty) and print its report.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from terminal import BAR, run_in_terminal, screens

FAST = ["--epochs", "4", "--patience", "2"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A user's CSV (two monthly series in long form)."""
    d = tmp_path_factory.mktemp("terminal")
    t = np.arange(60)
    rows = ["date,ticker,close"]
    for name, level in (("ACME", 50.0), ("BOLT", 80.0)):
        y = level + 0.3 * t + 4 * np.sin(2 * np.pi * t / 12) + np.cos(t)
        rows += [
            f"{2015 + i // 12}-{i % 12 + 1:02d}-01,{name},{v:.3f}"
            for i, v in enumerate(y)
        ]
    (d / "mine.csv").write_text("\n".join(rows) + "\n")
    return d


def drawn_bar(run) -> list[str]:
    """The bar's successive texts, after checking that it was drawn and cleared."""
    seen = screens(run)
    assert seen, f"no progress bar on the terminal:\n{run.text[-2000:]}"
    assert BAR in run.raw
    return [line for _, line in seen]


@pytest.mark.slow
def test_forecast_at_a_terminal_draws_its_bar_and_prints_the_report(tmp_path):
    run = run_in_terminal(["forecast"], cwd=tmp_path)
    assert run.code == 0, run.text[-3000:]
    bars = drawn_bar(run)
    assert any(b.split(BAR)[-1].strip().startswith("search: config 1/") for b in bars)
    assert any("backtest: ensemble" in b for b in bars)
    assert "Rolling-origin one-step forecasts" in run.text
    assert "The ensemble beats naive on" in run.text
    assert "error:" not in run.text and "Traceback" not in run.text


@pytest.mark.slow
def test_forecast_of_a_users_csv_with_intervals_and_out(work):
    run = run_in_terminal(
        ["forecast", "--data", "mine.csv", "--horizon", "3", "--level", "80", "95",
         "--out", "f.csv", *FAST],
        cwd=work,
    )  # fmt: skip
    assert run.code == 0, run.text[-3000:]
    drawn_bar(run)
    assert "forecasts written to f.csv" in run.text
    head = (work / "f.csv").read_text().splitlines()[0]
    assert head.split(",")[:3] == ["unique_id", "ds", "ensemble"]
    assert "ensemble-lo-95" in head and "ensemble-hi-80" in head
    assert len((work / "f.csv").read_text().splitlines()) == 1 + 2 * 3


@pytest.fixture(scope="module")
def model(work):
    run = run_in_terminal(
        ["train", "--data", "mine.csv", "--out", "model", *FAST], cwd=work
    )
    return work, run


@pytest.mark.slow
def test_train_at_a_terminal_draws_its_bar_and_says_what_it_saved(model):
    work, run = model
    assert run.code == 0, run.text[-3000:]
    drawn_bar(run)
    assert "saved to model" in run.text and "validation (MAE" in run.text
    assert json.loads((work / "model" / "model.json").read_text())


def test_predict_at_a_terminal_prints_the_forecasts_with_their_bounds(model):
    work, _ = model
    run = run_in_terminal(
        ["predict", "--model", "model", "--horizon", "2", "--level", "80"], cwd=work
    )
    assert run.code == 0, run.text[-3000:]
    lines = run.text.splitlines()
    assert lines[0].split()[:5] == ["series", "last", "date", "last", "+1"]
    assert any(line.split()[:1] == ["ACME"] for line in lines)
    assert "ensemble-lo-80" in run.text and "Traceback" not in run.text


def test_evaluate_at_a_terminal_draws_its_bar_and_prints_the_report(model):
    work, _ = model
    run = run_in_terminal(
        ["evaluate", "--model", "model", "--data", "mine.csv", "--test", "6"],
        cwd=work,
    )
    assert run.code == 0, run.text[-3000:]
    assert any("backtest: " in b for b in drawn_bar(run))
    assert "Rolling-origin one-step forecasts" in run.text
    assert "in-sample" in run.text  # it was trained on those points


def test_lesson_at_a_terminal_writes_the_page(model):
    work, _ = model
    run = run_in_terminal(
        ["lesson", "--out", "lesson.html", "--model", "model", "--series", "BOLT"],
        cwd=work,
    )
    assert run.code == 0, run.text[-3000:]
    assert "lesson.html" in run.text
    assert (work / "lesson.html").read_text().lstrip().lower().startswith("<!doctype")


def test_gradients_and_explain_at_a_terminal_print_their_tables(tmp_path):
    run = run_in_terminal(["gradients", "--w2", "2", "--unrolls", "4"], cwd=tmp_path)
    assert run.code == 0, run.text[-3000:]
    assert "16" in run.text and "w2" in run.text
    run = run_in_terminal(["explain", "0", "0.5"], cwd=tmp_path)
    assert run.code == 0, run.text[-3000:]
    assert "copy" in run.text.lower()


@pytest.mark.slow
def test_the_memory_experiment_says_each_run_as_it_goes(tmp_path):
    run = run_in_terminal(
        ["gradients", "--experiment", "memory", "--lengths", "10", "--cells", "gru",
         "--seeds", "1", "--steps", "20"],
        cwd=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.text[-3000:]
    assert "gru   T=10" in run.text


def test_help_texts_say_what_the_commands_do_without_internal_names(tmp_path):
    run = run_in_terminal(["predict", "--help"], cwd=tmp_path)
    assert run.code == 0
    text = " ".join(run.text.split())
    assert text.startswith("Usage: unrolled predict [OPTIONS] ")
    assert "Default: the histories saved with the model" in text
    assert "bundled stock prices" not in text
    run = run_in_terminal(["lesson", "--help"], cwd=tmp_path)
    text = " ".join(run.text.split())
    assert "Default: the data --model was trained on" in text
    assert "bundled stock prices" not in text
    for cmd in ("forecast", "predict", "evaluate"):
        run = run_in_terminal([cmd, "--help"], cwd=tmp_path)
        assert run.text.splitlines()[0] == f"Usage: unrolled {cmd} [OPTIONS]"
        assert "MORE_LEVELS" not in run.text


def test_lesson_open_without_a_browser_says_so_in_one_line(tmp_path):
    env = {"BROWSER": "/bin/false", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    run = run_in_terminal(["lesson", "--out", "l.html", "--open"], cwd=tmp_path,
                          env=env)  # fmt: skip
    assert run.code == 0 and (tmp_path / "l.html").exists()
    uri = (tmp_path / "l.html").resolve().as_uri()
    assert run.text.splitlines()[-1] == (
        f"warning: no web browser found to open it; open {uri}"
    )


def test_off_a_terminal_stdout_is_the_report_and_progress_goes_to_stderr(work):
    """Piped: no bar and no escape codes on stdout; --progress says each step
    on stderr, one plain line each."""
    import subprocess

    from terminal import SRC, unrolled_script

    env = dict(os.environ, PYTHONPATH=str(SRC))
    args = [unrolled_script(), "train", "--data", "mine.csv", "--out", "piped", *FAST]
    r = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("trained ") and "\x1b" not in r.stdout
    assert BAR not in r.stdout + r.stderr
    r = subprocess.run([*args[:-len(FAST)], "--out", "logged", "--progress", *FAST],
                       cwd=work, env=env, capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("trained ") and "\x1b" not in r.stdout + r.stderr
    steps = [line for line in r.stderr.splitlines() if line.startswith("progress [")]
    assert any("search: config 1/" in line for line in steps)
    assert any("validation forecasts: ensemble (1 of 5)" in line for line in steps)
    assert len(steps) == len(set(steps)) and BAR not in r.stderr
