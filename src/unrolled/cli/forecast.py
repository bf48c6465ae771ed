"""Forecasting commands: forecast, train, predict, evaluate, datasets.

Thin wrappers over :mod:`unrolled.forecasting.forecaster` and
:mod:`unrolled.forecasting.evaluation.backtest`: parse, load, call the library, render.
Heavy imports live inside the functions so that ``unrolled --help`` stays
fast. Shared options are in :mod:`.options`, the progress bar and diagnostics
in :mod:`.progress`.
"""

from __future__ import annotations

import click

from ..forecasting.ensemble.bounds import INTS, window_note
from .options import (
    backend_options,
    check_positive,
    check_test,
    checkpoint_options,
    data_options,
    date_text,
    fit_options,
    load_data,
    model_data,
    model_data_options,
    model_dir_option,
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


def _forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience, seed,
                clip, clip_value, tbptt, huber, select="network"):  # fmt: skip
    from ..forecasting.forecaster import Forecaster

    return Forecaster(
        cell=cell, hidden=hidden, window=window, layers=layers, scaling=scaling,
        lr=lr, epochs=epochs, patience=patience, seed=seed, clip_norm=clip,
        clip_value=clip_value, tbptt=tbptt, huber=huber, select=select,
    )  # fmt: skip


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


def _fit_or_fail(call):
    """Run a training call; a non-finite training is the user's to fix (exit 2)."""
    from ..errors import TrainingError

    try:
        return call()
    except TrainingError as exc:
        raise click.UsageError(str(exc)) from None


def _val_line(fc) -> str:
    if fc.val_score_ is None:
        return "no validation slice (series too short): default configuration"
    net, naive = f"{fc.val_score_:.3f}", f"{fc.naive_val_score_:.3f}"
    verdict = "beats" if fc.val_score_ < fc.naive_val_score_ else "does not beat"
    verdict = "is level with" if net == naive else verdict
    line = (
        f"validation (MAE / naive in-sample MAE): ensemble {net}, "
        f"naive {naive}: the ensemble {verdict} naive there"
    )
    scores = getattr(fc, "baseline_val_scores_", {}) or {}
    best = min(scores, key=scores.get) if scores else None
    if best is not None and round(scores[best], 3) < round(fc.val_score_, 3):
        line += f"; {best} ({scores[best]:.3f}) beat the ensemble there"
    return wrap(line)


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
def forecast(data, date_col, series_col, value_col, fill, cell, hidden, layers,
             window, scaling, lr, epochs, patience, seed, clip, clip_value, tbptt,
             huber, quiet, diagnose, checkpoint, checkpoint_every, resume, test,
             horizon, baselines, select, level, out_file, more_levels, as_json,
             plot, backend, address, log_progress) -> None:  # fmt: skip
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
    ds = load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, scaling)
    check_test(ds, test)
    diag = Diagnose() if diagnose else None
    runner = open_backend(backend, address)
    with make_progress(quiet, as_json, log_progress) as bar:
        fc = _forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience,
                         seed, clip, clip_value, tbptt, huber, select)  # fmt: skip
        fit_opts.update(on_epoch=bar, callbacks=[diag] if diag is not None else [])
        if backend != "local":
            fit_opts["backend"] = runner
        try:
            report = _fit_or_fail(
                lambda: backtest(
                    fc,
                    ds,
                    test=test,
                    horizon=horizon,
                    level=levels,
                    rivals=rivals,
                    **fit_opts,
                )  # fmt: skip
            )
        finally:
            runner.close()
    frame = fc.predict(horizon, ds, level=levels) if (out_file or as_json) else None
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
    click.echo(_val_line(fc))
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


@click.command()
@data_options
@model_options
@checkpoint_options
@click.option(
    "--out",
    required=True,
    metavar="DIR",
    help="Folder to write the model to (created if missing).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@progress_option
def train(data, date_col, series_col, value_col, fill, cell, hidden, layers,
          window, scaling, lr, epochs, patience, seed, clip, clip_value, tbptt,
          huber, quiet, diagnose, checkpoint, checkpoint_every, resume, out,
          as_json, log_progress) -> None:  # fmt: skip
    """Train on all of the data and save the model to --out.

    The folder gets weights.safetensors and model.json (config, per-series
    scalers, training metadata); nothing is pickled. The last points of each
    series still serve as the validation slice that picks the configuration
    and stops training. With --checkpoint DIR the state of the search is
    saved as it goes; after Ctrl-C (exit 130), --resume DIR with the same
    data and options finishes it, with exactly the model of an
    uninterrupted run.

    \b
    Examples:
      unrolled train --out model/
      unrolled train --data prices.csv --out model/ --cell lstm
      unrolled train --out model/ --checkpoint ck/ --checkpoint-every 5
      unrolled train --out model/ --resume ck/
      unrolled predict --model model/ --data prices.csv
    """
    from pathlib import Path

    fit_opts = fit_options(checkpoint, checkpoint_every, resume, diagnose)
    if Path(out).exists() and not Path(out).is_dir():
        raise click.UsageError(f"--out {out}: exists and is not a folder")
    ds = load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, scaling)
    diag = Diagnose() if diagnose else None
    with make_progress(quiet, as_json, log_progress) as bar:
        fc = _forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience,
                         seed, clip, clip_value, tbptt, huber)  # fmt: skip
        fit_opts.update(on_epoch=bar, callbacks=[diag] if diag is not None else [])
        _fit_or_fail(lambda: fc.fit(ds, **fit_opts))
    last = {s.name: date_text(s.dates[-1]) for s in ds.series}
    fc.save(out, extra={"last_date": last, "source": ds.source, "notes": ds.notes})
    summary = {
        "model": str(out),
        "series": fc.names_,
        "n_train": fc.n_train_,
        "frequency": fc.frequency_,
        "config": fc.config_,
        "val_score": fc.val_score_,
        "naive_val_score": fc.naive_val_score_,
        "baseline_val_scores": fc.baseline_val_scores_,
        "seed": seed,
    }
    if resume or checkpoint:
        summary["checkpoint"] = str(resume or checkpoint)
    if diag is not None:
        summary["diagnostics"] = diag.chosen(fc).to_dict()
    if as_json:
        echo_json(summary)
        return
    c = fc.config_
    classical = len(fc.members_) - c["ensemble"]  # the members after the networks
    also = f" (and {classical} classical member(s))" if classical else ""
    click.echo(
        f"trained {c['ensemble']} {c['cell'].upper()} network(s){also} on "
        f"{len(fc.names_)} series ({fc.frequency_}); the best: hidden {c['hidden']}, "
        f"window {c['window']}, scaling {c['scaling']}, lr {c['lr']}, "
        f"{c['epochs']} epoch(s); saved to {out}"
    )
    click.echo(_val_line(fc))
    for note in [*ds.notes, *window_note(fc)]:
        click.echo(wrap(f"note: {note}", indent="  "))


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
def predict(model_dir, data, date_col, series_col, value_col, fill, horizon, level,
            out_file, more_levels, as_json) -> None:  # fmt: skip
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
    """
    from ..forecasting.forecaster import Forecaster

    levels = parse_levels(level, more_levels)
    check_out_path(out_file, inputs=((data, "the --data file"),
                                     (model_dir, "the --model folder")))  # fmt: skip
    fc = Forecaster.load(model_dir)
    ds = model_data(fc, data, date_col, series_col, value_col, fill)
    check_positive(ds, fc.config_["scaling"])
    frame = fc.predict(horizon, ds, level=levels)
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
    report.notes += _in_sample_notes(fc, ds, split_sizes([len(s) for s in ds], test))
    if plot:
        from ..forecasting.evaluation.plots import plot_report

        plot_report(report, plot)
    if as_json:
        echo_json(report.to_json())
        return
    click.echo(report.format())


def _in_sample_notes(fc, ds, sizes) -> list[str]:
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


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def datasets(as_json: bool) -> None:
    """List the data sets bundled with the package.

    \b
    Examples:
      unrolled datasets
      unrolled forecast --data co2
    """
    from ..forecasting.io.data import list_bundled

    rows = list_bundled()
    if as_json:
        echo_json({"datasets": rows})
        return
    click.echo(
        table(
            ["name", "series", "points", "frequency", "description"],
            [
                [
                    r["name"],
                    r["n_series"],
                    ", ".join(f"{k} {v}" for k, v in r["lengths"].items()),
                    r["frequency"],
                    r["description"],
                ]
                for r in rows
            ],
        )
    )


COMMANDS = [forecast, train, predict, evaluate, datasets]
