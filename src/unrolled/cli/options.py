"""Options shared by the forecasting commands, and loading their data.

Each ``*_options`` decorator adds a group of click options; the checks here
turn bad values into one-line usage errors (exit code 2).
"""

from __future__ import annotations

import os
import warnings

import click

from ..engine.cells import CELLS as CELL_TYPES
from ..errors import InputError
from ..forecasting.ensemble.bounds import INTS, REALS
from ..forecasting.ensemble.names import check_alias
from ..forecasting.ensemble.prediction import ENSEMBLE
from ..forecasting.io.dataset import FILLS
from ..forecasting.models.scalings import LOGS
from ..forecasting.models.scalings import SCALINGS as SCALING_NAMES

CELLS = sorted(CELL_TYPES)
SCALINGS = ["auto", *SCALING_NAMES]


def _remember(ctx, param, value):
    """Keep a reading option in the context for :func:`load_data`."""
    ctx.meta.setdefault(READING, {})[param.name] = value
    return value


READING = "unrolled.reading"  # ctx.meta key: dayfirst, date_format, decimal, freq


def _freq(ctx, param, value):
    """--freq: a pandas offset alias the reader knows, kept for :func:`load_data`."""
    from ..errors import DataError
    from ..forecasting.io.calendars import check_freq

    if value is not None:
        try:
            check_freq(value)
        except DataError as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[1], ctx, param) from None
    return _remember(ctx, param, value)


def model_data_options(f):
    """:func:`data_options` of a command that reads a saved model: its --data
    defaults to the histories saved with the model (:func:`model_data`)."""
    return data_options(
        f, "the histories saved with the model; with --data, only series it "
        "was trained on",
    )  # fmt: skip


def data_options(f, default: str = "bundled stock prices"):
    """--data and the column/fill options, shared by every command that loads."""
    opts = [
        click.option(
            "--data",
            "data",
            metavar="FILE.csv",
            help="CSV in long (date, symbol, price), wide (date + one column per "
            "series) or single-series form; or the name of a bundled data set "
            f"(see `unrolled datasets`). Default: {default}.",
        ),
        click.option("--date-col", help="Column holding the dates."),
        click.option("--series-col", help="Long form: column naming the series."),
        click.option("--value-col", help="Column holding the values."),
        click.option(
            "--fill",
            type=click.Choice(FILLS),
            help="Fill or drop missing values and dates absent from a regular "
            "calendar (default: refuse them). The report says what was done.",
        ),
        click.option(
            "--dayfirst/--monthfirst", default=None, expose_value=False,
            callback=_remember, help="Read ambiguous dates (01/02/2010) "
            "day-first or month-first [default: the reading that gives a "
            "regular calendar; refused when both or neither do].",
        ),
        click.option(
            "--date-format", metavar="FORMAT", expose_value=False,
            callback=_remember, help="strftime format of every date, e.g. "
            "'%d.%m.%Y' [default: detected, one format per column].",
        ),
        click.option(
            "--freq", metavar="ALIAS", expose_value=False, callback=_freq,
            help="The calendar, as a pandas offset alias (D, B, C, W, MS, ME, "
            "QS, YS, h, 30min): every date must be on it, and its dates absent "
            "from a series are gaps (refused, or --fill; business days are "
            "never filled with weekends) [default: the calendar of the dates; "
            "business days with a few weekdays absent are read as holidays].",
        ),
        click.option(
            "--decimal", type=click.Choice([".", ","]), expose_value=False,
            callback=_remember, help="Decimal mark of every number in the file "
            "[default: decided by the evidence of the whole file].",
        ),
    ]  # fmt: skip
    for opt in reversed(opts):
        f = opt(f)
    return f


class Positive(click.ParamType):
    """A number > 0 (float or int), or ``off`` (None) and ``auto`` where allowed."""

    def __init__(self, kind: type, what: str, off: bool = False, auto: bool = False,
                 most: float = float("inf")):  # fmt: skip
        self.kind, self.what, self.off, self.auto = kind, what, off, auto
        self.most = most
        self.name = "number" if kind is float else "integer"

    def convert(self, value, param, ctx):
        if value is None:
            return None
        word = str(value).strip().lower()
        if self.off and word == "off":
            return None
        if self.auto and word == "auto":
            return "auto"
        words = [f"'{w}'" for w, ok in (("off", self.off), ("auto", self.auto)) if ok]
        most = f" and <= {self.most:g}" if self.most < float("inf") else ""
        allowed = " or ".join([f"{self.what} > 0{most}", *words])
        try:
            v = self.kind(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError, OverflowError):
            v = None
        if v is None or not (0 < v <= self.most and v < float("inf")):
            self.fail(f"expected {allowed}, got {value!r}", param, ctx)
        return v


def _alias(ctx, param, value):
    """--alias: a name :func:`~unrolled.forecasting.ensemble.names.check_alias`
    takes, or a usage error naming the option."""
    try:
        check_alias(value)
    except InputError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1], ctx, param) from None
    return value


def model_options(f):
    """The network and training options of ``forecast`` and ``train``."""
    opts = [
        click.option("--cell", type=click.Choice(CELLS), default="gru",
                     show_default=True, help="Recurrent cell."),
        click.option("--hidden", type=click.IntRange(*INTS["hidden"]),
                     help="Hidden units per layer [default: chosen on validation]."),
        click.option("--layers", type=click.IntRange(*INTS["layers"]), default=1,
                     show_default=True, help="Stacked recurrent layers."),
        click.option("--window", type=click.IntRange(*INTS["window"]),
                     help="Steps per training window and of context "
                     "[default: chosen on validation]."),
        click.option("--scaling", type=click.Choice(SCALINGS), default="auto",
                     show_default=True, help="Per-series scaling, fitted on the "
                     "training part only; auto chooses on validation."),
        click.option("--lr", type=click.FloatRange(0, REALS["lr"], min_open=True),
                     help="Adam learning rate [default: chosen on validation]."),
        click.option("--epochs", type=click.IntRange(*INTS["epochs"]), default=300,
                     show_default=True, help="Most epochs (early stopping ends "
                     "sooner)."),
        click.option("--patience", type=click.IntRange(*INTS["patience"]), default=20,
                     show_default=True, help="Epochs without validation gain "
                     "before stopping."),
        click.option("--seed", type=click.IntRange(*INTS["seed"]), default=0,
                     show_default=True,
                     help="Same seed, same numbers."),
        click.option("--clip", type=Positive(float, "a number", off=True,
                                   most=REALS["clip_norm"]),
                     default="1.0", show_default=True, metavar="NORM|off",
                     help="Clip gradients to this global norm (over all "
                     "parameters) before each step; off: no clipping."),
        click.option("--clip-value",
                     type=Positive(float, "a number", most=REALS["clip_value"]),
                     metavar="V", help="Also clip every gradient entry to "
                     "[-V, V] [default: no clipping by value]."),
        click.option("--tbptt", type=Positive(int, "a whole number of steps",
                                      most=INTS["tbptt"][1]),
                     metavar="K", help="Truncated BPTT: gradients flow back at "
                     "most K steps [default: the whole window]; cheaper, but "
                     "blind to dependencies longer than K."),
        click.option("--huber", type=Positive(float, "a number", off=True, auto=True,
                                   most=REALS["huber"]),
                     default="auto", show_default=True, metavar="auto|DELTA|off",
                     help="Train the networks on Huber's loss: the SSR with the "
                     "squares of residuals beyond DELTA (standardized) made "
                     "linear; off: the plain SSR; auto: 1.0 where the series have "
                     "a season, else off."),
        click.option("--alias", default=ENSEMBLE, show_default=True,
                     metavar="NAME", callback=_alias,
                     help="The ensemble's name: its column in the forecasts "
                     "(--out, --json) and its row in the report; not a "
                     "baseline's name nor networks."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
        click.option("--diagnose", is_flag=True, help="Record gradient norms and "
                     "report exploding or vanishing gradients."),
    ]  # fmt: skip
    for opt in reversed(opts):
        f = opt(f)
    return f


def checkpoint_options(f):
    """--checkpoint, --checkpoint-every and --resume of ``forecast`` and ``train``."""
    opts = [
        click.option("--checkpoint", metavar="DIR", help="Save the training "
                     "state here as it goes (a new or empty folder): every "
                     "configuration of the search, and on Ctrl-C."),
        click.option("--checkpoint-every", type=Positive(int, "a whole number",
                                      most=INTS["checkpoint_every"][1]),
                     metavar="N", help="Epochs between checkpoints "
                     "[default: 1]."),
        click.option("--resume", metavar="DIR", help="Continue the interrupted "
                     "run saved in DIR (same data and options), checkpointing "
                     "there; it ends exactly as an uninterrupted run."),
    ]  # fmt: skip
    for opt in reversed(opts):
        f = opt(f)
    return f


def fit_options(checkpoint, checkpoint_every, resume, diagnose) -> dict:
    """The checkpoint arguments of ``Forecaster.fit``; refuse what cannot work."""
    if checkpoint_every is not None and checkpoint is None and resume is None:
        raise click.UsageError(
            "--checkpoint-every needs --checkpoint DIR or --resume DIR"
        )
    if diagnose and resume is not None:
        raise click.UsageError(
            "--diagnose cannot be combined with --resume: it records gradients "
            "as they are computed, and the resumed run skips what was done"
        )
    if checkpoint is None and resume is None:
        return {}
    every = 1 if checkpoint_every is None else checkpoint_every
    return {"checkpoint": checkpoint, "checkpoint_every": every, "resume": resume}


def load_data(data, date_col=None, series_col=None, value_col=None, fill=None):
    """A Dataset from --data: a CSV path, a bundled name, or the bundled stocks."""
    from ..forecasting.io.data import BUNDLED, load_bundled, load_csv

    ctx = click.get_current_context(silent=True)
    reading = dict(ctx.meta.get(READING, {})) if ctx is not None else {}
    freq = reading.get("freq")
    if data is None or (data in BUNDLED and not os.path.exists(data)):
        from ..forecasting.io.data import as_dataset

        ds = load_bundled(data or "stocks")
        return ds if freq is None and fill is None else as_dataset(ds, fill, freq)
    return load_csv(data, date_col, series_col, value_col, fill, **reading)


def model_data(fc, data, date_col=None, series_col=None, value_col=None, fill=None):
    """The data a saved model forecasts: --data, else the histories it was saved with.

    Never other data: a model saved without histories needs --data; series
    the model does not know are refused, naming those it knows; data of
    another frequency than the model's get a warning on stderr.
    """
    from ..forecasting.io.history import check_known, frequency_warning

    if data is None:
        saved = getattr(fc, "history_data_", None)
        if saved is None:
            raise click.UsageError(
                "this model was saved without its histories (by unrolled 0.1.0); "
                "pass --data"
            )
        return saved
    ds = load_data(data, date_col, series_col, value_col, fill)
    check_known(fc.names_, ds.names, ds.source)
    msg = frequency_warning(fc.frequency_, ds.frequency)
    if msg is not None:
        warnings.warn(msg, UserWarning, stacklevel=2)
    return ds


def check_test(ds, test: int) -> None:
    """Refuse a --test that leaves a series fewer points to train on than needed.

    The library would clamp it for that series; the command line says so
    instead, naming the series and the largest --test that works.
    """
    from ..forecasting.io.dataset import MIN_LENGTH

    for s in ds.series:
        if len(s) - test < MIN_LENGTH:
            most = len(s) - MIN_LENGTH
            fix = f"use --test {most} or less" if most >= 1 else "it is too short"
            raise click.UsageError(
                f"--test {test} leaves series {s.name!r} ({len(s)} points) "
                f"{max(len(s) - test, 0)} to train on; at least {MIN_LENGTH} are "
                f"needed: {fix}"
            )


def date_text(d) -> str:
    """A date as ISO text, an integer time step as its number."""
    return d.isoformat() if hasattr(d, "isoformat") else str(int(d))


def check_positive(ds, scaling: str) -> None:
    """Refuse non-positive values up front when a log scaling is asked for."""
    if scaling != "log" and scaling not in LOGS:
        return
    for s in ds.series:
        bad = s.values <= 0
        if bad.any():
            i = int(bad.argmax())
            raise InputError(
                f"{ds.source}, series {s.name!r}, date {str(s.dates[i])[:10]}: "
                f"--scaling {scaling} needs positive values, got {s.values[i]:g}"
            )


def level_options(f):
    """``--level 80 95`` (the numbers after --level are collected) and ``--out``."""
    # the numbers after the first --level; metavar "": not in the usage line
    f = click.argument("more_levels", nargs=-1, required=False, metavar="")(f)
    f = click.option(
        "--out", "out_file", metavar="FILE.csv|FILE.parquet",
        help="Write the forecasts as a long table: unique_id, ds, ensemble "
        "(and ensemble-lo-80, ensemble-hi-80, ... with --level).",
    )(f)  # fmt: skip
    return click.option(
        "--level", multiple=True, metavar="L",
        help="Prediction interval levels in (0, 100), e.g. --level 80 95.",
    )(f)  # fmt: skip


#: ``--model DIR`` of the commands that use a saved model (predict, evaluate)
model_dir_option = click.option(
    "--model",
    "model_dir",
    required=True,
    metavar="DIR",
    help="A folder written by `unrolled train`.",
)


def backend_options(f):
    """``--backend`` and ``--address``: where the search's candidates train."""
    f = click.option(
        "--address", metavar="HOST:PORT",
        help="A running Ray cluster (ray start --head); default: a local Ray "
        "for the run. Only with --backend ray.",
    )(f)  # fmt: skip
    return click.option(
        "--backend", type=click.Choice(["local", "ray"]), default="local",
        show_default=True,
        help="Where the configuration search runs: here, or as Ray tasks "
        "(pip install 'unrolled[ray]'); same numbers either way.",
    )(f)  # fmt: skip


def open_backend(backend: str, address: str | None):
    """The backend object of ``--backend``/``--address`` (close it when done)."""
    from ..forecasting.ensemble.backends import make_backend

    if address is not None and backend != "ray":
        raise click.UsageError("--address: only with --backend ray")
    return make_backend(backend, address)
