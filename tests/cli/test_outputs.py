"""Outputs never destroy, and CSV cells are never formulas (issue 40).

An output path that is an input of the same run, is not a regular file
(FIFO, device, socket), or has the wrong extension for what is written is
refused before any work; atomic writes replace regular files only. Text
cells that a spreadsheet would run (=, +, -, @, tab, CR first) are written
with a leading ' in CSV (the OWASP rule), with a note; Parquet keeps them.
"""

import hashlib
import os
import socket

import numpy as np
import pandas as pd
import pytest
from cli_helpers import QUICK, refused

from unrolled.cli import run
from unrolled.lessons.page import write_lesson_page
from unrolled.storage.atomic import NotRegularFileError, atomic_write_bytes
from unrolled.text import formula_safe


def months(n=30):
    return "".join(
        f"{2020 + i // 12}-{i % 12 + 1:02d}-01,{10 + i + np.sin(i):.4f}\n"
        for i in range(n)
    )


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "data.csv").write_text("date,value\n" + months())
    return tmp_path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_out_equal_to_the_data_file_is_refused(folder, monkeypatch, capsys):
    before = digest(folder / "data.csv")
    line = refused(
        ["forecast", "--data", "data.csv", "--out", "data.csv"],
        folder,
        monkeypatch,
        capsys,
    )
    assert line == (
        "error: --out data.csv: is the --data file data.csv of this run; writing "
        "there would destroy it"
    )
    assert digest(folder / "data.csv") == before


def test_out_through_another_name_of_the_data_file_is_refused(
    folder, monkeypatch, capsys
):
    os.link(folder / "data.csv", folder / "same.csv")
    line = refused(
        ["forecast", "--data", "data.csv", "--out", "same.csv"],
        folder,
        monkeypatch,
        capsys,
    )
    assert "is the --data file data.csv of this run" in line


def test_out_onto_a_fifo_is_refused_and_the_fifo_stays(folder, monkeypatch, capsys):
    os.mkfifo(folder / "pipe.csv")
    line = refused(
        ["forecast", "--data", "data.csv", "--out", "pipe.csv"],
        folder,
        monkeypatch,
        capsys,
    )
    assert line == (
        "error: --out pipe.csv: is a FIFO (named pipe), not a regular file; "
        "refusing to replace it"
    )
    assert not (folder / "pipe.csv").is_file() and (folder / "pipe.csv").is_fifo()


def test_plot_onto_a_device_is_refused(folder, monkeypatch, capsys):
    os.symlink("/dev/null", folder / "null.png")
    line = refused(
        ["forecast", "--data", "data.csv", "--plot", "null.png"],
        folder,
        monkeypatch,
        capsys,
    )
    assert line == (
        "error: --plot null.png: is a character device, not a regular file; "
        "refusing to replace it"
    )
    assert os.path.islink(folder / "null.png")


def test_out_onto_a_socket_is_refused(folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    with socket.socket(socket.AF_UNIX) as s:
        s.bind("sock.csv")
        line = refused(
            ["forecast", "--data", "data.csv", "--out", "sock.csv"],
            folder,
            monkeypatch,
            capsys,
        )
    assert "is a socket, not a regular file" in line


def test_lesson_writes_html_only(folder, monkeypatch, capsys):
    before = digest(folder / "data.csv")
    line = refused(["lesson", "--out", "data.csv"], folder, monkeypatch, capsys)
    assert line == (
        "error: --out data.csv: expected a file ending in .html or .htm, got '.csv'"
    )
    assert digest(folder / "data.csv") == before
    assert run(["lesson", "--out", "page.htm"]) == 0
    assert (folder / "page.htm").read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=r"expected a file ending in .html or .htm"):
        write_lesson_page(folder / "page.txt")


def test_atomic_writes_replace_regular_files_only(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(NotRegularFileError, match="is a FIFO"):
        atomic_write_bytes(tmp_path / "pipe", b"x")
    assert (tmp_path / "pipe").is_fifo()
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temp left
    atomic_write_bytes(tmp_path / "f", b"old")
    atomic_write_bytes(tmp_path / "f", b"new")
    assert (tmp_path / "f").read_bytes() == b"new"


NAMES = ["=cmd|' /C calc'!A0", "+SUM(1)", "@x", "-2", "\tTab", "\rCR", "plain"]


@pytest.mark.parametrize("name", NAMES)
def test_each_formula_start_is_made_text(name):
    frame = pd.DataFrame({"unique_id": [name], "ds": [1], "ensemble": [-1.5]})
    out, count = formula_safe(frame)
    risky = name != "plain"
    assert count == int(risky)
    assert out["unique_id"].tolist() == [("'" if risky else "") + name]
    assert out["ensemble"].tolist() == [-1.5]  # numbers are never changed
    assert frame["unique_id"].tolist() == [name]  # the caller's frame is left


def long_file(folder, names):
    text = "date,series,value\n"
    for n in names:
        for i in range(30):
            text += f'{2020 + i // 12}-{i % 12 + 1:02d}-01,"{n}",{10 + i % 5}\n'
    (folder / "inj.csv").write_text(text)


def test_forecast_csv_has_no_formulas_and_says_so(folder, monkeypatch, capsys):
    long_file(folder, ["=cmd|' /C calc'!A0", "+SUM(1)", "@x", "ok"])
    monkeypatch.chdir(folder)
    argv = ["forecast", "--data", "inj.csv", "--test", "3", "--out", "f.csv"]
    assert run([*argv, *QUICK]) == 0
    _, err = capsys.readouterr()
    assert err.strip().splitlines() == [
        "note: 3 cell(s) of f.csv begin with =, +, -, @, a tab or a carriage "
        "return: written with a leading ' so that spreadsheets read them as text, "
        "not as formulas"
    ]
    lines = (folder / "f.csv").read_text().splitlines()
    assert [line.rsplit(",", 2)[0] for line in lines] == [
        "unique_id", "'=cmd|' /C calc'!A0", "'+SUM(1)", "'@x", "ok"
    ]  # fmt: skip
    got = pd.read_csv(folder / "f.csv")["unique_id"].tolist()
    assert got == ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'@x", "ok"]


def test_parquet_keeps_the_names_as_they_are(folder, monkeypatch, capsys):
    pytest.importorskip("pyarrow")
    long_file(folder, ["=cmd|' /C calc'!A0", "@x", "ok"])
    monkeypatch.chdir(folder)
    argv = ["forecast", "--data", "inj.csv", "--test", "3", "--out", "f.parquet"]
    assert run([*argv, *QUICK]) == 0
    assert capsys.readouterr().err == ""
    got = pd.read_parquet(folder / "f.parquet")["unique_id"].tolist()
    assert got == ["=cmd|' /C calc'!A0", "@x", "ok"]
