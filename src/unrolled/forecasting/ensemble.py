"""Members of a forecaster: trained networks with their scalers, averaged.

The configuration search of :class:`~unrolled.forecasting.forecaster.Forecaster`
trains one network per candidate configuration; the few best on the
validation slice are kept as *members*, and the forecast is the mean of their forecasts
(a member with a ``weight`` counts as that many: the classical members weigh
against the networks' mean by their validation errors, see
:func:`weigh_by_validation`; having no trained weights, they ``refit`` their
parameters on the history before every origin). Averaging costs no extra
training (they were trained anyway) and removes much of what any single run
owes to its seed and to the luck of the selection.

A saved forecaster is a model directory (the best member, with everything
else in its JSON metadata) plus one model directory per further member,
named after the digest of its weights (``member-<sha256 prefix>/``). The
members are written first and the top-level ``model.json`` last, so a crash
or Ctrl-C mid-save leaves the previous forecaster whole; member folders that
the new ``model.json`` no longer names are removed after it is in place. The
metadata records every member's SHA-256, so a swapped member is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.validate import is_real
from ..training.callbacks import EarlyStopping
from .transforms import Transform
from .windows import predict_in_chunks

REFITS = 4096  # refitted transforms a member keeps (a few MB at most)


@dataclass
class Candidate:
    """One point of the search and what validation said about it."""

    scaling: str
    hidden: int
    window: int
    lr: float
    score: float = np.inf  # mean validation MAE / naive in-sample MAE
    epochs: int = 0  # epoch of the best validation score, plus one
    season: int | None = None  # season length of a seasonal scaling
    ar: int = 0  # order of the linear part (see Transform)
    seed: int | None = None  # the seed it trained with (one per search)

    def key(self) -> tuple:
        return (self.scaling, self.hidden, self.window, self.lr, self.ar)


@dataclass
class Member:
    """A trained network, its configuration and its per-series transforms."""

    candidate: Candidate
    model: object  # RNN, LSTM or GRU
    transforms: dict[str, Transform]
    val_errors: np.ndarray | None = None  # per validation origin (the search's)
    weight: float = 1.0  # its weight in the mean, as so many members
    refits: bool = False  # its transform refitted on the history at each origin
    # refitted transforms by (name, length, digest of the history): a path's
    # h steps, and the validation origins scored twice, fit once
    _refitted: dict = field(default_factory=dict, repr=False, compare=False)

    def _fitted(self, name, v) -> Transform:
        c = self.candidate
        return Transform(c.scaling, name, c.season, c.ar).fit(v)

    def _refit(self, name, v) -> Transform:
        """:meth:`_fitted` on ``v``, reused for the same history (the last
        :data:`REFITS` kept)."""
        v = np.ascontiguousarray(v, dtype=np.float64)
        key = (name, len(v), hashlib.sha256(v.tobytes()).digest())
        tf = self._refitted.pop(key, None)
        if tf is None:
            tf = self._fitted(name, v)
        self._refitted[key] = tf  # the newest last
        if len(self._refitted) > REFITS:
            del self._refitted[next(iter(self._refitted))]
        return tf

    def transforms_for(self, names, values, fit_upto=None) -> list[Transform]:
        """Saved transforms for known names; new ones fitted on the history given."""
        out = []
        for i, (n, v) in enumerate(zip(names, values, strict=True)):
            if n in self.transforms:
                out.append(self.transforms[n])
            else:
                stop = len(v) if fit_upto is None else fit_upto[i]
                out.append(self._fitted(n, v[:stop]))
        return out

    def one_step(self, values, origins, names, fit_upto=None, refit_upto=None
                 ) -> np.ndarray:  # fmt: skip
        """Forecast ``values[i][o]`` from ``values[i][:o]`` for every (i, o).

        A member that ``refits`` (a classical one) fits its transform on
        ``values[i][:o]`` at every origin, or on ``values[i][:refit_upto[i]]``
        when given (a recursive path: the history before its forecasts).
        """
        return self.forecast(self.prepare(values, origins, names, fit_upto, refit_upto))

    def prepare(self, values, origins, names, fit_upto=None, refit_upto=None
                ) -> tuple[list, list]:  # fmt: skip
        """What :meth:`one_step` needs besides the network: the input window
        and the :meth:`~.transforms.Transform.inverter` at every origin.

        They depend on the transforms and the values only, not on the
        weights: :class:`ValidationStop` prepares them once and scores the
        network after every epoch with :meth:`forecast`.
        """
        if self.refits:
            stops = [o if refit_upto is None else min(o, refit_upto[i])
                     for i, o in origins]  # fmt: skip
            tfs = [self._refit(names[i], values[i][:s])
                   for (i, _), s in zip(origins, stops, strict=True)]  # fmt: skip
        else:
            by_series = self.transforms_for(names, values, fit_upto)
            tfs = [by_series[i] for i, _ in origins]
        window = self.candidate.window
        seqs, inverters = [], []
        for tf, (i, o) in zip(tfs, origins, strict=True):
            back = tf.lookback  # points the first input's change needs
            ctx = values[i][max(0, o - window - back) : o]
            tail = tf.features(ctx)[-max(window, tf.ar) :].copy()
            seqs.append(tail[-window:])  # a copy: not the whole history's inputs
            inverters.append(tf.inverter(ctx, tail))
        return seqs, inverters

    def forecast(self, prepared: tuple[list, list]) -> np.ndarray:
        """The one-step forecasts of :meth:`prepare`'s windows and inverters."""
        seqs, inverters = prepared
        out = predict_in_chunks(self.model, seqs)  # memory flat in len(origins)
        return np.array([f(out[k]) for k, f in enumerate(inverters)], dtype=np.float64)

    def to_meta(self) -> dict:
        """Plain JSON data: configuration, scalers, weights digest (and the
        member's weight in the mean when it is not 1)."""
        meta = {
            "candidate": dict(self.candidate.__dict__),
            "transforms": {n: t.to_dict() for n, t in self.transforms.items()},
            "digest": digest(self.model),
        }
        if self.weight != 1:
            meta["weight"] = self.weight
        if self.refits:
            meta["refits"] = True
        return meta


def validation_targets(values, origins, parts) -> tuple[np.ndarray, np.ndarray]:
    """(the value at every origin, the naive unit of its series' training
    part): what a validation error is measured against, and scaled by."""
    from .transforms import naive_unit

    truth = np.array([values[i][o] for i, o in origins])
    return truth, np.array([naive_unit(parts[i]) for i, _ in origins])


class ValidationStop(EarlyStopping):
    """Early stopping of one member on the validation slice: a stateful fit callback.

    After each epoch it scores the member's one-step forecasts at ``origins``
    (mean absolute error over the naive in-sample MAE of each series) and
    hands the score to :class:`~unrolled.training.callbacks.EarlyStopping`,
    which keeps the best weights and stops after ``patience`` epochs without
    a better score. With no origins it never stops. ``report(epoch, logs,
    score)`` is called every epoch (progress). Its state rides in fit
    checkpoints, so a resumed run stops where an uninterrupted one would.
    """

    def __init__(self, member, values, origins, names, parts, patience, report):
        super().__init__(member.model, patience if origins else None)
        self.member, self.values, self.origins = member, values, origins
        self.names, self.report = names, report
        self.truth, self.unit = validation_targets(values, origins, parts)
        self.best_errors = None
        self.prepared = None  # the member's windows and inverters (errors())

    def errors(self) -> np.ndarray:
        """Scaled absolute error of the member's forecast at every origin.

        The windows and inverters are prepared on the first call and kept:
        the member's transforms do not change while its weights train.
        """
        if self.prepared is None:
            self.prepared = self.member.prepare(self.values, self.origins, self.names)
        pred = self.member.forecast(self.prepared)
        return np.abs(pred - self.truth) / self.unit

    def observe(self, epoch: int) -> float:
        """Score the member as it is now, as ``epoch``; NaN with no origins.

        The mean of :meth:`errors`; when it is the best so far, those errors
        are kept as ``best_errors`` (None until then, and after a resume
        until a new best: they are not part of the checkpointed state).
        """
        if not self.origins:
            return np.nan
        errors = self.errors()
        score = float(np.mean(errors))
        if self.update(score, epoch):
            self.best_errors = errors
        return score

    def load_state_dict(self, state: dict) -> None:
        """Restore a checkpointed state; the best's errors are then unknown."""
        super().load_state_dict(state)
        self.best_errors = None

    def __call__(self, epoch: int, logs: dict) -> bool:
        score = self.observe(epoch)
        self.report(epoch, logs, score)
        return self.should_stop


def one_step(members, values, origins, names, fit_upto=None, refit_upto=None
             ) -> np.ndarray:  # fmt: skip
    """The members' weighted mean one-step forecast (see :meth:`Member.one_step`)."""
    preds = [m.one_step(values, origins, names, fit_upto, refit_upto) for m in members]
    return np.average(preds, axis=0, weights=[m.weight for m in members])


def weigh_by_validation(networks, classical, values, origins, names, parts
                        ) -> None:  # fmt: skip
    """Weigh each classical member against the networks' mean by validation.

    The inverse-error combination of Bates and Granger (1969): with ``e`` the
    validation score (:class:`ValidationStop`'s: the mean one-step absolute
    error over the naive unit, at the validation ``origins``), the networks'
    (equally weighted) mean and each classical member share the forecast in
    proportion to ``1 / e``. A classical member's ``e`` is its
    ``candidate.score``, measured when it was made on these origins. As a
    member counts as ``weight`` networks, a classical member weighs
    ``len(networks) * e_networks / e_member``. The networks were chosen on
    these origins, so their error there is if anything too low: the rule
    leans towards the networks. Without validation origins every method
    weighs the same (each classical member as much as all the networks).
    Errors are floored at 1e-12.
    """
    if not classical:
        return
    k = float(len(networks))
    if not origins:
        for m in classical:
            m.weight = k
        return
    truth, unit = validation_targets(values, origins, parts)
    pred = one_step(networks, values, origins, names)
    base = max(float(np.mean(np.abs(pred - truth) / unit)), 1e-12)
    for m in classical:
        m.weight = k * base / max(m.candidate.score, 1e-12)


def digest(model) -> str:
    """SHA-256 over every parameter's name, shape, dtype and bytes."""
    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        h.update(f"{name}{p.shape}{p.dtype.str}".encode())
        h.update(np.ascontiguousarray(p).tobytes())
    return h.hexdigest()


def save_members(directory, members: list[Member], meta: dict) -> Path:
    """Write the members (further ones first, the best one last, with ``meta``)."""
    from ..storage.atomic import locked_dir
    from ..storage.files import prepare_dir

    directory = prepare_dir(directory)
    with locked_dir(directory):  # a concurrent save waits: last complete one wins
        return _save_locked(directory, members, meta)


def _save_locked(directory: Path, members: list[Member], meta: dict) -> Path:
    """Write members, then the top model; on failure remove what this save made."""
    import shutil

    from ..storage.models import CONFIG, save_model

    entries, made = [], []
    try:
        for k, m in enumerate(members):
            entry = m.to_meta()
            entry["dir"] = "." if k == 0 else f"member-{entry['digest'][:16]}"
            if k:
                sub = directory / entry["dir"]
                if not sub.exists():
                    made.append(sub)
                save_model(sub, m.model, {"format": "member"})
            entries.append(entry)
        out = save_model(directory, members[0].model, dict(meta, members=entries))
    except BaseException:  # a full disk, Ctrl-C: no orphan member folders
        for sub in made:
            shutil.rmtree(sub, ignore_errors=True)
        raise
    keep = {e["dir"] for e in entries}
    for old in directory.glob("member-*"):  # members of an earlier save
        if old.name not in keep and (old / CONFIG).is_file():
            shutil.rmtree(old, ignore_errors=True)
    return out


def load_members(directory, meta: dict, best) -> list[Member]:
    """Rebuild the members listed in ``meta``; ``best`` is the top-level model."""
    from ..storage.models import ModelFileError, load_model

    directory, out = Path(directory), []
    for k, d in enumerate(meta["members"]):
        sub = str(d["dir"])
        named = re.fullmatch(r"member-[0-9a-f]{16}", sub) is not None
        if (k == 0 and sub != ".") or (k > 0 and not named):
            raise ModelFileError(f"{directory}: bad member folder name {sub!r}")
        model = best if k == 0 else load_model(directory / sub)[0]
        if digest(model) != d["digest"]:
            raise ModelFileError(
                f"{directory / sub}: weights do not match the digest recorded in "
                f"{directory / 'model.json'} (a stale or swapped member)"
            )
        cand = Candidate(**d["candidate"])
        tfs = {n: Transform.from_dict(t, n) for n, t in d["transforms"].items()}
        weight = d.get("weight", 1.0)
        if not (is_real(weight) and 0 < weight < np.inf):
            raise ModelFileError(f"{directory}: bad member weight {weight!r}")
        refits = d.get("refits", False)
        if not isinstance(refits, bool):
            raise ModelFileError(f"{directory}: bad member refits {refits!r}")
        out.append(Member(cand, model, tfs, weight=float(weight), refits=refits))
    return out
