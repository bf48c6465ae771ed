"""``unrolled info``: the versions and the engine's running conditions."""

from __future__ import annotations

import platform

import click

from ..text import wrap
from .render import echo_json


def versions() -> dict:
    """unrolled's, Python's and the core dependencies' versions."""
    import numba
    import numpy
    import pandas

    from .._version import __version__

    return {
        "unrolled": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "numba": numba.__version__,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print it as JSON.")
def info(as_json: bool) -> None:
    """Versions, and what the engine runs with: loop, threads, floating point, BLAS.

    Attach its output to a report of a slow or failing run.
    """
    from ..engine.runinfo import engine_info

    out = {"versions": versions(), "engine": engine_info()}
    if as_json:
        echo_json(out)
        return
    click.echo("  ".join(f"{k} {v}" for k, v in out["versions"].items()))
    engine = out["engine"]
    for key in ("loop", "threads", "threads_rule", "parallelism", "flush_subnormals",
                "cpu"):  # fmt: skip
        click.echo(wrap(f"{key}: {engine[key]}", indent="  "))
    loops = "; ".join(f"{k} for {v}" for k, v in engine["loops"].items())
    click.echo(wrap(f"loops: {loops}", indent="  "))
    for b in engine["blas"]:
        line = f"blas: {b['library']} {b['version']}, kernel {b['kernel']}, "
        click.echo(wrap(line + f"{b['threads']} thread(s)", indent="  "))


COMMANDS = [info]
