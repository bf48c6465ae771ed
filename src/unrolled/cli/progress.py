"""What the forecasting commands show while they train: progress bar, diagnostics."""

from __future__ import annotations

import sys


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


def make_progress(quiet: bool, as_json: bool) -> Progress:
    """A progress bar on a terminal; nothing with --quiet, --json or a pipe."""
    return Progress(not quiet and not as_json and sys.stdout.isatty())
