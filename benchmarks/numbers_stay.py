"""Record the forecaster's numbers and compare two records (a restructuring's check).

``record DIR`` runs ``unrolled forecast --json`` (seed 0) on the bundled stocks,
co2 and sunspots, with ``--horizon 3 --level 80 95``, with ``--select best``, on
a deterministic 300-series file (``benchmarks/many_series.py``) and at
``--horizon 2000``, and writes each output (stdout, exit status) to DIR.
``compare BEFORE AFTER`` says, per output, whether it is byte-identical,
identical once keys renamed on purpose are mapped (``--rename old=new``) and
keys added on purpose are left out (``--new key ...``) and words renamed in
sentences replaced (``--words 'The network=The ensemble'``), or
different (with the first differing paths). ``tables BEFORE AFTER`` compares
two outputs of ``benchmarks/forecast_quality.py`` with the wall times masked.

    python benchmarks/numbers_stay.py record /tmp/before
    python benchmarks/numbers_stay.py tables quality-before.txt quality-after.txt
    python benchmarks/numbers_stay.py compare /tmp/before /tmp/after \
        --rename rnn=ensemble --new networks ensemble \
        --words 'The network=The ensemble'
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUNS = {
    "stocks": [],
    "co2": ["--data", "co2"],
    "sunspots": ["--data", "sunspots"],
    "stocks-h3-levels": ["--horizon", "3", "--level", "80", "95"],
    "co2-h3-levels": ["--data", "co2", "--horizon", "3", "--level", "80", "95"],
    "stocks-best": ["--select", "best"],
    "co2-best": ["--data", "co2", "--select", "best"],
    "series300": ["--data", "{series300}"],
    "stocks-h2000": ["--horizon", "2000"],
}


def record(out: Path, only=None):
    out.mkdir(parents=True, exist_ok=True)
    series300 = out / "series300.csv"
    if not series300.exists():
        subprocess.run(
            [sys.executable, str(HERE / "many_series.py"), str(series300)], check=True
        )
    exe = [sys.executable, "-m", "unrolled"]
    for name, args in RUNS.items():
        if only and name not in only:
            continue
        args = [a.format(series300=series300) for a in args]
        cmd = [*exe, "forecast", "--json", "-q", "--seed", "0", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ)
        (out / f"{name}.json").write_text(done.stdout)
        (out / f"{name}.rc").write_text(f"{done.returncode}\n{done.stderr}")
        print(f"{name}: exit {done.returncode}", flush=True)


def _rename(value, names, words=()):
    """``value`` with the keys and strings renamed (``old`` and ``old-...``
    keys, ``rnn-lo-80`` too) and ``words`` replaced inside strings."""

    def key(k):
        for old, new in names.items():
            if k == old or k.startswith(old + "-"):
                return new + k[len(old) :]
        return k

    if isinstance(value, dict):
        return {key(k): _rename(v, names, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, names, words) for v in value]
    if isinstance(value, str):
        value = names.get(value, value)
        for old, new in words:
            value = value.replace(old, new)
        return value
    return value


def _diffs(a, b, path="", found=None, new=()):
    found = [] if found is None else found
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in new and k not in a:
                continue  # a key added on purpose (--new)
            if k not in a or k not in b:
                found.append(f"{path}/{k}: only in {'after' if k in b else 'before'}")
            else:
                _diffs(a[k], b[k], f"{path}/{k}", found, new)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diffs(x, y, f"{path}/{i}", found, new)
    elif a != b:
        found.append(f"{path}: {str(a)[:80]!r} -> {str(b)[:80]!r}")
    return found


def compare(before: Path, after: Path, names: dict, show=8, new=(), words=()):
    same = True
    for name in RUNS:
        a, b = before / f"{name}.json", after / f"{name}.json"
        if not (a.exists() and b.exists()):
            print(f"{name}: missing")
            continue
        rc_a = (before / f"{name}.rc").read_text().split("\n")[0]
        rc_b = (after / f"{name}.rc").read_text().split("\n")[0]
        ta, tb = a.read_text(), b.read_text()
        if ta == tb and rc_a == rc_b:
            print(f"{name}: byte-identical")
            continue
        if not ta or not tb:
            print(f"{name}: exit {rc_a} -> {rc_b}")
            same = False
            continue
        found = _diffs(_rename(json.loads(ta), names, words), json.loads(tb), new=new)
        if not found:
            print(f"{name}: identical after renaming" + (" (keys added: "
                  f"{', '.join(new)})" if new else ""))  # fmt: skip
            continue
        same = False
        print(f"{name}: {len(found)} differences")
        for line in found[:show]:
            print("   ", line)
    return same


def compare_tables(before: Path, after: Path) -> bool:
    """Whether two ``forecast_quality.py`` outputs print the same table once
    wall times (``123s``) are masked; prints the lines that differ."""
    import re

    def masked(path):
        return [re.sub(r"\s+\d+(\.\d+)?s\b", " <time>", line)
                for line in path.read_text().splitlines()]  # fmt: skip

    a, b = masked(before), masked(after)
    diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
    for x, y in diff:
        print(f"  before: {x}\n  after:  {y}")
    if len(a) != len(b):
        print(
            f"  {len(a)} lines before, {len(b)} after; the first "
            f"{min(len(a), len(b))} {'differ' if diff else 'are the same'}"
        )
    same = not diff and len(a) == len(b)
    print("tables: the same (wall times masked)" if same else "tables: differ")
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("out", type=Path)
    rec.add_argument("--only", nargs="*")
    cmp = sub.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    cmp.add_argument("--rename", nargs="*", default=[], help="old=new key names")
    cmp.add_argument("--show", type=int, default=8)
    cmp.add_argument("--new", nargs="*", default=[], help="keys added on purpose")
    cmp.add_argument("--words", nargs="*", default=[],
                     help="'old=new' replaced inside strings (sentences)")  # fmt: skip
    tab = sub.add_parser("tables", help="compare two forecast_quality.py outputs")
    tab.add_argument("before", type=Path)
    tab.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.cmd == "record":
        record(args.out, args.only)
    elif args.cmd == "tables":
        sys.exit(0 if compare_tables(args.before, args.after) else 1)
    else:
        names = dict(pair.split("=", 1) for pair in args.rename)
        words = [tuple(pair.split("=", 1)) for pair in args.words]
        ok = compare(args.before, args.after, names, args.show, tuple(args.new), words)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
