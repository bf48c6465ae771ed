"""Covariates on the command line: options, and the frames they name.

``--futr-exog``, ``--hist-exog`` and ``--stat-exog`` name columns (``COL[,COL]``)
as :class:`~unrolled.forecasting.forecaster.Forecaster`'s ``futr_exog``,
``hist_exog`` and ``stat_exog``; ``--calendar month,weekday`` and
``--country`` its calendar; ``--futr-data`` and ``--static-data`` the files
that ``futr_df`` and ``static_df`` come from. Everything is checked by the
library; a bad value is a usage error naming the option (exit 2).
"""

from __future__ import annotations

import click

from ..errors import InputError

OPTIONS = {"futr_exog": "--futr-exog", "hist_exog": "--hist-exog",
           "stat_exog": "--stat-exog", "calendar": "--calendar",
           "country": "--country"}  # fmt: skip


def _names(ctx, param, value):
    """``COL[,COL]`` -> a tuple of names (None when not given)."""
    if value is None:
        return None
    names = tuple(v.strip() for v in value.split(","))
    if not all(names):
        raise click.BadParameter(f"expected COL[,COL...], got {value!r}", ctx, param)
    return names


def covariate_options(f, future: bool = True):
    """The covariate options of a command that fits (and ``--futr-data``)."""
    opts = [
        click.option("--futr-exog", callback=_names, metavar="COL[,COL]",
                     help="Future covariates: columns of --data known ahead "
                     "(their values after each series' end: --futr-data)."),
        click.option("--hist-exog", callback=_names, metavar="COL[,COL]",
                     help="Historic covariates: columns of --data known up to "
                     "each forecast origin (e.g. Volume)."),
        click.option("--stat-exog", callback=_names, metavar="COL[,COL]",
                     help="Static covariates: columns of --static-data."),
        click.option("--calendar", callback=_names, metavar="NAME[,NAME]",
                     help="Calendar features: month, weekday, hour, dayofyear, "
                     "holiday (with --country)."),
        click.option("--country", metavar="CODE",
                     help="The holidays' country (e.g. US) for --calendar holiday."),
        static_data_option,
    ]  # fmt: skip
    if future:
        opts.append(futr_data_option)
    for opt in reversed(opts):
        f = opt(f)
    return f


static_data_option = click.option(
    "--static-data", metavar="FILE",
    help="unique_id and the --stat-exog columns, a row per series.",
)  # fmt: skip
futr_data_option = click.option(
    "--futr-data", metavar="FILE",
    help="unique_id, ds and the future covariates at the dates forecast.",
)  # fmt: skip


def train_covariate_options(f):
    """:func:`covariate_options` without --futr-data (nothing is forecast)."""
    return covariate_options(f, future=False)


def covariate_params(**given) -> dict:
    """The forecaster's covariate parameters, checked; a bad one is a usage
    error naming its option."""
    from ..forecasting.io.covariates import covariate_spec

    params = {k: (list(v) if isinstance(v, tuple) else v)
              for k, v in given.items() if k in OPTIONS}  # fmt: skip
    try:
        covariate_spec(**params)
    except InputError as exc:
        name, _, rest = str(exc).partition(": ")
        raise click.UsageError(f"{OPTIONS.get(name, name)}: {rest}") from None
    return {k: v for k, v in params.items() if v is not None}


def _frame(path):
    """The DataFrame of the file ``path`` names (None when not given)."""
    if path is None:
        return None
    from ..forecasting.io.covariates import read_frame

    return read_frame(path)


class Inputs:
    """What a command hands the library besides its data: the forecaster's
    covariate ``params``, the frame it fits on when covariates are columns of
    --data (``frame``, and its target's dataset ``ds``), ``static_df`` and
    ``futr_df``."""

    def __init__(self, params, frame=None, ds=None, static_df=None, futr_df=None):
        self.params, self.frame, self.ds = params, frame, ds
        self.static_df, self.futr_df = static_df, futr_df
        self.saved = False  # predict from the histories saved with the model

    def data(self, ds):
        """The data to fit on or forecast from: the frame, else ``ds`` (None:
        the saved histories, with their covariates)."""
        if self.saved:
            return None
        return ds if self.frame is None else self.frame

    def fit_options(self, backtest: bool = False) -> dict:
        out = {} if self.static_df is None else {"static_df": self.static_df}
        if backtest and self.futr_df is not None:  # the dates after the end
            out["futr_df"] = self.futr_df
        return out

    def predict_options(self) -> dict:
        given = {"futr_df": self.futr_df, "static_df": self.static_df}
        return {k: v for k, v in given.items() if v is not None}


def _no_reading_options(option, date_col, series_col, value_col, fill) -> None:
    """The column and fill options are not yet read with covariates."""
    for name, v in (("--date-col", date_col), ("--series-col", series_col),
                    ("--value-col", value_col), ("--fill", fill)):  # fmt: skip
        if v is not None:
            raise click.UsageError(
                f"{name}: not yet with {option}; name the columns date (or ds), "
                "unique_id and y, and give the covariates at every date"
            )


def _need_future(names, futr_data) -> None:
    """Future covariates forecast only with their values at the dates forecast."""
    if names and futr_data is None:
        raise click.UsageError(
            f"--futr-data: needed with future covariates ({', '.join(names)}): "
            "a file with unique_id, ds and their values at the dates forecast"
        )


def fit_inputs(data, date_col, series_col, value_col, fill, futr_data=None,
               static_data=None, ahead: bool = True, **given) -> Inputs:  # fmt: skip
    """The :class:`Inputs` of a command that fits: ``forecast`` (``ahead``:
    it forecasts after the end, so future covariates need --futr-data) or
    ``train``."""
    params = covariate_params(**given)
    if ahead:
        _need_future(params.get("futr_exog"), futr_data)
    if futr_data is not None and not params.get("futr_exog"):
        raise click.UsageError("--futr-data: only with --futr-exog")
    if static_data is not None and not params.get("stat_exog"):
        raise click.UsageError("--static-data: only with --stat-exog")
    out = Inputs(params, static_df=_frame(static_data), futr_df=_frame(futr_data))
    columns = params.get("futr_exog") or params.get("hist_exog")
    if not columns:
        return out
    from ..forecasting.ensemble.covariates import read_history
    from ..forecasting.io.covariates import covariate_spec
    from ..forecasting.io.data import BUNDLED

    option = "--futr-exog" if params.get("futr_exog") else "--hist-exog"
    if data is None or data in BUNDLED:
        raise click.UsageError(
            f"{option}: the bundled data sets have no covariate columns; give "
            "--data FILE with them"
        )
    _no_reading_options(option, date_col, series_col, value_col, fill)
    out.frame = _frame(data)
    out.ds = read_history(out.frame, covariate_spec(**params))[0]
    return out


def model_inputs(fc, data, futr_data=None, static_data=None) -> Inputs:
    """The :class:`Inputs` of ``predict`` with a saved model ``fc``: with
    covariates in columns, --data is read as a frame (or the saved histories
    used, ``frame`` None and ``ds`` the saved ones)."""
    cov = getattr(fc, "covariates_", None)
    if cov is None:
        for name, v in (("--futr-data", futr_data), ("--static-data", static_data)):
            if v is not None:
                raise click.UsageError(f"{name}: this model takes no covariates")
        return Inputs({})
    _need_future(cov.spec.futr, futr_data)
    out = Inputs({}, static_df=_frame(static_data), futr_df=_frame(futr_data))
    if not cov.spec.columns:
        return out
    from ..forecasting.ensemble.covariates import read_history

    if data is None:  # the saved histories, and their covariates
        out.ds, out.saved = fc.history_data_, True
        return out
    out.frame = _frame(data)
    out.ds = read_history(out.frame, cov.spec)[0]
    return out
