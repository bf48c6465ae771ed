"""The lesson page from the command line, and the terminal lesson.

These need no browser: what the page file is made of, the command's error
contract, and ``explain --target`` against the engine's BPTT.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import ENGINE_NAMES

import unrolled
from unrolled.cli import run
from unrolled.engine.network import MODELS
from unrolled.lessons.explain import explain
from unrolled.lessons.page import MAX_BYTES, lesson_page, page_data
from unrolled.lessons.trained import hidden_states, trained_view
from unrolled.training.gradflow import gradient_flow


def test_the_page_is_one_self_contained_file_under_1_mb(tmp_path, capsys):
    out = tmp_path / "lesson.html"
    assert run(["lesson", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert len(html.encode()) < MAX_BYTES
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert '<link rel="stylesheet"' not in html and "<script src" not in html
    assert "default-src 'none'" in html  # the page may not load anything
    block = re.search(
        r'<script type="application/json" id="lesson-data">(.*?)</script>', html, re.S
    )
    data = json.loads(block.group(1))
    assert data["weights"] == unrolled.lessons.LESSON_WEIGHTS
    assert data["scenarios"] == [list(r) for r in unrolled.lessons.SCENARIOS]
    assert data["trained"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.html"]


def test_lesson_json_says_what_was_written(tmp_path, capsys):
    out = tmp_path / "l.html"
    assert run(["lesson", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["path"] == str(out) and summary["bytes"] == out.stat().st_size


def test_open_hands_the_file_uri_to_the_browser(tmp_path, monkeypatch, capsys):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert run(["lesson", "--out", str(tmp_path / "l.html"), "--open"]) == 0
    assert opened == [(tmp_path / "l.html").resolve().as_uri()]


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["--model", "{tmp}/missing"], "missing"),
        (["--series", "IBM"], "--series: needs --model DIR"),
        (["--data", "co2"], "--data: needs --model DIR"),
        ([], "does not exist"),  # --out in a missing folder
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path, capsys, extra, needle
):
    out = tmp_path / ("nowhere/l.html" if not extra else "l.html")
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert run(["lesson", "--out", str(out), *args]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and needle in cap.err and cap.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    fc = unrolled.Forecaster(
        hidden=3, window=8, scaling="diff", lr=0.01, epochs=2, val_size=0,
        ensemble=1, seed=0,
    )  # fmt: skip
    series = {"up": np.linspace(1, 3, 30), "wave": 2 + np.sin(np.arange(40) / 3)}
    fc.fit(series).save(folder / "m")
    rows = [f"{2000 + k // 12}-{1 + k % 12:02d}-01,{float(v)!r}\n"
            for k, v in enumerate(series["wave"])]  # fmt: skip
    (folder / "wave.csv").write_text("date,wave\n" + "".join(rows))
    return folder / "m", fc, folder / "wave.csv"


def test_unknown_series_exits_2_naming_it(saved_model, tmp_path, capsys):
    model, _, csv = saved_model
    argv = ["lesson", "--out", str(tmp_path / "l.html"), "--model", str(model)]
    argv += ["--data", str(csv)]
    assert run([*argv, "--series", "nope"]) == 2
    err = capsys.readouterr().err
    assert "--series: no series 'nope'" in err and err.count("\n") == 1
    assert not (tmp_path / "l.html").exists()


def test_a_model_that_does_not_record_its_data_needs_data(
    saved_model, tmp_path, capsys
):
    model, _, _ = saved_model
    argv = ["lesson", "--out", str(tmp_path / "l.html"), "--model", str(model)]
    assert run(argv) == 2
    assert "--data: needed with this model" in capsys.readouterr().err


def test_the_trained_section_comes_from_the_best_network(saved_model, tmp_path):
    model, fc, csv = saved_model
    argv = ["lesson", "--out", str(tmp_path / "l.html"), "--model", str(model)]
    assert run([*argv, "--data", str(csv), "--json"]) == 0
    html = (tmp_path / "l.html").read_text()
    block = re.search(r'id="lesson-data">(.*?)</script>', html, re.S).group(1)
    t = json.loads(block)["trained"]
    y = 2 + np.sin(np.arange(40) / 3)
    member = fc.members_[0]
    assert t["series"] == "wave" and t["cell"] == "gru" and len(t["hidden"]) == 8
    assert t["prediction"] == member.one_step([y], [(0, 40)], ["wave"])[0]
    assert t["values"] == pytest.approx(y[-8:].tolist(), rel=1e-15)
    head = member.model.predict([member.transforms["wave"].features(y[-9:])[-8:]])
    assert t["outputs"][-1] == pytest.approx(head[0], rel=1e-12)
    assert t["first_date"] == "2002-09-01" and t["last_date"] == "2003-04-01"


def test_hidden_states_replay_the_engine_copy_by_copy():
    rng = np.random.default_rng(0)
    for cell in ("rnn", "lstm", "gru"):
        net = MODELS[cell](input_size=2, hidden_size=3, num_layers=2, seed=1)
        x = rng.normal(size=(7, 2))
        h = hidden_states(net, x)
        head = h @ net.params["head.weight"].T + net.params["head.bias"]
        engine = net.predict([x], all_steps=True)[0]
        np.testing.assert_allclose(head[:, 0], engine, rtol=1e-12, atol=1e-12)


def test_trained_view_measures_the_reach_with_gradient_flow():
    net = unrolled.GRU(hidden_size=4, seed=0)
    seqs = [np.sin(np.arange(12) / 2 + k)[:, None] for k in range(5)]
    view = trained_view(net, seqs[0], seqs, [0.1] * 5)
    flow = gradient_flow(net, seqs, [0.1] * 5)
    assert view["flow"]["relative"] == flow.relative().tolist()
    assert view["flow"]["reach"] == flow.reach(1e-3) and view["flow"]["windows"] == 5
    assert np.shape(view["hidden"]) == (12, 4) and len(view["outputs"]) == 12


def test_page_data_refuses_a_trained_section_with_nan():
    good = {k: "x" for k in ("model", "series", "cell", "scaling", "first_date")}
    good |= {"layers": 1, "last_date": "x", "values": [1.0], "hidden": [[0.5]]}
    good |= {"outputs": [0.1], "prediction": 1.0, "flow": {"relative": [1.0]}}
    assert page_data(good)["trained"] is good
    with pytest.raises(ValueError, match="trained.prediction: expected finite"):
        page_data(good | {"prediction": float("nan")})
    assert "\\u003c/script" in lesson_page(good | {"series": "</script>"})


def test_explain_target_backward_pass_equals_the_engine_bptt():
    rng = np.random.default_rng(5)
    for _ in range(100):
        values = rng.uniform(-2, 2, int(rng.integers(1, 30))).tolist()
        w = dict(zip(ENGINE_NAMES, rng.uniform(-2, 2, 5), strict=True))
        target = float(rng.uniform(-2, 2))
        b = explain(values, **w, target=target)["backward"]
        ssr, grads = unrolled.lessons.lesson_network(**w).loss_and_grads(
            [values], [target]
        )
        assert b["ssr"] == ssr  # the forward pass is the engine's, bit for bit
        for k, name in ENGINE_NAMES.items():  # sums: BLAS may add in another order
            assert b["grads"][k] == pytest.approx(grads[name].ravel()[0], rel=1e-12)
        assert b["grads"]["w1"] == sum(c["dw1"] for c in b["copies"][::-1])


def test_explain_text_labels_terms_shares_weights_and_draws_copies(capsys):
    assert run(["explain", "1", "0.5", "1", "1", "--target", "1"]) == 0
    out = capsys.readouterr().out
    assert "input × w1 + previous × w2 + b1" in out
    assert "every copy uses the same weights and biases" in out
    assert "[copy 1] ─y→ [copy 2] ─y→ [copy 3] ─y→ [copy 4]" in out
    assert "backward pass for target 1:" in out and "SSR = residual² = 0.0001" in out
    assert "dSSR/dw1 = -0.011" in out


def test_explain_json_carries_the_backward_pass(capsys):
    assert run(["explain", "0", "0.5", "--target", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    b = data["backward"]
    assert b["residual"] == pytest.approx(-0.01)
    assert [c["copy"] for c in b["copies"]] == [1, 2]
    assert b["grads"]["w1"] == pytest.approx(2 * -0.01 * 1.1 * 0.5)


def test_gradients_says_why_dw1_stays_large_while_input_1_vanishes(capsys):
    assert run(["gradients", "--w2", "0.5", "--unrolls", "50"]) == 0
    out = capsys.readouterr().out
    assert "the copies near the end" in out and "dominate" in out
