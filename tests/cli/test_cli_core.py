"""The statland and explain commands, and the CLI's error contract."""

import json

import pytest

from unrolled.cli import run


def test_statland_json_reproduces_the_seed(capsys):
    assert run(["statland", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["scenarios"]
    assert [r["expected"] for r in rows] == [0.0, 1.0, 0.0, 1.0]
    assert [r["predicted"] for r in rows] == pytest.approx(
        [0, 0.99, 0, 0.99], abs=1e-12
    )


def test_statland_table(capsys):
    assert run(["statland"]) == 0
    out = capsys.readouterr().out
    assert "predicted tomorrow" in out and "0.99" in out


def test_explain_shows_second_copy_and_tomorrow(capsys):
    assert run(["explain", "0", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "0.5 × 1.8" in out and "prediction for tomorrow: 0.99" in out


def test_explain_unrolls_four_copies_as_json(capsys):
    assert run(["explain", "1", "0.5", "1", "1", "--json"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert [c["copy"] for c in trace["copies"]] == [1, 2, 3, 4]
    assert trace["copies"][-1]["predicts"] == "tomorrow"


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["explain"], "Missing argument"),
        (["explain", "abc"], "not a valid float"),
        (["explain", "nan"], "expected finite"),
        (["nope"], "No such command"),
        (["statland", "--bogus"], "No such option"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, needle):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_every_command_has_help_with_examples(capsys):
    for cmd in ["statland", "explain"]:
        assert run([cmd, "--help"]) == 0
        assert "Examples:" in capsys.readouterr().out
