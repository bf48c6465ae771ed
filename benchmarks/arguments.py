"""The command line the quality benchmarks share: names to run and ``--seeds``."""

from __future__ import annotations

import argparse


def names_and_seeds(doc: str, choices, what: str, seeds_help: str, default: int = 1):
    """Parse ``[NAME ...] [--seeds N]``; an unknown name or N < 1 is one line, exit 2.

    Returns (the names given, or every choice; N).
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    many = (what if what.endswith("s")
            else what[:-1] + "ies" if what.endswith("y") else what + "s")  # fmt: skip
    parser.add_argument(
        "names",
        nargs="*",
        metavar=what.upper(),
        help=f"{many} (default: all): {', '.join(choices)}",
    )
    parser.add_argument("--seeds", type=int, default=default, help=seeds_help)
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in choices]
    if unknown:
        parser.error(f"unknown {what} {unknown[0]!r}; the {many}: {', '.join(choices)}")
    if args.seeds < 1:
        parser.error(f"--seeds: expected an integer >= 1, got {args.seeds}")
    return list(args.names or choices), args.seeds
