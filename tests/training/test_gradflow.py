"""Vanishing/exploding gradients: w2**n measured, diagnostics, remedies, the CLI."""

import json
import re
import warnings

import numpy as np
import pytest
from conftest import ragged_batch

import unrolled
from unrolled.cli import run
from unrolled.lessons.memory import chrono_init, memory_experiment, memory_task
from unrolled.lessons.w2 import closed_form_factor, demo_counts, w2_demo
from unrolled.training.gradflow import GradientMonitor, GradientWarning, gradient_flow

CELLS = [("rnn", {"nonlinearity": "relu"}), ("lstm", {}), ("gru", {})]


# ------------------------------------------------------------- the demonstration
def test_w2_2_four_unrolls_gives_exactly_16():
    assert closed_form_factor(2.0, 4) == 16.0
    row = w2_demo(2.0, 4)["rows"][-1]
    assert row["unrolls"] == 4 and row["copies"] == 5
    assert row["closed_form"] == 16.0
    assert row["measured"] == 16.0  # BPTT multiplies by 2.0 exactly four times
    assert row["d_pred_d_input1"] == pytest.approx(1.8 * 1.1 * 16, rel=1e-15)
    assert row["matches"] and row["note"] == ""


def test_seed_figures_2_to_the_50_and_half_to_the_50():
    assert closed_form_factor(2.0, 50) == 2.0**50
    assert closed_form_factor(0.5, 50) == 0.5**50
    for w2 in (2.0, 0.5):
        row = w2_demo(w2, 50, counts=[50])["rows"][0]
        assert row["measured"] == w2**50


@pytest.mark.parametrize("w2", [2.0, 0.5, 0.9, 1.1, -0.5])
def test_measured_bptt_factor_equals_w2_to_the_n_with_positive_inputs(w2):
    demo = w2_demo(w2, 30, counts=list(range(1, 31)), x=0.7)
    for r in demo["rows"]:
        assert r["active"], r
        assert r["measured"] == pytest.approx(w2 ** r["unrolls"], rel=1e-12)
        assert r["d_pred_d_input1"] == pytest.approx(
            r["d_pred_d_input1_closed"], rel=1e-12
        )
        assert r["dssr_dw1"] == pytest.approx(r["dssr_dw1_closed"], rel=1e-9)
        assert r["matches"] and r["note"] == ""


@pytest.mark.parametrize("w2,n", [(2.0, 6), (0.5, 9), (-0.5, 4)])
def test_d_prediction_d_input1_matches_finite_differences(w2, n):
    net = unrolled.lessons.lesson_network(w2=w2)
    seq, eps = np.full(n + 1, 1.0), 1e-6
    up, down = seq.copy(), seq.copy()
    up[0] += eps
    down[0] -= eps
    numeric = (net.predict([up])[0] - net.predict([down])[0]) / (2 * eps)
    row = w2_demo(w2, n, counts=[n])["rows"][0]
    assert row["d_pred_d_input1"] == pytest.approx(numeric, rel=1e-7)


def test_an_inactive_relu_unit_cuts_the_gradient_and_says_so():
    row = w2_demo(-2.0, 4, counts=[4])["rows"][0]  # copy 2: 1.8 - 3.6 < 0
    assert not row["active"] and not row["matches"]
    assert row["closed_form"] == 16.0 and row["measured"] == 0.0
    assert "inactive at copy 2" in row["note"]


def test_float64_overflow_and_underflow_are_named():
    big = w2_demo(2.0, 1100, counts=[1100])["rows"][0]
    assert "overflows float64" in big["note"] and not big["matches"]
    tiny = w2_demo(0.5, 1100, counts=[1100])["rows"][0]
    assert tiny["closed_form"] == 0.0 and "underflows" in tiny["note"]


def test_demo_counts_end_at_the_requested_unrolls():
    assert demo_counts(4) == [1, 2, 3, 4]
    assert demo_counts(50) == [1, 2, 3, 4, 5, 10, 20, 50]
    dense = demo_counts(5000, dense=True)
    assert dense[0] == 1 and dense[-1] == 5000 and len(dense) <= 201


@pytest.mark.parametrize("bad", [0, -3, 10_001, 2.5, True])
def test_bad_unroll_counts_are_refused(bad):
    with pytest.raises(ValueError, match="unrolls: expected an integer"):
        w2_demo(2.0, bad)


# ------------------------------------------------------------------ diagnostics
def test_gradient_flow_of_the_lesson_network_is_w2_to_the_k():
    net = unrolled.lessons.lesson_network(w2=0.5)
    flow = gradient_flow(net, [np.ones(11), np.ones(4)], [1.0, 0.0])
    assert flow.sequences.tolist() == [2] * 4 + [1] * 7
    rel = gradient_flow(net, [np.ones(11)], [1.0]).relative()
    np.testing.assert_allclose(rel, 0.5 ** np.arange(11), rtol=1e-14)
    assert gradient_flow(net, [np.ones(11)], [1.0]).reach(floor=0.01) == 7


def test_gradient_flow_vanishes_in_a_tanh_rnn_not_in_chrono_lstm_gru():
    seqs, targets = memory_task(16, 60, seed=1)
    rnn = unrolled.RNN(hidden_size=4, nonlinearity="tanh", seed=0)
    lstm = unrolled.LSTM(hidden_size=4, seed=0)
    gru = unrolled.GRU(hidden_size=4, seed=0)
    chrono_init(lstm, 60, seed=0)
    chrono_init(gru, 60, seed=0)
    rnn_flow = gradient_flow(rnn, seqs, targets)
    assert rnn_flow.reach() == 8 and rnn_flow.relative()[59] < 1e-20
    assert gradient_flow(lstm, seqs, targets).reach() == 42
    assert gradient_flow(gru, seqs, targets).reach() == 60


def test_monitor_records_per_parameter_norms_every_epoch():
    seqs, targets = unrolled.lessons.statland_data()
    net = unrolled.RNN(hidden_size=3, nonlinearity="tanh", seed=0)
    mon = GradientMonitor(emit=False)
    unrolled.fit(net, seqs, targets, epochs=7, lr=0.05, callbacks=[mon], seed=0)
    assert mon.epochs == list(range(7))
    assert set(mon.norms) == set(net.params)
    assert all(len(v) == 7 for v in mon.norms.values())
    assert mon.global_norm[0] > 0 and mon.messages == []
    assert json.loads(json.dumps(mon.to_dict()))["epochs"] == mon.epochs


def test_monitor_flags_a_relu_network_whose_units_all_die():
    seqs, targets = unrolled.lessons.statland_data()
    net = unrolled.RNN(hidden_size=3, seed=0)  # relu; Adam at lr 0.05 kills it
    mon = GradientMonitor(emit=False)
    unrolled.fit(net, seqs, targets, epochs=7, lr=0.05, callbacks=[mon], seed=0)
    assert mon.norms["weight_hh_l0"][-1] == 0.0 and mon.norms["head.bias"][-1] > 1
    assert (
        "epochs 4 and 5: the gradient of 'weight_hh_l0' is exactly 0"
        in (mon.messages[1])
    )


def test_a_zero_output_layer_is_not_taken_for_dead_units():
    """A silent start passes no gradient back for one step, then does."""
    seqs, targets = unrolled.lessons.statland_data()
    net = unrolled.GRU(hidden_size=3, seed=0)
    state = net.state_dict()
    state["head.weight"][:] = 0.0  # as every forecaster network on changes starts
    net.load_state_dict(state)
    mon = GradientMonitor(emit=False)
    unrolled.fit(net, seqs, targets, epochs=3, lr=0.05, callbacks=[mon], seed=0)
    assert mon.norms["weight_hh_l0"][0] == 0.0  # one batch, still a zero head
    assert mon.norms["weight_hh_l0"][1] > 0
    assert mon.messages == []


def test_monitor_warns_once_on_explosion_and_on_vanishing():
    mon = GradientMonitor(explode=100.0, vanish=1e-6)
    ok = {"w": np.ones(3)}
    with pytest.warns(GradientWarning, match="exploding") as rec:
        mon(0, {"grad_norm": 1.0, "grads": ok})
        mon(1, {"grad_norm": 5e3, "grads": ok})
        mon(2, {"grad_norm": 9e3, "grads": ok})
    assert len(rec) == 1 and "epoch 1" in mon.messages[0]
    with pytest.warns(
        GradientWarning, match="'w' has norm 1.73e-09, 1e-09 of the largest, 'v' .1.73"
    ):
        mon(3, {"grad_norm": 1.0, "grads": {"w": np.full(3, 1e-9), "v": ok["w"]}})
    mon(4, {"grad_norm": 1.0, "grads": {"u": np.full(3, 1e-9)}})  # alone: fine
    assert len(mon.messages) == 2
    with pytest.warns(GradientWarning, match="not finite"):
        mon(5, {"grad_norm": np.inf, "grads": {"w": np.array([np.nan])}})


def test_monitor_warns_above_the_absolute_limit_from_the_first_epoch():
    mon = GradientMonitor(limit=1e6, emit=False)
    mon(0, {"grad_norm": 1e7, "grads": {}})
    assert mon.messages == [
        "epoch 0: the gradient norm 1e+07 exceeds 1e+06 (exploding gradients; "
        "try clip_norm=, a smaller lr or tbptt=)"
    ]


def test_monitor_with_a_probe_warns_when_the_signal_dies_within_a_few_steps():
    net = unrolled.lessons.lesson_network(w2=0.1)  # relative norm 0.1**k: 1e-4 at k=4
    probe = ([np.ones(20)], [1.0])
    mon = GradientMonitor(model=net, probe=probe, within=5, emit=False)
    mon(0, {"grad_norm": 1.0, "grads": {}})
    assert mon.reach == [(0, 4)]
    assert "falls below 0.001" in mon.messages[0] and "LSTM or GRU" in mon.messages[0]


def test_monitor_refuses_bad_settings():
    with pytest.raises(ValueError, match="explode: expected a number > 0"):
        GradientMonitor(explode=0)
    with pytest.raises(ValueError, match="model, probe"):
        GradientMonitor(model=unrolled.RNN())


# -------------------------------------------------------------------- remedies
def test_clipping_bounds_the_global_norm_of_exploding_gradients():
    net = unrolled.lessons.lesson_network(w2=2.0)
    _, grads = net.loss_and_grads([np.ones(40)], [1.0])
    assert unrolled.global_norm(grads) > 1e20
    clipped = unrolled.clip_grads(grads, max_norm=5.0)
    assert unrolled.global_norm(clipped) == pytest.approx(5.0, rel=1e-12)
    direction = grads["weight_hh_l0"] / unrolled.global_norm(grads)
    np.testing.assert_allclose(clipped["weight_hh_l0"] / 5.0, direction, rtol=1e-12)
    by_value = unrolled.clip_grads(grads, max_value=0.5)
    assert max(float(np.max(np.abs(g))) for g in by_value.values()) == 0.5


def test_fit_with_clip_norm_moves_the_weights_at_most_lr_times_the_clip():
    net = unrolled.lessons.lesson_network(w2=2.0)
    before = net.state_dict()
    unrolled.fit(net, [np.ones(30)], [1.0], epochs=1, lr=0.1, optimizer="sgd",
                 clip_norm=1.0)  # fmt: skip
    step = unrolled.global_norm({k: net.params[k] - before[k] for k in before})
    assert step == pytest.approx(0.1, rel=1e-9)  # un-clipped it would be ~1e9


@pytest.mark.parametrize("cell,kw", CELLS)
@pytest.mark.parametrize("per_step", [False, True])
def test_tbptt_with_k_at_least_t_equals_full_bptt(rng, cell, kw, per_step):
    net = unrolled.build_model(
        {"cell": cell, **kw, "input_size": 2, "hidden_size": 3, "num_layers": 2}
        | {"seed": 1}
    )
    seqs = ragged_batch(rng, [7, 3, 5, 1], 2)
    targets = (
        [rng.normal(size=len(s)) for s in seqs] if per_step else rng.normal(size=4)
    )
    loss, full = net.loss_and_grads(seqs, targets, per_step=per_step)
    for K in (7, 8, 1000):
        lk, gk = net.loss_and_grads(seqs, targets, per_step=per_step, tbptt=K)
        assert lk == loss
        for name in full:
            np.testing.assert_array_equal(gk[name], full[name], err_msg=name)
    _, short = net.loss_and_grads(seqs, targets, per_step=per_step, tbptt=2)
    assert not np.allclose(short["weight_hh_l0"], full["weight_hh_l0"])


def test_tbptt_k_cuts_the_gradient_k_copies_back():
    net = unrolled.lessons.lesson_network(w2=0.5)
    _, _, dh = net.loss_and_grads([np.ones(10)], [1.0], tbptt=3, record_hidden=True)
    g = dh[0][:, 0]
    assert np.all(g[:7] == 0.0) and np.all(g[7:] != 0.0)


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_tbptt_window_must_be_positive(bad):
    net = unrolled.RNN()
    with pytest.raises(ValueError, match="tbptt: expected an integer >= 1"):
        net.loss_and_grads([np.ones(3)], [1.0], tbptt=bad)


def test_non_finite_guard_names_the_epoch_and_keeps_finite_weights():
    net = unrolled.lessons.lesson_network(w2=2.0)
    with pytest.raises(unrolled.TrainingError) as err:
        unrolled.fit(net, [np.ones(1100)], [1.0], epochs=3, optimizer="sgd")
    msg = str(err.value)
    assert msg.startswith("training stopped at epoch 0: the ")
    assert "loss is" in msg or "gradient of 'weight_" in msg
    assert all(np.all(np.isfinite(p)) for p in net.params.values())


def test_non_finite_gradient_with_finite_loss_names_the_parameter():
    # tiny w1 keeps the forward small; the gradient still carries 2**600
    net = unrolled.lessons.lesson_network(w1=1e-200, w2=2.0)
    with np.errstate(all="ignore"):
        loss, grads = net.loss_and_grads([np.ones(601)], [1e150])
    assert np.isfinite(loss) and grads["weight_ih_l0"][0, 0] == -np.inf
    with pytest.raises(
        unrolled.TrainingError,
        match=r"epoch 0: the gradient of 'weight_ih_l0' is not finite",
    ):
        unrolled.fit(net, [np.ones(601)], [1e150], epochs=2, optimizer="sgd")


# --------------------------------------------------------------- long memory
def test_memory_task_targets_are_the_first_values():
    seqs, targets = memory_task(5, 7, seed=3)
    assert [s.shape for s in seqs] == [(7, 1)] * 5
    np.testing.assert_array_equal(targets, [s[0, 0] for s in seqs])


def test_chrono_init_sets_forget_and_input_gate_biases():
    lstm = unrolled.LSTM(hidden_size=5, seed=0)
    chrono_init(lstm, 100, seed=0)
    bf = lstm.params["bias_ih_l0"][5:10]
    assert np.all((bf >= 0) & (bf <= np.log(99)))
    np.testing.assert_array_equal(lstm.params["bias_ih_l0"][:5], -bf)
    assert np.all(lstm.params["bias_hh_l0"][:10] == 0)


def test_memory_experiment_smoke():
    res = memory_experiment((3, 4), ("rnn", "gru"), hidden_size=2, steps=3)
    assert [(r["cell"], r["length"]) for r in res["rows"]] == [
        ("rnn", 3),
        ("gru", 3),
        ("rnn", 4),
        ("gru", 4),
    ]
    assert all(r["steps"] <= 3 and r["loss"] > 0 for r in res["rows"])
    assert set(res["flow"]) == {"rnn", "gru"}
    assert len(res["flow"]["gru"]["trained"].norm) == 4


def test_memory_experiment_reports_the_median_over_seeds():
    seen = []
    res = memory_experiment(
        (3,), ("rnn",), hidden_size=2, steps=5, seed=4, seeds=3, progress=seen.append
    )
    (row,) = res["rows"]
    assert [r["seed"] for r in seen] == res["settings"]["seeds"] == [4, 5, 6]
    assert row["losses"] == [r["loss"] for r in seen]
    assert row["loss"] == sorted(row["losses"])[1] and row["runs"] == 3
    assert row["solved_runs"] == sum(r["solved"] for r in seen)
    assert len(set(row["losses"])) == 3  # the seeds do differ


# ------------------------------------------------------------------------ CLI
def test_cli_w2_2_four_unrolls_json(capsys):
    assert run(["gradients", "--w2", "2", "--unrolls", "4", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[-1]["closed_form"] == 16.0 and rows[-1]["measured"] == 16.0


def test_cli_table_says_where_the_measurement_departs(capsys):
    assert run(["gradients", "--w2", "-2", "--unrolls", "3"]) == 0
    out = capsys.readouterr().out
    assert "w2**n" in out and "inactive at copy 2" in out


def test_cli_plot_writes_a_png_atomically(tmp_path, capsys):
    path = tmp_path / "w2.png"
    assert run(["gradients", "--w2", "0.5", "-n", "30", "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w2.png"]


def test_cli_memory_smoke_json_and_plot(tmp_path, capsys):
    path = tmp_path / "flow.png"
    argv = ["gradients", "--experiment", "memory", "--lengths", "3,5", "--steps",
            "2", "--hidden", "2", "--cells", "rnn,lstm", "--seeds", "2", "--json",
            "--plot", str(path)]  # fmt: skip
    assert run(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["rows"]) == 4 and set(data["reach"]) == {"rnn", "lstm"}
    assert all(len(r["losses"]) == 2 for r in data["rows"])
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_cli_memory_table_gives_medians_and_runs_solved(capsys):
    argv = ["gradients", "--experiment", "memory", "--lengths", "3", "--steps",
            "2", "--hidden", "2", "--cells", "gru", "--seeds", "2"]  # fmt: skip
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "median over 2 seed(s)" in out and "k/2 = runs below 0.05" in out
    assert re.search(r"gru +\d\.\d{3} \(fail\) 0/2", out)


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--unrolls", "0"], "0 is not in the range 1<=x<=10000"),
        (["--unrolls", "-4"], "not in the range"),
        (["--unrolls", "abc"], "not a valid integer"),
        (["--w2", "nan"], "w2: expected a finite number"),
        (["--plot", "out.txt"], "expected a file ending in .png"),
        (["--experiment", "bogus"], "Invalid value for '--experiment'"),
        (["--experiment", "memory", "--cells", "rnn,tcn"], "rnn, lstm, gru"),
        (["--experiment", "memory", "--lengths", "0,5"], "integers >= 2"),
        (["--experiment", "memory", "--tbptt", "0"], "not in the range 1<=x<=100000"),
        (["--experiment", "memory", "--clip", "0"], "not in the range 0<x<=1000000"),
        (["--experiment", "memory", "--clip", "-1"], "not in the range 0<x<="),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(capsys, argv, needle):
    assert run(["gradients", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_help_has_examples(capsys):
    assert run(["gradients", "--help"]) == 0
    assert "Examples:" in capsys.readouterr().out


def test_fit_warnings_reach_the_caller_through_the_monitor():
    net = unrolled.lessons.lesson_network(w2=2.0)
    mon = GradientMonitor(explode=10.0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        unrolled.fit(net, [np.ones(8), np.ones(3)], [1.0, 0.5], epochs=40, lr=0.05,
                     optimizer="sgd", callbacks=[mon], seed=0)  # fmt: skip
    assert len(mon.norms["weight_hh_l0"]) == 40
    assert all(issubclass(w.category, GradientWarning) for w in rec if mon.messages)
