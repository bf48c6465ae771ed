"""Plain text shared by the library's reports and the command line.

Names that came from data (series, columns, file names) are data, not
terminal commands: :func:`escape_name` shows their control characters and
escape sequences as ``\\n``, ``\\x1b`` ..., so a name never breaks a table
line or drives the terminal. :func:`table` escapes every cell.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the Unicode line and paragraph breaks
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_name(text: object) -> str:
    """``text`` as a string with every control character shown escaped.

    Parameters
    ----------
    text : object
        A name from the data (converted with ``str``).

    Returns
    -------
    str
        The same text where ``"\\n"`` reads ``\\n``, ESC reads ``\\x1b``, a
        bidirectional override ``\\u202e``; other characters unchanged.
    """
    s = str(text)
    if not _CONTROL.search(s):
        return s
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode(), s)


_NUMBER = re.compile(r"\d+(\.\d*)?(e[-+]?\d+)?")
SIGNIFICANT = 4  # digits of a column's largest number
MAX_DECIMALS = 6


def line_width() -> int:
    """The terminal's width in columns; 80 off a terminal (or ``$COLUMNS``)."""
    import shutil

    return max(40, shutil.get_terminal_size((80, 24)).columns)


def decimals(values, significant: int = SIGNIFICANT) -> int:
    """One precision for a column of numbers: the decimals that give its largest
    magnitude ``significant`` digits, fewer where every value needs fewer.

    ``[0.7143, 0.819]`` -> 4 (``0.7143``, ``0.8190``, never ``0.819`` beside
    ``0.7143``); ``[130.32, 5.2]`` -> 1; ``[0, 0.5, 1]`` -> 1; never more than
    :data:`MAX_DECIMALS`.
    """
    import math

    finite = [float(v) for v in values if math.isfinite(float(v))]
    big = max((abs(v) for v in finite), default=0.0)
    top = 0 if big == 0 else significant - 1 - math.floor(math.log10(big))
    top = min(MAX_DECIMALS, max(0, top))
    need = [next(k for k in range(top + 1) if round(v, k) == round(v, top))
            for v in finite]  # fmt: skip
    return max(need, default=0)


def number_format(values, significant: int = SIGNIFICANT) -> str:
    """One format spec for a column of numbers.

    Fixed decimals (:func:`decimals`), unless fixed notation would print a
    number of ``1e6`` or more in full or a non-zero one as 0 (fewer than
    :data:`MAX_DECIMALS` decimals): then scientific with ``significant``
    digits for the whole column (``[2.0, 1.126e15]`` -> ``.3e``).
    """
    import math

    sizes = [abs(float(v)) for v in values if math.isfinite(float(v)) and v != 0]
    if sizes and (max(sizes) >= 1e6 or min(sizes) < 0.5 * 10.0**-MAX_DECIMALS):
        return f".{significant - 1}e"
    return f".{decimals(values, significant)}f"


def _column(values: list, floatfmt: str | None) -> list[str]:
    """A column's cells as text: its floats in one format (:func:`number_format`)."""
    floats = [v for v in values if isinstance(v, float)]
    fmt = floatfmt or (number_format(floats) if floats else "")
    out = []
    for v in values:
        if isinstance(v, float):
            out.append(format(v, fmt))
        else:
            out.append("" if v is None else escape_name(v))
    return out


def table(
    headers: list[str], rows: list[list], floatfmt: str | None = None,
    width: int | None = None, together: bool = False,
) -> str:  # fmt: skip
    """An aligned text table no wider than ``width`` (default :func:`line_width`).

    Floats get one precision per column (:func:`decimals`), or one for the
    whole table with ``together`` (columns of one quantity: the steps of a
    forecast), or ``floatfmt`` for all; text is escaped. A table too wide
    narrows its text columns (wrapped, no narrower than 20) and, still too
    wide, folds: the first column is repeated and the others continue below
    in blocks that fit.
    """
    width = width or line_width()
    headers = [escape_name(h) for h in headers]
    if together and floatfmt is None:
        floats = [v for r in rows for v in r if isinstance(v, float)]
        floatfmt = number_format(floats) if floats else None
    cols = [_column([r[i] for r in rows], floatfmt) for i in range(len(headers))]
    cells = [list(r) for r in zip(*cols, strict=True)] if rows else []
    widths = [max(len(h), *(len(c) for c in col)) if col else len(h)
              for h, col in zip(headers, cols, strict=True)]  # fmt: skip
    if _span(widths) <= width or len(headers) < 2:
        return _lines(headers, cells, widths)
    text = [i for i in range(1, len(headers))
            if not any(isinstance(r[i], float | int) for r in rows)]  # fmt: skip
    while _span(widths) > width and any(widths[i] > 20 for i in text):
        i = max(text, key=lambda j: widths[j])
        widths[i] = max(20, widths[i] - 1, len(headers[i]))
    cells = _wrap(cells, widths, text)
    if _span(widths) <= width:
        return _lines(headers, cells, widths)
    blocks, start = [], 1
    while start < len(headers):
        stop = start + 1
        while (
            stop < len(headers)
            and _span([widths[0], *widths[start : stop + 1]]) <= width
        ):
            stop += 1
        keep = [0, *range(start, stop)]
        blocks.append(_lines([headers[i] for i in keep],
                             [[r[i] for i in keep] for r in cells],
                             [widths[i] for i in keep]))  # fmt: skip
        start = stop
    return "\n\n".join(blocks)


def _span(widths: list[int]) -> int:
    return sum(widths) + 2 * (len(widths) - 1)


def _wrap(cells: list[list[str]], widths: list[int], cols) -> list[list[str]]:
    """Rows whose cells in ``cols`` are wrapped to their width; continuation
    rows blank elsewhere."""
    from textwrap import wrap

    out = []
    for r in cells:
        parts = [wrap(c, widths[i]) or [""] if i in cols else [c]
                 for i, c in enumerate(r)]  # fmt: skip
        for k in range(max(len(p) for p in parts)):
            out.append([p[k] if k < len(p) else "" for p in parts])
    return out


def _lines(headers: list[str], cells: list[list[str]], widths: list[int]) -> str:
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    for r in cells:
        text = [c.ljust(w) if not _numeric(c) else c.rjust(w)
                for c, w in zip(r, widths, strict=True)]  # fmt: skip
        out.append("  ".join(text).rstrip())
    return "\n".join(out)


def _numeric(cell: str) -> bool:
    """Right-align numbers (and ``-``, ``85%``); left-align words."""
    c = cell.rstrip("%* ").lstrip("+-")
    return not c or bool(_NUMBER.fullmatch(c)) or c in ("nan", "inf")


def wrap(text: str, width: int | None = None, indent: str = "") -> str:
    """``text`` (one paragraph) folded to ``width`` (default :func:`line_width`);
    continuation lines start with ``indent``."""
    from textwrap import fill

    return fill(text, width or line_width(), subsequent_indent=indent,
                break_on_hyphens=False, break_long_words=False)  # fmt: skip


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV-injection list


def formula_safe(frame):
    """``(frame, count)``: text cells a spreadsheet would run as a formula,
    prefixed with ``'`` so that it reads them as text (the OWASP rule).

    Cells of text (object or string columns) that begin with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return are changed; numbers and dates
    never are. ``count`` is how many cells changed (0: ``frame`` itself).
    """
    out, count = frame, 0
    for col in frame.columns:
        if frame[col].dtype.kind not in "OSU" and str(frame[col].dtype) != "string":
            continue
        cells = frame[col]
        risky = cells.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
        n = int(risky.sum())
        if n:
            if out is frame:
                out = frame.copy()
            out[col] = cells.where(~risky, "'" + cells.astype(str))
            count += n
    return out, count
