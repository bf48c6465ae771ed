"""Pictures of gradient flow: ``|gradient|`` against unrolls, and against steps back.

matplotlib is imported inside the functions (its Agg canvas, no pyplot
state), and files are written atomically (``storage.figures.save_figure``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..storage.figures import check_plot_path, new_figure, save_figure


def _positive(values, tiny: float = 0.0) -> np.ndarray:
    """``|values|`` with NaN, inf and anything <= ``tiny`` masked out (NaN)."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    return np.where(np.isfinite(a) & (a > tiny), a, np.nan)


def _log10(values) -> np.ndarray:
    """``log10 |values|``, NaN where there is no logarithm (0, NaN, inf).

    The demonstration spans 1e-323 to 1e308, beyond what a matplotlib log
    axis can place ticks on, so it is drawn as exponents on a linear axis.
    """
    return np.log10(_positive(values))


def plot_w2_demo(demo: dict, path) -> Path:
    """Draw ``|gradient|`` against the unroll count on a log scale.

    Parameters
    ----------
    demo : dict
        What :func:`unrolled.lessons.w2.w2_demo` returned.
    path : str or path-like
        A .png, .pdf or .svg file in an existing folder.

    Returns
    -------
    pathlib.Path
    """
    path = check_plot_path(path)
    rows = demo["rows"]
    n = [r["unrolls"] for r in rows]
    w = demo["weights"]
    fig = new_figure((7.0, 4.2))
    ax = fig.add_subplot()
    ax.plot(n, _log10([r["closed_form"] for r in rows]), color="black", lw=1.5,
            label="closed form |w2|**n")  # fmt: skip
    ax.plot(n, _log10([r["measured"] for r in rows]), ls="none", marker="o",
            ms=4, mfc="none", color="tab:red",
            label="measured by BPTT: |dy_last / dy_1|")  # fmt: skip
    ax.plot(n, _log10([r["dssr_dw1"] for r in rows]), color="tab:blue", lw=1.2,
            ls="--", label="measured |dSSR/dw1|")  # fmt: skip
    off = [r["unrolls"] for r in rows if r["note"]]
    if off:
        ax.axvspan(min(off), max(off), color="0.9", zorder=0,
                   label="measurement departs (see notes)")  # fmt: skip
    ax.set_xlabel("unrolls n (copies - 1)")
    ax.set_ylabel("log10 |gradient|")
    ax.set_title(
        f"w2 = {w['w2']:g}: Input_1 reaches the last copy scaled by w2**n "
        f"(w1={w['w1']:g}, w3={w['w3']:g})",
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_flow(flows: dict, path, title: str = "") -> Path:
    """Draw the relative ``||dL/dh_t||`` against steps back, one line per model.

    Parameters
    ----------
    flows : dict
        Label -> :class:`unrolled.training.gradflow.GradientFlow`, or label -> dict of
        ``{"initial": flow, "trained": flow}`` (drawn dashed and solid), as
        ``memory_experiment(...)["flow"]``.
    path : str or path-like
        A .png, .pdf or .svg file in an existing folder.
    title : str
        Figure title.

    Returns
    -------
    pathlib.Path
    """
    path = check_plot_path(path)
    fig = new_figure((7.0, 4.2))
    ax = fig.add_subplot()
    colors = {"rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green"}
    for k, (label, f) in enumerate(flows.items()):
        color = colors.get(label, f"C{k}")
        parts = f if isinstance(f, dict) else {"": f}
        for stage, flow in parts.items():
            ls = "--" if stage == "initial" else "-"
            name = f"{label} ({stage})" if stage else label
            ax.plot(flow.steps_back, _positive(flow.relative(), 1e-300), ls=ls, lw=1.4,
                    color=color, label=name)  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("steps back from the last copy")
    ax.set_ylabel("||dL/dh_t|| / ||dL/dh_last||")
    ax.set_title(title or "How far back the gradient reaches", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)
