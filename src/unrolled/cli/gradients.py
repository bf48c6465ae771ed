"""The ``gradients`` command: the lesson's ``w2 ** n``, and the long-memory evidence."""

from __future__ import annotations

import click

from ..engine.cells import CELLS as CELL_TYPES
from ..forecasting.ensemble.bounds import INTS, REALS
from .core import weight_options
from .render import echo_json, table

EXPERIMENTS = ("memory",)
CELLS = tuple(CELL_TYPES)  # rnn, lstm, gru

#: the one sentence on why dSSR/dw1 need not vanish when the first input's share does
WHY_DW1 = (
    "why dSSR/dw1 can stay large while the gradient from the first input vanishes: "
    "dSSR/dw1 sums the shares of every copy, and the copies near the end, reached "
    "through few factors of w2, dominate that sum, while only the first input's "
    "share is scaled by w2**n."
)


def _int_list(name: str, text: str, low: int) -> list[int]:
    """Parse ``"10,50,100"``; every entry an integer >= ``low``."""
    out = []
    for part in text.split(","):
        try:
            v = int(part.strip())
        except ValueError:
            v = None
        if v is None or v < low:
            raise click.UsageError(
                f"--{name}: expected comma-separated integers >= {low}, got {text!r}"
            )
        out.append(v)
    return out


def _cell_list(text: str) -> list[str]:
    """Parse ``"rnn,lstm"``; every entry a known cell."""
    cells = [c.strip().lower() for c in text.split(",")]
    for c in cells:
        if c not in CELLS:
            raise click.UsageError(
                f"--cells: expected a comma-separated list of rnn, lstm, gru; got {c!r}"
            )
    return cells


def format_w2_demo(demo: dict) -> str:
    """The demonstration as an aligned table with the notes below it."""
    w = demo["weights"]
    head = (
        f"one-unit relu network: w1={w['w1']:g} w2={w['w2']:g} w3={w['w3']:g} "
        f"b1={w['b1']:g} b2={w['b2']:g}; input {demo['input']:g} at every copy, "
        f"target {demo['target']:g}\n"
        "Input_1 reaches the last copy multiplied by w2**n "
        "(n unrolls of the loop = copies - 1)\n\n"
    )
    rows = [
        [
            r["unrolls"],
            r["closed_form"],
            r["measured"],
            r["d_pred_d_input1"],
            r["d_pred_d_input1_closed"],
            r["dssr_dw1"],
            r["dssr_dw1_closed"],
            "yes" if r["matches"] else "NO",
        ]
        for r in demo["rows"]
    ]
    headers = [
        "unrolls",
        "w2**n",
        "BPTT dy_last/dy_1",
        "dpred/dinput_1",
        "w1*w3*w2**n",
        "dSSR/dw1",
        "closed form",
        "equal",
    ]
    out = table(headers, rows)
    notes = [f"  n={r['unrolls']}: {r['note']}" for r in demo["rows"] if r["note"]]
    if notes:
        out += "\n\nwhere the measurement departs from w2**n:\n" + "\n".join(notes)
    else:
        out += "\n\nevery unit stays active (relu' = 1): BPTT measures w2**n exactly"
    return head + out + "\n" + WHY_DW1


def _format_memory(result: dict) -> str:
    """The memory experiment's table, the reach of the gradient, the settings."""
    from ..lessons.memory import SOLVED, flow_reach, memory_table

    s = result["settings"]
    n = len(s["seeds"])
    runs = f"; k/{n} = runs below {SOLVED}" if n > 1 else ""
    lines = [
        f"long memory: {s['task']}",
        f"final loss = {s['loss']}; '(fail)' = not below {SOLVED}{runs}",
        "",
        table(*memory_table(result)),
        "",
        f"how far back the gradient reaches at T={result['longest']}, seed {s['seed']} "
        "(steps until ||dL/dh_t|| < 1e-3 of the last copy's):",
    ]
    for cell, r in flow_reach(result).items():
        lines.append(
            f"  {cell:5s} initial {r['initial']:4d}   trained {r['trained']:4d}"
        )
    lines.append(
        f"\nhidden {s['hidden_size']}, at most {s['steps']} Adam steps of "
        f"{s['batch_size']} fresh sequences, lr {s['lr']}, "
        f"clip_norm {s['clip_norm']}, "
        f"tbptt {s['tbptt']}, chrono init of the gates {s['chrono_init']}, "
        f"seeds {', '.join(map(str, s['seeds']))}"
    )
    return "\n".join(lines)


def _memory_json(result: dict) -> dict:
    """The experiment as plain data."""
    from ..lessons.memory import flow_reach

    return {
        "settings": result["settings"],
        "rows": result["rows"],
        "reach": flow_reach(result),
        "flow": {
            c: {k: v.to_dict() for k, v in f.items()} for c, f in result["flow"].items()
        },
    }


@click.command()
@click.option("--w2", default=2.0, show_default=True, type=float,
              help="Weight on the feedback loop.")  # fmt: skip
@click.option("--unrolls", "-n", default=4, show_default=True,
              type=click.IntRange(1, 10_000),
              help="Largest number of unrolls of the loop (1 to 10000).")  # fmt: skip
@weight_options("w1", "w3", "b1")
@click.option("--input", "x", default=1.0, show_default=True,
              help="Input value at every copy.")  # fmt: skip
@click.option("--target", default=1.0, show_default=True,
              help="Observed value for the SSR.")  # fmt: skip
@click.option("--experiment", type=click.Choice(EXPERIMENTS),
              help="Run an experiment instead: 'memory' trains rnn/lstm/gru on "
              "'predict the first value' (about 30-60 s).")  # fmt: skip
@click.option("--lengths", default="10,50,100", show_default=True,
              help="memory: sequence lengths.")  # fmt: skip
@click.option("--cells", default="rnn,lstm,gru", show_default=True,
              help="memory: the cells to compare.")  # fmt: skip
@click.option("--hidden", default=8, show_default=True, type=click.IntRange(1, 256),
              help="memory: hidden units.")  # fmt: skip
@click.option("--steps", default=1000, show_default=True,
              type=click.IntRange(1, 100_000),
              help="memory: most Adam steps per run (stops once solved).")  # fmt: skip
@click.option(
    "--clip",
    type=click.FloatRange(0, REALS["clip_norm"], min_open=True),
    default=1.0,
    show_default=True,
    help="memory: clip gradients to this global norm.",
)
@click.option(
    "--tbptt",
    type=click.IntRange(*INTS["tbptt"]),
    default=None,
    help="memory: truncated BPTT window (K < length cannot learn it).",
)
@click.option("--no-chrono", is_flag=True,
              help="memory: default gate biases instead of chrono init.")  # fmt: skip
@click.option("--seed", default=0, show_default=True,
              type=click.IntRange(*INTS["seed"]),
              help="memory: the first seed.")  # fmt: skip
@click.option("--seeds", default=3, show_default=True, type=click.IntRange(1, 100),
              help="memory: runs per cell and length (seeds seed, seed+1, ...); "
              "the table gives their median.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--plot",
    metavar="FILE.png",
    help="Draw |gradient| vs unrolls (or vs steps back for memory).",
)
def gradients(w2, unrolls, w1, w3, b1, x, target, experiment, lengths, cells,
              hidden, steps, clip, tbptt, no_chrono, seed, seeds, as_json,
              plot):  # fmt: skip
    """Show how the first input's influence scales as w2**n, measured by BPTT.

    The lesson's one-unit relu network is unrolled n times (n + 1 copies of the
    input); the closed form w2**n stands next to what the engine's BPTT
    measures: dy_last/dy_1, d prediction / d input_1 and dSSR/dw1. With relu
    they agree exactly while every unit stays active; the notes say where and
    why they part (an inactive unit, float64 overflow or underflow).

    With --experiment memory: the long-memory evidence. RNN, LSTM and GRU
    learn to predict the first value of sequences of 10, 50 and 100 values;
    the table gives the final test loss (MSE / variance; 1.0 = nothing
    learned), the median over --seeds runs, and --plot draws ||dL/dh_t||
    against steps back.

    \b
    Examples:
      unrolled gradients --w2 2 --unrolls 4          # x16, the lesson's figure
      unrolled gradients --w2 0.5 --unrolls 50 --json
      unrolled gradients --w2 2 --unrolls 1100 --plot w2.png
      unrolled gradients --experiment memory --plot flow.png
      unrolled gradients --experiment memory --tbptt 20 --cells lstm,gru
    """
    from ..storage.figures import check_plot_path

    if plot:
        check_plot_path(plot, "--plot")  # refuse a bad path before any work
    if experiment == "memory":
        opts = {"hidden_size": hidden, "steps": steps, "clip_norm": clip}
        opts |= {"tbptt": tbptt, "chrono": not no_chrono, "seed": seed}
        opts["seeds"] = seeds
        _memory(lengths, cells, opts, as_json, plot)
        return
    from ..lessons.w2 import demo_counts, w2_demo

    weights = {"w1": w1, "w2": w2, "w3": w3, "b1": b1}
    demo = w2_demo(unrolls=unrolls, x=x, target=target, **weights)
    if as_json:
        echo_json(demo)
    else:
        click.echo(format_w2_demo(demo))
    if plot:
        from ..lessons.pictures import plot_w2_demo

        dense = w2_demo(
            unrolls=unrolls,
            counts=demo_counts(unrolls, dense=True),
            x=x,
            target=target,
            **weights,
        )
        path = plot_w2_demo(dense, plot)
        click.echo(f"plot: {path}", err=as_json)


def _memory(lengths, cells, opts: dict, as_json: bool, plot) -> None:
    """Run the long-memory experiment and print/plot it."""
    from ..lessons.memory import memory_experiment

    lengths = _int_list("lengths", lengths, 2)
    cells = _cell_list(cells)

    def progress(r):
        click.echo(
            f"  {r['cell']:5s} T={r['length']:<4d} seed {r['seed']:<3d} "
            f"loss {r['loss']:.3f}  "
            f"({r['steps']} steps, {r['seconds']:.1f} s)",
            err=True,
        )

    result = memory_experiment(lengths, cells, progress=progress, **opts)
    if as_json:
        echo_json(_memory_json(result))
    else:
        click.echo(_format_memory(result))
    if plot:
        from ..lessons.pictures import plot_flow

        path = plot_flow(
            result["flow"],
            plot,
            title=f"First-value task, T={result['longest']}: gradient reach, "
            "dashed = before training, solid = trained",
        )
        click.echo(f"plot: {path}", err=as_json)


COMMANDS = [gradients]
