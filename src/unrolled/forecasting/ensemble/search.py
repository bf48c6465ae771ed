"""The forecaster's configuration search, every choice on the validation slice.

The plan is greedy and short: a first stage compares the scalings (with a
season, seasonal ones too), a second the linear part beneath the network,
then each of hidden size, window and learning rate tries two alternatives
around the best configuration so far. Which candidates each stage holds is
decided by the rules written down in :mod:`.plan`. Explicit arguments
remove their stage. Two rules belong to the search itself:

- after the first stage (whose scalings are peers), a change is kept only
  if it beats the best so far by :data:`MIN_GAIN` and by more than one
  standard error of the per-origin differences of the validation errors
  (:func:`improves`, the one-standard-error rule of model selection): on a
  short or noisy validation slice, where a difference of a few percent is
  luck, the default stays;
- every network on changes starts silent (a zero output layer: the
  forecast its scaling implies, last value plus the mean change, the
  seasonal naive plus the mean seasonal change, or the smoothing's
  forecast, plus the linear part if any) and validation scores that start
  before the first epoch: early stopping keeps it when training does not
  improve on it.

:func:`train_candidate` trains one configuration and is the unit a parallel
backend may map over tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ...engine.losses import check_huber
from ...engine.validate import check_positive_int, is_integer, is_real
from ...errors import InputError
from ..features.transforms import LEVEL_SCALINGS
from ..models.networks import Network, network_class
from ..models.scalings import SEASONAL
from ..progress import config_text
from ..progress import stage as say
from .covariates import with_and_without
from .members import Candidate, Member, ValidationStop
from .plan import (
    DEFAULTS,
    LONG,
    first_scalings,
    plan_stages,
    season_window,
    seasonal_scalings,
)

MIN_GAIN = 0.01  # a candidate must beat the best validation score by 1 %


@dataclass
class Setup:
    """Everything :func:`train_candidate` needs besides the candidate."""

    cell: str
    layers: int
    batch_size: int
    epochs: int
    patience: int
    seed: int
    clip_norm: float | None
    clip_value: float | None
    tbptt: int | None
    names: list
    values: list  # full series (training + validation)
    parts: list  # training parts (validation slice cut off)
    origins: list  # validation origins (series index, position)
    callbacks: list = field(default_factory=list)
    on_epoch: Callable[[dict], None] | None = None
    huber: float | None = None  # Huber's delta of the training loss (None: SSR)
    covariates: object = None  # ..features.covariates.Covariates, or None


def check_params(p: dict) -> None:
    """Validate a forecaster's constructor arguments; ValueError names the bad one."""
    from ...engine.network import MODELS
    from ..models.scalings import SCALINGS

    if p["cell"] not in MODELS:
        raise InputError(
            f"cell: expected one of {', '.join(MODELS)}, got {p['cell']!r}"
        )
    if p["scaling"] != "auto" and p["scaling"] not in SCALINGS:
        raise InputError(
            f"scaling: expected 'auto' or one of {', '.join(SCALINGS)}, "
            f"got {p['scaling']!r}"
        )
    if p["select"] not in ("network", "best"):
        raise InputError(f"select: expected 'network' or 'best', got {p['select']!r}")
    for name in ("layers", "epochs", "patience", "batch_size", "ensemble"):
        check_positive_int(name, p[name])
    for name in ("hidden", "window", "tbptt", "season"):
        if p[name] is not None:
            check_positive_int(name, p[name])
    for name in ("lr", "clip_norm", "clip_value"):
        v = p[name]
        if v is not None and not (is_real(v) and 0 < float(v) < np.inf):
            raise InputError(f"{name}: expected a positive number, got {v!r}")
    if not (isinstance(p["huber"], str) and p["huber"] == "auto"):
        try:
            check_huber(p["huber"])
        except ValueError:
            raise InputError(
                f"huber: expected 'auto', None or a positive number, got {p['huber']!r}"
            ) from None
    v = p["val_size"]
    if v is not None and not (is_integer(v) and v >= 0):
        raise InputError(f"val_size: expected an integer >= 0 or None, got {v!r}")
    if not is_integer(p["seed"]):
        raise InputError(f"seed: expected an integer, got {p['seed']!r}")


def run_search(setup: Setup, fixed: dict, season: int | None, run=None, on_start=None,
               backend=None, rounds: int = 1):  # fmt: skip
    """Run the greedy search ``rounds`` times; returns a (tried, trained) per round.

    Round ``r`` trains with seed ``setup.seed + r`` (round 0 is the search
    alone); the candidates are numbered on across rounds. ``backend`` (a
    :mod:`.backends` object other than the local one): each stage's
    candidates train at once, as its tasks (:func:`run_stage`).
    """
    parts, origins = setup.parts, setup.origins
    longest = max(len(p) for p in parts) - 1
    start = {k: fixed[k] or DEFAULTS[k] for k in DEFAULTS}
    scalings = ()  # an explicit scaling: no first stage, no tests for it
    if fixed["scaling"] is None:
        scalings = first_scalings(parts, seasonal_scalings(parts, season))
    plan = plan_stages(fixed, start, scalings, origins, longest + 1 < LONG, parts)
    with_and_without(plan, start, setup.covariates, origins)
    size = sum(len(stage) for stage in plan)
    total, done, out = rounds * size, 0, []
    remote = backend is not None and getattr(backend, "name", "local") != "local"
    for r in range(rounds):
        tried, trained, best = [], [], None
        seeded = replace(setup, seed=setup.seed + r)
        for k, stage in enumerate(plan):
            if remote:  # the same candidates and members as the loop below
                best, done, total = run_stage(
                    backend, stage, best, (start, fixed, season, longest, k > 0),
                    seeded, tried, trained, done, total,
                )  # fmt: skip
                continue
            for change in stage:
                cand = make_candidate(change, best, start, fixed, season, longest)
                if any(c.key() == cand.key() for c in tried):
                    total -= 1
                    continue
                if on_start is not None:
                    on_start(done, total)
                member = train_candidate(cand, seeded, done, total, run)
                best = record(member, best, k > 0, tried, trained)
                done += 1
        out.append((tried, trained))
    return out


def record(member: Member, best, paired: bool, tried: list, trained: list):
    """Add a trained member to ``tried``/``trained``; return the best so far
    (the member if it :func:`improves` on ``best``), which the next stage varies.
    """
    trained.append(member)
    tried.append(member.candidate)
    return member if improves(member, best, paired) else best


def improves(new: Member, best: Member | None, paired: bool = True) -> bool:
    """Whether ``new`` beats ``best`` on validation by more than luck would.

    The mean per-origin gain must exceed :data:`MIN_GAIN` of the best's
    score and (``paired``) one standard error of the paired differences.
    """
    if best is None:
        return True
    a, b = new.val_errors, best.val_errors
    if not paired or a is None or b is None or len(a) < 2:
        return new.candidate.score < best.candidate.score * (1 - MIN_GAIN)
    d = b - a
    se = float(np.std(d, ddof=1)) / np.sqrt(len(d))
    return float(np.mean(d)) > max(MIN_GAIN * float(np.mean(b)), se)


def run_stage(backend, stage, best, where, setup, tried, trained, done, total):
    """One stage of the search as ``backend`` tasks; returns (best, done, total).

    A stage's candidates each vary one key of the best so far, so they are
    independent; ``where`` is ``(start, fixed, season, longest, paired)``
    (``paired``: see :func:`improves`). The tasks
    get ``setup`` without its callables (no per-epoch progress from them).
    """
    from .backends import decide_kernels

    cands = []
    *where, paired = where
    for change in stage:
        cand = make_candidate(change, best, *where)
        if any(c.key() == cand.key() for c in tried + cands):
            total -= 1
            continue
        cands.append(cand)
    decide_kernels(setup.cell, [c.hidden for c in cands])
    bare = replace(setup, callbacks=[], on_epoch=None)
    which = f"{done + 1}-{done + len(cands)}" if len(cands) > 1 else f"{done + 1}"
    say(f"search: configs {which} of {total} as {backend.name} tasks", done, total)
    members = backend.map(TrainTask(bare, done, total), cands)
    for member in members:
        best = record(member, best, paired, tried, trained)
        done += 1
    return best, done, total


class TrainTask:
    """``train_candidate(cand, setup, index + k, total)`` for the k-th candidate."""

    def __init__(self, setup: Setup, index: int, total: int):
        self.setup, self.index, self.total = setup, index, total

    def __call__(self, cand: Candidate) -> Member:
        return train_candidate(cand, self.setup, self.index, self.total)


def make_candidate(change, best, start, fixed, season, longest) -> Candidate:
    """The candidate ``change`` makes of the best member so far (or of ``start``)."""
    cfg = dict(best.candidate.__dict__ if best else start, **change)
    seas = season if cfg["scaling"] in SEASONAL else None
    window = cfg["window"]
    if seas and fixed["window"] is None:
        window = season_window(window, seas, longest)
    cand = Candidate(cfg["scaling"], cfg["hidden"], window, cfg["lr"], season=seas,
                     ar=cfg.get("ar", 0), exog=cfg.get("exog", False))  # fmt: skip
    cand.window = min(cand.window, max(longest, 1))
    return cand


def network_for(cand: Candidate, setup: Setup, epochs: int) -> Network:
    """The network model ``cand`` names, with the search's training settings
    (and the covariates as inputs where ``cand.exog``)."""
    return network_class(setup.cell)(
        cand.scaling, cand.window, cand.hidden, cand.lr, epochs=epochs,
        season=cand.season, ar=cand.ar, layers=setup.layers,
        batch_size=setup.batch_size, seed=setup.seed, clip_norm=setup.clip_norm,
        clip_value=setup.clip_value, tbptt=setup.tbptt, huber=setup.huber,
        covariates=setup.covariates if cand.exog else None,
    )  # fmt: skip


def train_candidate(cand: Candidate, setup: Setup, index: int, total: int,
                    run=None) -> Member:  # fmt: skip
    """Train one candidate with early stopping on validation; return it as a Member.

    Sets ``cand.score`` (mean validation MAE over the naive unit) and
    ``cand.epochs``. Depends only on its arguments and ``setup.seed``: the
    candidates can be trained in any order or in parallel.
    """
    cand.seed = int(setup.seed)
    text = f"search: {config_text(index, total, cand.key())}"
    say(text, index, total, detail=f"fitting its {cand.scaling} scaling")
    origins = setup.origins
    epochs = setup.epochs if origins else min(setup.epochs, 100)
    net = network_for(cand, setup, epochs)
    net.start(dict(zip(setup.names, setup.parts, strict=True)))
    seqs, tgs = net.training_windows()
    net.check_memory(len(seqs))  # before any forecast of the starting network
    n_targets = sum(len(t) for t in tgs)
    member = Member(cand, net)

    def report(epoch, logs, score):
        if setup.on_epoch is not None:
            setup.on_epoch({
                "candidate": index, "candidates": total, "epoch": epoch,
                "epochs": setup.epochs, "loss": logs["loss"] / n_targets,
                "val": score, "config": cand.key(),
            })  # fmt: skip

    stopper = ValidationStop(member, setup.values, origins, setup.names,
                             setup.parts, setup.patience, report)  # fmt: skip
    if cand.scaling not in LEVEL_SCALINGS:  # silent: validation may keep the start
        stopper.observe(-1)
    ck = {}
    if run is not None:
        ck["checkpoint"], ck["resume"] = run.candidate(index)
        ck["checkpoint_every"] = run.every
        ck["metadata"] = {
            "format": "unrolled.forecaster-candidate",
            "index": index,
            "candidate": dict(cand.__dict__),
        }
    net.train(seqs, tgs, callbacks=[*setup.callbacks, stopper], **ck)
    if origins:
        net.module_.load_state_dict(stopper.weights)
        cand.score, cand.epochs = stopper.best, stopper.epoch + 1
        best = stopper.best_errors  # None after a resume that found no better
        member.val_errors = stopper.errors() if best is None else best
        stopper.release()
    else:
        cand.score, cand.epochs = np.nan, epochs
    return member
