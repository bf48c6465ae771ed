"""The CLI's error contract, driven through every command with bad input.

User errors exit 2 with exactly one line on stderr that names the file, row,
column or argument; nothing goes to stdout and no file is left behind.
Internal errors exit 1 with a hint to rerun with --debug, which shows the
traceback. Ctrl-C exits 130. No path prints "Traceback" without --debug.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from unrolled.cli import main, run
from unrolled.storage.files import content_digest

TRAIN = ["--epochs", "2", "--hidden", "2", "--window", "3", "--lr", "0.01"]
TRAIN += ["--scaling", "minmax", "-q"]


def months(values, start=2020):
    return "".join(
        f"{start + i // 12}-{i % 12 + 1:02d}-01,{v}\n" for i, v in enumerate(values)
    )


FILES = {
    "good.csv": "date,value\n" + months(10 + np.arange(24) + np.sin(np.arange(24))),
    "empty.csv": "",
    "header_only.csv": "date,value\n",
    "baddate.csv": "date,value\n2020-01-01,1\n2020-02-01,2\nnot-a-date,3\n",
    "badnum.csv": "date,value\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,3\n",
    "dupdate.csv": "date,value\n2020-01-01,1\n2020-02-01,2\n2020-02-01,3\n",
    "gap.csv": "date,value\n2020-01-01,1\n2020-02-01,\n2020-03-01,3\n2020-04-01,4\n",
    "short.csv": "date,value\n2020-01-01,1\n2020-02-01,2\n",
    "negative.csv": "date,value\n" + months(np.arange(12) - 5),
    "huge.csv": "date,value\n" + months([f"{m}e300" for m in range(1, 13)]),
    "inf.csv": "date,value\n" + months([1, 2, "inf", 4, 5, 6]),
    "ragged.csv": "date,value\n2020-01-01,1\n2020-02-01,2,3,4\n2020-03-01,3\n",
    "long.csv": "date,ticker,close\n"
    + "".join(
        f"2020-{m:02d}-01,A,{m}\n2020-{m:02d}-01,B,{2 * m}\n" for m in range(1, 13)
    ),
    "numbers_only.csv": "".join(f"{m}\n" for m in range(1, 13)),
    "a_file": "not a folder",
}
BINARY = {
    "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "utf16.csv": "date,value\n2020-01-01,1\n".encode("utf-16"),
    "latin1.csv": "date,valüe\n2020-01-01,1\n".encode("latin-1"),
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Bad files, a good model, and damaged copies of it."""
    d = tmp_path_factory.mktemp("cli_errors")
    for name, text in FILES.items():
        (d / name).write_text(text)
    for name, data in BINARY.items():
        (d / name).write_bytes(data)
    (d / "a_dir").mkdir()
    (d / "empty_model").mkdir()
    cwd = os.getcwd()
    os.chdir(d)
    try:
        assert run(["train", "--data", "good.csv", "--out", "model", *TRAIN]) == 0
    finally:
        os.chdir(cwd)
    for name in ("truncated", "newer", "foreign", "badjson", "tampered", "nan",
                 "edited"):  # fmt: skip
        shutil.copytree(d / "model", d / name)
    w = d / "truncated" / "weights.safetensors"
    w.write_bytes(w.read_bytes()[:50])
    (d / "foreign" / "weights.safetensors").write_bytes(bytes(range(256)) * 3)
    (d / "badjson" / "model.json").write_text('{"format": "unrolled.model", "conf')
    for name, edit in (
        ("newer", lambda doc: doc.update(format_version=99)),
        ("tampered", lambda doc: doc["config"].update(hidden_size=7)),
        ("nan", lambda doc: doc["config"].update(cell="transformer")),
        ("edited", lambda doc: doc["metadata"].update(val_score=0.0)),
    ):
        p = d / name / "model.json"
        doc = json.loads(p.read_text())
        edit(doc)
        if name in ("tampered", "nan"):  # a careful forger: checksum recomputed
            doc["content_sha256"] = content_digest(doc)
        p.write_text(json.dumps(doc))
    return d


# (argv, what the one line must say); every command appears at least once
CASES = [
    # the group itself
    (["--bogus"], "No such option '--bogus'"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
    # datasets
    (["datasets", "--bogus"], "No such option '--bogus'"),
    (["datasets", "extra"], "unexpected extra argument (extra)"),
    # statland
    (["statland", "--json", "extra"], "unexpected extra argument (extra)"),
    # info
    (["info", "extra"], "unexpected extra argument (extra)"),
    # explain
    (["explain"], "Missing argument 'VALUES...'"),
    (["explain", "a"], "'a' is not a valid float"),
    (["explain", "1", "nan"], "values: expected finite numbers, got nan"),
    (["explain", "1e400"], "values: expected finite numbers, got inf"),
    (["explain", "1", "--w2", "x"], "Invalid value for '--w2'"),
    # gradients
    (["info", "--jsn"], "No such option '--jsn'"),
    (["info", "extra"], "unexpected extra argument"),
    (["gradients", "--w2", "nan"], "w2: expected a finite number, got nan"),
    (["gradients", "--unrolls", "0"], "Invalid value for '--unrolls'"),
    (["gradients", "--experiment", "foo"], "Invalid value for '--experiment'"),
    (["gradients", "--experiment", "memory", "--lengths", "a,b"], "--lengths"),
    (["gradients", "--experiment", "memory", "--cells", "tcn"], "--cells"),
    (["gradients", "--plot", "no_dir/x.png"], "folder 'no_dir' does not exist"),
    (["gradients", "--plot", "x.xyz"], "--plot x.xyz: expected a file ending"),
    # forecast: files
    (["forecast", "--data", "nope.csv"], "nope.csv: cannot read file"),
    (["forecast", "--data", "empty.csv"], "empty.csv: file is empty"),
    (["forecast", "--data", "header_only.csv"], "header_only.csv: no data rows"),
    (["forecast", "--data", "binary.csv"], "binary.csv, row 3: binary file"),
    (["forecast", "--data", "utf16.csv"], "utf16.csv: file is UTF-16"),
    (["forecast", "--data", "latin1.csv"], "latin1.csv, row 1: not UTF-8"),
    (["forecast", "--data", "a_dir"], "a_dir: is a directory"),
    (["forecast", "--data", "baddate.csv"], "baddate.csv, row 4, column 'date'"),
    (["forecast", "--data", "badnum.csv"], "badnum.csv, row 3, column 'value'"),
    (["forecast", "--data", "dupdate.csv"], "dupdate.csv, row 4: duplicate date"),
    (["forecast", "--data", "gap.csv"], "gap.csv, row 3, column 'value': missing"),
    (["forecast", "--data", "short.csv"], "has 2 point(s); at least 3"),
    (["forecast", "--data", "ragged.csv"], "ragged.csv, row 3: cannot parse CSV"),
    (["forecast", "--data", "inf.csv"], "inf.csv, row 4, column 'value': value inf"),
    (["forecast", "--data", "huge.csv"], "huge.csv, row 2, column 'value': value 1e+3"),
    (["forecast", "--data", "long.csv", "--value-col", "price"], "no column 'price'"),
    (["forecast", "--data", "long.csv", "--date-col", "when"], "no column 'when'"),
    (["forecast", "--data", "long.csv", "--series-col", "sym"], "no column 'sym'"),
    (
        ["forecast", "--data", "negative.csv", "--scaling", "logdiff", "-q"],
        "negative.csv, series 'value', date 2020-01-01: --scaling logdiff needs "
        "positive values",
    ),
    (
        ["forecast", "--data", "negative.csv", "--scaling", "logdiff+level", "-q"],
        "negative.csv, series 'value', date 2020-01-01: --scaling logdiff[+]level "
        "needs positive values",
    ),
    # forecast: options
    (["forecast", "--fill", "nonsense"], "Invalid value for '--fill'"),
    (["forecast", "--epochs", "0"], "Invalid value for '--epochs'"),
    (["forecast", "--hidden", "-1"], "Invalid value for '--hidden'"),
    (["forecast", "--cell", "foo"], "Invalid value for '--cell'"),
    (["forecast", "--lr", "0"], "Invalid value for '--lr'"),
    (["forecast", "--test", "0"], "Invalid value for '--test'"),
    (["forecast", "--horizon", "abc"], "Invalid value for '--horizon'"),
    (["forecast", "--seed", "x"], "Invalid value for '--seed'"),
    (["forecast", "--layers", "99"], "Invalid value for '--layers'"),
    (["forecast", "--plot", "no_dir/x.png"], "folder 'no_dir' does not exist"),
    (["forecast", "--plot", "a_dir"], "--plot a_dir: expected a file ending"),
    (
        ["forecast", "--data", "good.csv", "--hidden", "2048", "--layers", "4", "-q"],
        "would need about .* GiB of memory, but only 1.0 GiB is available",
    ),
    # train
    (["train", "--data", "good.csv"], "Missing option '--out'"),
    (["train", "--data", "good.csv", "--out", "a_file", *TRAIN], "--out a_file"),
    (["train", "--data", "badnum.csv", "--out", "new_model"], "badnum.csv, row 3"),
    (
        ["train", "--data", "good.csv", "--out", "/proc/no/model", *TRAIN],
        "/proc/no/model",
    ),
    # predict
    (["predict"], "Missing option '--model'"),
    (["predict", "--model", "nope"], "nope: no such model directory"),
    (["predict", "--model", "a_file"], "a_file: is a file, not a model directory"),
    (["predict", "--model", "empty_model"], "empty_model/model.json: missing"),
    (["predict", "--model", "truncated"], "weights.safetensors: 50 bytes, but"),
    (["predict", "--model", "newer"], "format version 99 .* upgrade unrolled"),
    (["predict", "--model", "foreign"], "foreign/weights.safetensors: 768 bytes"),
    (["predict", "--model", "badjson"], "badjson/model.json: not valid JSON"),
    (["predict", "--model", "tampered"], "tampered/weights.safetensors: holds"),
    (["predict", "--model", "nan"], "config cell must be one of"),
    (["predict", "--model", "edited"], "edited/model.json: field 'content_sha256'"),
    (["predict", "--model", "model", "--data", "binary.csv"], "binary.csv, row 3"),
    (["predict", "--model", "model", "--data", "short.csv"], "has 2 point(s)"),
    (["predict", "--model", "model", "--horizon", "0"], "Invalid value for '--hor"),
    # evaluate
    (["evaluate", "--model", "nope"], "nope: no such model directory"),
    (["evaluate", "--model", "truncated"], "weights.safetensors: 50 bytes, but"),
    (["evaluate", "--model", "model", "--test", "0"], "Invalid value for '--test'"),
    (["evaluate", "--model", "model", "--data", "badnum.csv"], "badnum.csv, row 3"),
    (["evaluate", "--model", "model", "--plot", "no_dir/p.png"], "folder 'no_dir'"),
    # lesson
    (["lesson"], "Missing option '--out'"),
    (["lesson", "--out", "no_dir/l.html"], "--out no_dir/l.html: folder 'no_dir' does"),
    (["lesson", "--out", "data.csv"], "--out data.csv: expected a file ending in"),
    (["lesson", "--out", "a_dir"], "a_dir: is a folder"),
    (["lesson", "--out", "l.html", "--model", "nope"], "nope: no such model dir"),
    (["lesson", "--out", "l.html", "--series", "a"], "--series: needs --model DIR"),
    (["lesson", "--out", "l.html", "--model", "model", "--series", "zz"], "'zz'"),
    (
        ["lesson", "--out", "l.html", "--model", "model", "--data", "badnum.csv"],
        "badnum.csv, row 3",
    ),  # fmt: skip
]


def test_every_command_has_bad_input_cases():
    covered = {argv[0] for argv, _ in CASES}
    missing = sorted(set(main.commands) - covered)
    assert missing == [], f"add bad-input cases for: {missing}"


@pytest.mark.parametrize(
    "argv,message", CASES, ids=[" ".join(a)[:60] for a, _ in CASES]
)
def test_bad_input_exits_2_with_one_line_naming_it(
    workdir, monkeypatch, capsys, argv, message
):
    import re

    monkeypatch.chdir(workdir)
    monkeypatch.setenv("UNROLLED_MEMORY_LIMIT", "1G")
    before = sorted(os.listdir(workdir))
    code = run(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(message, lines[0]) or message in lines[0], lines[0]
    assert "Traceback" not in out + err
    assert out == ""  # no partial output
    assert sorted(os.listdir(workdir)) == before  # no partial files


@pytest.fixture
def broken_datasets(monkeypatch):
    """Make `unrolled datasets` hit a bug."""
    import unrolled.forecasting.io.data

    def bug():
        return 1 / 0

    monkeypatch.setattr(unrolled.forecasting.io.data, "list_bundled", bug)


def test_internal_error_exits_1_with_the_debug_hint(broken_datasets, capsys):
    assert run(["datasets"]) == 1
    out, err = capsys.readouterr()
    assert err.strip() == (
        "error: internal error (ZeroDivisionError: division by zero): a bug in "
        "unrolled, not in your input; rerun with --debug for the traceback"
    )
    assert out == ""


@pytest.mark.parametrize("error", [ValueError, OSError, KeyError, EOFError])
def test_a_plain_error_inside_the_library_is_a_bug_not_the_users(
    error, monkeypatch, capsys
):
    """Only errors that name the user's input exit 2: a bare ValueError (or
    OSError, KeyError; an EOFError, which click would make exit 130) raised inside
    the library is exit 1 and says it is a bug."""
    import unrolled.forecasting.evaluation.backtest

    def bug(*args, **kwargs):
        raise error("lengths: expected a list")

    monkeypatch.setattr(unrolled.forecasting.evaluation.backtest, "split_sizes", bug)
    assert run(["forecast", "--data", "co2", "-q"]) == 1
    out, err = capsys.readouterr()
    name = error.__name__
    assert err.splitlines() == [
        f"error: internal error ({name}: {error('lengths: expected a list')}): a bug "
        "in unrolled, not in your input; rerun with --debug for the traceback"
    ]
    assert out == "" and "Traceback" not in err


def test_input_errors_raised_by_the_library_stay_exit_2(capsys):
    from unrolled.errors import DataError, InputError

    assert issubclass(DataError, InputError) and issubclass(InputError, ValueError)
    assert run(["explain", "nan"]) == 2
    assert capsys.readouterr().err.startswith("error: values: expected finite")


def test_debug_lets_the_traceback_through(broken_datasets):
    with pytest.raises(ZeroDivisionError):
        run(["--debug", "datasets"])
    with pytest.raises(ValueError, match="values: expected finite"):
        run(["--debug", "explain", "nan"])


def test_memory_error_is_the_users_to_fix(monkeypatch, capsys):
    import unrolled.forecasting.io.data

    def greedy():
        raise MemoryError("Unable to allocate 47.7 GiB for an array")

    monkeypatch.setattr(unrolled.forecasting.io.data, "list_bundled", greedy)
    assert run(["datasets"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: not enough memory (Unable to allocate 47.7 GiB for an array); "
        "ask for smaller sizes"
    )


def test_ctrl_c_exits_130_and_says_where_the_checkpoint_is(monkeypatch, capsys):
    import unrolled.forecasting.io.data
    from unrolled.errors import TrainingInterrupted

    def interrupted():
        raise TrainingInterrupted(
            "interrupted during epoch 4; the checkpoint of epoch 3 is in ck "
            "(continue with --resume ck)",
            "ck",
            3,
        )

    monkeypatch.setattr(unrolled.forecasting.io.data, "list_bundled", interrupted)
    assert run(["datasets"]) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "error: interrupted during epoch 4; the checkpoint of epoch 3 is in ck "
        "(continue with --resume ck)"
    )
    monkeypatch.setattr(
        unrolled.forecasting.io.data,
        "list_bundled",
        lambda: (_ for _ in ()).throw(KeyboardInterrupt),
    )
    assert run(["datasets"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "error: interrupted"


BUGGY_PROCESS = (
    "import sys, unrolled.forecasting.io.data as d\n"
    "d.list_bundled = lambda: 1 / 0\n"
    "from unrolled.cli import run\n"
    "sys.exit(run())\n"
)


def test_a_real_process_keeps_the_contract(workdir):
    def cli(*args, code=None):
        cmd = (
            [sys.executable, "-c", code] if code else [sys.executable, "-m", "unrolled"]
        )
        return subprocess.run(
            [*cmd, *args], capture_output=True, text=True, cwd=workdir, timeout=120
        )

    r = cli("forecast", "--data", "badnum.csv")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "error: badnum.csv, row 3, column 'value': expected a number, got 'abc'"
    ]
    r = cli("datasets", code=BUGGY_PROCESS)
    assert r.returncode == 1 and "rerun with --debug" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("--debug", "datasets", code=BUGGY_PROCESS)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "ZeroDivisionError" in r.stderr


def test_explain_refuses_inputs_that_overflow(capsys):
    code = run(["explain", "1e300", "1e300", "--w2", "1e300"])
    out, err = capsys.readouterr()
    assert code == 2 and "copy 2 overflows float64" in err and out == ""


def test_tiny_magnitudes_are_refused_or_scaled(workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    (workdir / "tiny.csv").write_text(
        "date,value\n" + months([f"{m}e-300" for m in range(1, 13)])
    )
    try:
        code = run(["forecast", "--data", "tiny.csv", "--json", *TRAIN])
    finally:
        (workdir / "tiny.csv").unlink()
    out, _ = capsys.readouterr()
    if code == 2:
        return
    for m in json.loads(out)["series"][0]["metrics"].values():
        assert m["rmse"] >= m["mae"] * (1 - 1e-12) and m["mae"] > 0
