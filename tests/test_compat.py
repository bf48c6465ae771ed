"""Files written by unrolled 0.1.0 (before the layered layout) still work.

``tests/data`` holds what 0.1.0 wrote: a fit checkpoint after 3 of 6 epochs
(GRU, validation, minibatches), the weights of the uninterrupted 6-epoch run,
and a saved forecaster with its 2-step forecasts.
"""

import json
from pathlib import Path

import numpy as np

import unrolled

DATA = Path(__file__).parent / "data"


def test_a_checkpoint_of_0_1_0_resumes_to_the_uninterrupted_weights():
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal(n) for n in (7, 4, 9, 5)]
    targets = [0.3, -0.2, 0.5, 0.1]
    val = ([rng.standard_normal(6)], [0.2])
    net = unrolled.build_model({"cell": "gru", "hidden_size": 3, "seed": 0})
    options = dict(epochs=6, lr=0.05, val=val, patience=5, seed=1, batch_size=2)
    unrolled.fit(net, seqs, targets, resume=DATA / "fit-checkpoint-0.1.0", **options)
    # it was trained on the SSR, as fit's default huber=None
    want = json.loads((DATA / "fit-6-epochs-0.1.0.json").read_text())
    got = net.state_dict()
    assert set(got) == set(want)
    for name, value in want.items():
        np.testing.assert_array_equal(got[name], np.array(value), err_msg=name)


def test_a_forecaster_saved_by_0_1_0_loads_and_forecasts_the_same():
    fc = unrolled.Forecaster.load(DATA / "forecaster-0.1.0")
    want = json.loads((DATA / "forecaster-0.1.0-predict.json").read_text())
    history = {"a": np.sin(np.arange(40) / 3) + 2, "b": np.cos(np.arange(30) / 4) + 3}
    got = fc.predict(2, history)  # h first, a long DataFrame (issue 12)
    for name, values in want.items():
        mine = got[got["unique_id"] == name]["ensemble"]
        np.testing.assert_array_equal(mine.to_numpy(), np.array(values))
    assert fc.get_params()["huber"] is None  # it was trained on the SSR
