"""The ``lesson`` command: the StatLand lesson as one self-contained HTML page."""

from __future__ import annotations

import os

import click

from ..errors import InputError
from .covariates import futr_data_option, static_data_option
from .options import data_options, load_data
from .render import echo_json

FLOW_WINDOWS = 32  # windows of the series on which the gradient flow is measured


def _date(d) -> str:
    """A date as ``YYYY-MM-DD`` (or the step number of an undated series)."""
    return str(d.date()) if hasattr(d, "date") else str(d)


def _dataset(fc, data, date_col, series_col, value_col, fill):
    """--data, or by default the data the model was trained on (when it is there)."""
    if data is None:
        from ..forecasting.io.data import BUNDLED

        source = str(getattr(fc, "extra_", {}).get("source", "") or "")
        name = source.split(":", 1)[1] if source.startswith("bundled:") else None
        if name in BUNDLED:
            data = name
        elif source and os.path.isfile(source):
            data = source
        else:
            said = (
                f"it was trained on {source!r}, not found"
                if source
                else ("it does not record what it was trained on")
            )
            raise click.UsageError(f"--data: needed with this model ({said})")
    return load_data(data, date_col, series_col, value_col, fill)


def _covariates_at_the_end(fc, covs, ds, name, y, dates) -> None:
    """Let ``fc``'s covariates read series ``name`` up to its end and the date
    after it (the future ones from --futr-data), as ``predict`` does."""
    from ..forecasting.ensemble.covariates import for_predict
    from ..forecasting.io.history import future_dates_of

    history = ([name], [y], {name: dates})
    future = future_dates_of(fc, *history, 1)
    for_predict(fc.covariates_, covs.data(ds), covs.futr_df, covs.static_df,
                fc.names_, history, future)  # fmt: skip


def _extra_inputs(fc, member, window) -> dict | None:
    """The covariates the member's copies read (``window``: its inputs, the
    target's first), or None; with the sentence on whether they helped."""
    cov = getattr(fc, "covariates_", None)
    if cov is None:
        return None
    said = fc.config_.get("covariates", {}).get("text", "")
    if not member.reads_covariates:
        return {"names": [], "values": [], "text": said}
    own = window.shape[1] - cov.n_channels
    return {"names": cov.channel_names, "values": window[:, own:].tolist(),
            "text": said}  # fmt: skip


def trained_section(model_dir, series, data, date_col, series_col, value_col, fill,
                    futr_data=None, static_data=None):  # fmt: skip
    """Load a saved forecaster and describe its best network on one series.

    Returns the plain data the page's trained-model section draws
    (:func:`unrolled.lessons.page.page_data`); with covariates, also what
    the copies read of them (``extra_inputs``).
    """
    import numpy as np

    from ..forecasting.forecaster import Forecaster
    from ..lessons.trained import trained_view
    from .covariates import model_inputs
    from .options import model_data

    fc = Forecaster.load(model_dir)
    covs = model_inputs(fc, data, futr_data, static_data)
    if getattr(fc, "covariates_", None) is None:
        ds = _dataset(fc, data, date_col, series_col, value_col, fill)
    else:  # the frame with their columns, or the histories saved with the model
        ds = covs.ds or model_data(fc, data, date_col, series_col, value_col, fill)
    names = [s.name for s in ds.series]
    first = next((n for n in fc.names_ if n in names), names[0])
    name = first if series is None else series
    if name not in names:
        raise click.UsageError(
            f"--series: no series {name!r} in {ds.source}; it has {', '.join(names)}"
        )
    s = ds.series[names.index(name)]
    y = np.asarray(s.values, dtype=np.float64)
    if getattr(fc, "covariates_", None) is not None:
        _covariates_at_the_end(fc, covs, ds, name, y, s.dates)
    member = fc.members_[0]  # the best network of the search
    tf = member.transforms_for([name], [y])[0]
    # the windows as the forecaster reads them: from the end, and from the
    # origins of the last values, whose known targets measure the gradient flow
    origins = [len(y), *range(len(y) - 1, max(1, len(y) - 1 - FLOW_WINDOWS), -1)]
    windows = member.prepare([y], [(0, o) for o in origins], [name])[0]
    inputs, seqs = windows[0], windows[1:]
    window, back = member.candidate.window, tf.lookback
    targets = [float(tf.targets(y[max(0, o - window - back) : o + 1])[-1])
               for o in origins[1:]]  # fmt: skip
    if not seqs:
        raise InputError(f"series {name!r}: too short ({len(y)} points) to unroll")
    T = len(inputs)
    view = trained_view(member.model, inputs, seqs, targets)
    pred = float(member.one_step([y], [(0, len(y))], [name])[0])
    view.update(
        model=str(model_dir),
        series=name,
        scaling=member.candidate.scaling,
        first_date=_date(s.dates[-T]),
        last_date=_date(s.dates[-1]),
        dates=[_date(d) for d in s.dates[-T:]],
        values=y[-T:].tolist(),
        prediction=pred,
    )
    extra = _extra_inputs(fc, member, inputs)
    if extra is not None:
        view["extra_inputs"] = extra
    return view


@click.command()
@click.option("--out", required=True, metavar="FILE.html", help="The page to write.")
@click.option("--open", "open_page", is_flag=True,
              help="Open the page in the default browser.")  # fmt: skip
@click.option(
    "--model",
    "model_dir",
    metavar="DIR",
    help="Add a trained model's section (a folder from `unrolled train`).",
)
@click.option("--series", metavar="NAME", help="With --model: the series to unroll.")
@lambda f: data_options(f, "the data --model was trained on (its bundled set, or "
                        "its file while it is there); only with --model")  # fmt: skip
@futr_data_option
@static_data_option
@click.option("--json", "as_json", is_flag=True, help="Say what was written, as JSON.")
def lesson(out, open_page, model_dir, series, data, date_col, series_col, value_col,
           fill, futr_data, static_data, as_json) -> None:  # fmt: skip
    """Write the StatLand lesson as one self-contained, interactive HTML page.

    The feedback loop rolled and unrolled, StatLand, editable inputs and
    weights, the backward pass with every copy's share of the gradients,
    gradient descent, vanishing and exploding gradients, and (with --model)
    a trained network's copies, hidden states and gradient reach. It needs no
    server and no network: open it from disk. Its state lives in the URL
    fragment (#values=0,0.5,1&w1=1.8&w2=-0.5&w3=1.1&b1=0&b2=0&target=1&n=4).

    \b
    Examples:
      unrolled lesson --out lesson.html --open
      unrolled train --out model/ && unrolled lesson --out lesson.html --model model/
      unrolled lesson --out lesson.html --model model/ --series IBM
    """
    from ..lessons.page import write_lesson_page
    from ..storage.atomic import check_output

    check_output(out, "--out", (".html", ".htm"), ((data, "the --data file"),
                 (model_dir, "the --model folder")))  # fmt: skip
    given = {"--series": series, "--data": data, "--date-col": date_col,
             "--series-col": series_col, "--value-col": value_col,
             "--fill": fill, "--futr-data": futr_data,
             "--static-data": static_data}  # fmt: skip
    if model_dir is None:
        extra = [k for k, v in given.items() if v is not None]
        if extra:
            raise click.UsageError(f"{extra[0]}: needs --model DIR")
    trained = None
    if model_dir is not None:
        trained = trained_section(model_dir, series, data, date_col, series_col,
                                  value_col, fill, futr_data, static_data)  # fmt: skip
    path = write_lesson_page(out, trained)
    size = path.stat().st_size
    if as_json:
        summary = {"path": str(path), "bytes": size, "series": None}
        if trained is not None:
            keys = ("model", "series", "cell", "prediction", "first_date", "last_date")
            summary |= {k: trained[k] for k in keys}
            if "extra_inputs" in trained:  # the covariates its copies read
                summary["extra_inputs"] = trained["extra_inputs"]["names"]
        echo_json(summary)
    else:
        what = f" with {trained['series']} unrolled" if trained else ""
        click.echo(f"wrote {path} ({size / 1024:.0f} KB){what}")
    if open_page:
        import webbrowser

        uri = path.resolve().as_uri()
        if not webbrowser.open(uri):
            click.echo(f"warning: no web browser found to open it; open {uri}",
                       err=True)  # fmt: skip


COMMANDS = [lesson]
