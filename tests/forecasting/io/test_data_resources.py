"""Resources are bounded before they are spent; one exit-code contract.

Devices, pipes and oversized files fail while being read; model files cannot
describe sizes beyond the command line's limits; environment variables are
validated at start-up; a damaged model file is exit 2 naming the file and the
field; Ctrl-C while importing is exit 130 with one line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from unrolled.cli import run
from unrolled.forecasting.io.data import DataError
from unrolled.forecasting.io.source import read_file
from unrolled.storage.files import content_digest

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")


def cli(capsys, *argv):
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(code, out, err, message):
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message in lines[0], lines[0]


# -------------------------------------------------- 4. input size and kind
@pytest.mark.parametrize(
    "path,message",
    [("/dev/zero", "/dev/zero: is a device, expected a CSV file"),
     ("/dev/urandom", "/dev/urandom: is a device, expected a CSV file"),
     ("/dev/null", "/dev/null: is a device, expected a CSV file")],
)  # fmt: skip
def test_devices_are_refused_without_reading_them(capsys, path, message):
    one_error_line(*cli(capsys, "forecast", "--data", path), message)


def test_a_fifo_without_a_writer_fails_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    done = threading.Event()

    def call():
        done.result = cli(capsys, "forecast", "--data", str(fifo))
        done.set()

    t = threading.Thread(target=call, daemon=True)
    t.start()
    assert done.wait(30), "reading a FIFO without a writer must not block"
    one_error_line(*done.result, "pipe.csv: file is empty")


def test_the_size_limit_is_enforced_while_reading_a_pipe(tmp_path):
    import select

    fifo = tmp_path / "big.csv"
    os.mkfifo(fifo)
    held = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer open
    writer = subprocess.Popen(
        [sys.executable, "-c",
         f"import sys\nf = open({str(fifo)!r}, 'wb')\n"
         "try:\n    while True: f.write(b'2020-01-01,1\\n' * 65536)\n"
         "except BrokenPipeError:\n    pass"],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert select.select([held], [], [], 60)[0], "the writer never wrote"
        with pytest.raises(DataError, match="larger than the limit of 1 MiB"):
            read_file(str(fifo), limit=2**20)
    finally:
        writer.kill()
        writer.wait()
        os.close(held)


@pytest.mark.parametrize(
    "data,message",
    [(b"date,v\n2020-01-01,1\x00\n", "binary file (NUL byte at offset 19)"),
     (b"\xff\xfedate", "file is UTF-16 text"),
     (b"PK\x03\x04rest", "zip/spreadsheet archive"),
     (b"date,v\n2020-01-01,\xe9\n", "not UTF-8 text (byte 0xe9 at offset 18)"),
     (b"PAR1\x00\x00", "file is Parquet")],
)  # fmt: skip
def test_binary_content_is_refused_from_the_first_chunk(tmp_path, capsys, data,
                                                       message):  # fmt: skip
    path = tmp_path / "bin.csv"
    path.write_bytes(data)
    one_error_line(*cli(capsys, "forecast", "--data", str(path)), message)


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"date,v\n" + b"2020-01-01,1\n" * 100)
    with pytest.raises(DataError, match="larger than the limit of 0 MiB"):
        read_file(str(path), limit=100)


# ------------------------------------------- 4. environment at start-up
@pytest.mark.parametrize(
    "var,value,message",
    [("UNROLLED_THREADS", "many", "UNROLLED_THREADS: expected a positive integer, "
      "got 'many'"),
     ("UNROLLED_THREADS", "0", "UNROLLED_THREADS: expected a positive integer"),
     ("UNROLLED_KERNELS", "fast", "UNROLLED_KERNELS: expected one of auto, numba, "
      "numpy, got 'fast'"),
     ("UNROLLED_MEMORY_LIMIT", "lots", "UNROLLED_MEMORY_LIMIT: expected a size such "
      "as 2G or 500M, got 'lots'"),
     ("UNROLLED_MEMORY_LIMIT", "inf", "UNROLLED_MEMORY_LIMIT: expected a size"),
     ("NUMBA_NUM_THREADS", "-2", "NUMBA_NUM_THREADS: expected a positive integer, "
      "got '-2'")],
)  # fmt: skip
def test_bad_environment_variables_are_named_at_start_up(monkeypatch, capsys, var,
                                                         value, message):  # fmt: skip
    monkeypatch.setenv(var, value)
    one_error_line(*cli(capsys, "datasets"), message)


# --------------------------------------------- 4 and 6. model files
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("m")
    data = d / "good.csv"
    data.write_text("date,value\n" + "".join(
        f"{2020 + i // 12}-{i % 12 + 1:02d}-01,{10 + i % 7}\n" for i in range(30)
    ))  # fmt: skip
    code = run(["train", "--data", str(data), "--out", str(d / "model"),
                "--epochs", "2", "--hidden", "2", "--window", "3", "--lr", "0.01",
                "--scaling", "minmax", "-q"])  # fmt: skip
    assert code == 0
    return d / "model"


def forged(src, tmp_path, edit, forge=True):
    """A copy of the model with ``edit`` applied to model.json (checksum redone)."""
    import shutil

    dst = tmp_path / "forged"
    shutil.copytree(src, dst)
    p = dst / "model.json"
    doc = json.loads(p.read_text())
    edit(doc)
    if forge:
        doc["content_sha256"] = content_digest(doc)
    p.write_text(json.dumps(doc))
    return dst


def history(doc):
    return doc["metadata"]["history"]["series"][0]


def first_transform(doc):
    return next(iter(doc["metadata"]["members"][0]["transforms"].values()))


@pytest.mark.parametrize(
    "edit,message",
    [(lambda d: d["config"].update(hidden_size=10**6),
      "model.json: field 'config.hidden_size' must be an integer in 1..4096"),
     (lambda d: d["config"].update(num_layers=17),
      "field 'config.num_layers' must be an integer in 1..16"),
     (lambda d: first_transform(d)["level"].update(scale=1e307),
      "scaler: 'scale' must be within +-1e16"),
     (lambda d: history(d).update(values="1e300 1 2 3"),
      "field 'history.series[0].values' must be finite numbers"),
     (lambda d: history(d).update(values="1 2 3"),
      "field 'history.series[0].values' must be as many as calendars[0]"),
     (lambda d: d["metadata"].update(members="x"), "bad forecaster metadata")],
)  # fmt: skip
def test_a_damaged_model_file_is_exit_2_naming_file_and_field(
    model_dir, tmp_path, capsys, edit, message
):
    bad = forged(model_dir, tmp_path, edit)
    code, out, err = cli(capsys, "predict", "--model", str(bad))
    one_error_line(code, out, err, message)
    assert "forged" in err


def test_an_edited_model_file_is_refused_by_its_checksum(model_dir, tmp_path, capsys):
    bad = forged(model_dir, tmp_path, lambda d: first_transform(d)["level"].update(
        shift=5.0), forge=False)  # fmt: skip
    one_error_line(
        *cli(capsys, "predict", "--model", str(bad)),
        "forged/model.json: field 'content_sha256' does not match",
    )


def test_predict_without_data_forecasts_the_saved_history(model_dir, capsys):
    code, out, err = cli(capsys, "predict", "--model", str(model_dir), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert [r["name"] for r in doc["series"]] == ["value"]
    assert doc["series"][0]["last_date"].startswith("2022-06-01")
    assert doc["series"][0]["last"] == 10 + 29 % 7


def test_an_unknown_series_is_refused_naming_the_known_ones(model_dir, tmp_path,
                                                            capsys):  # fmt: skip
    other = tmp_path / "other.csv"
    other.write_text("date,price\n" + "".join(
        f"2020-{m:02d}-01,{m}\n" for m in range(1, 13)))  # fmt: skip
    one_error_line(
        *cli(capsys, "predict", "--model", str(model_dir), "--data", str(other)),
        "series 'price' is unknown to this model, which knows 'value'",
    )


def test_a_model_applied_to_another_frequency_warns(model_dir, tmp_path, capsys):
    daily = tmp_path / "daily.csv"
    daily.write_text("date,value\n" + "".join(
        f"2020-01-{d:02d},{d}\n" for d in range(1, 29)))  # fmt: skip
    code, out, err = cli(capsys, "predict", "--model", str(model_dir), "--data",
                         str(daily))  # fmt: skip
    assert code == 0
    assert err.strip() == (
        "warning: the model was trained on monthly data and is applied to daily "
        "data; its forecasts may not fit"
    )


def test_seed_minus_one_names_the_option(capsys):
    one_error_line(*cli(capsys, "forecast", "--seed", "-1"),
                   "Invalid value for '--seed': -1 is not in the range")  # fmt: skip


# Ctrl-C 20 ms after start: the command line's imports take far longer
SIGINT_SOON = """
import os, signal, sys
sys.argv = ["unrolled", "datasets"]
import unrolled_entry  # tiny: the package itself is imported by main()
signal.signal(signal.SIGALRM, lambda *a: os.kill(os.getpid(), signal.SIGINT))
signal.setitimer(signal.ITIMER_REAL, 0.02)  # the package's imports take 0.2 s+
sys.exit(unrolled_entry.main())
"""


def test_ctrl_c_while_importing_is_exit_130_with_one_line():
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC))
    proc = subprocess.Popen(
        [sys.executable, "-c", SIGINT_SOON],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err
    assert err.strip().splitlines() == ["error: interrupted"]


def test_ctrl_c_during_the_package_import_itself(monkeypatch, capsys):
    import builtins

    import unrolled_entry

    real = builtins.__import__

    def interrupted(name, *a, **kw):
        if name == "unrolled.cli":
            raise KeyboardInterrupt
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert unrolled_entry.run_command() == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "error: interrupted\n"


def test_ctrl_c_that_an_import_swallows_is_still_exit_130(monkeypatch, capsys):
    # a library that catches everything around an import of its own: the
    # interrupt is handled (the handler runs) but no KeyboardInterrupt gets out
    import builtins

    import unrolled_entry

    real = builtins.__import__

    def swallowing(name, *a, **kw):
        if name == "unrolled.cli":
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                pass
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", swallowing)
    assert unrolled_entry.run_command() == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "error: interrupted\n"


def test_ctrl_c_inside_a_callback_during_the_import_is_exit_130_silently(
    monkeypatch, capsys
):
    # the interrupt lands in a weakref callback (importlib's module locks have
    # them): Python reports it as unraisable ("Exception ignored in ...", a
    # traceback, on stderr through sys.unraisablehook) and goes on importing
    import builtins
    import weakref

    import unrolled_entry

    real = builtins.__import__

    class Referent:
        pass

    def in_a_callback(name, *a, **kw):
        if name == "unrolled.cli":
            thing = Referent()
            ref = weakref.ref(thing, lambda r: signal.raise_signal(signal.SIGINT))
            del thing  # the callback runs here, and the interrupt in it
            assert ref() is None
        return real(name, *a, **kw)

    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)  # not pytest's
    monkeypatch.setattr(builtins, "__import__", in_a_callback)
    assert unrolled_entry.run_command() == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "error: interrupted\n"
    assert sys.unraisablehook is sys.__unraisablehook__  # put back


def test_sigint_reaches_a_running_command_as_exit_130():
    # Ctrl-C once the command is at work (its first progress line), however
    # long the imports took on a busy machine: exit 130, one line
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC))
    proc = subprocess.Popen(
        [sys.executable, "-m", "unrolled_entry", "forecast", "--epochs", "100000",
         "--patience", "100000", "--progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    first = []
    reader = threading.Thread(target=lambda: first.append(proc.stderr.readline()))
    try:
        reader.start()
        reader.join(timeout=300)
        assert first and first[0].startswith("progress "), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    finally:  # a failed test leaves no endless run behind (100,000 epochs)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    shown = ("progress ", "compiling")
    lines = [s for s in err.splitlines() if s.strip() and not s.startswith(shown)]
    assert "Traceback" not in err and lines == ["error: interrupted"], err
    assert out == ""


# a library's exec() of a string interrupted by Ctrl-C (dataclasses and
# namedtuple do this while they load): CPython then ends a ``python -m`` run
# by killing itself with SIGINT, whatever the exit code, unless the entry
# point exits otherwise
EXEC_INTERRUPTED = """
import builtins, sys

import unrolled_entry

EXEC = "import signal; signal.raise_signal(signal.SIGINT)"
when, how = sys.argv[1:]
sys.argv[1:] = ["datasets"]
if when == "import":  # while the command line imports
    real = builtins.__import__

    def importing(name, *a, **kw):
        if name == "unrolled.cli":
            exec(EXEC)
        return real(name, *a, **kw)

    builtins.__import__ = importing
else:  # while the command runs
    import unrolled.forecasting.io.data as data

    data.list_bundled = lambda: exec(EXEC)
if how == "package":
    import runpy

    runpy.run_module("unrolled", run_name="__main__")  # python -m unrolled
sys.exit(unrolled_entry.main())
"""


@pytest.mark.parametrize("when", ["import", "command"])
@pytest.mark.parametrize("how", ["entry", "package"])
def test_ctrl_c_inside_a_librarys_exec_is_exit_130_not_death_by_signal(
    tmp_path, when, how
):
    (tmp_path / "interrupted_cli.py").write_text(EXEC_INTERRUPTED)
    path = os.pathsep.join([os.path.abspath(SRC), str(tmp_path)])
    env = dict(os.environ, PYTHONPATH=path)
    res = subprocess.run(
        [sys.executable, "-m", "interrupted_cli", when, how],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert (res.returncode, res.stderr, res.stdout) == (130, "error: interrupted\n", "")


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, capsys, tmp_path):
    import importlib.util

    real = importlib.util.find_spec

    def find(name, *a):
        return None if name == "matplotlib" else real(name, *a)

    monkeypatch.setattr(importlib.util, "find_spec", find)
    one_error_line(*cli(capsys, "forecast", "--plot", str(tmp_path / "p.png")),
                   "--plot needs matplotlib, which is not installed: pip install "
                   "'unrolled[plot]'")  # fmt: skip


def test_bad_utf8_past_the_first_megabyte_names_its_row(tmp_path, capsys):
    rows = "".join(f"2020-01-01,{k}\n" for k in range(100_000))  # 1.4 MB, row 1..
    path = tmp_path / "late.csv"
    path.write_bytes(b"date,v\n" + rows.encode() + b"2020-01-02,\xe9\n")
    one_error_line(
        *cli(capsys, "forecast", "--data", str(path)),
        "late.csv, row 100002: not UTF-8 text (byte 0xe9 at offset",
    )
