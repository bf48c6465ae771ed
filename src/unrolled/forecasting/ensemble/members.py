"""The ensemble: its members and how their forecasts are combined.

A member is a trained network (:class:`Member`: a
:class:`~.models.networks.Network` over a scaling, or a hybrid, a network on
a classical model's errors) or a classical model
(:class:`ClassicalMember`, refitted on the history before every origin). The
configuration search of :class:`~unrolled.forecasting.forecaster.Forecaster`
keeps the few best networks on the validation slice; the forecast is the
weighted mean of the members' forecasts (:func:`one_step`; a member with a
``weight`` counts as that many: the classical members weigh against the
networks' mean by their validation errors, :func:`weigh_by_validation`).
Averaging costs no extra training and removes much of what any single run
owes to its seed and to the luck of the selection. Saving and loading:
:mod:`.saved`.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

import numpy as np

from ...training.callbacks import EarlyStopping
from ..features.transforms import Transform
from ..models.chunks import release_memory
from ..models.classical import Classical, SeasonalNaive, from_scaling
from ..models.hybrid import Hybrid, is_hybrid
from ..models.networks import Network
from ..models.residuals import MIN_MODELLED_SEASONS
from ..models.residuals import SHORT as WITHOUT_SEASON

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
    exog: bool = False  # the covariates are inputs (see .covariates)

    def key(self) -> tuple:
        key = (self.scaling, self.hidden, self.window, self.lr, self.ar)
        return (*key, True) if self.exog else key


@dataclass
class Member:
    """A trained network in the ensemble: its search candidate and the fitted
    :class:`~.models.networks.Network` (its weights and per-series transforms).

    A network on a classical model's errors (a scaling in
    :data:`~.models.residuals.MODELLED`) is a hybrid: its :attr:`name` says
    both parts (:class:`~.models.hybrid.Hybrid`). What only the ensemble
    holds is here: the validation errors and the weight in the mean.
    """

    candidate: Candidate
    network: Network  # the fitted model: RNN, LSTM or GRU over a scaling
    val_errors: np.ndarray | None = None  # per validation origin (the search's)
    weight: float = 1.0  # its weight in the mean, as so many members
    refits = False  # its transforms are kept from training

    @property
    def model(self):
        """The trained engine network (:class:`unrolled.GRU`, ...)."""
        return self.network.module_

    @property
    def transforms(self) -> dict[str, Transform]:
        """Each training series' fitted transform, by name."""
        return self.network.transforms_

    @property
    def kind(self) -> str:
        """``hybrid`` on a classical model's errors, else ``network``."""
        return "hybrid" if is_hybrid(self.candidate.scaling) else "network"

    @property
    def name(self) -> str:
        """``GRU(logdiff)``, or ``Hybrid(HoltWinters(log), GRU)`` for a hybrid."""
        cell, scaling = type(self.network).__name__, self.candidate.scaling
        if self.kind == "hybrid":
            return Hybrid.of(scaling, self.candidate.season, cell).name
        return f"{cell}({scaling})"

    @property
    def score(self) -> float:
        """Mean validation error (see :class:`ValidationStop`)."""
        return self.candidate.score

    def transforms_for(self, names, values, fit_upto=None) -> list[Transform]:
        """Saved transforms for known names; new ones fitted on the history given."""
        return self.network.transforms_for(names, values, fit_upto)

    def one_step(self, values, origins, names, fit_upto=None, refit_upto=None,
                 skip=None) -> np.ndarray:  # fmt: skip
        """Forecast ``values[i][o]`` from ``values[i][:o]`` for every (i, o).

        ``refit_upto`` is for the members that refit (:class:`ClassicalMember`);
        ``skip``: NaN at those origins (see :meth:`prepare`).
        """
        return self.network.one_step(values, origins, names, fit_upto, skip,
                                     refit_upto)  # fmt: skip

    @property
    def n_features(self) -> int:
        """Inputs per step of the member's network (covariates included)."""
        return self.network.n_features

    @property
    def covariates(self):
        """The fitted covariates its network reads (None: none)."""
        return self.network.covariates

    @covariates.setter
    def covariates(self, value) -> None:
        self.network.covariates = value

    @property
    def reads_covariates(self) -> bool:
        """Whether the covariates are among its inputs."""
        return self.candidate.exog and self.covariates is not None

    @property
    def takes_logs(self) -> bool:
        """Whether the member's scaling reads the log of the values."""
        return self.network.takes_logs

    def dropped(self, values, origins, names, refit_upto=None) -> np.ndarray:
        """Origins at which the member cannot forecast: ``(len(origins),)`` bools.

        A member that :attr:`takes_logs` cannot read a history holding a
        value <= 0, which a recursive path can reach (a forecast of the
        other members fed back in). It drops out of the combination at that
        origin (:func:`one_step`); see :meth:`.models.networks.Network.dropped`.
        """
        return self.network.dropped(values, origins, names)

    def prepare(self, values, origins, names, fit_upto=None, refit_upto=None,
                skip=None) -> tuple[list, list]:  # fmt: skip
        """What :meth:`one_step` needs besides the network's weights: the input
        window and the inverter at every origin
        (:meth:`.models.networks.Network.prepare`). :class:`ValidationStop`
        prepares them once and scores the network after every epoch with
        :meth:`forecast`. ``skip``: those origins forecast NaN.
        """
        return self.network.prepare(values, origins, names, fit_upto, skip,
                                    refit_upto)  # fmt: skip

    def forecast(self, prepared: tuple, keep_memory: bool = False) -> np.ndarray:
        """The one-step forecasts of :meth:`prepare`'s windows and inverters
        (or of :meth:`packed`'s); ``keep_memory``: see
        :meth:`.models.networks.Network.forecast`."""
        return self.network.forecast(prepared, keep_memory)

    def packed(self, prepared: tuple[list, list]) -> tuple:
        """:meth:`prepare`'s result made ready for many :meth:`forecast` calls
        (:meth:`.models.networks.Network.packed`)."""
        return self.network.packed(prepared)

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
        return meta


class ClassicalMember:
    """A classical model in the ensemble, refitted before every forecast origin.

    ``model`` (a :class:`~.models.classical.Classical`, unfitted) gives its
    arguments; at each origin a copy is fitted on the history before it
    (before a recursive path's first forecast: ``refit_upto``) and
    forecasts one step. ``score`` and ``val_errors`` are its validation
    errors, as a network's. A history too short for its season is fitted
    with its variant without one (:meth:`model_for`).
    """

    kind = "classical"
    refits = True

    def __init__(self, model: Classical, weight: float = 1.0, score: float = np.nan,
                 val_errors: np.ndarray | None = None):  # fmt: skip
        self.model, self.weight = model, weight
        self.score, self.val_errors = score, val_errors
        # fitted models by (name, length, digest of the history): a path's
        # h steps, and the validation origins scored twice, fit once
        self._refitted: dict = {}

    @property
    def name(self) -> str:
        """The model's name and arguments, e.g. ``Theta(season=12, log=True)``."""
        return repr(self.model)

    @property
    def takes_logs(self) -> bool:
        return self.model.takes_logs

    def model_for(self, n: int) -> Classical:
        """The model fitted on a history of ``n`` points: the member's, or on
        one under :data:`~.residuals.MIN_MODELLED_SEASONS` seasons (a short
        series of a seasonal group, :func:`.plan.classical_members`) its
        variant without a season, which never raises for the length: the
        method a short series' network reads in its place
        (:data:`.residuals.SHORT`: Theta without a season for Theta,
        exponential smoothing (damped trend) for Holt-Winters and the
        airline model). Seasonal naive keeps its own (the last value under
        one season)."""
        m = self.model
        season = m.season
        if (
            not season
            or isinstance(m, SeasonalNaive)
            or n >= MIN_MODELLED_SEASONS * season
        ):
            return copy.copy(m)
        return from_scaling(WITHOUT_SEASON[m.scaling], None)

    def _refit(self, name, v) -> Classical:
        """The model fitted on ``v``, reused for the same history (the last
        :data:`REFITS` kept)."""
        v = np.ascontiguousarray(v, dtype=np.float64)
        key = (name, len(v), hashlib.sha256(v.tobytes()).digest())
        fitted = self._refitted.pop(key, None)
        if fitted is None:
            fitted = self.model_for(len(v)).fit(v, name)
        self._refitted[key] = fitted  # the newest last
        if len(self._refitted) > REFITS:
            del self._refitted[next(iter(self._refitted))]
        return fitted

    def dropped(self, values, origins, names, refit_upto=None) -> np.ndarray:
        """Origins whose history (all of it) a model on logs cannot read."""
        if not self.takes_logs:
            return np.zeros(len(origins), dtype=bool)
        return np.array([bool((values[i][:o] <= 0).any()) for i, o in origins])

    def one_step(self, values, origins, names, fit_upto=None, refit_upto=None,
                 skip=None) -> np.ndarray:  # fmt: skip
        """Forecast ``values[i][o]`` for every (i, o), fitted on
        ``values[i][:o]`` (or ``[:refit_upto[i]]``); NaN where ``skip``."""
        out = np.empty(len(origins))
        for k, (i, o) in enumerate(origins):
            if skip is not None and skip[k]:
                out[k] = np.nan
                continue
            stop = o if refit_upto is None else min(o, refit_upto[i])
            out[k] = self._refit(names[i], values[i][:stop]).one_step(values[i][:o])
        return out

    def validate(self, values, origins, names, parts) -> ClassicalMember:
        """Score it on the validation ``origins`` (``score``, ``val_errors``),
        fitted once per series on its training part (``parts``), as the
        networks and a hybrid's classical model are, then run on to each
        origin with those parameters (statsforecast's ``refit=False``)."""
        if not origins:
            self.score = np.nan
            return self
        truth, unit = validation_targets(values, origins, parts)
        fits = [len(p) for p in parts]
        pred = self.one_step(values, origins, names, refit_upto=fits)
        self.val_errors = np.abs(pred - truth) / unit
        self.score = float(np.mean(self.val_errors))
        return self

    def to_meta(self) -> dict:
        """Plain JSON data: the model, its weight and validation score."""
        return {"classical": self.model.to_dict(), "weight": self.weight,
                "score": self.score}  # fmt: skip


def validation_targets(values, origins, parts) -> tuple[np.ndarray, np.ndarray]:
    """(the value at every origin, the naive unit of its series' training
    part): what a validation error is measured against, and scaled by."""
    from ..features.transforms import naive_unit

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

        The windows and inverters are prepared on the first call and kept,
        packed (:meth:`Member.packed`): the member's transforms do not change
        while its weights train. The network keeps its tape buffers from one
        call to the next (the fit releases them at its end; so does
        :meth:`release`).
        """
        if self.prepared is None:
            prepared = self.member.prepare(self.values, self.origins, self.names)
            self.prepared = self.member.packed(prepared)
        pred = self.member.forecast(self.prepared, keep_memory=True)
        return np.abs(pred - self.truth) / self.unit

    def release(self) -> None:
        """Drop the packed windows and the network's tape buffers."""
        self.prepared = None
        release_memory(self.member.model)

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


def one_step(members, values, origins, names, fit_upto=None, refit_upto=None,
             dropouts=None) -> np.ndarray:  # fmt: skip
    """The members' weighted mean one-step forecast (see :meth:`Member.one_step`).

    The rule for a history a member cannot read (:meth:`Member.dropped`: a
    value <= 0 before a member that takes logs, which only a recursive path
    brings): the member drops out of that origin's mean and the others'
    weights are renormalized. ``dropouts`` (a list) receives ``(k, member)``
    for every such origin ``k``. When no member is left (the history given
    is itself not positive) the member's own error is raised.
    """
    out = np.zeros((len(members), len(origins)), dtype=bool)
    if any(m.takes_logs for m in members) and any((v <= 0).any() for v in values):
        out = np.array([m.dropped(values, origins, names, refit_upto) for m in members])
    preds = np.array([
        m.one_step(values, origins, names, fit_upto, refit_upto, skip)
        for m, skip in zip(members, out if out.any() else [None] * len(members),
                           strict=True)
    ])  # fmt: skip
    weights = np.array([m.weight for m in members])
    if not out.any():
        return np.average(preds, axis=0, weights=weights)
    gone = out.all(axis=0)
    if gone.any():  # the history itself: the error it always gave
        k = int(np.argmax(gone))
        members[0].one_step(values, origins[k : k + 1], names, fit_upto, refit_upto)
        raise ValueError(f"series {names[origins[k][0]]!r}: no member can forecast")
    mean = np.empty(preds.shape[1])
    for k in range(preds.shape[1]):
        keep = ~out[:, k]
        mean[k] = np.average(preds[keep, k], weights=weights[keep])
        if dropouts is not None:
            dropouts.extend((k, members[j]) for j in np.flatnonzero(out[:, k]))
    return mean


def weigh_by_validation(networks, classical, values, origins, names, parts
                        ) -> None:  # fmt: skip
    """Weigh each classical member against the networks' mean by validation.

    The inverse-error combination of Bates and Granger (1969): with ``e`` the
    validation score (:class:`ValidationStop`'s: the mean one-step absolute
    error over the naive unit, at the validation ``origins``), the networks'
    (equally weighted) mean and each classical member share the forecast in
    proportion to ``1 / e``. A classical member's ``e`` is its ``score``
    (:meth:`ClassicalMember.validate`, on these origins). As a
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
        m.weight = k * base / max(m.score, 1e-12)


def digest(model) -> str:
    """SHA-256 over every parameter's name, shape, dtype and bytes."""
    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        h.update(f"{name}{p.shape}{p.dtype.str}".encode())
        h.update(np.ascontiguousarray(p).tobytes())
    return h.hexdigest()
