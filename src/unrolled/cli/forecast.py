"""The ``forecast`` command: train on every series, backtest, forecast.

A thin wrapper over :func:`unrolled.forecasting.evaluation.backtest.backtest`:
parse, load, call the library, render. Heavy imports live inside the
function so that ``unrolled --help`` stays fast.
"""

from __future__ import annotations

import click

from ..forecasting.ensemble.bounds import INTS
from .covariates import covariate_options, fit_inputs
from .fitting import fit_or_fail, make_forecaster, val_line
from .options import (
    backend_options,
    check_positive,
    check_test,
    checkpoint_options,
    data_options,
    fit_options,
    level_options,
    load_data,
    model_options,
    open_backend,
)
from .progress import Diagnose, make_progress, progress_option
from .render import (
    check_out_path,
    echo_json,
    frame_records,
    parse_levels,
    table,
    wrap,
    write_frame,
)


def _rivals(baselines: str) -> list[str]:
    """``--baselines stats``: statsforecast's autos, or exit 2 naming the install."""
    if baselines != "stats":
        return []
    from ..forecasting.evaluation.rivals import INSTALL, RIVALS

    try:
        import statsforecast  # noqa: F401
    except ImportError:
        raise click.UsageError(
            f"--baselines stats needs statsforecast: {INSTALL}"
        ) from None
    return list(RIVALS)


@click.command()
@data_options
@model_options
@checkpoint_options
@click.option(
    "--test",
    type=click.IntRange(*INTS["test"]),
    default=12,
    show_default=True,
    help="Points held out at the end of each series.",
)
@click.option(
    "--horizon",
    type=click.IntRange(*INTS["h"]),
    default=1,
    show_default=True,
    help="Values to forecast after the end (recursive).",
)
@click.option(
    "--baselines", type=click.Choice(["builtin", "stats"]), default="builtin",
    show_default=True,
    help="stats: add statsforecast's AutoETS, AutoTheta, AutoARIMA "
    "(pip install 'unrolled[stats]').",
)  # fmt: skip
@click.option(
    "--select", type=click.Choice(["network", "best"]), default="network",
    show_default=True,
    help="best: forecast with whichever method won on the validation slice.",
)  # fmt: skip
@level_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--plot", metavar="FILE.png", help="Draw history, test and forecasts.")
@backend_options
@progress_option
@covariate_options
def forecast(data, date_col, series_col, value_col, fill, cell, hidden, layers,
             window, scaling, lr, epochs, patience, seed, clip, clip_value, tbptt,
             huber, alias, quiet, diagnose, checkpoint, checkpoint_every, resume,
             test, horizon, baselines, select, level, out_file, more_levels,
             as_json, plot, backend, address, log_progress, **cov) -> None:  # fmt: skip
    """Train on every series, forecast, and compare with the baselines.

    The last --test points of each series are held out; the ensemble (and its
    networks alone) and the
    baselines (naive, drift, seasonal naive, mean) forecast each of them one
    step ahead from the true history before it, and are scored with MAE,
    RMSE, MAPE, MASE and directional accuracy. With no options: the bundled
    monthly prices of AAPL, AMZN, GOOG, IBM and MSFT.

    \b
    Examples:
      unrolled forecast
      unrolled forecast --data co2 --horizon 12
      unrolled forecast --data prices.csv --test 6 --json
      unrolled forecast --cell lstm --hidden 32 --plot forecast.png
      unrolled forecast --cell rnn --clip 0.5 --tbptt 12
      unrolled forecast --checkpoint ck/     # Ctrl-C, then: --resume ck/
      unrolled forecast --horizon 3 --level 80 95 --out forecasts.csv
      unrolled forecast --data co2 --baselines stats
      unrolled forecast --data aapl.csv --hist-exog Volume,Open,High,Low
    """
    from ..forecasting.evaluation.backtest import backtest

    fit_opts = fit_options(checkpoint, checkpoint_every, resume, diagnose)
    levels = parse_levels(level, more_levels)
    check_out_path(out_file, inputs=((data, "the --data file"),
                                     (plot, "the --plot file")))  # fmt: skip
    rivals = _rivals(baselines)
    if plot:
        from ..storage.figures import check_plot_path

        check_plot_path(plot, "--plot", inputs=((data, "the --data file"),))
    covs = fit_inputs(data, date_col, series_col, value_col, fill, **cov)
    ds = covs.ds or load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, scaling)
    check_test(ds, test)
    diag = Diagnose() if diagnose else None
    runner = open_backend(backend, address)
    with make_progress(quiet, as_json, log_progress) as bar:
        fc = make_forecaster(cell, hidden, layers, window, scaling, lr, epochs,
                             patience, seed, clip, clip_value, tbptt, huber,
                             alias, select, **covs.params)  # fmt: skip
        fit_opts.update(on_epoch=bar, callbacks=[diag] if diag is not None else [])
        fit_opts.update(covs.fit_options(backtest=True))
        if backend != "local":
            fit_opts["backend"] = runner
        try:
            report = fit_or_fail(
                lambda: backtest(
                    fc,
                    covs.data(ds),
                    test=test,
                    horizon=horizon,
                    level=levels,
                    rivals=rivals,
                    **fit_opts,
                )  # fmt: skip
            )
        finally:
            runner.close()
    frame = None
    if out_file or as_json:
        frame = fc.predict(horizon, covs.data(ds), level=levels,
                           **covs.predict_options())  # fmt: skip
    if plot:
        from ..forecasting.evaluation.plots import plot_report

        plot_report(report, plot)
    if out_file:
        write_frame(frame, out_file)
    if as_json:
        doc = report.to_json()
        doc["forecasts"] = frame_records(frame)
        if diag is not None:
            doc["diagnostics"] = diag.chosen(fc).to_dict()
        echo_json(doc)
        return
    click.echo(report.format())
    click.echo(val_line(fc))
    if diag is not None:
        click.echo("\n".join(diag.lines(fc)))
    if horizon > 1:
        click.echo("")
        click.echo(_horizon_table(report.series))
    if plot and not quiet:
        click.echo(f"plot written to {plot}")
    if out_file and not quiet:
        click.echo(f"forecasts written to {out_file}")


def _horizon_table(rows) -> str:
    h = max(len(s.horizon) for s in rows)
    head = wrap("The forecasts after the last value (+k: k steps after it):")
    heads = ["series"] + [f"+{k + 1}" for k in range(h)]
    return (
        head + "\n" + table(heads, [[s.name, *s.horizon] for s in rows], together=True)
    )


COMMANDS = [forecast]
