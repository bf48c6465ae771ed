"""The ``datasets`` command: the data sets bundled with the package."""

from __future__ import annotations

import click

from .render import echo_json, table


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


COMMANDS = [datasets]
