"""What a long fit is doing now: a progress bar, plain log lines, or nothing.

``Forecaster.fit(data, progress=True)`` shows a bar; the CLI shows one on a
terminal and, with ``--progress``, one line per step on stderr for logs. It
is fed two ways: ``on_epoch`` (every epoch of every configuration tried) and
:func:`stage`, which the library calls at the start of every other long
step (fitting a configuration's scaling, the classical members, the
validation forecasts, the backtest, cross-validation windows, Ray stages).
:func:`stage` costs nothing when no display is active. The bar draws with
rich (imported here, when enabled), which renders in Jupyter as well as in
a terminal.
"""

from __future__ import annotations

import sys
import time
from contextvars import ContextVar

from ..errors import InputError

_ACTIVE: ContextVar[Progress | None] = ContextVar("unrolled_progress", default=None)

#: how a display is asked for: a bar (terminal, notebook), log lines, nothing
MODES = ("bar", "lines", None)


#: said once in a notebook without ipywidgets, which then gets plain lines
NO_WIDGETS = (
    "progress: a bar in Jupyter needs ipywidgets (pip install ipywidgets); "
    "one line per step instead"
)


def _has_ipywidgets() -> bool:
    import importlib.util

    return importlib.util.find_spec("ipywidgets") is not None


def stage(text: str, done: int = 0, total: int = 0, detail: str = "") -> None:
    """Tell the active display (if any) that a long step ``text`` runs now.

    ``done`` of ``total`` parts of that step are finished (``total`` 0: one
    part); ``detail`` is shown on the bar only, not in log lines. Called by
    the library; a no-op without ``progress``.
    """
    display = _ACTIVE.get()
    if display is not None:
        display.stage(text, done, total, detail)


def note(detail: str) -> None:
    """Add ``detail`` to the active display's current step (e.g. a first-run
    compile); a no-op without ``progress``."""
    display = _ACTIVE.get()
    if display is not None:
        display.note(detail)


def config_text(index: int, total: int, key: tuple) -> str:
    """``config 3/8 (diff, h16, w24, lr 0.01, ar2)``: a candidate of the search."""
    s, h, w, lr, *more = key  # (scaling, hidden, window, lr, ar[, covariates])
    ar = f", ar{more[0]}" if more and more[0] else ""
    ar += ", covariates" if len(more) > 1 and more[1] else ""
    return f"config {index + 1}/{max(total, 1)} ({s}, h{h}, w{w}, lr {lr:g}{ar})"


def describe(e: dict) -> tuple[str, str]:
    """(the configuration, the epoch line) of an ``on_epoch`` event."""
    cand = config_text(e["candidate"], e["candidates"], e["config"])
    val = "" if e["val"] != e["val"] else f"  val {e['val']:.4f}"
    return cand, f"epoch {e['epoch'] + 1}  loss {e['loss']:.4f}{val}"


class Progress:
    """A display fed by :class:`Forecaster`'s ``on_epoch`` and :func:`stage`.

    Parameters
    ----------
    enabled : bool or str
        ``True`` or ``"bar"``: a rich progress bar (on stdout, or in the
        notebook's cell); ``"lines"``: one plain line per step on ``stream``
        (stderr by default), for logs; ``False``/``None``: nothing.
    stream : file, optional
        Where ``"lines"`` go.
    """

    def __init__(self, enabled: bool | str | None, stream=None):
        mode = "bar" if enabled is True else (enabled or None)
        if mode not in MODES:
            raise InputError(f"progress: expected one of {MODES}, got {enabled!r}")
        self.mode, self.stream = mode, stream
        self.bar = self.task = self._token = None
        self._said, self._start = None, time.monotonic()
        self._last = (0.0, "starting")  # the fraction and step shown last
        if mode == "bar":
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                BarColumn(bar_width=24),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                transient=True,
            )
            if self.bar.console.is_jupyter and not _has_ipywidgets():
                self.bar, self.mode = None, "lines"  # rich needs it in Jupyter
                print(NO_WIDGETS, file=self.stream or sys.stderr, flush=True)

    def __enter__(self):
        if self.mode is not None:
            self._token = _ACTIVE.set(self)
            self._start = time.monotonic()
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("starting", total=1.0)
        return self

    def __exit__(self, *exc):
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None
        if self.bar is not None:
            self.bar.stop()

    def _show(self, fraction: float, text: str, headline: str, now=False) -> None:
        """Update the bar (drawn at once if ``now``: a new step), or log a line."""
        self._last = (fraction, headline)
        if self.bar is not None:  # a text that fits beside the bar and the clock
            room = max(20, self.bar.console.width - 24 - 10)
            text = text if len(text) <= room else text[: room - 1] + "…"
            self.bar.update(self.task, completed=min(1.0, fraction), description=text,
                            refresh=now)  # fmt: skip
        elif self.mode == "lines" and headline != self._said:
            self._said = headline
            stream = self.stream or sys.stderr
            elapsed = time.monotonic() - self._start
            print(f"progress [{elapsed:5.0f} s] {headline}", file=stream, flush=True)

    def __call__(self, e: dict) -> None:
        if self.mode is None:
            return
        n = max(e["candidates"], 1)
        cand, epoch = describe(e)
        done = (e["candidate"] + (e["epoch"] + 1) / e["epochs"]) / n
        self._show(done, f"search: {cand} {epoch}", f"search: {cand}")

    def stage(self, text: str, done: int = 0, total: int = 0, detail: str = "") -> None:
        """Show that ``text`` runs now, ``done`` of its ``total`` parts finished."""
        if self.mode is None:
            return
        shown = f"{text}: {detail}" if detail else text
        self._show(done / total if total else 0.0, shown, text, now=True)

    def note(self, detail: str) -> None:
        """Show ``detail`` beside the current step (a log line of its own)."""
        if self.mode is None:
            return
        fraction, headline = self._last
        self._show(fraction, f"{headline}: {detail}", f"{headline}: {detail}", True)
        self._last = (fraction, headline)
        if self.mode == "lines":  # the step goes on: no second line for it
            self._said = headline
