"""What the forecasting commands show while they train: progress bar, diagnostics."""

from __future__ import annotations

import sys

import click

from ..forecasting.progress import Progress

__all__ = ["Diagnose", "Progress", "make_progress", "progress_option"]


def progress_option(f):
    """``--progress``: one plain line per step on stderr (for logs)."""
    return click.option(
        "--progress", "log_progress", is_flag=True,
        help="Say each step on stderr, one plain line each (for logs; a "
        "terminal gets a progress bar without it).",
    )(f)  # fmt: skip


class Diagnose:
    """One :class:`~unrolled.training.gradflow.GradientMonitor` per configuration."""

    def __init__(self):
        self.monitors = []

    def __call__(self, epoch: int, logs: dict) -> bool:
        from ..training.gradflow import GradientMonitor

        if epoch == 0 or not self.monitors:  # a new configuration starts
            self.monitors.append(GradientMonitor(emit=False))
        return self.monitors[-1](epoch, logs)

    def chosen(self, fc):
        """The monitor of the configuration the forecaster kept."""
        top = fc.members_[0].candidate  # the search_ entry the config_ is from
        k = next((k for k, cand in enumerate(fc.search_) if cand is top), -1)
        return self.monitors[k]

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


def make_progress(quiet: bool, as_json: bool, lines: bool = False) -> Progress:
    """Plain lines on stderr with ``--progress``; else a progress bar on a
    terminal; nothing with --quiet, --json or a pipe (stdout stays clean)."""
    if quiet:
        return Progress(None)
    if lines:
        return Progress("lines", sys.stderr)
    return Progress(not as_json and sys.stdout.isatty())
