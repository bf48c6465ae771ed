"""Long-memory evidence: "predict the first value", where the plain RNN fails.

Every sequence is ``length`` values drawn uniformly from [-1, 1]; the target
is the first one, so everything after it is a distractor. To predict it the
network must carry one number across ``length - 1`` copies, and BPTT must
carry the error back just as far: through ``W_hh`` and a tanh once per copy
for the plain RNN (the lesson's ``w2 ** n``, which vanishes), through the
gated, nearly additive cell state for the LSTM and the update-gate blend for
the GRU.

The loss reported is the test MSE divided by the target variance (1/3):
1.0 means the network learned nothing (it predicts about 0), below 0.05 it
remembers the first value. Training draws a fresh batch every step, so no
network can memorise a fixed training set.

The gated cells start with their memory path open (:func:`chrono_init`).
With PyTorch's default initialisation (``chrono=False``, ``--no-chrono``)
their gates start half closed (forget gate about 0.5), their gradient
vanishes at first just like the RNN's, and within the default 1000 steps
they fail at lengths 50 and 100 too: the gates make long memory reachable,
the gate biases decide whether training finds it in a short budget.

Truncated BPTT (``tbptt=K``) cuts every gradient path longer than K copies:
with ``K < length`` no network can learn this task, because the first value
never receives any gradient. Truncation buys speed and stability on long
sequences at the price of any dependence longer than K steps.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..engine.network import MODELS
from ..engine.optim import Adam, clip_grads
from ..engine.validate import check_positive_int
from ..errors import InputError
from ..training.gradflow import GradientFlow, gradient_flow

TARGET_VAR = 1.0 / 3.0  # variance of U(-1, 1): the MSE of always predicting 0
SOLVED = 0.05  # normalised test MSE below which a run counts as solved


def memory_task(n: int, length: int, seed=None) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` sequences of ``length`` values in U(-1, 1); targets: each first value.

    Returns
    -------
    seqs : list of ``(length, 1)`` arrays
    targets : ``(n,)`` array
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    X = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, length, 1))
    return list(X), X[:, 0, 0].copy()


def chrono_init(model, length: int, seed=None) -> None:
    """Open the gated memory path at the start (chrono initialisation).

    Tallec & Ollivier (2018): gates that set how fast a unit forgets get
    biases ``log(U(1, length - 1))``, so each unit's memory spans up to about
    ``length`` steps. LSTM: forget-gate bias ``b_f`` drawn so, input-gate bias
    ``-b_f``; GRU: update-gate bias ``b_z`` drawn so (``z`` near 1 keeps
    ``h_prev``). The RNN has no gate and is left as it is.
    """
    if model.cell_type == "rnn":
        return
    H, rng = model.hidden_size, np.random.default_rng(seed)
    for k in range(model.num_layers):
        b = np.log(rng.uniform(1.0, max(length - 1.0, 1.0 + 1e-9), size=H))
        bih, bhh = model.params[f"bias_ih_l{k}"], model.params[f"bias_hh_l{k}"]
        bhh[H : 2 * H] = 0.0  # LSTM f or GRU z: the whole bias sits in b_ih
        bih[H : 2 * H] = b
        if model.cell_type == "lstm":
            bhh[:H] = 0.0
            bih[:H] = -b  # input gate: write little, except when it matters


def train_memory(
    cell: str,
    length: int,
    *,
    hidden_size: int = 8,
    steps: int = 1000,
    batch_size: int = 32,
    lr: float = 0.01,
    clip_norm: float | None = 1.0,
    tbptt: int | None = None,
    chrono: bool = True,
    eval_every: int = 25,
    test_size: int = 256,
    seed: int = 0,
):
    """Train one network on the first-value task; stop early once it is solved.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        The plain RNN uses tanh.
    length : int
        Sequence length (>= 2).
    hidden_size, steps, batch_size, lr : training settings
        Adam on a fresh batch every step.
    clip_norm : float, optional
        Clip the gradients by global norm (None: no clipping).
    tbptt : int, optional
        Truncated BPTT window (see the module doc for its effect here).
    chrono : bool
        Apply :func:`chrono_init` to the gated cells.
    eval_every : int
        Steps between test evaluations; training stops once the normalised
        test loss falls below 0.01.
    seed : int
        Seeds the weights, the data and the test set.

    Returns
    -------
    row : dict
        ``cell``, ``length``, ``loss`` (test MSE / target variance), ``solved``,
        ``steps`` taken, ``seconds``.
    model, initial : the trained model and a copy of its initial state.
    """
    if cell not in MODELS:
        raise InputError(f"cell: expected one of {sorted(MODELS)}, got {cell!r}")
    length = check_positive_int("length", length)
    if length < 2:
        raise InputError(f"length: expected an integer >= 2, got {length}")
    steps = check_positive_int("steps", steps)
    batch_size = check_positive_int("batch_size", batch_size)
    eval_every = check_positive_int("eval_every", eval_every)
    kw = {"nonlinearity": "tanh"} if cell == "rnn" else {}
    model = MODELS[cell](hidden_size=hidden_size, seed=seed, **kw)
    if chrono:
        chrono_init(model, length, seed)
    initial = model.state_dict()
    test_x, test_y = memory_task(test_size, length, seed=[seed, length, 0])
    data = np.random.default_rng([seed, length, 1])
    opt, t0 = Adam(lr), time.perf_counter()
    score, step = model.loss(test_x, test_y) / test_size / TARGET_VAR, 0
    while step < steps and score >= 0.01:
        X = data.uniform(-1.0, 1.0, size=(batch_size, length, 1))
        with np.errstate(all="ignore"):
            _, grads = model.loss_and_grads(list(X), X[:, 0, 0], tbptt=tbptt)
        opt.step(model.params, clip_grads(grads, clip_norm))
        step += 1
        if step % eval_every == 0 or step == steps:
            score = model.loss(test_x, test_y) / test_size / TARGET_VAR
    row = {
        "cell": cell,
        "length": length,
        "loss": float(score),
        "solved": bool(score < SOLVED),
        "steps": step,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return row, model, initial


def memory_experiment(
    lengths=(10, 50, 100),
    cells=("rnn", "lstm", "gru"),
    *,
    hidden_size: int = 8,
    steps: int = 1000,
    batch_size: int = 32,
    lr: float = 0.01,
    clip_norm: float | None = 1.0,
    tbptt: int | None = None,
    chrono: bool = True,
    seed: int = 0,
    seeds: int = 3,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Every cell at every length, over several seeds; the gradient flow too.

    Parameters
    ----------
    lengths : sequence of int
        Sequence lengths (>= 2).
    cells : sequence of {"rnn", "lstm", "gru"}
    seed, seeds : int
        The runs use seeds ``seed, seed + 1, ..., seed + seeds - 1``; each
        figure is the median over them, so the lesson does not hang on one
        seed's luck.
    progress : callable, optional
        Called with each run's row (with its ``seed``) as soon as it is done.
    hidden_size, steps, batch_size, lr, clip_norm, tbptt, chrono
        As in :func:`train_memory`, which each run calls with them.

    Returns
    -------
    dict
        ``rows`` (one per cell and length: ``loss`` is the median of
        ``losses``, one per seed; ``solved`` says whether the median is below
        :data:`SOLVED`, ``solved_runs`` how many runs are; ``steps`` is the
        median), ``settings``, ``longest``, and ``flow``: per cell,
        ``||dL/dh_t||`` against steps back on test sequences of the longest
        length, ``"initial"`` (before training) and ``"trained"``, for the
        run with seed ``seed``.
    """
    lengths = [check_positive_int("lengths", v) for v in lengths]
    seeds = check_positive_int("seeds", seeds)
    cells = list(cells)
    for c in cells:
        if c not in MODELS:
            raise InputError(f"cells: expected rnn, lstm or gru, got {c!r}")
    if not lengths or not cells:
        raise InputError("lengths, cells: expected at least one of each")
    settings = {
        "task": "predict the first value; the rest are U(-1, 1) distractors",
        "loss": "test MSE / target variance (1.0 = learned nothing), "
        f"median over {seeds} seed(s)",
        "hidden_size": hidden_size,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "optimizer": "adam, fresh batch every step",
        "clip_norm": clip_norm,
        "tbptt": tbptt,
        "chrono_init": chrono,
        "seed": seed,
        "seeds": list(range(seed, seed + seeds)),
    }
    train = {"hidden_size": hidden_size, "steps": steps, "batch_size": batch_size}
    train |= {"lr": lr, "clip_norm": clip_norm, "tbptt": tbptt, "chrono": chrono}
    rows, flow = [], {}
    longest = max(lengths)
    probe = memory_task(64, longest, seed=[seed, longest, 2])
    for length in lengths:
        for c in cells:
            runs = []
            for s in settings["seeds"]:
                row, model, initial = train_memory(c, length, seed=s, **train)
                runs.append(row)
                if progress is not None:
                    progress(dict(row, seed=s))
                if length == longest and s == seed:
                    trained = gradient_flow(model, *probe)
                    model.load_state_dict(initial)
                    flow[c] = {
                        "initial": gradient_flow(model, *probe),
                        "trained": trained,
                    }
            rows.append(_median_row(c, length, runs))
    return {"settings": settings, "rows": rows, "flow": flow, "longest": longest}


def _median_row(cell: str, length: int, runs: list[dict]) -> dict:
    """One cell and length over its runs: medians, and how many runs solved it."""
    loss = float(np.median([r["loss"] for r in runs]))
    return {
        "cell": cell,
        "length": length,
        "loss": loss,
        "solved": bool(loss < SOLVED),
        "losses": [r["loss"] for r in runs],
        "solved_runs": sum(r["solved"] for r in runs),
        "runs": len(runs),
        "steps": int(np.median([r["steps"] for r in runs])),
        "seconds": round(sum(r["seconds"] for r in runs), 2),
    }


def memory_table(result: dict) -> tuple[list[str], list[list]]:
    """Headers and rows: the normalised loss per cell (rows) and length (columns).

    Each entry is the median loss, ``(fail)`` when it is not below
    :data:`SOLVED`, and with several seeds ``k/n``: how many runs solved it.
    """
    lengths = sorted({r["length"] for r in result["rows"]})
    cells = list(dict.fromkeys(r["cell"] for r in result["rows"]))
    by = {(r["cell"], r["length"]): r for r in result["rows"]}
    rows = []
    for c in cells:
        cells_text = []
        for L in lengths:
            r = by[c, L]
            text = f"{r['loss']:.3f}{'' if r['solved'] else ' (fail)'}"
            if r.get("runs", 1) > 1:
                text += f" {r['solved_runs']}/{r['runs']}"
            cells_text.append(text)
        rows.append([c, *cells_text])
    return ["cell"] + [f"T={L}" for L in lengths], rows


def flow_reach(result: dict, floor: float = 1e-3) -> dict:
    """Per cell, how many steps back the gradient reaches, before and after."""
    out = {}
    for c, f in result["flow"].items():
        out[c] = {k: GradientFlow.reach(v, floor) for k, v in f.items()}
    return out
