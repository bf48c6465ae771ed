"""A CSV file's dialect: separator, header or not, and one decimal mark per file.

The separator and the header are read from the first rows; the decimal mark
from the evidence of the whole file. Numbers are then read in that one
locale: a value written in the other one is refused, never read as a
different number.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import numpy as np

from ...errors import DataError
from .dataset import NA_STRINGS

SEPARATORS = (",", ";", "\t", "|")
DECIMALS = (".", ",")
_NUM = re.compile(r"^[+-]?[$€£¥]?\s*(\d[\d,.]*|[.,]\d+)([eE][+-]?\d+)?%?$")
_DATEISH = re.compile(
    r"^(\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([ T].*)?|\d{4}|\d{8}|"
    r"[A-Za-z]{3,9}[ -]\d{2,4}|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4})$"
)
# a comma between digits that can only be a decimal comma: 1 or 2 or 4+ digits after
_COMMA_DECIMAL = re.compile(r"(?<![\d,.])[+-]?\d+,(\d{1,2}|\d{4,})(?![\d,.])")
_THOUSANDS = re.compile(r"\d,\d{3},\d{3}(?!\d)|\d,\d{3}\.\d")
_QUOTED = re.compile(r'"([^"\n]*)"')
_PLAIN = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass
class Dialect:
    """How a file is written: ``sep``, ``header`` (bool), ``decimal``, ``lead``."""

    sep: str
    header: bool
    decimal: str
    lead: int  # blank lines above the first row
    names: list[str] = field(default_factory=list)  # the header's column names
    notes: list[str] = field(default_factory=list)


def _kind(token: str) -> str:
    t = token.strip()
    if t.lower() in NA_STRINGS:
        return "empty"
    if re.fullmatch(r"\d{4}|\d{8}", t):
        return "year"  # 2004 or 20040105: a date or a number, as the column goes
    if _PLAIN.match(t):
        return "num"
    if _DATEISH.match(t):
        return "date"
    if _NUM.match(t):
        return "num"
    return "text"


def sniff(text: str, name: str, sep=None, decimal=None, header=None,
          full=None, quoted=None) -> Dialect:  # fmt: skip
    """Read the dialect of CSV ``text``; explicit arguments win over the evidence.

    ``text`` may be the file's head only: then ``full()`` gives the whole
    text, needed only for the decimal mark of files not separated by commas
    or with quoted fields, and ``quoted`` says whether the file has a ``"``.
    """
    lines = text[: 1 << 16].split("\n", 60)
    lead = 0
    while lead < len(lines) and not lines[lead].strip():
        lead += 1
    first = lines[lead] if lead < len(lines) else ""
    if sep is None:
        sep = max(SEPARATORS, key=first.count)
        sep = sep if first.count(sep) else ","
    elif sep not in SEPARATORS:
        raise DataError(f"sep: expected one of {SEPARATORS!r}, got {sep!r}", name)
    head = [ln for ln in lines[lead:50] if ln.strip()][:3]
    try:
        rows = list(csv.reader(head, delimiter=sep))
    except csv.Error:  # a stray carriage return: the parser reports it later
        rows = [ln.split(sep) for ln in head]
    if decimal is not None:
        dec = decimal
    elif sep == "," and not (('"' in text) if quoted is None else quoted):
        dec = "."  # commas separate fields: every number has a decimal point
    else:
        dec = decide_decimal(text if full is None else full(), sep, name)
    if dec not in DECIMALS:
        raise DataError(f"decimal: expected '.' or ',', got {dec!r}", name)
    notes = []
    if decimal is None and dec == "," and sep != ",":
        notes.append("numbers read with a decimal comma (1,5 = 1.5)")
    if header is None:
        header = _has_header(rows)
    cols = [c.strip() for c in rows[0]] if rows else []
    if header:
        names = [c or f"unnamed_{j + 1}" for j, c in enumerate(cols)]
        seen: dict[str, int] = {}
        for j, h in enumerate(names):
            if h in seen:
                raise DataError(
                    f"duplicate column name {h!r} (columns {seen[h] + 1} and {j + 1})",
                    name,
                    lead + 1,
                )
            seen[h] = j
    else:
        names = _headerless_names([_kind(c) for c in cols])
        notes.append(
            f"no header row: the first row is data; columns named {', '.join(names)}"
        )
    return Dialect(sep, header, dec, lead, names, notes)


def _has_header(rows: list[list[str]]) -> bool:
    """No header when the first row holds data shaped like the second row's.

    A first row with a full date in it (2020-01-31) is data in any case: no
    header names a column so.
    """
    if len(rows) < 2:
        return True
    a = [_kind(c) for c in rows[0]]
    b = [_kind(c) for c in rows[1]]
    if len(a) != len(b) or not any(k in ("num", "date", "year") for k in a):
        return True
    if any(x == y == "date" for x, y in zip(a, b, strict=True)):
        return False
    return not all(_alike(x, y) for x, y in zip(a, b, strict=True))


def _alike(x: str, y: str) -> bool:
    """Two cells of one column that may both be data."""
    return x == y or "empty" in (x, y) or {x, y} in ({"year", "num"}, {"year", "date"})


def _headerless_names(kinds: list[str]) -> list[str]:
    """Column names for a file without a header: date, series, value or column_j."""
    names = [f"column_{j + 1}" for j in range(len(kinds))]
    kinds = ["num" if k == "year" and j else k for j, k in enumerate(kinds)]
    if kinds and kinds[0] in ("date", "year"):
        names[0] = "date"
        rest = kinds[1:]
        if rest.count("num") == 1:
            names[1 + rest.index("num")] = "value"
        if rest.count("text") == 1:
            names[1 + rest.index("text")] = "series"
    elif len(kinds) == 1:
        names = ["value"]
    return names


def decide_decimal(text: str, sep: str, name: str) -> str:
    """The file's decimal mark by the evidence of all its numbers.

    A comma followed by 1, 2 or 4+ digits is a decimal comma; "1,234,567" or
    "1,234.5" a thousands comma. With only "1,602"-like numbers, a ``;``
    separator counts for the decimal comma and a ``,`` separator (numbers with
    commas quoted) for the thousands comma; otherwise the file is refused.
    """
    if sep == ",":
        if '"' not in text:
            return "."
        text = "\n".join(_QUOTED.findall(text))
    if not re.search(r"\d,\d", text):
        return "."
    comma = _COMMA_DECIMAL.search(text)
    thousands = _THOUSANDS.search(text)
    if comma and thousands:
        raise DataError(
            f"numbers in two locales: {comma.group(0)!r} has a decimal comma, "
            f"{thousands.group(0)!r} a thousands comma; pass decimal='.' or ','",
            name,
            text.count("\n", 0, comma.start()) + 1 if sep != "," else None,
        )
    if comma or (sep == ";" and not thousands):
        return ","
    if thousands or sep == ",":
        return "."
    ex = re.search(r"\d+,\d{3}", text)
    raise DataError(
        f"cannot tell whether {ex.group(0)!r} is a decimal or a thousands comma "
        "(no other number decides); pass decimal=',' or decimal='.'",
        name,
    )


def clean_numbers(col, decimal: str):
    """Strings in the file's locale -> strings Python reads; junk left as it is."""
    s = col.astype(str).str.strip()
    s = s.str.replace(r"^([+-]?)[$€£¥]\s*", r"\1", regex=True)
    if decimal == ".":
        grouped = s.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
        return s.where(~grouped, s.str.replace(",", "", regex=False))
    grouped = s.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
    s = s.where(~grouped, s.str.replace(".", "", regex=False))
    point = s.str.contains(".", regex=False)  # a decimal point in a comma file
    s = s.where(point, s.str.replace(",", ".", regex=False))
    return s.where(~point, "?" + s)  # never a number: reported as written


def parse_numbers(col, rows, name, label, decimal=".") -> np.ndarray:
    """Strings (or numbers) -> float64 with NaN for missing; DataError on junk."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(col.dtype):
        raise DataError("expected numbers, got booleans", name, None, label)
    is_complex = col.map(lambda v: isinstance(v, complex | np.complexfloating))
    if col.dtype.kind == "c" or is_complex.any():
        flags = is_complex.to_numpy()
        if col.dtype.kind == "c":
            flags = np.imag(col.to_numpy()) != 0
        i = int(np.argmax(flags))  # the first with an imaginary part (or row 1)
        raise DataError(
            f"expected real numbers, got the complex number {complex(col.iloc[i])} "
            "(its imaginary part would be lost)",
            name,
            int(rows[i]),
            label,
        )
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    s = clean_numbers(col, decimal)
    missing = (s.str.lower().isin(NA_STRINGS) | col.isna()).to_numpy()
    vals = pd.to_numeric(s.where(~missing, "nan"), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = np.isnan(vals) & ~missing
    if bad.any():
        i = int(np.argmax(bad))
        raw = str(col.iloc[i]).strip()
        mark = "decimal comma" if decimal == "," else "decimal point"
        odd = re.search(r"\d[.,]\d", raw)
        why = f" (the file's numbers use a {mark})" if odd else ""
        raise DataError(
            f"expected a number, got {raw!r}{why}", name, int(rows[i]), label
        )
    return vals


def numeric_share(col, decimal: str = ".") -> float:
    """The share of non-missing entries that read as numbers (1.0 if none).

    A number written in the other locale counts too: it is a number column
    with a bad entry (reported by :func:`parse_numbers`), not a text column.
    """
    import pandas as pd

    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
        col.dtype
    ):
        return 1.0
    head = col.iloc[:200]
    keep = ~(head.astype(str).str.strip().str.lower().isin(NA_STRINGS) | head.isna())
    if not keep.any():
        return 1.0  # an empty column is not a text column
    ok = [pd.to_numeric(clean_numbers(head[keep], d), errors="coerce").notna()
          for d in DECIMALS]  # fmt: skip
    return float((ok[0] | ok[1]).mean())
