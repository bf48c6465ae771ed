"""The seed's StatLand network reproduces its table to the last digit."""

import numpy as np
import pytest

import unrolled
from unrolled.lessons.explain import explain, format_explain


def test_statland_table_reproduces_the_seed_exactly():
    rows = unrolled.lessons.statland_table()
    assert [(r["yesterday"], r["today"], r["expected"]) for r in rows] == [
        (0.0, 0.0, 0.0),
        (0.0, 0.5, 1.0),
        (1.0, 0.5, 0.0),
        (1.0, 1.0, 1.0),
    ]
    np.testing.assert_allclose(
        [r["predicted"] for r in rows], [0, 0.99, 0, 0.99], rtol=0, atol=1e-12
    )


def test_lesson_network_maps_five_numbers_onto_pytorch_names():
    sd = unrolled.lessons.lesson_network().state_dict()
    assert sd["weight_ih_l0"].tolist() == [[1.8]]
    assert sd["weight_hh_l0"].tolist() == [[-0.5]]
    assert sd["head.weight"].tolist() == [[1.1]]
    assert sd["bias_ih_l0"].tolist() == [0.0] and sd["head.bias"].tolist() == [0.0]


def test_seed_network_is_a_deprecated_name_of_lesson_network():
    with pytest.warns(DeprecationWarning, match="use lesson_network"):
        old = unrolled.lessons.seed_network(w2=2.0)
    new = unrolled.lessons.lesson_network(w2=2.0)
    assert old.state_dict()["weight_hh_l0"].tolist() == [[2.0]]
    for k, v in new.state_dict().items():
        assert old.state_dict()[k].tolist() == v.tolist()
    assert "seed_network" in unrolled.lessons.__all__  # kept, deprecated


def test_first_copy_output_is_the_ignored_prediction_for_today():
    outs = unrolled.lessons.lesson_network().predict([[0.0, 0.5]], all_steps=True)[0]
    np.testing.assert_allclose(outs, [0.0, 0.99], atol=1e-12)


def test_explain_trace_matches_the_engine_copy_by_copy():
    values = [1.0, 0.5, 1.0, 1.0]
    trace = explain(values)
    assert len(trace["copies"]) == 4
    engine = unrolled.lessons.lesson_network().predict([values], all_steps=True)[0]
    np.testing.assert_allclose(
        [c["output"] for c in trace["copies"]], engine, atol=1e-12
    )
    assert [c["day"] for c in trace["copies"]] == [
        "3 days before today",
        "day before yesterday",
        "yesterday",
        "today",
    ]
    assert trace["copies"][-1]["predicts"] == "tomorrow"


def test_explain_text_shows_the_seed_arithmetic():
    text = format_explain(explain([0.0, 0.5]))
    assert "0.5 × 1.8 + 0 × -0.5 + 0 = 0.9" in text
    assert "max(0, 0.9) = 0.9 = y_2" in text
    assert "prediction for tomorrow: 0.99" in text


def test_explain_with_other_weights():
    trace = explain([1.0, 1.0], w1=1.0, w2=2.0, w3=1.0)
    assert [c["y"] for c in trace["copies"]] == [1.0, 3.0]
