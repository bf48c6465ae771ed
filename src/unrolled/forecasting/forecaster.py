"""The forecasting estimator: an ensemble of named members over many series.

``fit`` reads the data (:mod:`.io`), holds out the last points of each
series (``val_size``) and searches the scaling, hidden size, window and
learning rate of one global network on that validation slice
(:mod:`.ensemble.search`; early stopping picks the epochs). The best
``ensemble`` networks (hybrids among them: a network on a classical model's
changes) and, on seasonal or short data, classical members
(:func:`~.ensemble.plan.classical_members`) are weighed by their validation
errors. The same slice calibrates the intervals and scores the baselines;
explicit arguments shrink the search. The rules' reasons: ``docs/design.md``.

``fit(data, checkpoint=DIR)`` saves the search as it goes
(:mod:`.ensemble.search_checkpoint`); ``fit(data, resume=DIR)`` continues an
interrupted one to exactly the forecaster of an uninterrupted run.

Example::

    from unrolled.forecasting.forecaster import Forecaster
    fc = Forecaster(seed=0).fit({"a": values_a, "b": values_b})
    fc.predict(3)                  # DataFrame unique_id, ds, ensemble
    fc.predict(3, level=[80, 95])  # ... ensemble-lo-80, ensemble-hi-80, ...
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, NotFittedError
from .ensemble.bounds import check_forecaster
from .ensemble.choice import classical_share, count, hedged, pick, rank, shares
from .ensemble.covariates import attach, fit_covariates, read_history, verdict
from .ensemble.intervals import Calibration, calibration_origins, scaled_residuals
from .ensemble.members import (
    ClassicalMember,
    Member,
    validation_targets,
    weigh_by_validation,
)
from .ensemble.names import check_alias
from .ensemble.params import Parameters
from .ensemble.plan import (
    DEFAULTS,
    SNAIVE_WEIGHT,
    classical_members,
    huber_delta,
    searches,
    validation_sizes,
)
from .ensemble.prediction import ENSEMBLE, Predicting
from .ensemble.saved import load_forecaster, save_forecaster
from .ensemble.search import Setup, check_params, run_search
from .features.transforms import Transform, as_series
from .features.windows import windows
from .io.covariates import covariate_spec
from .models.baselines import BASELINES
from .models.classical import (
    Airline,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
)
from .progress import stage

__all__ = ["Forecaster", "NotFittedError", "Transform", "as_series", "windows"]


# ---------------------------------------------------------------- estimator
class Forecaster(Predicting, Parameters):
    """A global recurrent network forecasting many series of different lengths.

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn"}
        Recurrent cell (``rnn`` is the lesson's Elman network, with tanh).
    hidden : int, optional
        Hidden units per layer. Default: chosen on the validation slice.
    window : int, optional
        Steps per training window, and of context at prediction time.
        Default: chosen on the validation slice.
    layers : int
        Stacked recurrent layers.
    scaling : str
        Per-series scaling: "auto" (chosen on the validation slice), "minmax",
        "standard", "log", "diff", "diff+level", "logdiff", "logdiff+level", or a
        seasonal one ("diff+lag", "logdiff+lag", "sdiff", "logsdiff", "sdiff+diff",
        "diff+sa", "logdiff+sa"; see :class:`~.features.transforms.Transform`). With
        "auto" a linear part beneath the network (``ar``) is searched too.
    lr : float, optional
        Adam learning rate. Default: chosen on the validation slice.
    epochs : int
        Most passes over the windows; early stopping usually ends sooner.
    patience : int
        Epochs without a better validation score before stopping.
    batch_size : int
        Windows per gradient step.
    ensemble : int
        Networks averaged: the best ones of the search on validation, the
        last the best of a scaling the others do not have (:func:`_best`);
        with ``scaling="auto"``, an ``ensemble`` over 1 and seasonal
        scalings searched, the Theta method, Holt-Winters, the airline
        model and seasonal naive (at half weight) are averaged in as four
        more (no Holt-Winters for seasons over 24 steps); with ``es``
        searched (short series, no season), Theta and exponential smoothing
        without a season; validation errors weigh them against the
        networks. On short series with few validation points the search runs
        three times (seeds ``seed``, ``seed + 1``, ``seed + 2``) and the
        forecast averages each one's ``ensemble`` best (see
        :func:`~.plan.searches`).
    val_size : int or None
        Points held out at the end of each series for validation (at most a
        quarter of the series); 0 trains ``epochs`` epochs with the defaults.
        None (default): 12 per series, raised on series of at least
        :data:`~.plan.LONG` points until the slice holds
        :data:`~.plan.MIN_VAL_ORIGINS` origins in all (so that a single
        long series gets a steadier choice and a 95% interval); see
        :func:`~.plan.validation_sizes`.
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
    huber : "auto", float or None
        The networks minimise Huber's loss with this ``delta``: the SSR with
        the squares of residuals beyond ``delta`` made linear
        (:mod:`unrolled.engine.losses`), so that a few outlying steps do not
        pull the fit towards them. Targets are standardized one-step changes
        (or errors), so 1.0 is one standard deviation. None: the plain SSR.
        ``"auto"`` (default): 1.0 where the series have a season, else the SSR
        (:func:`~.plan.huber_delta`); ``config_["huber"]`` says which. A
        forecaster saved before this parameter existed loads with None, the
        loss it was trained with.
    season : int, optional
        Season length for the seasonal scalings and the seasonal naive
        baseline. Default: from the data's frequency (monthly 12, daily 7,
        ...; none for yearly or integer steps).
    select : {"network", "best"}
        ``best``: :meth:`predict` gives the forecast of whichever of the
        ensemble and the baselines scored best on the validation slice
        (``selected_`` says which; the column keeps the ensemble's name);
        ``network`` (default; the value's name is older than the ensemble):
        always the ensemble.
    alias : str
        The ensemble's name: its column in :meth:`predict`'s DataFrame (and
        ``<alias>-lo-80``, ...), its key in the backtest's metrics and JSON.
        Default ``"ensemble"``. Neither a baseline's name nor ``networks``
        (the networks-only figure beside it).
    futr_exog, hist_exog, stat_exog : list of str, optional
        Covariates, as NeuralForecast names them: columns of ``fit``'s frame
        known for every step ahead (``predict`` then needs ``futr_df``) or
        only up to each origin (held at their last value at the origin
        beyond it), and columns of ``static_df`` (one row per series). They
        are extra input channels of the networks, scaled globally on the
        training parts; the search tries the networks without them too
        (``config_["covariates"]`` says whether they helped). Baselines and
        classical members ignore them. See :mod:`.features.covariates`.
    calendar : list of str, optional
        Calendar features as future covariates without a column: "month",
        "weekday", "hour", "dayofyear", "holiday" (with ``country``, e.g.
        "US"; needs the ``holidays`` package: ``unrolled[covariates]``).
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
        val_size: int | None = None,
        seed: int = 0,
        season: int | None = None,
        select: str = "network",
        clip_norm: float | None = 1.0,
        clip_value: float | None = None,
        tbptt: int | None = None,
        huber: float | str | None = "auto",
        alias: str = ENSEMBLE,
        futr_exog: list | None = None,
        hist_exog: list | None = None,
        stat_exog: list | None = None,
        calendar: list | None = None,
        country: str | None = None,
    ):
        self.cell, self.hidden, self.window, self.layers = cell, hidden, window, layers
        self.scaling, self.lr, self.epochs = scaling, lr, epochs
        self.patience, self.batch_size, self.ensemble = patience, batch_size, ensemble
        self.val_size, self.seed, self.season, self.select = (
            val_size, seed, season, select,
        )  # fmt: skip
        self.clip_norm, self.clip_value, self.tbptt = clip_norm, clip_value, tbptt
        self.huber, self.alias = huber, alias
        self.futr_exog, self.hist_exog, self.stat_exog = futr_exog, hist_exog, stat_exog
        self.calendar, self.country = calendar, country

    # ------------------------------------------------------------ validation
    def _check_params(self):
        check_params(self.get_params())
        check_forecaster(self.get_params())  # the command line's ranges
        check_alias(self.alias)
        return covariate_spec(self.futr_exog, self.hist_exog, self.stat_exog,
                              self.calendar, self.country)  # fmt: skip

    def _check_fitted(self) -> None:
        if not hasattr(self, "members_"):
            raise NotFittedError(
                "this Forecaster is not fitted yet: call fit(data) first "
                "(or Forecaster.load(directory))"
            )

    # ------------------------------------------------------------------- fit
    def fit(
        self,
        data,
        *,
        callbacks=(),
        on_epoch=None,
        progress: bool = False,
        checkpoint=None,
        checkpoint_every: int = 1,
        resume=None,
        backend="local",
        fill: str | None = None,
        freq: str | None = None,
        static_df=None,
    ) -> Forecaster:
        """Choose the configuration on the validation slice and train the network.

        Parameters
        ----------
        data : Dataset, DataFrame, dict of arrays or list of arrays
            Every series' history, oldest first; all of it is used for
            training and validation (hold your test part out before).
        callbacks : sequence of callables
            Passed to :func:`unrolled.fit` for every configuration trained
            (e.g. a gradient monitor).
        on_epoch : callable, optional
            Called after every epoch with a dict (``candidate``,
            ``candidates``, ``epoch``, ``loss``, ``val``, ``config``); for
            progress bars.
        progress : bool
            Show a progress bar (configuration, epoch, loss, validation
            score), in a terminal or a Jupyter notebook.
        checkpoint : str or path-like, optional
            A new or empty folder that receives the state of the search as it
            goes: one fit checkpoint per configuration tried, saved every
            ``checkpoint_every`` epochs, when it stops and on Ctrl-C (see
            :mod:`unrolled.forecasting.ensemble.search_checkpoint`).
        checkpoint_every : int
            Epochs between checkpoints.
        resume : str or path-like, optional
            A checkpoint folder of an interrupted fit with the same parameters
            and data: finished configurations are read back, the one in
            progress goes on at its next epoch, and the result is exactly that
            of an uninterrupted fit. Checkpoints go on being written there.
        backend : "local", "ray" or a backend object
            Where the candidates of each search stage train: here, one after
            the other (default), or as Ray tasks (``"ray"``: a local Ray for
            this fit; or a :class:`~.backends.RayBackend`), with the same
            numbers; tasks send no per-epoch ``on_epoch``/``callbacks``.
        fill, freq : str, optional
            As ``--fill`` and ``--freq`` (see :func:`~.data.load_csv`): fill or
            drop gaps ("ffill", "interpolate", "drop"; business-daily fills
            never add weekends), and state the calendar as a pandas alias
            ("D", "B", "C", "MS", "h").
        static_df : DataFrame, optional
            ``unique_id`` and the ``stat_exog`` columns, a row per series.

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
        from .ensemble.backends import make_backend

        spec = self._check_params()
        ds, hist, futr = read_history(data, spec, fill, freq)
        names, values, freq = as_series(ds)
        run = None
        if checkpoint is not None or resume is not None:
            run = self._open_run(spec, backend, checkpoint, resume, checkpoint_every,
                                 names, values, freq)  # fmt: skip
        self._index, self._total = 0, 0
        self.dates_ = {s.name: s.dates for s in ds.series}
        self.pandas_freq_ = ds.pandas_freq
        self._covariates = (spec, hist, futr, static_df)
        self._runner = runner = make_backend(backend)
        try:
            if progress and on_epoch is None:
                from .progress import Progress

                with Progress(True) as bar:
                    return self._fit(names, values, freq, run, list(callbacks), bar)
            return self._fit(names, values, freq, run, list(callbacks), on_epoch)
        except KeyboardInterrupt as exc:
            if run is None:
                raise
            raise run.interrupted(exc, self._index, self._total) from None
        finally:
            del self._runner, self._covariates  # no connection, no frames kept
            if runner is not backend:  # made here for this fit
                runner.close()

    def _open_run(self, spec, backend, checkpoint, resume, every, *data):
        """The checkpointed run of :meth:`fit` (local, without covariates)."""
        from .ensemble.search_checkpoint import open_run

        if backend != "local" or spec is not None:
            why = "backend='local'" if backend != "local" else "no covariates"
            raise InputError(f"checkpoint, resume: only with {why}")
        return open_run(checkpoint, resume, every, self.get_params(), *data)

    def season_for(self, frequency: str | None) -> int | None:
        """The season length used: ``season`` if given, else the frequency's."""
        from .io.dataset import season_length

        return self.season if self.season is not None else season_length(frequency)

    def _fit(self, names, values, freq, run, callbacks, on_epoch) -> Forecaster:
        """The stages of :meth:`fit`, in order."""
        self._keep_history(names, values, freq)
        n_val, parts, origins = self._validation_plan(values)
        self.covariates_ = fit_covariates(*self._covariates, names, values, parts,
                                          self.dates_)  # fmt: skip
        season = self.season_for(freq)
        kinds = classical_members(parts, season)  # the classical members' rule
        setup = self._setup(names, values, parts, origins, callbacks, on_epoch, kinds)
        rounds = self._search(setup, season, run, parts, origins)  # the networks
        networks, picked = self._networks(rounds)
        classical = self._classical(kinds, setup, networks)  # fitted and weighed
        self.members_ = networks + classical
        attach(self.members_, self.covariates_)
        self.config_ = self._describe(rounds, picked, networks, classical, setup)
        if self.covariates_ is not None:  # the pair compared, for the test points
            self.config_["covariates"], self.compared_ = verdict(self.covariates_,
                                                                 rounds)  # fmt: skip
        self._validate(values, parts, origins, names, max(n_val))  # + intervals
        return self

    def _keep_history(self, names, values, freq) -> None:
        """What predict needs of the data: names, frequency, the histories."""
        self.names_, self.frequency_ = names, freq
        self.history_ = dict(zip(names, values, strict=True))
        self.n_train_ = {n: len(v) for n, v in zip(names, values, strict=True)}

    def _validation_plan(self, values) -> tuple[list, list, list]:
        """(validation size, training part of every series, the validation
        origins (series, position)): see :func:`.plan.validation_sizes`."""
        n_val = validation_sizes([len(v) for v in values], self.val_size)
        parts = [v[: len(v) - k] for v, k in zip(values, n_val, strict=True)]
        origins = [
            (i, o) for i, v in enumerate(values) for o in range(len(parts[i]), len(v))
        ]
        return n_val, parts, origins

    def _setup(self, names, values, parts, origins, callbacks, on_epoch, kinds
               ) -> Setup:  # fmt: skip
        """What training any candidate network needs besides the candidate."""
        return Setup(
            self.cell, self.layers, self.batch_size, self.epochs, self.patience,
            self.seed, self.clip_norm, self.clip_value, self.tbptt, names, values,
            parts, origins, callbacks, on_epoch,
            huber_delta(kinds, self.huber), self.covariates_,
        )  # fmt: skip

    def _search(self, setup, season, run, parts, origins) -> list:
        """The configuration searches (:func:`.search.run_search`)."""
        fixed = {k: getattr(self, k) for k in DEFAULTS if k != "scaling"}
        fixed["scaling"] = None if self.scaling == "auto" else self.scaling

        def started(index, total):
            self._index, self._total = index, total

        rounds = run_search(setup, fixed, season, run, started,
                            self._runner, searches(parts, origins, fixed))  # fmt: skip
        self.search_ = [c for tried, _ in rounds for c in tried]
        return rounds

    def _networks(self, rounds) -> tuple[list[Member], list]:
        """The network members: each search's best on validation (ties: the
        earlier, simpler one), the best of all first; and each search's pick."""
        picked = [pick(trained, self.ensemble) for _, trained in rounds]
        return sorted((m for p in picked for m in p), key=rank), picked

    def _describe(self, rounds, picked, networks, classical, setup) -> dict:
        """``config_``: the best network's configuration and the ensemble's."""
        top = networks[0].candidate
        config = {k: getattr(top, k) for k in ("scaling", "hidden", "window")}
        config.update(
            lr=top.lr, epochs=top.epochs, cell=self.cell, layers=self.layers,
            ensemble=len(networks), season=top.season, ar=top.ar,
            searches=len(rounds), hedged=sum(map(hedged, picked)), huber=setup.huber,
            theta=count(classical, Theta), hw=count(classical, HoltWinters),
            es=count(classical, ExponentialSmoothing),
            airline=count(classical, Airline), snaive=count(classical, SeasonalNaive),
            classical_share=classical_share(classical, self.members_),
            shares=shares(self.members_),
        )  # fmt: skip
        return config

    def _classical(self, kinds, setup, networks) -> list[ClassicalMember]:
        """The classical members ``kinds`` (what :func:`.plan.classical_members`
        gives: Theta, Holt-Winters, the airline model and seasonal naive, or
        Theta and exponential smoothing), scored on the validation slice and
        weighed against the ``networks``' mean by their validation errors
        (:func:`.ensemble.weigh_by_validation`), seasonal naive at
        :data:`.plan.SNAIVE_WEIGHT` of that weight.

        Empty when the scaling is given, when the ensemble is one network, or
        when ``kinds`` is empty (neither a season to model nor a level for
        exponential smoothing).
        """
        if self.scaling != "auto" or self.ensemble < 2:
            return []
        members = []
        for i, k in enumerate(kinds):
            stage("classical members: fitting and scoring on validation", i,
                  len(kinds), detail=str(k))  # fmt: skip
            members.append(ClassicalMember(k).validate(
                setup.values, setup.origins, setup.names, setup.parts))  # fmt: skip
        weigh_by_validation(networks, members, setup.values, setup.origins,
                            setup.names, setup.parts)  # fmt: skip
        for m in (m for m in members if isinstance(m.model, SeasonalNaive)):
            m.weight *= SNAIVE_WEIGHT
        return members

    def _validate(self, values, parts, origins, names, h) -> None:
        """Validation scores of the ensemble and baselines; the calibration (paths
        as far as each origin has a truth, from a sample past ``MAX_PATHS``)."""
        self.val_score_ = self.naive_val_score_ = None
        self.baseline_val_scores_, self.calibration_ = {}, Calibration()
        self.selected_, self.dropouts_ = self.alias, {}
        if not origins:
            return
        origins = calibration_origins(origins)
        _, units = validation_targets(values, origins, parts)
        res = {}
        methods = (self.alias, *BASELINES)
        known = [len(values[i]) - o for i, o in origins]  # steps with a truth
        for k, m in enumerate(methods):
            stage(f"validation forecasts: {m} ({k + 1} of {len(methods)})", k,
                  len(methods))  # fmt: skip
            pred = self.forecast_paths(values, origins, names, h, method=m, steps=known)
            res[m] = scaled_residuals(pred, values, origins, units)
        scores = {m: float(np.mean(r[0])) for m, r in res.items()}
        self.calibration_ = Calibration(res)
        self.val_score_, self.naive_val_score_ = scores[self.alias], scores["naive"]
        self.baseline_val_scores_ = {b: scores[b] for b in BASELINES}
        if self.select == "best":
            self.selected_ = min(scores, key=lambda m: (scores[m], m != self.alias))

    def cross_validation(self, data, h: int = 1, n_windows: int = 1,
                         step_size: int = 1, **options):  # fmt: skip
        """statsforecast-style cross-validation with a copy of this forecaster.

        See :func:`unrolled.forecasting.evaluation.cross_validation.cross_validation`
        (``refit``, ``level``, ``rivals`` and fit options go through
        ``options``); this forecaster is not changed.
        """
        from .evaluation.cross_validation import cross_validation

        return cross_validation(self, data, h, n_windows, step_size, **options)

    # ------------------------------------------------------------ save / load
    def save(self, directory, extra: dict | None = None):
        """Write every member: weights as safetensors, the rest as JSON.

        ``directory`` holds the best network and, in its ``model.json``, the
        configuration, every member's per-series scalers and weights digest,
        and the training metadata; further members go to ``member1/``, ...
        ``extra`` (JSON data) is stored alongside and read back as ``extra_``.
        """
        self._check_fitted()
        return save_forecaster(self, directory, extra)

    @classmethod
    def load(cls, directory) -> Forecaster:
        """Rebuild a fitted forecaster saved by :meth:`save` (no pickle)."""
        return load_forecaster(cls, directory)
