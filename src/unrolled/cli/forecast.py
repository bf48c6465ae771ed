"""Forecasting commands: forecast, train, predict, evaluate, datasets.

Thin wrappers over :mod:`unrolled.forecast` and :mod:`unrolled.backtest`:
parse, load, call the library, render. Heavy imports live inside the
functions so that ``unrolled --help`` stays fast.
"""

from __future__ import annotations

import os
import sys

import click

from .render import echo_json, table

CELLS = ["gru", "lstm", "rnn"]
SCALINGS = ["auto", "minmax", "standard", "log", "diff", "diff+level", "logdiff"]


def data_options(f):
    """--data and the column/fill options, shared by every command that loads."""
    opts = [
        click.option(
            "--data",
            "data",
            metavar="FILE.csv",
            help="CSV in long (date, symbol, price), wide (date + one column per "
            "series) or single-series form; or the name of a bundled data set "
            "(see `unrolled datasets`). Default: bundled stock prices.",
        ),
        click.option("--date-col", help="Column holding the dates."),
        click.option("--series-col", help="Long form: column naming the series."),
        click.option("--value-col", help="Column holding the values."),
        click.option(
            "--fill",
            type=click.Choice(["ffill", "interpolate", "drop"]),
            help="Fill or drop missing values (default: refuse them). "
            "The report says what was done.",
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


class Positive(click.ParamType):
    """A number > 0 (float or int), or ``off`` (None) where that is allowed."""

    def __init__(self, kind: type, what: str, off: bool = False):
        self.kind, self.what, self.off = kind, what, off
        self.name = "number" if kind is float else "integer"

    def convert(self, value, param, ctx):
        if value is None:
            return None
        if self.off and str(value).strip().lower() == "off":
            return None
        allowed = f"{self.what} > 0" + (" or 'off'" if self.off else "")
        try:
            v = self.kind(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            v = None
        if v is None or not (0 < v < float("inf")):
            self.fail(f"expected {allowed}, got {value!r}", param, ctx)
        return v


def model_options(f):
    """The network and training options of ``forecast`` and ``train``."""
    opts = [
        click.option("--cell", type=click.Choice(CELLS), default="gru",
                     show_default=True, help="Recurrent cell."),
        click.option("--hidden", type=click.IntRange(1, 4096),
                     help="Hidden units per layer [default: chosen on validation]."),
        click.option("--layers", type=click.IntRange(1, 16), default=1,
                     show_default=True, help="Stacked recurrent layers."),
        click.option("--window", type=click.IntRange(2, 100000),
                     help="Steps per training window and of context "
                     "[default: chosen on validation]."),
        click.option("--scaling", type=click.Choice(SCALINGS), default="auto",
                     show_default=True, help="Per-series scaling, fitted on the "
                     "training part only; auto chooses on validation."),
        click.option("--lr", type=click.FloatRange(0, 10, min_open=True),
                     help="Adam learning rate [default: chosen on validation]."),
        click.option("--epochs", type=click.IntRange(1, 100000), default=300,
                     show_default=True, help="Most epochs (early stopping ends "
                     "sooner)."),
        click.option("--patience", type=click.IntRange(1, 100000), default=20,
                     show_default=True, help="Epochs without validation gain "
                     "before stopping."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Same seed, same numbers."),
        click.option("--clip", type=Positive(float, "a number", off=True),
                     default="1.0", show_default=True, metavar="NORM|off",
                     help="Clip gradients to this global norm (over all "
                     "parameters) before each step; off: no clipping."),
        click.option("--clip-value", type=Positive(float, "a number"),
                     metavar="V", help="Also clip every gradient entry to "
                     "[-V, V] [default: no clipping by value]."),
        click.option("--tbptt", type=Positive(int, "a whole number of steps"),
                     metavar="K", help="Truncated BPTT: gradients flow back at "
                     "most K steps [default: the whole window]; cheaper, but "
                     "blind to dependencies longer than K."),
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
        click.option("--checkpoint-every", type=Positive(int, "a whole number"),
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
    from ..data import BUNDLED, load_bundled, load_csv

    if data is None:
        return load_bundled("stocks")
    if data in BUNDLED and not os.path.exists(data):
        return load_bundled(data)
    return load_csv(data, date_col, series_col, value_col, fill)


def check_positive(ds, scaling: str) -> None:
    """Refuse non-positive values up front when a log scaling is asked for."""
    if scaling not in ("log", "logdiff"):
        return
    for s in ds.series:
        bad = s.values <= 0
        if bad.any():
            i = int(bad.argmax())
            raise ValueError(
                f"{ds.source}, series {s.name!r}, date {s.dates[i].date()}: "
                f"--scaling {scaling} needs positive values, got {s.values[i]:g}"
            )


class Progress:
    """A rich progress bar fed by :class:`Forecaster`'s ``on_epoch``; or nothing."""

    def __init__(self, enabled: bool):
        self.bar = self.task = None
        if enabled:
            from rich.progress import BarColumn, Progress, TextColumn

            self.bar = Progress(
                BarColumn(bar_width=24),
                TextColumn("config {task.fields[cand]}"),
                TextColumn("{task.fields[info]}"),
                transient=True,
            )

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("", total=1.0, cand="", info="")
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, e: dict) -> None:
        if self.bar is None:
            return
        n = max(e["candidates"], 1)
        s, h, w, lr = e["config"]
        val = "" if e["val"] != e["val"] else f"  val {e['val']:.4f}"
        self.bar.update(
            self.task,
            completed=min(1.0, (e["candidate"] + (e["epoch"] + 1) / e["epochs"]) / n),
            cand=f"{e['candidate'] + 1}/{n} ({s}, h{h}, w{w}, lr {lr:g})",
            info=f"epoch {e['epoch'] + 1}  loss {e['loss']:.4f}{val}",
        )


class Diagnose:
    """One :class:`unrolled.gradflow.GradientMonitor` per configuration trained."""

    def __init__(self):
        self.monitors = []

    def __call__(self, epoch: int, logs: dict) -> bool:
        from ..gradflow import GradientMonitor

        if epoch == 0 or not self.monitors:  # a new configuration starts
            self.monitors.append(GradientMonitor(emit=False))
        return self.monitors[-1](epoch, logs)

    def chosen(self, fc):
        """The monitor of the configuration the forecaster kept."""
        c = fc.config_
        key = (c["scaling"], c["hidden"], c["window"], c["lr"])
        keys = [cand.key() for cand in fc.search_]
        return self.monitors[keys.index(key)] if key in keys else self.monitors[-1]

    def lines(self, fc) -> list[str]:
        m = self.chosen(fc)
        norms = [g for g in m.global_norm if g == g]
        head = (
            f"gradients of the chosen configuration over {len(m.epochs)} epochs: "
            f"global norm {norms[0]:.3g} at the first, {norms[-1]:.3g} at the last"
            if norms
            else "gradients: nothing recorded"
        )
        return [head] + (m.messages or ["no exploding or vanishing gradients seen"])


def _progress(quiet: bool, as_json: bool) -> Progress:
    return Progress(not quiet and not as_json and sys.stdout.isatty())


def _forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience, seed,
                clip, clip_value, tbptt, on, diag=None):  # fmt: skip
    from ..forecast import Forecaster

    return Forecaster(
        cell=cell, hidden=hidden, window=window, layers=layers, scaling=scaling,
        lr=lr, epochs=epochs, patience=patience, seed=seed, clip_norm=clip,
        clip_value=clip_value, tbptt=tbptt, on_epoch=on,
        callbacks=[diag] if diag is not None else (),
    )  # fmt: skip


def _fit_or_fail(call):
    """Run a training call; a non-finite training is the user's to fix (exit 2)."""
    from ..train import TrainingError

    try:
        return call()
    except TrainingError as exc:
        raise click.UsageError(str(exc)) from None


def _val_line(fc) -> str:
    if fc.val_score_ is None:
        return "no validation slice (series too short): default configuration"
    verdict = "beats" if fc.val_score_ < fc.naive_val_score_ else "does not beat"
    return (
        f"validation (MAE / naive in-sample MAE): network {fc.val_score_:.3f}, "
        f"naive {fc.naive_val_score_:.3f}: the network {verdict} naive there"
    )


@click.command()
@data_options
@model_options
@checkpoint_options
@click.option(
    "--test",
    type=click.IntRange(1, 100000),
    default=12,
    show_default=True,
    help="Points held out at the end of each series.",
)
@click.option(
    "--horizon",
    type=click.IntRange(1, 10000),
    default=1,
    show_default=True,
    help="Values to forecast after the end (recursive).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--plot", metavar="FILE.png", help="Draw history, test and forecasts.")
def forecast(data, date_col, series_col, value_col, fill, cell, hidden, layers,
             window, scaling, lr, epochs, patience, seed, clip, clip_value, tbptt,
             quiet, diagnose, checkpoint, checkpoint_every, resume, test, horizon,
             as_json, plot) -> None:  # fmt: skip
    """Train on every series, forecast, and compare with the baselines.

    The last --test points of each series are held out; the network and the
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
    """
    from ..backtest import backtest

    fit_opts = fit_options(checkpoint, checkpoint_every, resume, diagnose)
    if plot:
        from ..plots import check_plot_path

        check_plot_path(plot)
    ds = load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, scaling)
    diag = Diagnose() if diagnose else None
    with _progress(quiet, as_json) as bar:
        fc = _forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience,
                         seed, clip, clip_value, tbptt, bar, diag)  # fmt: skip
        report = _fit_or_fail(
            lambda: backtest(fc, ds, test=test, horizon=horizon, **fit_opts)
        )
    if plot:
        from ..plots import plot_report

        plot_report(report, plot)
    if as_json:
        doc = report.to_json()
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


def _horizon_table(rows) -> str:
    h = max(len(s.horizon) for s in rows)
    return table(
        ["series"] + [f"+{k + 1}" for k in range(h)],
        [[s.name, *s.horizon] for s in rows],
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
def train(data, date_col, series_col, value_col, fill, cell, hidden, layers,
          window, scaling, lr, epochs, patience, seed, clip, clip_value, tbptt,
          quiet, diagnose, checkpoint, checkpoint_every, resume, out,
          as_json) -> None:  # fmt: skip
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
    with _progress(quiet, as_json) as bar:
        fc = _forecaster(cell, hidden, layers, window, scaling, lr, epochs, patience,
                         seed, clip, clip_value, tbptt, bar, diag)  # fmt: skip
        _fit_or_fail(lambda: fc.fit(ds, **fit_opts))
    last = {s.name: s.dates[-1].isoformat() for s in ds.series}
    fc.save(out, extra={"last_date": last, "source": ds.source, "notes": ds.notes})
    summary = {
        "model": str(out),
        "series": fc.names_,
        "n_train": fc.n_train_,
        "frequency": fc.frequency_,
        "config": fc.config_,
        "val_score": fc.val_score_,
        "naive_val_score": fc.naive_val_score_,
        "seed": seed,
    }
    if fit_opts:
        summary["checkpoint"] = str(resume or checkpoint)
    if diag is not None:
        summary["diagnostics"] = diag.chosen(fc).to_dict()
    if as_json:
        echo_json(summary)
        return
    c = fc.config_
    click.echo(
        f"trained {len(fc.members_)} {c['cell'].upper()} network(s) on "
        f"{len(fc.names_)} series ({fc.frequency_}); the best: hidden {c['hidden']}, "
        f"window {c['window']}, scaling {c['scaling']}, lr {c['lr']}, "
        f"{c['epochs']} epoch(s); saved to {out}"
    )
    click.echo(_val_line(fc))
    for note in ds.notes:
        click.echo(f"note: {note}")


@click.command()
@click.option(
    "--model",
    "model_dir",
    required=True,
    metavar="DIR",
    help="A folder written by `unrolled train`.",
)
@data_options
@click.option(
    "--horizon",
    type=click.IntRange(1, 10000),
    default=1,
    show_default=True,
    help="Values to forecast (recursive).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the forecasts as JSON.")
def predict(model_dir, data, date_col, series_col, value_col, fill, horizon,
            as_json) -> None:  # fmt: skip
    """Forecast the values after the end of each series with a saved model.

    Series the model was trained on use their saved scalers; new series get
    scalers fitted on the history given.

    \b
    Examples:
      unrolled predict --model model/
      unrolled predict --model model/ --data prices.csv --horizon 6 --json
    """
    from ..forecast import Forecaster

    fc = Forecaster.load(model_dir)
    ds = load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, fc.config_["scaling"])
    ahead = fc.predict(ds, horizon=horizon)
    rows = [
        {
            "name": s.name,
            "last_date": s.dates[-1].isoformat(),
            "last": float(s.values[-1]),
            "next": float(ahead[s.name][0]),
            "horizon": [float(v) for v in ahead[s.name]],
        }
        for s in ds.series
    ]
    if as_json:
        echo_json({"series": rows, "frequency": ds.frequency, "notes": ds.notes})
        return
    heads = ["series", "last date", "last"] + [f"+{k + 1}" for k in range(horizon)]
    click.echo(
        table(
            heads,
            [[r["name"], r["last_date"][:10], r["last"], *r["horizon"]] for r in rows],
        )
    )
    for note in ds.notes:
        click.echo(f"note: {note}")


@click.command()
@click.option(
    "--model",
    "model_dir",
    required=True,
    metavar="DIR",
    help="A folder written by `unrolled train`.",
)
@data_options
@click.option(
    "--test",
    type=click.IntRange(1, 100000),
    default=12,
    show_default=True,
    help="Points at the end of each series to score.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--plot", metavar="FILE.png", help="Draw history, test and forecasts.")
def evaluate(model_dir, data, date_col, series_col, value_col, fill, test, as_json,
             plot) -> None:  # fmt: skip
    """Score a saved model on the last --test points of each series.

    Rolling origin, one step ahead, side by side with the baselines, as in
    `unrolled forecast`, but without training. If the model was trained on
    the points it is scored on, the report says so: that score is in-sample.

    \b
    Examples:
      unrolled evaluate --model model/ --data new_prices.csv
      unrolled evaluate --model model/ --data new_prices.csv --json
    """
    from ..backtest import evaluate_fitted, split_sizes
    from ..forecast import Forecaster

    if plot:
        from ..plots import check_plot_path

        check_plot_path(plot)
    fc = Forecaster.load(model_dir)
    ds = load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, fc.config_["scaling"])
    report = evaluate_fitted(fc, ds, test=test)
    report.notes += _in_sample_notes(fc, ds, split_sizes([len(s) for s in ds], test))
    if plot:
        from ..plots import plot_report

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
        if s.name not in last:
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
    from ..data import list_bundled

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
