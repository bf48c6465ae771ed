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


def table(headers: list[str], rows: list[list], floatfmt: str = ".4g") -> str:
    """An aligned text table; floats formatted with ``floatfmt``, text escaped."""

    def cell(v):
        if isinstance(v, float):
            return format(v, floatfmt)
        return "" if v is None else escape_name(v)

    headers = [escape_name(h) for h in headers]
    cells = [[cell(v) for v in r] for r in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
        for i, h in enumerate(headers)
    ]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += [
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells
    ]
    return "\n".join(out)


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
