"""A progress bar for the forecaster's search, in a terminal or a notebook.

``Forecaster.fit(data, progress=True)`` shows it; the CLI shows it on a
terminal. It is fed by ``on_epoch`` and draws with rich (imported here, when
enabled), which renders in Jupyter as well as in a terminal.
"""

from __future__ import annotations


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
        s, h, w, lr, *more = e["config"]  # (scaling, hidden, window, lr, ar)
        ar = f", ar{more[0]}" if more and more[0] else ""
        val = "" if e["val"] != e["val"] else f"  val {e['val']:.4f}"
        self.bar.update(
            self.task,
            completed=min(1.0, (e["candidate"] + (e["epoch"] + 1) / e["epochs"]) / n),
            cand=f"{e['candidate'] + 1}/{n} ({s}, h{h}, w{w}, lr {lr:g}{ar})",
            info=f"epoch {e['epoch'] + 1}  loss {e['loss']:.4f}{val}",
        )
