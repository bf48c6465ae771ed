"""Where pictures go: a plot path checked before any work, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .atomic import check_output

FORMATS = ("png", "pdf", "svg")


def check_plot_path(path, option: str = "path", inputs: tuple = ()) -> Path:
    """Refuse, before any work, a plot path whose folder or format is wrong,
    that is not a regular file, or that is one of ``inputs`` (``(path, what)``
    pairs of the same run); the message names ``option`` (the CLI passes its
    flag)."""
    p = Path(os.fspath(path))
    ext = p.suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise InputError(
            f"{option} {p}: expected a file ending in .png, .pdf or .svg, got "
            f"{p.suffix or 'no extension'!r}"
        )
    # the folder, a folder in place of the file, a non-regular file, an input:
    check_output(p, option, tuple(f".{f}" for f in FORMATS), inputs)
    check_matplotlib(option)
    return p


def check_matplotlib(option: str = "plotting") -> None:
    """Refuse, before any work, to plot without matplotlib (an optional extra)."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise InputError(
            f"{option} needs matplotlib, which is not installed: "
            "pip install 'unrolled[plot]'"
        )


def new_figure(size: tuple[float, float]):
    """A matplotlib Figure on an Agg canvas (no GUI, no pyplot state).

    It has ``_repr_png_``, so Jupyter shows it inline when a cell returns it,
    with or without pyplot imported (a bare Figure shows as text otherwise).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    fig._repr_png_ = lambda: png_bytes(fig)
    return fig


def png_bytes(fig, dpi: int = 100) -> bytes:
    """``fig`` as PNG bytes (what Jupyter displays)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figure(fig, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically (temp file beside it, then rename),
    in the format its suffix names."""
    from .atomic import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=dpi)
    return path
