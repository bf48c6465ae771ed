"""The StatLand lesson as one self-contained HTML page.

The page (``lessons/page/``: ``lesson.html``, ``lesson.css`` and the script
in three parts, ``network.js``, ``charts.js``, ``lesson.js``; package data)
is put together into one file: CSS, JavaScript and SVG inline,
the data as JSON in a ``<script type="application/json">`` block, no request
to any host, so it works from ``file://`` offline. Its JavaScript computes
the one-unit relu network's forward pass and BPTT gradients in the engine's
order of operations; the tests check in headless Chromium that its numbers
equal :func:`~unrolled.lessons.lesson_network`'s.

The page's state lives in the URL fragment,
``lesson.html#values=0,0.5,1&w1=1.8&w2=-0.5&w3=1.1&b1=0&b2=0&target=1&n=4``;
a bad fragment (a non-number, 0 or more than :data:`MAX_COPIES` values) is
refused with a visible message and the page shows StatLand instead.
"""

from __future__ import annotations

import json
import math
import os
from importlib import resources
from pathlib import Path

from ..errors import InputError
from ..storage.atomic import atomic_write_text, check_output
from .statland import LESSON_WEIGHTS, SCENARIOS

#: the most values (unrolled copies) a fragment may ask for; the page refuses more
MAX_COPIES = 200
#: the page's size limit, checked when it is built
MAX_BYTES = 1_000_000
#: the script's parts, in order; they share one function scope on the page
SCRIPTS = ("network.js", "charts.js", "lesson.js")
TRAINED_KEYS = ("model", "series", "cell", "layers", "scaling", "first_date")
TRAINED_KEYS += ("last_date", "values", "hidden", "outputs", "prediction", "flow")


def _asset(name: str) -> str:
    """The text of one of the page's files (package data)."""
    return (resources.files(__package__) / "page" / name).read_text(encoding="utf-8")


def page_data(trained: dict | None = None) -> dict:
    """What the page embeds: the lesson's weights, StatLand, and a trained model.

    Parameters
    ----------
    trained : dict, optional
        A trained network over a window of a series, as made by
        :func:`unrolled.lessons.trained.trained_view` plus ``model``,
        ``series``, ``scaling``, ``first_date``, ``last_date``, ``values``
        and ``prediction`` (real units).

    Returns
    -------
    dict
        ``{"weights", "scenarios", "trained"}``, plain JSON data.
    """
    if trained is not None:
        missing = [k for k in TRAINED_KEYS if k not in trained]
        if missing:
            raise ValueError(f"trained: missing {', '.join(missing)}")
        _check_finite("trained", trained)
    return {
        "weights": dict(LESSON_WEIGHTS),
        "scenarios": [list(row) for row in SCENARIOS],
        "trained": trained,
    }


def _check_finite(name: str, obj) -> None:
    """Raise ValueError if any number inside ``obj`` is NaN or infinite."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"{name}: expected finite numbers, got {obj}")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_finite(f"{name}.{k}", v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            _check_finite(name, v)


def lesson_page(trained: dict | None = None) -> str:
    """The lesson page as one HTML string (inline CSS, JavaScript, SVG, data).

    Parameters
    ----------
    trained : dict, optional
        Adds the trained-model section; see :func:`page_data`.

    Returns
    -------
    str
        A complete HTML document, under :data:`MAX_BYTES` bytes.

    Examples
    --------
    >>> html = lesson_page()
    >>> html.startswith("<!DOCTYPE html>") and "https://" not in html
    True
    """
    data = json.dumps(page_data(trained), allow_nan=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c")  # nothing in it can close the script tag
    html = _asset("lesson.html")
    script = "\n".join(_asset(name) for name in SCRIPTS)
    script = f'(function () {{\n"use strict";\n{script}}})();'
    for mark, text in (
        ("/*@CSS@*/", _asset("lesson.css")),
        ("//@JS@", script),
        ("@DATA@", data),
    ):
        if html.count(mark) != 1:
            raise RuntimeError(f"lesson.html: expected one {mark} placeholder")
        html = html.replace(mark, text)
    size = len(html.encode("utf-8"))
    if size > MAX_BYTES:
        raise InputError(
            f"trained: the page would be {size} bytes, more than {MAX_BYTES}; "
            "use a model with a shorter window or fewer hidden units"
        )
    return html


def write_lesson_page(path: str | os.PathLike, trained: dict | None = None) -> Path:
    """Write :func:`lesson_page` to ``path`` atomically; return the path.

    Parameters
    ----------
    path : str or path-like
        The HTML file to write (its folder must exist).
    trained : dict, optional
        Adds the trained-model section; see :func:`page_data`.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder; give a file such as lesson.html")
    check_output(path, "path", (".html", ".htm"))
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist")
    return atomic_write_text(path, lesson_page(trained))
