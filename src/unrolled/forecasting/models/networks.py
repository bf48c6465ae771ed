"""The recurrent networks as models: :class:`RNN`, :class:`LSTM` and :class:`GRU`
over a scaling.

A network learns from one history or from a batch of them (a global network:
one set of weights for every series). Each series gets its own transform
(its scaling, fitted on that series: :func:`~.scalings.fit_transforms`), and
the network trains on the windows of every series at once, with the
engine's :func:`~unrolled.training.fit.fit`. On a scaling of changes it
starts silent (a zero output layer: the forecast its scaling implies, e.g.
the last value plus the mean change), so that a network that learns nothing
forecasts as its scaling does. ``predict(h)`` feeds each forecast back in.

The forecaster's search trains exactly these classes (one per candidate,
with its validation early stopping as a callback); a network on a classical
model's errors is a :class:`~.hybrid.Hybrid`.
"""

from __future__ import annotations

import numpy as np

from ...engine.network import build_model
from ...engine.validate import check_finite_1d, check_positive_int, is_real
from ...errors import InputError
from ...training.fit import fit as fit_network
from ..features.batched import batchable, diff_windows
from ..features.inverse import Inverse, Inverses
from ..features.transforms import ALL_HISTORY, LEVEL_SCALINGS, Transform
from ..features.windows import windows
from .base import Model
from .chunks import pack_chunks, predict_in_chunks
from .scalings import LOGS, fit_transforms

MAX_WINDOWS = 512  # windows per epoch at most (the stride grows beyond that)
MISSING = Inverse.constant(np.nan)  # the inverter of an origin a network dropped out of
PARAMS = ("scaling", "window", "hidden", "lr", "epochs", "season", "ar",
          "layers", "batch_size", "seed", "clip_norm", "clip_value", "tbptt",
          "huber", "covariates")  # fmt: skip


def as_batch(y) -> tuple[list, list[np.ndarray], bool]:
    """(names, series, whether ``y`` is one series) of what ``fit`` takes.

    One series: a 1-D array (named ``"series"``); a batch: a list of 1-D
    arrays (named ``"0"``, ``"1"``, ...) or a dict of them by name.
    """
    if isinstance(y, dict):
        if not y:
            raise InputError("y: expected at least one series, got an empty dict")
        return list(y), [check_finite_1d(f"y[{n!r}]", v, nonempty=True)
                         for n, v in y.items()], False  # fmt: skip
    if isinstance(y, (list, tuple)) and any(np.ndim(v) >= 1 for v in y):
        series = [check_finite_1d(f"y[{k}]", v, nonempty=True) for k, v in enumerate(y)]
        return [str(k) for k in range(len(series))], series, False
    return ["series"], [check_finite_1d("y", y, nonempty=True)], True


class Network(Model):
    """A recurrent network over a scaling (the shared base of RNN, LSTM, GRU).

    Parameters
    ----------
    scaling : str
        How each series becomes the network's inputs and targets (see
        :mod:`.scalings`), e.g. ``"diff"``, ``"logsdiff"``. On a classical
        model's errors (``"hw"``, ``"theta"``, ...) it is a hybrid's network:
        :class:`~.hybrid.Hybrid` says so and names both parts.
    window : int
        Steps the network reads before each forecast (and trains on).
    hidden : int
        Hidden units per layer.
    lr : float
        Adam's learning rate.
    epochs : int
        Passes over the training windows.
    season : int, optional
        Season length, for a seasonal scaling.
    ar : int
        Order of the linear part beneath the network (0: none).
    layers : int
        Stacked recurrent layers.
    batch_size : int
        Windows per gradient step.
    seed : int
        Seeds the initial weights and the order of the windows.
    clip_norm, clip_value : float, optional
        Gradient clipping by global norm, by value.
    tbptt : int, optional
        Truncated backpropagation through time, every ``tbptt`` steps.
    huber : float, optional
        Huber's delta of the training loss (None: the sum of squares).
    covariates : Covariates, optional
        Fitted covariates (:class:`~..features.covariates.Covariates`) whose
        channels are more inputs at every step (None: the series alone).

    Attributes
    ----------
    names_ : list
        The series fitted on, in order.
    transforms_ : dict
        Each series' fitted transform, by name.
    module_ : unrolled.RNN, unrolled.LSTM or unrolled.GRU
        The trained network (the engine's, PyTorch's parameter names).
    """

    kind = "network"
    cell = ""  # the engine's cell: "rnn", "lstm" or "gru"

    def __init__(self, scaling: str = "diff", window: int = 24, hidden: int = 16,
                 lr: float = 0.01, epochs: int = 100, season: int | None = None,
                 ar: int = 0, layers: int = 1, batch_size: int = 32, seed: int = 0,
                 clip_norm: float | None = 1.0, clip_value: float | None = None,
                 tbptt: int | None = None, huber: float | None = None,
                 covariates=None):  # fmt: skip
        self.scaling, self.window, self.hidden, self.lr = scaling, window, hidden, lr
        self.epochs, self.season, self.ar, self.layers = epochs, season, ar, layers
        self.batch_size, self.seed = batch_size, seed
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.tbptt, self.huber, self.covariates = tbptt, huber, covariates

    def get_params(self) -> dict:
        """The constructor's arguments, by name."""
        return {p: getattr(self, p) for p in PARAMS}

    @property
    def name(self) -> str:
        """The cell and the scaling, e.g. ``GRU(logsdiff)``."""
        return f"{type(self).__name__}({self.scaling})"

    @property
    def takes_logs(self) -> bool:
        """Whether the scaling reads the log of the values."""
        return self.scaling in LOGS

    def _check(self) -> None:
        for p in ("window", "hidden", "epochs", "layers", "batch_size"):
            check_positive_int(p, getattr(self, p))
        if not (is_real(self.lr) and 0 < float(self.lr) < np.inf):
            raise InputError(f"lr: expected a positive number, got {self.lr!r}")

    # ------------------------------------------------------------ fitting
    def fit(self, y) -> Network:
        """Train on one history or a batch (see :func:`as_batch`); returns ``self``.

        InputError names a bad argument or series; ValueError a series too
        short for the scaling.
        """
        self.start(y)
        return self.train(*self.training_windows())

    def start(self, y) -> Network:
        """The first half of :meth:`fit`: every series' transform fitted and the
        network before training (silent on a scaling of changes); returns ``self``."""
        self._check()
        names, series, self.one_ = as_batch(y)
        self.names_, self.history_ = names, series
        self.transforms_ = fit_transforms(self.scaling, names, series, self.season,
                                          self.ar)  # fmt: skip
        cfg = {"cell": self.cell, "input_size": self.n_features,
               "hidden_size": self.hidden, "num_layers": self.layers,
               "seed": self.seed}  # fmt: skip
        if self.cell == "rnn":
            cfg["nonlinearity"] = "tanh"
        self.module_ = build_model(cfg)
        if self.scaling not in LEVEL_SCALINGS:  # the forecast its scaling implies
            state = self.module_.state_dict()
            state["head.weight"][:] = 0.0
            state["head.bias"][:] = 0.0
            self.module_.load_state_dict(state)
        return self

    def training_windows(self) -> tuple[list, list]:
        """The (inputs, targets) windows of every series fitted on.

        Each series' windows start where its scaling's changes are defined;
        the stride grows so that an epoch holds about :data:`MAX_WINDOWS`.
        """
        self.check_fitted("module_")
        seqs, tgs = [], []
        count = sum(max(1, len(v) - self.window) for v in self.history_)
        stride = max(1, self.window // 4, -(-count // MAX_WINDOWS))
        cov = self.covariates
        for n, v in zip(self.names_, self.history_, strict=True):
            tf = self.transforms_[n]
            skip = tf.defined - 1  # undefined changes
            X = tf.features(v)
            if cov is not None:  # the covariates as more input channels; the
                extra = cov.channels(n, 0, len(v) - 1, len(v))  # last input is
                X = np.hstack([X, np.vstack([extra, extra[-1:]])])  # in no window
            X, Y = X[skip:], tf.targets(v)[skip:]
            for a, b in windows(len(X), self.window, stride):
                seqs.append(X[a:b])
                tgs.append(Y[a:b])
        return seqs, tgs

    def check_memory(self, n_windows: int) -> None:
        """:class:`~unrolled.errors.ResourceLimitError` where training on
        ``n_windows`` windows would not fit in the memory available."""
        from ...engine.sizing import check_training_memory

        check_training_memory(
            self.cell, self.hidden, self.layers, self.window,
            min(self.batch_size, n_windows), self.n_features,
        )  # fmt: skip

    def train(self, seqs, targets, callbacks=(), **options) -> Network:
        """The second half of :meth:`fit`: train on the windows ``seqs`` /
        ``targets``; ``callbacks`` and ``options`` (checkpoints) go to
        :func:`~unrolled.training.fit.fit`. Returns ``self``."""
        self.check_fitted("module_")
        self.check_memory(len(seqs))
        fit_network(
            self.module_, seqs, targets, epochs=self.epochs, lr=self.lr,
            batch_size=self.batch_size, per_step=True, clip_norm=self.clip_norm,
            clip_value=self.clip_value, tbptt=self.tbptt, huber=self.huber,
            seed=self.seed, callbacks=list(callbacks), **options,
        )  # fmt: skip
        return self

    def restore(self, module, transforms: dict[str, Transform]) -> Network:
        """Set the fitted state read from a model file (no history); returns
        ``self``."""
        self.module_, self.transforms_ = module, dict(transforms)
        self.names_, self.history_, self.one_ = list(transforms), None, False
        return self

    # ------------------------------------------------------------ forecasting
    def predict(self, h: int) -> np.ndarray:
        """The next ``h`` values after the history fitted on, each fed back in.

        Returns ``(h,)`` after one series, ``(n, h)`` after a batch of ``n``
        (rows in :attr:`names_`' order).
        """
        self.check_fitted("module_")
        h = check_positive_int("h", h)
        if self.history_ is None:
            raise InputError(
                f"{self.name}: read from a model file without its history; "
                "forecast with one_step(values, origins, names)"
            )
        hist = list(self.history_)
        start = [len(p) for p in hist]  # the paths' origin: covariates held there
        out = np.empty((len(hist), h))
        for k in range(h):
            at = [(j, len(p)) for j, p in enumerate(hist)]
            out[:, k] = self.one_step(hist, at, self.names_, refit_upto=start)
            hist = [np.append(p, x) for p, x in zip(hist, out[:, k], strict=True)]
        return out[0] if self.one_ else out

    @property
    def n_features(self) -> int:
        """Inputs per step of the network (covariates included)."""
        own = next(iter(self.transforms_.values())).n_features
        return own + (0 if self.covariates is None else self.covariates.n_channels)

    def transforms_for(self, names, values, fit_upto=None) -> list[Transform]:
        """The fitted transforms for known names; new ones fitted on the history
        given (``values[i][:fit_upto[i]]``)."""
        out = []
        for i, (n, v) in enumerate(zip(names, values, strict=True)):
            if n in self.transforms_:
                out.append(self.transforms_[n])
            else:
                stop = len(v) if fit_upto is None else fit_upto[i]
                out.extend(fit_transforms(self.scaling, [n], [v[:stop]], self.season,
                                          self.ar, fallback=True).values())  # fmt: skip
        return out

    def one_step(self, values, origins, names, fit_upto=None, skip=None,
                 refit_upto=None) -> np.ndarray:  # fmt: skip
        """Forecast ``values[i][o]`` from ``values[i][:o]`` for every (i, o).

        ``names``: the series' names (known ones use their fitted transform,
        see :meth:`transforms_for`); ``skip``: NaN at those origins;
        ``refit_upto``: each recursive path's origin, where the covariates
        are held (see :meth:`prepare`).
        """
        return self.forecast(
            self.prepare(values, origins, names, fit_upto, skip, refit_upto)
        )

    def dropped(self, values, origins, names) -> np.ndarray:
        """Origins at which a network on logs cannot forecast: ``(len(origins),)``
        bools where the points it reads (its window and its transform's
        lookback; all of them for a series without a fitted transform) hold
        a value <= 0."""
        out = np.zeros(len(origins), dtype=bool)
        if not self.takes_logs:
            return out
        for k, (i, o) in enumerate(origins):
            tf = self.transforms_.get(names[i])
            back = ALL_HISTORY if tf is None else tf.lookback
            seen = values[i][max(0, o - self.window - back) : o]
            out[k] = bool((seen <= 0).any())
        return out

    def prepare(self, values, origins, names, fit_upto=None, skip=None,
                refit_upto=None) -> tuple[list, list]:  # fmt: skip
        """The input window and the transform's inverter at every origin: what
        :meth:`forecast` turns into forecasts. They do not depend on the
        weights (a search prepares them once and scores every epoch). With
        covariates, their channels as the series' known them at ``refit_upto[i]``
        (a recursive path's origin; default: the origin itself)."""
        by_series = self.transforms_for(names, values, fit_upto)
        tfs = [None if skip is not None and skip[k] else by_series[i]
               for k, (i, _) in enumerate(origins)]  # fmt: skip
        window = self.window
        seqs, inverters = [None] * len(origins), [None] * len(origins)
        if self.covariates is None and all(map(batchable, by_series)):
            diff_windows(tfs, values, origins, window, seqs, inverters)  # at once
        for k, (tf, (i, o)) in enumerate(zip(tfs, origins, strict=True)):
            if seqs[k] is not None:  # done above, as it would be here
                continue
            if tf is None:  # dropped out at this origin (see dropped)
                seqs[k], inverters[k] = np.zeros((1, self.n_features)), MISSING
                continue
            back = tf.lookback  # points the first input's change needs
            ctx = values[i][max(0, o - window - back) : o]
            tail = tf.features(ctx)[-max(window, tf.ar) :].copy()
            seq = tail[-window:]  # a copy: not the whole history's inputs
            if self.covariates is not None:  # held at the path's origin
                upto = o if refit_upto is None else refit_upto[i]
                extra = self.covariates.channels(names[i], o - len(seq), o, upto)
                seq = np.hstack([seq, extra])
            seqs[k], inverters[k] = seq, tf.inverter(ctx, tail)
        return seqs, inverters

    def forecast(self, prepared: tuple, keep_memory: bool = False) -> np.ndarray:
        """The one-step forecasts of :meth:`prepare`'s windows and inverters
        (or of :meth:`packed`'s). ``keep_memory``: the network keeps its tape
        buffers for the next call (see :mod:`.chunks`)."""
        seqs, inverters = prepared
        out = predict_in_chunks(self.module_, seqs, keep_memory=keep_memory)
        if not isinstance(inverters, Inverses):
            inverters = Inverses(inverters)
        return inverters(out)

    def packed(self, prepared: tuple[list, list]) -> tuple:
        """:meth:`prepare`'s windows packed once and its inverters as arrays:
        :meth:`forecast` of the result gives the same values, faster when
        called again and again (a search scores every epoch)."""
        seqs, inverters = prepared
        return pack_chunks(self.module_, seqs), Inverses(inverters)


class RNN(Network):
    """An Elman network (tanh) over a scaling; see :class:`Network`.

    Examples
    --------
    >>> import numpy as np
    >>> from unrolled.models import RNN
    >>> y = 10 + np.sin(np.arange(60) * np.pi / 6)
    >>> RNN("sdiff", window=12, hidden=4, season=12, epochs=5).fit(y).predict(3).shape
    (3,)
    """

    cell = "rnn"


class LSTM(Network):
    """A long short-term memory network over a scaling; see :class:`Network`."""

    cell = "lstm"


class GRU(Network):
    """A gated recurrent unit network over a scaling; see :class:`Network`.

    Examples
    --------
    >>> import numpy as np
    >>> from unrolled.models import GRU
    >>> batch = {"a": np.arange(40.0), "b": 2 + np.arange(40.0) ** 0.5}
    >>> GRU("diff", window=8, hidden=4, epochs=3).fit(batch).predict(2).shape
    (2, 2)
    """

    cell = "gru"


NETWORKS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}  # by the engine's cell name


def network_class(cell: str) -> type[Network]:
    """The model class of a cell, by the engine's name (``"gru"``) or the
    class's (``"GRU"``)."""
    key = str(cell).lower()
    if key not in NETWORKS:
        raise InputError(f"cell: expected one of rnn, lstm, gru, got {cell!r}")
    return NETWORKS[key]
