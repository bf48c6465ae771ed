"""The forecaster's configuration search, every choice on the validation slice.

The plan is greedy and short: a first stage compares the scalings (with a
season, seasonal ones too, see :func:`seasonal_scalings`), a second the
linear part beneath the network, then each of hidden size, window and
learning rate tries two alternatives around the best configuration so far;
a change is kept only if it beats the best validation score by
:data:`MIN_GAIN` (and, after the first stage, by one standard
error of the paired differences of the validation errors: :func:`improves`).
Explicit arguments remove their stage.

Rules written down, not tuned on any test set:

- the first stage's plain scalings are ``diff`` and ``diff+level``, and for
  positive series without a season also ``logdiff`` and ``logdiff+level``
  (growth that compounds, population cycles on a log scale); the ``+level``
  ones only if at least half the series are level-stationary by the KPSS
  test at 5% (:func:`first_scalings`, the test auto.arima uses to choose
  between levels and changes: a random walk's level tells nothing of its
  next change, but a network given it learns a pull back that a short
  validation slice can reward by luck);
- seasonal scalings enter the first stage only if the season length ``m`` is
  known, every training part holds :data:`~.transforms.MIN_SEASONS` seasons,
  and the series pass the classical seasonality test on their first
  differences (autocorrelation at lag ``m`` above the 90% bound,
  ``1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)``, as in Theta methods) pooled:
  their mean autocorrelation above the bound of a mean
  (:func:`pooled_seasonal_test`; one series: the classical test), so that
  the 5% or so of many random walks that pass one by one make no season;
  log variants only if every value is positive;
- a seasonal stage's window spans at least two seasons when the parts are
  long enough (at most :data:`MAX_SEASON_WINDOW` steps);
- after the first stage (whose scalings are peers), a change must beat the
  best so far by more than one standard error of the per-origin differences
  (the one-standard-error rule of model selection): on a short or noisy
  validation slice, where a difference of a few percent is luck, the
  default stays;
- short series (every training part under :data:`LONG` points, the 100-150
  point series of yearly or quarterly data) get a smaller search, so that
  fewer lucky scores compete: the hidden stage tries only 8 units and the
  window stage only 12 steps (a network of 32 units has more weights than
  such a series has points; a window of 48 leaves it few windows); the
  linear part and the ensemble of the best members stay. Their validation
  slice stays at 12 points per series (it grows only on long series, see
  :func:`validation_sizes`), so as not to take their training windows;
- short series with fewer than :data:`FEW_ORIGINS` validation origins in all
  (fewer than four series of 12) run the whole search, when there is one
  (not every configuration key given), :data:`SEARCHES`
  times, with seeds ``seed``, ``seed + 1``, ..., and the forecast averages
  each search's best members (:func:`searches`): on 12 to 36 validation
  points the configuration a search picks is partly luck, and averaging
  searches that were lucky differently (bagging the choice) lowers that
  variance at three times the cost of a search that takes seconds;
- when the scaling is searched, a second stage tries a linear part of each
  order in :data:`AR_ORDERS` under the network (see
  :class:`~.transforms.Transform`, ``ar``): a short one (2, a cycle) and a
  year of monthly steps (12); it is fitted per series on the training part;
- every network on changes starts silent (a zero output layer: the
  forecast its scaling implies, last value plus the mean change, or the
  seasonal naive plus the mean seasonal change, plus the linear part if any)
  and validation scores that start before the first epoch: early stopping
  keeps it when training does not improve on it.

:func:`train_candidate` trains one configuration and is the unit a parallel
backend may map over tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.network import build_model
from ..training.fit import fit as fit_network
from .ensemble import Candidate, Member, ValidationStop
from .transforms import LEVEL_SCALINGS, MIN_SEASONS, SEASONAL, Transform, windows

# searched in this order; level-only scalings are left out of the search: a
# network on scaled levels cannot extrapolate past the training range (trends,
# prices at new highs), which the validation slice does not always reveal
AUTO_SCALINGS = ("diff", "diff+level")
LOG_SCALINGS = ("logdiff", "logdiff+level")  # added for positive series, no season
DEFAULTS = {"scaling": "diff", "hidden": 16, "window": 24, "lr": 0.01}
ALTERNATIVES = {"hidden": (8, 32), "window": (12, 48), "lr": (0.003, 0.03)}
SHORT_ALTERNATIVES = {"hidden": (8,), "window": (12,), "lr": ALTERNATIVES["lr"]}
AR_ORDERS = (2, 12)  # orders of the linear part the second stage tries
MIN_GAIN = 0.01  # a candidate must beat the best validation score by 1 %
KPSS_5 = 0.463  # 5% critical value of the KPSS level-stationarity statistic
MAX_WINDOWS = 512  # windows per epoch at most (the stride grows beyond that)
MAX_SEASON_WINDOW = 96  # longest window a seasonal candidate gets
VAL_SIZE = 12  # validation points per series by default
MIN_VAL_ORIGINS = 24  # the default slice grows to this many origins in all ...
LONG = 150  # ... on series at least this long (short ones keep theirs)
SEARCHES = 3  # searches averaged on short series with ...
FEW_ORIGINS = 48  # ... fewer validation origins than this in all


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


def check_params(p: dict) -> None:
    """Validate a forecaster's constructor arguments; ValueError names the bad one."""
    from ..engine.network import MODELS
    from ..engine.validate import check_positive_int
    from .transforms import SCALINGS

    if p["cell"] not in MODELS:
        raise ValueError(
            f"cell: expected one of {', '.join(MODELS)}, got {p['cell']!r}"
        )
    if p["scaling"] != "auto" and p["scaling"] not in SCALINGS:
        raise ValueError(
            f"scaling: expected 'auto' or one of {', '.join(SCALINGS)}, "
            f"got {p['scaling']!r}"
        )
    if p["select"] not in ("network", "best"):
        raise ValueError(f"select: expected 'network' or 'best', got {p['select']!r}")
    for name in ("layers", "epochs", "patience", "batch_size", "ensemble"):
        check_positive_int(name, p[name])
    for name in ("hidden", "window", "tbptt", "season"):
        if p[name] is not None:
            check_positive_int(name, p[name])
    for name in ("lr", "clip_norm", "clip_value"):
        v = p[name]
        ok = isinstance(v, int | float | np.number) and not isinstance(v, bool)
        if v is not None and not (ok and 0 < float(v) < np.inf):
            raise ValueError(f"{name}: expected a positive number, got {v!r}")
    v = p["val_size"]
    ok = isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 0
    if v is not None and not ok:
        raise ValueError(f"val_size: expected an integer >= 0 or None, got {v!r}")
    if isinstance(p["seed"], bool) or not isinstance(p["seed"], int | np.integer):
        raise ValueError(f"seed: expected an integer, got {p['seed']!r}")


def validation_sizes(lengths: list[int], val_size: int | None) -> list[int]:
    """Validation points per series: at most a quarter of each.

    An explicit ``val_size`` is used as given. The default (None) holds out
    :data:`VAL_SIZE` points per series and, when that gives fewer than
    :data:`MIN_VAL_ORIGINS` origins in all, raises the share of the series
    of at least :data:`LONG` points (equally) until it does: one long
    series then validates on 24 points instead of 12 (a steadier choice,
    and enough residuals for a 95% interval). Short series keep 12: their
    training windows are too few to give up.
    """
    size = VAL_SIZE if val_size is None else int(val_size)
    base = [min(size, n // 4) for n in lengths]
    long = [k for k, n in enumerate(lengths) if n >= LONG]
    missing = MIN_VAL_ORIGINS - sum(base)
    if val_size is not None or missing <= 0 or not long:
        return base
    extra = -(-missing // len(long))
    for k in long:
        base[k] = min(base[k] + extra, lengths[k] // 4)
    return base


def lag_autocorrelation(y: np.ndarray, m: int) -> tuple[float, float] | None:
    """(r_m, its variance under no season) of the first differences of ``y``.

    Bartlett's variance ``(1 + 2 sum_{k<m} r_k^2) / n``; None when ``y`` is
    too short (two seasons of changes) or constant.
    """
    d = np.diff(np.asarray(y, dtype=np.float64))
    n = len(d)
    if m < 2 or n <= 2 * m:
        return None
    d = d - d.mean()
    var = float(d @ d)
    if var == 0:
        return None
    r = np.array([float(d[k:] @ d[:-k]) / var for k in range(1, m + 1)])
    return float(r[-1]), float((1 + 2 * np.sum(r[:-1] ** 2)) / n)


def seasonal_test(y: np.ndarray, m: int) -> bool:
    """True if the first differences of ``y`` autocorrelate at lag ``m`` (90%)."""
    return pooled_seasonal_test([y], m)


def pooled_seasonal_test(series, m: int) -> bool:
    """The test on the mean lag-``m`` autocorrelation of all ``series`` (90%).

    One series: the classical test. Many: their mean ``r_m`` against
    ``1.645 sqrt(sum var_i) / N``, so that 1,000 random walks, of which 5% or
    so pass one by one, do not make a season by their number.
    """
    stats = [s for s in (lag_autocorrelation(y, m) for y in series) if s]
    if not stats:
        return False
    r, var = np.array(stats).T
    return bool(r.mean() > 1.645 * np.sqrt(var.sum()) / len(r))


def all_positive(parts) -> bool:
    """True if every value of every part is > 0 (the log scalings need it)."""
    return all((np.asarray(p) > 0).all() for p in parts)


def seasonal_scalings(parts, season: int | None) -> tuple[str, ...]:
    """The seasonal scalings the first stage adds (none if the rules say no)."""
    if not season or season < 2:
        return ()
    if min(len(p) for p in parts) < MIN_SEASONS * season:
        return ()
    if not pooled_seasonal_test(parts, season):
        return ()
    if all_positive(parts):
        return ("logdiff+lag", "logsdiff", "logdiff+sa", "loghw")
    return ("diff+lag", "sdiff", "diff+sa", "hw")


def kpss(y: np.ndarray) -> float:
    """KPSS statistic of level stationarity (Kwiatkowski et al. 1992).

    The partial sums of the demeaned series over ``n^2`` times their
    long-run variance (Bartlett window of ``4 (n / 100)^(1/4)`` lags, as in
    auto.arima); above :data:`KPSS_5` the series is not level-stationary at 5%.
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    e = y - y.mean()
    s = np.cumsum(e)
    lags = min(int(4 * (n / 100) ** 0.25), n - 1)
    lr = float(e @ e) / n
    for k in range(1, lags + 1):
        lr += 2 * (1 - k / (lags + 1)) * float(e[k:] @ e[:-k]) / n
    return float(s @ s) / (n * n * lr) if lr > 0 else np.inf


def first_scalings(parts, seasonal: tuple[str, ...]) -> tuple[str, ...]:
    """The first stage's scalings: the plain ones and the seasonal ``seasonal``.

    Positive series without a season also get the log changes
    (:data:`LOG_SCALINGS`): growth that compounds, cycles on a log scale.
    The scalings that give the network the level (``+level``) stay only if
    at least half the parts are level-stationary by the KPSS test at 5% (the
    test auto.arima uses to choose between levels and changes): a random
    walk's level says nothing of its next change, and a network given it
    learns a pull back that the validation slice may reward by luck.
    """
    logs = not seasonal and all_positive(parts)
    out = (*AUTO_SCALINGS, *(LOG_SCALINGS if logs else ()), *seasonal)
    if not seasonal and max(len(p) for p in parts) < LONG:
        out += ("loges" if logs else "es",)
    if np.mean([kpss(p) < KPSS_5 for p in parts]) < 0.5:
        out = tuple(s for s in out if not s.endswith("+level"))
    return out


def plan_stages(fixed: dict, start: dict, scalings, origins, short=False) -> list:
    """The search stages: lists of changes to the best configuration so far.

    ``scalings``: the first stage's (see :func:`first_scalings`); ``short``:
    the training parts are short (see the module's rules).
    """
    if fixed["scaling"] is not None or not origins:
        plan = [[start]]
    else:
        plan = [[dict(start, scaling=s) for s in scalings]]
        plan.append([{"ar": p} for p in AR_ORDERS])
    if origins:
        for k, alts in (SHORT_ALTERNATIVES if short else ALTERNATIVES).items():
            if fixed[k] is None:
                plan.append([{k: a} for a in alts])
    return plan


def season_window(window: int, season: int | None, longest: int) -> int:
    """A seasonal candidate's window: two seasons when the parts allow it."""
    if not season:
        return window
    two = min(2 * season, MAX_SEASON_WINDOW)
    return max(window, two) if longest >= 4 * two else window


def searches(parts, origins, fixed: dict) -> int:
    """How many searches the forecaster averages (see the module's rules).

    One if nothing is searched (every key of ``fixed`` given).
    """
    short = max(len(p) for p in parts) < LONG
    searched = any(v is None for v in fixed.values())
    return SEARCHES if searched and short and 0 < len(origins) < FEW_ORIGINS else 1


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
    plan = plan_stages(fixed, start, scalings, origins, longest + 1 < LONG)
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
                     ar=cfg.get("ar", 0))  # fmt: skip
    cand.window = min(cand.window, max(longest, 1))
    return cand


def training_windows(cand: Candidate, transforms: dict, setup: Setup):
    """The (inputs, targets) windows of every series' training part."""
    seqs, tgs = [], []
    parts = setup.parts
    skip = {n: transforms[n].defined - 1 for n in setup.names}  # undefined changes
    count = sum(max(1, len(p) - cand.window) for p in parts)
    stride = max(1, cand.window // 4, -(-count // MAX_WINDOWS))
    for n, p in zip(setup.names, parts, strict=True):
        X, Y = transforms[n].features(p), transforms[n].targets(p)
        X, Y = X[skip[n] :], Y[skip[n] :]
        for a, b in windows(len(X), cand.window, stride):
            seqs.append(X[a:b])
            tgs.append(Y[a:b])
    return seqs, tgs


def train_candidate(cand: Candidate, setup: Setup, index: int, total: int,
                    run=None) -> Member:  # fmt: skip
    """Train one candidate with early stopping on validation; return it as a Member.

    Sets ``cand.score`` (mean validation MAE over the naive unit) and
    ``cand.epochs``. Depends only on its arguments and ``setup.seed``: the
    candidates can be trained in any order or in parallel.
    """
    from ..engine.sizing import check_training_memory

    cand.seed = int(setup.seed)
    transforms = {
        n: Transform(cand.scaling, n, cand.season, cand.ar).fit(p)
        for n, p in zip(setup.names, setup.parts, strict=True)
    }
    seqs, tgs = training_windows(cand, transforms, setup)
    feats = transforms[setup.names[0]].n_features
    check_training_memory(
        setup.cell, cand.hidden, setup.layers, cand.window,
        min(setup.batch_size, len(seqs)), feats,
    )  # fmt: skip
    cfg = {"cell": setup.cell, "input_size": feats, "hidden_size": cand.hidden}
    cfg.update(num_layers=setup.layers, seed=setup.seed)
    if setup.cell == "rnn":
        cfg["nonlinearity"] = "tanh"
    model = build_model(cfg)
    silent = cand.scaling not in LEVEL_SCALINGS
    if silent:  # a zero head: the member starts as the forecast its scaling implies
        state = model.state_dict()
        state["head.weight"][:] = 0.0
        state["head.bias"][:] = 0.0
        model.load_state_dict(state)
    n_targets = sum(len(t) for t in tgs)
    member = Member(cand, model, transforms)

    def report(epoch, logs, score):
        if setup.on_epoch is not None:
            setup.on_epoch({
                "candidate": index, "candidates": total, "epoch": epoch,
                "epochs": setup.epochs, "loss": logs["loss"] / n_targets,
                "val": score, "config": cand.key(),
            })  # fmt: skip

    origins = setup.origins
    stopper = ValidationStop(member, setup.values, origins, setup.names,
                             setup.parts, setup.patience, report)  # fmt: skip
    if silent:  # validation may keep that starting forecast
        stopper.observe(-1)
    epochs = setup.epochs if origins else min(setup.epochs, 100)
    ck = {}
    if run is not None:
        ck["checkpoint"], ck["resume"] = run.candidate(index)
        ck["checkpoint_every"] = run.every
        ck["metadata"] = {
            "format": "unrolled.forecaster-candidate",
            "index": index,
            "candidate": dict(cand.__dict__),
        }
    fit_network(
        model, seqs, tgs, epochs=epochs, lr=cand.lr, batch_size=setup.batch_size,
        per_step=True, clip_norm=setup.clip_norm, clip_value=setup.clip_value,
        tbptt=setup.tbptt, seed=setup.seed,
        callbacks=[*setup.callbacks, stopper], **ck,
    )  # fmt: skip
    if origins:
        model.load_state_dict(stopper.weights)
        cand.score, cand.epochs = stopper.best, stopper.epoch + 1
        best = stopper.best_errors  # None after a resume that found no better
        member.val_errors = stopper.errors() if best is None else best
    else:
        cand.score, cand.epochs = np.nan, epochs
    return member
