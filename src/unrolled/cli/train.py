"""The ``train`` command: fit on all of the data and save the model.

A thin wrapper over :meth:`unrolled.forecasting.forecaster.Forecaster.fit`
and ``save``; heavy imports live inside the function.
"""

from __future__ import annotations

import click

from ..forecasting.ensemble.bounds import window_note
from .covariates import fit_inputs, train_covariate_options
from .fitting import fit_or_fail, make_forecaster, val_line
from .options import (
    check_positive,
    checkpoint_options,
    data_options,
    date_text,
    fit_options,
    load_data,
    model_options,
)
from .progress import Diagnose, make_progress, progress_option
from .render import echo_json, wrap


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
@train_covariate_options
def train(data, date_col, series_col, value_col, fill, cell, hidden, layers,
          window, scaling, lr, epochs, patience, seed, clip, clip_value, tbptt,
          huber, alias, quiet, diagnose, checkpoint, checkpoint_every, resume,
          out, as_json, log_progress, **cov) -> None:  # fmt: skip
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
    covs = fit_inputs(data, date_col, series_col, value_col, fill, ahead=False,
                      **cov)  # fmt: skip
    ds = covs.ds or load_data(data, date_col, series_col, value_col, fill)
    check_positive(ds, scaling)
    diag = Diagnose() if diagnose else None
    with make_progress(quiet, as_json, log_progress) as bar:
        fc = make_forecaster(cell, hidden, layers, window, scaling, lr, epochs,
                             patience, seed, clip, clip_value, tbptt, huber,
                             alias, **covs.params)  # fmt: skip
        fit_opts.update(on_epoch=bar, callbacks=[diag] if diag is not None else [])
        fit_opts.update(covs.fit_options())
        fit_or_fail(lambda: fc.fit(covs.data(ds), **fit_opts))
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
    click.echo(val_line(fc))
    for note in [*ds.notes, *window_note(fc)]:
        click.echo(wrap(f"note: {note}", indent="  "))


COMMANDS = [train]
