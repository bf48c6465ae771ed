"""Commands on the lesson's network: ``statland`` and ``explain``."""

from __future__ import annotations

import click

from ..lessons.statland import LESSON_WEIGHTS
from .render import echo_json, table

#: the lesson's weights as options: flag help, default from LESSON_WEIGHTS
WEIGHT_HELP = {
    "w1": "Weight on the input.",
    "w2": "Weight on the feedback loop.",
    "w3": "Weight on the output.",
    "b1": "Bias of the hidden unit.",
    "b2": "Bias of the output.",
}


def weight_options(*names: str):
    """Click options ``--w1`` ... for the named weights, the lesson's by default."""

    def decorate(fn):
        for name in reversed(names):
            default, text = LESSON_WEIGHTS[name], WEIGHT_HELP[name]
            option = click.option(
                f"--{name}", default=default, show_default=True, help=text
            )
            fn = option(fn)
        return fn

    return decorate


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def statland(as_json: bool) -> None:
    """The lesson's four StatLand scenarios and the network's predictions.

    Prices are scaled Low = 0, Medium = 0.5, High = 1; the network is the
    lesson's (w1 = 1.8, w2 = -0.5, w3 = 1.1, b1 = b2 = 0).

    \b
    Examples:
      unrolled statland
      unrolled statland --json
    """
    from ..lessons.statland import statland_table

    rows = statland_table()
    if as_json:
        echo_json({"scenarios": rows})
        return
    click.echo(
        table(
            ["yesterday", "today", "observed tomorrow", "predicted tomorrow"],
            [[r["yesterday"], r["today"], r["expected"], r["predicted"]] for r in rows],
        )
    )


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("values", nargs=-1, required=True, type=float)
@weight_options("w1", "w2", "w3", "b1", "b2")
@click.option(
    "--target",
    type=float,
    help="Tomorrow's actual value: add the backward pass (SSR, every copy's "
    "share of the gradients).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
def explain(values, w1, w2, w3, b1, b2, target, as_json) -> None:
    """Show the arithmetic of every unrolled copy for VALUES, oldest first.

    One copy of the lesson's one-unit relu network is unrolled per value, every
    copy with the same weights; each copy's output is the predicted value for
    the next day, and the last one is the prediction for tomorrow. With
    --target, the backward pass: the SSR, and each copy's share of dSSR/dw1,
    dSSR/dw2 and dSSR/db1 (the engine's BPTT numbers, the lesson page's too).

    \b
    Examples:
      unrolled explain 0 0.5
      unrolled explain 1 0.5 1 1 --w2 2
      unrolled explain 0 0.5 --target 1 --json
    """
    from ..lessons.explain import explain as trace_of
    from ..lessons.explain import format_explain

    trace = trace_of(values, w1=w1, w2=w2, w3=w3, b1=b1, b2=b2, target=target)
    if as_json:
        echo_json(trace)
    else:
        click.echo(format_explain(trace))


COMMANDS = [statland, explain]
