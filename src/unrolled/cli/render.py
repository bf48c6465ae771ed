"""Plain-text rendering shared by the commands: aligned tables and JSON."""

from __future__ import annotations

import json

import click

from ..text import table  # noqa: F401  (the commands render with it)


def echo_json(data) -> None:
    """Print ``data`` as indented JSON."""
    click.echo(json.dumps(data, indent=2))
