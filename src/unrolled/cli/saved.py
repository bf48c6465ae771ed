"""The commands on a saved model: ``predict`` and ``evaluate``.

Thin wrappers over :meth:`~unrolled.forecasting.forecaster.Forecaster.load`,
``predict`` and :func:`~unrolled.forecasting.evaluation.backtest.evaluate_fitted`;
heavy imports live inside the functions.
"""

from __future__ import annotations

import click

from ..forecasting.ensemble.bounds import INTS
from .covariates import futr_data_option, model_inputs, static_data_option
from .options import (
    check_positive,
    check_test,
    date_text,
    level_options,
    model_data,
    model_data_options,
    model_dir_option,
)
from .progress import make_progress, progress_option
from .render import (
    check_out_path,
    echo_json,
    frame_records,
    parse_levels,
    table,
    wrap,
    write_frame,
)


@click.command()
@model_dir_option
@model_data_options
@click.option(
    "--horizon",
    type=click.IntRange(*INTS["h"]),
    default=1,
    show_default=True,
    help="Values to forecast (recursive).",
)
@level_options
@click.option("--json", "as_json", is_flag=True, help="Print the forecasts as JSON.")
@futr_data_option
@static_data_option
def predict(model_dir, data, date_col, series_col, value_col, fill, horizon, level,
            out_file, more_levels, as_json, futr_data,
            static_data) -> None:  # fmt: skip
    """Forecast the values after the end of each series with a saved model.

    Without --data: the histories saved with the model. With --data: only
    series the model was trained on (their saved scalers); others are refused.
    With --level, split-conformal intervals calibrated on the model's
    validation slice.

    \b
    Examples:
      unrolled predict --model model/
      unrolled predict --model model/ --data prices.csv --horizon 6 --json
      unrolled predict --model model/ --horizon 3 --level 80 95 --out f.csv
      unrolled predict --model model/ --horizon 3 --futr-data prices-ahead.csv
    """
    from ..forecasting.forecaster import Forecaster

    levels = parse_levels(level, more_levels)
    check_out_path(out_file, inputs=((data, "the --data file"),
                                     (model_dir, "the --model folder")))  # fmt: skip
    fc = Forecaster.load(model_dir)
    covs = model_inputs(fc, data, futr_data, static_data)
    ds = covs.ds or model_data(fc, data, date_col, series_col, value_col, fill)
    check_positive(ds, fc.config_["scaling"])
    frame = fc.predict(horizon, covs.data(ds), level=levels, **covs.predict_options())
    if out_file:
        write_frame(frame, out_file)
    rows = []
    for s in ds.series:
        part = frame[frame["unique_id"] == s.name]
        rows.append({
            "name": s.name, "last_date": date_text(s.dates[-1]),
            "last": float(s.values[-1]), "next": float(part[fc.alias].iloc[0]),
            "horizon": [float(v) for v in part[fc.alias]],
        })  # fmt: skip
    if as_json:
        echo_json({"series": rows, "frequency": ds.frequency, "notes": ds.notes,
                   "forecasts": frame_records(frame),
                   "interval_notes": fc.interval_notes_})  # fmt: skip
        return
    heads = ["series", "last date", "last"] + [f"+{k + 1}" for k in range(horizon)]
    click.echo(
        table(
            heads,
            [[r["name"], r["last_date"][:10], r["last"], *r["horizon"]] for r in rows],
            together=True,
        )
    )
    if levels:
        shown = frame.astype(object)
        shown["ds"] = [str(d)[:10] if str(d).endswith("00:00:00") else str(d)
                       for d in frame["ds"]]  # fmt: skip
        click.echo(table(list(shown.columns), shown.values.tolist(), together=True))
    for note in [*ds.notes, *fc.interval_notes_]:
        click.echo(wrap(f"note: {note}", indent="  "))
    if out_file:
        click.echo(f"forecasts written to {out_file}")


@click.command()
@model_dir_option
@model_data_options
@click.option(
    "--test",
    type=click.IntRange(*INTS["test"]),
    default=12,
    show_default=True,
    help="Points at the end of each series to score.",
)
@click.option(
    "--horizon", type=click.IntRange(*INTS["h"]), default=1, show_default=True,
    help="Score every step 1..H ahead from each test origin (no retraining).",
)  # fmt: skip
@click.option(
    "--level", multiple=True, metavar="L",
    help="Measure the coverage of these interval levels, e.g. --level 80 95.",
)  # fmt: skip
@click.argument("more_levels", nargs=-1, required=False, metavar="")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--plot", metavar="FILE.png", help="Draw history, test and forecasts.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@progress_option
def evaluate(model_dir, data, date_col, series_col, value_col, fill, test, horizon,
             level, more_levels, as_json, plot, quiet,
             log_progress) -> None:  # fmt: skip
    """Score a saved model on the last --test points of each series.

    Rolling origin, one step ahead, side by side with the baselines, as in
    `unrolled forecast`, but without training. If the model was trained on
    the points it is scored on, the report says so: that score is in-sample.

    \b
    Examples:
      unrolled evaluate --model model/ --data new_prices.csv
      unrolled evaluate --model model/ --data new_prices.csv --json
    """
    from ..forecasting.evaluation.backtest import evaluate_fitted, split_sizes
    from ..forecasting.forecaster import Forecaster

    if plot:
        from ..storage.figures import check_plot_path

        check_plot_path(
            plot,
            "--plot",
            inputs=((data, "the --data file"), (model_dir, "the --model folder")),
        )
    levels = parse_levels(level, more_levels)
    fc = Forecaster.load(model_dir)
    ds = model_data(fc, data, date_col, series_col, value_col, fill)
    check_positive(ds, fc.config_["scaling"])
    check_test(ds, test)
    with make_progress(quiet, as_json, log_progress):
        report = evaluate_fitted(fc, ds, test=test, horizon=horizon, level=levels)
    report.notes += in_sample_notes(fc, ds, split_sizes([len(s) for s in ds], test))
    if plot:
        from ..forecasting.evaluation.plots import plot_report

        plot_report(report, plot)
    if as_json:
        echo_json(report.to_json())
        return
    click.echo(report.format())


def in_sample_notes(fc, ds, sizes) -> list[str]:
    """Say where the test points fall inside what the model was trained on."""
    import pandas as pd

    last = getattr(fc, "extra_", {}).get("last_date", {}) or {}
    notes = []
    for s, k in zip(ds.series, sizes, strict=True):
        if s.name not in last or not isinstance(s.dates, pd.DatetimeIndex):
            continue
        seen = int((s.dates[len(s) - k :] <= pd.Timestamp(last[s.name])).sum())
        if seen:
            notes.append(
                f"{s.name}: the model was trained on data up to {last[s.name][:10]}, "
                f"so {seen} of its {k} test points are in-sample (an optimistic score)"
            )
    return notes


COMMANDS = [predict, evaluate]
