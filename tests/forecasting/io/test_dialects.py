"""Read the data right or refuse it: dates, numbers, headers, gaps, names.

Every refused form is driven through the command line: exit code 2, one
line on stderr naming the file, row or column, nothing on stdout. Every
accepted form is checked for the exact dates and values read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unrolled.cli import run
from unrolled.forecasting.io.data import DataError, load_csv


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path, capsys, text, message, *args, name="data.csv"):
    """The CLI refuses the file: exit 2, one line with ``message``, no stdout."""
    path = write(tmp_path, text, name)
    code = run(["forecast", "--data", str(path), *args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message in lines[0], lines[0]
    return lines[0]


def read(tmp_path, text, **kw):
    return load_csv(write(tmp_path, text), **kw)


def dates(series) -> list[str]:
    return [str(d)[:19].replace(" 00:00:00", "") for d in series.dates]


def rows(lines: list[str], header: str = "date,v") -> str:
    return header + "\n" + "".join(f"{r}\n" for r in lines)


# ------------------------------------------------------------- 1. dates
@pytest.mark.parametrize(
    "lines,message",
    [
        # a column read one way for every row: an ISO column with one other form
        (["2020-01-01,1", "02/01/2020,2", "2020-01-03,3"],
         "row 3, column 'date': unparsable date '02/01/2020' (other rows read as "
         "ISO 8601"),
        # both readings regular: 12 month starts day-first, 12 days month-first
        ([f"01/{m:02d}/2020,{m}" for m in range(1, 13)],
         "column 'date': dates read both as DD/MM/YYYY and as MM/DD/YYYY and both "
         "give a regular calendar (e.g. row 3 '01/02/2020', row 4 '01/03/2020')"),
        # neither reading regular
        (["01/02/2020,1", "03/04/2020,2", "05/06/2020,3", "02/01/2020,4"],
         "and neither gives a regular calendar"),
        # month-year with a two-digit year: ambiguous, never guessed
        (["01/10,1", "02/10,2", "03/10,3"], "row 2, column 'date': unparsable "
         "date '01/10'"),
        # times without a date are never stamped with today's date
        (["12:30,1", "13:00,2", "13:30,3"], "times without a date ('12:30')"),
        # spreadsheet serial day numbers
        (["43831,1", "43832,2", "43833,3"], "look like spreadsheet serial day numbers"),
        # an impossible date
        (["2020-02-30,1", "2020-03-01,2", "2020-03-02,3"],
         "unparsable date '2020-02-30'"),
    ],
)  # fmt: skip
def test_dates_not_read_one_way_are_refused(tmp_path, capsys, lines, message):
    refused(tmp_path, capsys, rows(lines), message)


def test_the_reading_with_a_regular_calendar_wins_and_is_said(tmp_path):
    # 01/02 .. 03/02: day-first gives three days, month-first the 2nd of 3 months
    ds = read(tmp_path, rows(["01/02/2020,1", "02/02/2020,2", "03/02/2020,3"]))
    assert dates(ds["v"]) == ["2020-02-01", "2020-02-02", "2020-02-03"]
    assert ds["v"].values.tolist() == [1, 2, 3]
    assert ds.notes == [
        "dates in column 'date' read as DD/MM/YYYY: the only reading that gives "
        "a regular calendar (MM/DD/YYYY does not)"
    ]


@pytest.mark.parametrize(
    "kw,first",
    [({"dayfirst": True}, "2020-01-01"), ({"dayfirst": False}, "2020-01-01"),
     ({"date_format": "%d/%m/%Y"}, "2020-01-01")],
)  # fmt: skip
def test_dayfirst_and_date_format_decide_explicitly(tmp_path, kw, first):
    text = rows([f"01/{m:02d}/2020,{m}" for m in range(1, 13)])
    ds = read(tmp_path, text, **kw)
    got = dates(ds["v"])
    assert got[0] == first
    if kw.get("dayfirst") is False:
        assert got[1] == "2020-01-02" and ds.frequency == "daily"
    else:
        assert got[1] == "2020-02-01" and ds.frequency == "monthly"


def test_dayfirst_from_the_command_line(tmp_path, capsys):
    path = write(tmp_path, rows([f"01/{m:02d}/2020,{m}" for m in range(1, 13)]))
    code = run(["forecast", "--data", str(path), "--dayfirst", "--test", "13"])
    out, err = capsys.readouterr()
    # read day-first: 12 monthly points, so --test 13 leaves none to train on
    assert code == 2 and out == ""
    assert "--test 13 leaves series 'v' (12 points) 0 to train on" in err


@pytest.mark.parametrize(
    "lines,want",
    [
        (["31.01.2020,1", "29.02.2020,2", "31.03.2020,3"],
         ["2020-01-31", "2020-02-29", "2020-03-31"]),  # dotted: day-first
        (["01/31/99,1", "02/28/99,2", "03/31/99,3"],
         ["1999-01-31", "1999-02-28", "1999-03-31"]),  # two-digit years, noted
        (["Jan 2020,1", "Feb 2020,2", "Mar 2020,3"],
         ["2020-01-01", "2020-02-01", "2020-03-01"]),
        (["2004,1", "2005,2", "2006,3"], ["2004-01-01", "2005-01-01", "2006-01-01"]),
        (["20200105,1", "20200106,2", "20200107,3"],
         ["2020-01-05", "2020-01-06", "2020-01-07"]),
        # aware dates keep their own clock (issue 40), not UTC
        (["2020-01-01T10:00:00+01:00,1", "2020-01-01T11:00:00+01:00,2",
          "2020-01-01T12:00:00+01:00,3"],
         ["2020-01-01 10:00:00", "2020-01-01 11:00:00", "2020-01-01 12:00:00"]),
    ],
)  # fmt: skip
def test_accepted_date_forms_give_the_exact_dates(tmp_path, lines, want):
    ds = read(tmp_path, rows(lines))
    assert dates(ds["v"]) == want and ds["v"].values.tolist() == [1, 2, 3]


# ------------------------------------------------------------ 2. numbers
@pytest.mark.parametrize(
    "text,values,note",
    [
        ("date;v\n2020-01-01;1,602\n2020-01-02;1,703\n2020-01-03;1,804\n",
         [1.602, 1.703, 1.804], True),  # ';' is the evidence: decimal comma
        ("date;v\n2020-01-01;1,5\n2020-01-02;2,25\n2020-01-03;3\n",
         [1.5, 2.25, 3.0], True),
        ("date;v\n2020-01-01;1.234,5\n2020-01-02;2,5\n2020-01-03;3\n",
         [1234.5, 2.5, 3.0], True),  # dot thousands in a decimal-comma file
        ("date\tv\n2020-01-01\t1,602.5\n2020-01-02\t1,703\n2020-01-03\t1,804\n",
         [1602.5, 1703.0, 1804.0], False),  # "1,602.5": a thousands comma
        ('date,v\n2020-01-01,"1,234.5"\n2020-01-02,$3\n2020-01-03, 4 \n',
         [1234.5, 3.0, 4.0], False),
    ],
)  # fmt: skip
def test_numbers_are_read_in_the_files_one_locale(tmp_path, text, values, note):
    ds = read(tmp_path, text)
    assert ds["v"].values.tolist() == values
    assert dates(ds["v"]) == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert ("numbers read with a decimal comma (1,5 = 1.5)" in ds.notes) == note


@pytest.mark.parametrize(
    "text,message,args",
    [
        ("date\tv\n2020-01-01\t1,602\n2020-01-02\t1,703\n2020-01-03\t1,804\n",
         "cannot tell whether '1,602' is a decimal or a thousands comma", []),
        ("date;v\n2020-01-01;1,5\n2020-01-02;2.5\n2020-01-03;3\n",
         "row 3, column 'v': expected a number, got '2.5' (the file's numbers use "
         "a decimal comma)", []),
        ("date|v\n2020-01-01|1,5\n2020-01-02|1,234,567\n2020-01-03|3\n",
         "numbers in two locales", []),
        ("date,v\n2020-01-01,1.5\n2020-01-02,\"2,5\"\n2020-01-03,3\n",
         "row 3, column 'v': expected a number, got '2,5'", ["--decimal", "."]),
        ("date;v\n2020-01-01;1.5\n2020-01-02;2.5\n2020-01-03;3\n",
         "row 2, column 'v': expected a number, got '1.5'", ["--decimal", ","]),
    ],
)  # fmt: skip
def test_numbers_in_no_one_locale_are_refused(tmp_path, capsys, text, message, args):
    refused(tmp_path, capsys, text, message, *args)


def test_decimal_option_decides_an_ambiguous_file(tmp_path):
    text = "date\tv\n2020-01-01\t1,602\n2020-01-02\t1,703\n2020-01-03\t1,804\n"
    assert read(tmp_path, text, decimal=",")["v"].values.tolist() == [
        1.602, 1.703, 1.804]  # fmt: skip


# ------------------------------------------------- 3. nothing disappears
def test_a_headerless_file_is_read_whole(tmp_path):
    ds = read(tmp_path, "2020-01-01,100.13\n2020-01-02,101\n2020-01-03,102\n")
    assert ds.names == ["value"]  # never a series named "100.13"
    assert dates(ds["value"]) == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert ds["value"].values.tolist() == [100.13, 101, 102]
    assert ds.notes[0].startswith("no header row: the first row is data")


def test_a_headerless_long_file_keeps_its_first_row(tmp_path):
    text = "".join(f"2020-01-0{d},{s},{d * k}\n" for d in (1, 2, 3)
                   for s, k in (("A", 1), ("B", 10)))  # fmt: skip
    ds = read(tmp_path, text)
    assert ds.names == ["A", "B"] and ds["B"].values.tolist() == [10, 20, 30]


def test_an_empty_column_is_named_in_the_notes(tmp_path):
    ds = read(tmp_path, "date,a,b\n2020-01-01,1,\n2020-01-02,2,\n2020-01-03,3,\n")
    assert ds.names == ["a"] and "empty column(s) left out: 'b'" in ds.notes


def test_unused_columns_are_named_in_the_notes(tmp_path):
    text = "date,symbol,price,volume\n" + "".join(
        f"2020-01-0{d},A,{d},{d * 100}\n" for d in (1, 2, 3)
    )
    ds = read(tmp_path, text)
    assert ds["A"].values.tolist() == [1, 2, 3]
    assert "columns not used: 'volume'" in ds.notes


MONTHS_WITH_HOLE = rows(
    [f"2020-{m:02d}-01,{m}" for m in range(1, 13) if m not in (4, 5, 6, 7, 8, 9)]
)


def test_dates_absent_from_a_regular_calendar_are_gaps(tmp_path, capsys):
    refused(tmp_path, capsys, MONTHS_WITH_HOLE,
            "row 5, column 'v': missing value in series 'v' (6 gap(s) in all, 6 of "
            "them dates absent from the calendar) (first: 2020-04-01)")  # fmt: skip


def test_absent_dates_are_filled_and_noted_with_fill(tmp_path):
    ds = read(tmp_path, MONTHS_WITH_HOLE, fill="interpolate")
    assert ds["v"].values.tolist() == [float(m) for m in range(1, 13)]
    assert dates(ds["v"])[3] == "2020-04-01" and len(ds["v"]) == 12
    assert ds.notes == ["filled 6 gap(s) in v by linear interpolation"]


def test_a_series_on_another_frequency_is_named(tmp_path):
    text = (
        "date,symbol,v\n"
        + "".join(f"2020-{m:02d}-01,A,{m}\n" for m in range(1, 13))
        + "".join(f"2020-{q:02d}-01,B,{q}\n" for q in (1, 4, 7, 10))
    )
    ds = read(tmp_path, text)
    assert "series B is quarterly, the rest monthly" in ds.notes


# ----------------------------------------------------------- 8. names
@pytest.mark.parametrize(
    "name,shown",
    [("a\nb", "a\\nb"), ("\x1b[31mred", "\\x1b[31mred"), ("tab\there", "tab\\there"),
     ("bell\x07", "bell\\x07"), ("rtl\u202eevil", "rtl\\u202eevil")],
)  # fmt: skip
def test_control_characters_in_names_are_shown_escaped(tmp_path, capsys, name, shown):
    from unrolled.text import escape_name, table

    assert escape_name(name) == shown
    lines = table(["series", "v"], [[name, 1.0]]).splitlines()
    assert len(lines) == 3 and shown in lines[2]
    bad = tmp_path / f"{name.replace('/', '_')}.csv"
    bad.write_text("date,v\n2020-01-01,x\n2020-01-02,2\n2020-01-03,3\n")
    code = run(["forecast", "--data", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert shown in err and "\x1b" not in err


# --------------------------------------------- the property: random dialects
SEPS = [",", ";", "\t", "|"]
FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y"]


@st.composite
def dialect_files(draw):
    n_series = draw(st.integers(1, 3))
    length = draw(st.integers(3, 14))
    freq = draw(st.sampled_from(["D", "MS", "ME", "W-SUN", "B"]))
    start = draw(st.dates(min_value=pd.Timestamp("1990-01-01").date(),
                          max_value=pd.Timestamp("2030-01-01").date()))  # fmt: skip
    when = pd.date_range(pd.Timestamp(start), periods=length, freq=freq)
    decimals = draw(st.integers(0, 4))
    values = [
        [round(draw(st.floats(-1e5, 1e5, allow_nan=False)), decimals)
         for _ in range(length)] for _ in range(n_series)
    ]  # fmt: skip
    return {
        "sep": draw(st.sampled_from(SEPS)),
        "comma": draw(st.booleans()),
        "fmt": draw(st.sampled_from(FORMATS)),
        "header": draw(st.booleans()),
        "long": draw(st.booleans()) and n_series > 1,
        "order": draw(st.permutations(range(length * n_series))),
        "dates": when, "values": values, "decimals": decimals,
    }  # fmt: skip


def render(f) -> str:
    sep, dec = f["sep"], "," if f["comma"] and f["sep"] != "," else "."
    names = [f"s{k}" for k in range(len(f["values"]))]

    def num(v):
        text = f"{v:.{f['decimals']}f}"
        return text.replace(".", ",") if dec == "," else text

    stamps = [d.strftime(f["fmt"]) for d in f["dates"]]
    if f["long"]:
        body = [sep.join([stamps[i], names[k], num(v[i])])
                for k, v in enumerate(f["values"])
                for i in range(len(stamps))]  # fmt: skip
        head = sep.join(["date", "symbol", "value"])
    else:
        body = [sep.join([stamps[i], *(num(v[i]) for v in f["values"])])
                for i in range(len(stamps))]  # fmt: skip
        head = sep.join(["date", *names])
    body = [body[i] for i in f["order"] if i < len(body)]
    return ((head + "\n") if f["header"] else "") + "\n".join(body) + "\n"


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(f=dialect_files())
def test_random_dialects_read_exactly_the_series_written_or_refused(tmp_path, f):
    path = tmp_path / "random.csv"
    path.write_text(render(f), encoding="utf-8")
    try:
        ds = load_csv(path)
    except DataError:
        return  # refused: exit 2 from the command line, never another series
    got = sorted((s.dates.tolist(), s.values.tolist()) for s in ds)
    want = sorted((f["dates"].tolist(), [float(x) for x in v]) for v in f["values"])
    assert len(got) == len(want)
    for (gd, gv), (wd, wv) in zip(got, want, strict=True):
        assert gd == wd
        np.testing.assert_allclose(gv, wv, rtol=0, atol=0)
    if f["header"]:
        assert sorted(ds.names) == [f"s{k}" for k in range(len(f["values"]))]
