"""models/chunks: windows packed once forecast as the list does, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ragged_batch

import unrolled
from unrolled.forecasting.models.chunks import (
    PackedChunks,
    pack_chunks,
    predict_in_chunks,
    release_memory,
)


@pytest.mark.parametrize("chunk", [4, 7, 64])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_packed_chunks_predict_what_the_list_does(rng, chunk, dtype):
    net = unrolled.build_model({"cell": "gru", "hidden_size": 5, "input_size": 2,
                                "dtype": dtype, "seed": 1})  # fmt: skip
    seqs = ragged_batch(rng, rng.integers(2, 15, size=30).tolist(), 2)
    packed = pack_chunks(net, seqs, chunk)
    assert isinstance(packed, PackedChunks) and len(packed) == -(-30 // chunk)
    want = predict_in_chunks(net, seqs, chunk)
    for _ in range(2):  # again on the same packed chunks, buffers kept
        got = predict_in_chunks(net, packed, keep_memory=True)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert "_workspace" in net.__dict__  # kept for the next call
    release_memory(net)
    assert "_workspace" not in net.__dict__


def test_packing_refuses_windows_that_do_not_fit_the_network(rng):
    net = unrolled.build_model({"cell": "lstm", "hidden_size": 3, "seed": 0})
    with pytest.raises(ValueError):
        pack_chunks(net, [np.zeros((4, 2))])
