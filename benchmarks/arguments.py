"""The command line the quality benchmarks share: names to run, ``--seeds``
and (the real-series ones) ``--fold``; the competition scripts' ``--set``,
``--group`` and ``--sample``."""

from __future__ import annotations

import argparse


def names_and_seeds(doc: str, choices, what: str, seeds_help: str, default: int = 1):
    """Parse ``[NAME ...] [--seeds N]``; an unknown name or N < 1 is one line, exit 2.

    Returns (the names given, or every choice; N).
    """
    names, seeds, _ = _parse(doc, choices, what, seeds_help, default, fold=False)
    return names, seeds


def names_seeds_and_fold(doc: str, choices, what: str, seeds_help: str):
    """:func:`names_and_seeds` and ``[--fold K]`` (K >= 0, default 0): the
    test window that ends K windows before the last point. Returns
    (names, N, K).
    """
    return _parse(doc, choices, what, seeds_help, 1, fold=True)


def _parse(doc, choices, what, seeds_help, default, fold):
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
    if fold:
        add_fold(parser)
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in choices]
    if unknown:
        parser.error(f"unknown {what} {unknown[0]!r}; the {many}: {', '.join(choices)}")
    if args.seeds < 1:
        parser.error(f"--seeds: expected an integer >= 1, got {args.seeds}")
    return list(args.names or choices), args.seeds, args.fold if fold else 0


def add_fold(parser: argparse.ArgumentParser) -> None:
    """Add ``--fold K`` (an integer >= 0, default 0) to ``parser``; a bad K is
    argparse's one line, exit 2."""
    parser.add_argument(
        "--fold", type=_fold, default=0, metavar="K",
        help="test on the window that ends K test windows before the last "
             "point (0: the last window); the points after it are not used",
    )  # fmt: skip


def _fold(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        k = -1
    if k < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return k


def competition_group(doc: str, sets, sample: int | None):
    """A parser for one competition group: ``--set``, ``--group`` (M3 monthly
    by default) and ``--sample N`` (default ``sample``). ``sets``: the
    competitions' groups by set (:data:`competitions.SETS`). Returns the
    parser; :func:`check_group` after parsing refuses a group the set lacks."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--set", default="m3", choices=list(sets))
    parser.add_argument(
        "--group",
        default="monthly",
        choices=sorted({g for s in sets.values() for g in s}),
    )
    parser.add_argument("--sample", type=int, default=sample, metavar="N")
    return parser


def check_group(parser, args, sets) -> None:
    """One line and exit 2 when ``args.set`` has no ``args.group``."""
    if args.group not in sets[args.set]:
        parser.error(f"--group: {args.set} has no {args.group!r} group")
