"""The forecasting estimator: one global recurrent network over many series.

Every series is scaled on its own (fitted on the part the model trains on,
never on what it is scored on), cut into windows of at most ``window`` steps
(a short series is one window: nothing is dropped for being short, down to
:data:`~unrolled.forecasting.dataset.MIN_LENGTH` points), and every window
teaches the network
at every step (per-step targets: the value after each copy). One network
learns from all series at once.

The defaults are not tuned by hand on one data set: ``fit`` holds out the
last ``val_size`` points of each series and picks the scaling, hidden size,
window length and learning rate by a short greedy search on that validation
slice; the number of epochs is chosen by early stopping on it. Explicit
arguments shrink the search (``hidden=32`` is never second-guessed). The
forecast is the mean of the ``ensemble`` best networks of the search
(:mod:`unrolled.forecasting.ensemble`): no extra training, much less luck.

``fit(data, checkpoint=DIR)`` saves the whole search as it goes (one fit
checkpoint per configuration, see :mod:`unrolled.forecasting.checkpoint`);
``fit(data, resume=DIR)`` continues an interrupted one and ends with exactly
the forecaster of an uninterrupted run.

Example::

    from unrolled.forecasting.forecaster import Forecaster
    fc = Forecaster(seed=0).fit({"a": values_a, "b": values_b})
    fc.predict(horizon=3)          # {"a": array of 3, "b": array of 3}
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ..engine.network import MODELS, build_model
from ..errors import NotFittedError
from ..training.fit import fit as fit_network
from .data import as_dataset
from .ensemble import (
    Candidate,
    Member,
    ValidationStop,
    load_members,
    one_step,
    save_members,
)
from .history import (
    check_forecasts,
    check_known,
    frequency_warning,
    history_from_json,
    history_to_json,
)
from .transforms import SCALINGS, Transform, as_series, naive_unit, windows

__all__ = ["Forecaster", "NotFittedError", "Transform", "as_series", "windows"]
# searched in this order; level-only scalings are left out of the search: a
# network on scaled levels cannot extrapolate past the training range (trends,
# prices at new highs), which the validation slice does not always reveal
AUTO_SCALINGS = ("diff", "diff+level")
DEFAULTS = {"scaling": "diff", "hidden": 16, "window": 24, "lr": 0.01}
ALTERNATIVES = {"hidden": (8, 32), "window": (12, 48), "lr": (0.003, 0.03)}
MIN_GAIN = 0.01  # a candidate must beat the best validation score by 1 %
MAX_WINDOWS = 512  # windows per epoch at most (the stride grows beyond that)
FORMAT = "unrolled.forecaster"


# ---------------------------------------------------------------- estimator
class Forecaster:
    """A global recurrent network forecasting many series of different lengths.

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn"}
        Recurrent cell (``rnn`` is the lesson's Elman network, with tanh).
    hidden, window : int, optional
        Hidden units per layer; steps per training window (and of context
        at prediction time). Default: chosen on the validation slice.
    layers : int
        Stacked recurrent layers.
    scaling : {"auto", "minmax", "standard", "log", "diff", "diff+level", "logdiff"}
        Per-series scaling; ``auto`` chooses on the validation slice.
    lr : float, optional
        Adam learning rate. Default: chosen on the validation slice.
    epochs : int
        Most passes over the windows; early stopping usually ends sooner.
    patience : int
        Epochs without a better validation score before stopping.
    batch_size : int
        Windows per gradient step.
    ensemble : int
        Networks averaged: the best ones of the search on validation.
    val_size : int
        Points held out at the end of each series for validation (at most a
        quarter of the series); 0 trains ``epochs`` epochs with the defaults.
    seed : int
        Seeds the initial weights and the shuffling: same seed, same numbers.
    clip_norm : float or None
        Gradients are scaled down to this global norm (over all parameters)
        before each step; None: no clipping. Default 1.0.
    clip_value : float or None
        Every gradient entry is clipped to ``[-clip_value, clip_value]``
        (after ``clip_norm``); None (default): no clipping by value.
    tbptt : int or None
        Truncated BPTT: gradients flow back at most ``tbptt`` steps from each
        target (None, the default: through the whole window). Cheaper, and
        blind to dependencies longer than ``tbptt`` steps.
    on_epoch : callable, optional
        Called after every epoch with a dict (``candidate``, ``candidates``,
        ``epoch``, ``loss``, ``val``, ``config``); for progress bars.
    callbacks : sequence of callables
        Passed to :func:`unrolled.fit` (e.g. a gradient monitor).
    """

    def __init__(
        self,
        cell: str = "gru",
        hidden: int | None = None,
        window: int | None = None,
        layers: int = 1,
        scaling: str = "auto",
        lr: float | None = None,
        epochs: int = 300,
        patience: int = 20,
        batch_size: int = 32,
        ensemble: int = 4,
        val_size: int = 12,
        seed: int = 0,
        clip_norm: float | None = 1.0,
        clip_value: float | None = None,
        tbptt: int | None = None,
        on_epoch: Callable[[dict], None] | None = None,
        callbacks=(),
    ):
        self.cell, self.hidden, self.window, self.layers = cell, hidden, window, layers
        self.scaling, self.lr, self.epochs, self.patience = (
            scaling,
            lr,
            epochs,
            patience,
        )
        self.batch_size, self.ensemble = batch_size, ensemble
        self.val_size, self.seed = val_size, seed
        self.clip_norm, self.clip_value, self.tbptt = clip_norm, clip_value, tbptt
        self.on_epoch, self.callbacks = on_epoch, callbacks

    # ------------------------------------------------------------ validation
    def _check_params(self) -> None:
        from ..engine.validate import check_positive_int

        if self.cell not in MODELS:
            raise ValueError(
                f"cell: expected one of {', '.join(MODELS)}, got {self.cell!r}"
            )
        if self.scaling != "auto" and self.scaling not in SCALINGS:
            raise ValueError(
                f"scaling: expected 'auto' or one of {', '.join(SCALINGS)}, "
                f"got {self.scaling!r}"
            )
        for name in ("layers", "epochs", "patience", "batch_size", "ensemble"):
            check_positive_int(name, getattr(self, name))
        for name in ("hidden", "window", "tbptt"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        for name in ("lr", "clip_norm", "clip_value"):
            v = getattr(self, name)
            ok = isinstance(v, int | float | np.number) and not isinstance(v, bool)
            if v is not None and not (ok and 0 < float(v) < np.inf):
                raise ValueError(f"{name}: expected a positive number, got {v!r}")
        if isinstance(self.val_size, bool) or not (
            isinstance(self.val_size, int | np.integer) and self.val_size >= 0
        ):
            raise ValueError(
                f"val_size: expected an integer >= 0, got {self.val_size!r}"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise ValueError(f"seed: expected an integer, got {self.seed!r}")

    def _check_fitted(self) -> None:
        if not hasattr(self, "members_"):
            raise NotFittedError(
                "this Forecaster is not fitted yet: call fit(data) first "
                "(or Forecaster.load(directory))"
            )

    # ------------------------------------------------------------------- fit
    def fit(
        self, data, *, checkpoint=None, checkpoint_every: int = 1, resume=None
    ) -> Forecaster:
        """Choose the configuration on the validation slice and train the network.

        Parameters
        ----------
        data : Dataset, DataFrame, dict of arrays or list of arrays
            Every series' history, oldest first; all of it is used for
            training and validation (hold your test part out before).
        checkpoint : str or path-like, optional
            A new or empty folder that receives the state of the search as it
            goes: one fit checkpoint per configuration tried, saved every
            ``checkpoint_every`` epochs, when it stops and on Ctrl-C (see
            :mod:`unrolled.forecasting.checkpoint`).
        checkpoint_every : int
            Epochs between checkpoints.
        resume : str or path-like, optional
            A checkpoint folder of an interrupted fit with the same parameters
            and data: finished configurations are read back, the one in
            progress goes on at its next epoch, and the result is exactly that
            of an uninterrupted fit. Checkpoints go on being written there.

        Returns
        -------
        self

        Raises
        ------
        unrolled.TrainingInterrupted
            On Ctrl-C with ``checkpoint`` or ``resume``, once the state is
            saved; the message names the folder.
        ValueError
            Bad parameters or data; a ``checkpoint`` folder that is not empty;
            a ``resume`` folder of a run with other parameters or data.
        """
        self._check_params()
        ds = as_dataset(data)
        names, values, freq = as_series(ds)
        run = None
        if checkpoint is not None or resume is not None:
            from .checkpoint import open_run

            run = open_run(checkpoint, resume, checkpoint_every, self.get_params(),
                           names, values, freq)  # fmt: skip
        self._index, self._total = 0, 0
        self.dates_ = {s.name: s.dates for s in ds.series}
        self.pandas_freq_ = ds.pandas_freq
        try:
            return self._fit(names, values, freq, run)
        except KeyboardInterrupt as exc:
            if run is None:
                raise
            raise run.interrupted(exc, self._index, self._total) from None

    def _fit(self, names, values, freq, run) -> Forecaster:
        """The search and the ensemble (see :meth:`fit`)."""
        n_val = [min(self.val_size, len(v) // 4) for v in values]
        self.names_, self.frequency_ = names, freq
        self.history_ = dict(zip(names, values, strict=True))
        self.n_train_ = {n: len(v) for n, v in zip(names, values, strict=True)}
        parts = [v[: len(v) - k] for v, k in zip(values, n_val, strict=True)]
        origins = [
            (i, o) for i, v in enumerate(values) for o in range(len(parts[i]), len(v))
        ]
        longest = max(len(p) for p in parts) - 1
        fixed = {k: getattr(self, k) for k in DEFAULTS if k != "scaling"}
        fixed["scaling"] = None if self.scaling == "auto" else self.scaling
        start = {k: fixed[k] or DEFAULTS[k] for k in DEFAULTS}
        plan = [[dict(start, scaling=s) for s in AUTO_SCALINGS]]
        if fixed["scaling"] is not None or not origins:
            plan = [[start]]
        if origins:
            for k, alts in ALTERNATIVES.items():
                if fixed[k] is None:
                    plan.append([{k: a} for a in alts])
        total = sum(len(stage) for stage in plan)
        self.search_, trained, best, done = [], [], None, 0
        for stage in plan:
            for change in stage:
                cfg = dict(best.__dict__ if best else start, **change)
                cand = Candidate(
                    cfg["scaling"], cfg["hidden"], cfg["window"], cfg["lr"]
                )
                cand.window = min(cand.window, max(longest, 1))
                if any(c.key() == cand.key() for c in self.search_):
                    total -= 1
                    continue
                self._index, self._total = done, total
                trained.append(
                    self._train(cand, names, values, parts, origins, done, total, run)
                )
                done += 1
                self.search_.append(cand)
                if best is None or cand.score < best.score * (1 - MIN_GAIN):
                    best = cand  # the next stage varies the best so far
        # the members: the best on validation (ties: the earlier, simpler one)
        order = sorted(range(len(trained)), key=lambda k: _rank(trained[k]))
        self.members_ = [trained[k] for k in order[: self.ensemble]]
        top = self.members_[0].candidate
        self.config_ = {k: getattr(top, k) for k in ("scaling", "hidden", "window")}
        self.config_.update(
            lr=top.lr, epochs=top.epochs, cell=self.cell, layers=self.layers,
            ensemble=len(self.members_),
        )  # fmt: skip
        self.val_score_ = self.naive_val_score_ = None
        if origins:  # the ensemble and naive on the same slice, in the same unit
            truth = np.array([values[i][o] for i, o in origins])
            prev = np.array([values[i][o - 1] for i, o in origins])
            unit = np.array([naive_unit(parts[i]) for i, o in origins])
            pred = one_step(self.members_, values, origins, names)
            self.val_score_ = float(np.mean(np.abs(pred - truth) / unit))
            self.naive_val_score_ = float(np.mean(np.abs(prev - truth) / unit))
        return self

    def _train(self, cand, names, values, parts, origins, index, total, run=None):
        """Train one candidate with early stopping; return it as a Member."""
        from ..engine.sizing import check_training_memory

        transforms = {
            n: Transform(cand.scaling, n).fit(p)
            for n, p in zip(names, parts, strict=True)
        }
        seqs, tgs = [], []
        count = sum(max(1, len(p) - cand.window) for p in parts)
        stride = max(1, cand.window // 4, -(-count // MAX_WINDOWS))
        for n, p in zip(names, parts, strict=True):
            X, Y = transforms[n].features(p), transforms[n].targets(p)
            for a, b in windows(len(p), cand.window, stride):
                seqs.append(X[a:b])
                tgs.append(Y[a:b])
        feats = transforms[names[0]].n_features
        check_training_memory(
            self.cell, cand.hidden, self.layers, cand.window,
            min(self.batch_size, len(seqs)), feats,
        )  # fmt: skip
        cfg = {"cell": self.cell, "input_size": feats, "hidden_size": cand.hidden}
        cfg.update(num_layers=self.layers, seed=self.seed)
        if self.cell == "rnn":
            cfg["nonlinearity"] = "tanh"
        model = build_model(cfg)
        n_targets = sum(len(t) for t in tgs)
        member = Member(cand, model, transforms)

        def report(epoch, logs, score):
            if self.on_epoch is not None:
                self.on_epoch({
                    "candidate": index, "candidates": total, "epoch": epoch,
                    "epochs": self.epochs, "loss": logs["loss"] / n_targets,
                    "val": score, "config": cand.key(),
                })  # fmt: skip

        stopper = ValidationStop(member, values, origins, names, parts, self.patience,
                                 report)  # fmt: skip
        epochs = self.epochs if origins else min(self.epochs, 100)
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
            model, seqs, tgs, epochs=epochs, lr=cand.lr, batch_size=self.batch_size,
            per_step=True, clip_norm=self.clip_norm, clip_value=self.clip_value,
            tbptt=self.tbptt, seed=self.seed, callbacks=[*self.callbacks, stopper],
            **ck,
        )  # fmt: skip
        if origins:
            model.load_state_dict(stopper.weights)
            cand.score, cand.epochs = stopper.best, stopper.epoch + 1
        else:
            cand.score, cand.epochs = np.nan, epochs
        return member

    # --------------------------------------------------------------- predict
    def one_step(self, values, origins, names, fit_upto=None) -> np.ndarray:
        """One-step forecasts from the true history up to each origin.

        Parameters
        ----------
        values : list of ndarray
            Full series.
        origins : list of (series index, position)
            Entry k forecasts ``values[i][o]`` using ``values[i][:o]`` only.
        names : list of str
            Series names (saved scalers are used for names seen in training).
        fit_upto : list of int, optional
            For series unseen in training, fit their scaling on
            ``values[i][:fit_upto[i]]`` (default: everything given).
        """
        self._check_fitted()
        return one_step(self.members_, values, origins, names, fit_upto)

    def predict(self, data=None, horizon: int = 1) -> dict[str, np.ndarray]:
        """Forecast the next ``horizon`` values of every series.

        Steps beyond the first feed the network's own forecasts back in
        (recursive). Without ``data``, forecasts follow the training data.

        Returns
        -------
        dict
            Series name -> ``(horizon,)`` array.
        """
        from ..engine.validate import check_positive_int

        self._check_fitted()
        horizon = check_positive_int("horizon", horizon)
        if data is None:
            if not hasattr(self, "history_"):
                raise ValueError("data: this forecaster keeps no history; pass data")
            names, values = list(self.history_), list(self.history_.values())
        else:
            names, values, freq = as_series(data)
            check_known(self.names_, names)
            if (msg := frequency_warning(self.frequency_, freq)) is not None:
                warnings.warn(msg, UserWarning, stacklevel=2)
        paths = [np.array(v, dtype=np.float64) for v in values]
        for _ in range(horizon):
            origins = [(i, len(p)) for i, p in enumerate(paths)]
            nxt = one_step(self.members_, paths, origins, names)
            paths = [np.append(p, x) for p, x in zip(paths, nxt, strict=True)]
        check_forecasts(names, values, [p[-horizon:] for p in paths])
        return {n: p[-horizon:] for n, p in zip(names, paths, strict=True)}

    # ------------------------------------------------------------ save / load
    def save(self, directory, extra: dict | None = None):
        """Write every member: weights as safetensors, the rest as JSON.

        ``directory`` holds the best network and, in its ``model.json``, the
        configuration, every member's per-series scalers and weights digest,
        and the training metadata; further members go to ``member1/``, ...
        ``extra`` (JSON data) is stored alongside and read back as ``extra_``.
        """
        self._check_fitted()
        meta = {
            "format": FORMAT,
            "params": self.get_params(),
            "config": self.config_,
            "names": self.names_,
            "n_train": self.n_train_,
            "frequency": self.frequency_,
            "val_score": self.val_score_,
            "naive_val_score": self.naive_val_score_,
            "search": [c.__dict__ for c in self.search_],
            "extra": extra or {},
            "history": history_to_json(
                self.names_, [self.history_[n] for n in self.names_],
                getattr(self, "dates_", None), self.frequency_,
                getattr(self, "pandas_freq_", None),
            ),  # fmt: skip
        }
        return save_members(directory, self.members_, meta)

    @classmethod
    def load(cls, directory) -> Forecaster:
        """Rebuild a fitted forecaster saved by :meth:`save` (no pickle)."""
        from ..storage.models import ModelFileError, load_model

        model, meta = load_model(directory)
        if meta.get("format") != FORMAT:
            raise ModelFileError(
                f"{directory}: not a forecaster (metadata format "
                f"{meta.get('format')!r}, expected {FORMAT!r})"
            )
        try:
            fc = cls(**meta["params"])
            fc._check_params()
            fc.members_ = load_members(directory, meta, model)
            fc.config_ = dict(meta["config"])
            fc.names_, fc.n_train_ = list(meta["names"]), dict(meta["n_train"])
            fc.frequency_, fc.val_score_ = meta["frequency"], meta["val_score"]
            fc.naive_val_score_ = meta.get("naive_val_score")
            fc.search_ = [Candidate(**c) for c in meta["search"]]
            fc.extra_ = meta.get("extra", {})
            if "history" in meta:  # saved since 0.1.0: predict needs no --data
                fc.history_data_ = history_from_json(meta["history"], str(directory))
                fc.history_ = {s.name: np.array(s.values) for s in fc.history_data_}
                fc.dates_ = {s.name: s.dates for s in fc.history_data_}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(
                f"{directory}: bad forecaster metadata ({exc})"
            ) from None
        if not fc.members_:
            raise ModelFileError(f"{directory}: bad forecaster metadata (no members)")
        return fc

    def get_params(self) -> dict:
        """The constructor arguments (sklearn-style), callables left out."""
        keys = ("cell", "hidden", "window", "layers", "scaling", "lr", "epochs")
        keys += ("patience", "batch_size", "ensemble", "val_size", "seed")
        keys += ("clip_norm", "clip_value", "tbptt")
        return {k: getattr(self, k) for k in keys}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Forecaster({args})"


def _rank(member: Member) -> float:
    """Sort key of a member: its validation score (NaN last)."""
    score = member.candidate.score
    return np.inf if score != score else score
