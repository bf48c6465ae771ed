"""The tables of :mod:`competitions`: per-series scores, their means per
group and for the whole set, and the printed tables with the published
figures beside them."""

from __future__ import annotations

import numpy as np
from competition_metrics import mase, owa, smape

# Published sMAPE (whole groups). Makridakis and Hibon 2000 ("The M3-
# Competition: results, conclusions and implications", IJF 16(4)) for Theta;
# Oreshkin et al. 2020 (N-BEATS, ICLR), Table 14 for N-BEATS-I+G, as issue 42
# quotes them. Verified offline: Theta's 13.01 over all of M3 (Hyndman's Mcomp
# vignette "Forecast comparisons", which quotes the original paper) and its
# 13.85 on monthly (quoted as the published monthly figure by Autobox's blog
# on the M3 monthly sMAPE). The other figures are from issue 42's text and
# could not be checked against the papers offline. N-BEATS (ICLR 2020) reports
# M3, M4 and tourism (its abstract), no M1: the M1 rows have no figure.
# "N-BEATS repo": the authors' own re-run, in their repository (ServiceNow/
# N-BEATS, notebooks/M3.ipynb, row "ensemble": the median of the generic and
# interpretable models' ensembles), scored with M3's sMAPE (their
# common/metrics.py smape_1); its "all" is the mean over every forecast point
# of the 3,003 series (summary/m3.py), not the mean of per-series means.
# Read there on 2026-12-07: verified.
PUBLISHED = {
    ("m3", "yearly"): {"Theta": 16.90, "N-BEATS": 15.93, "N-BEATS repo": 15.92},
    ("m3", "quarterly"): {"Theta": 8.96, "N-BEATS": 8.84, "N-BEATS repo": 8.80},
    ("m3", "monthly"): {"Theta": 13.85, "N-BEATS": 13.11, "N-BEATS repo": 13.24},
    ("m3", "other"): {"Theta": 4.41, "N-BEATS": 4.24, "N-BEATS repo": 4.21},
    ("m3", "all"): {"Theta": 13.01, "N-BEATS repo": 12.46},
}
PUB_COLUMNS = ("Theta", "N-BEATS", "N-BEATS repo")
VERIFIED = {("m3", "all", "Theta"), ("m3", "monthly", "Theta")} | {
    (s, g, "N-BEATS repo") for (s, g), got in PUBLISHED.items() if "N-BEATS repo" in got
}


def score(rows: list[dict], values: list, season: int) -> dict:
    """Per series: sMAPE and MASE (NaN where the method crashed) and the
    crash's message (None where it forecast)."""
    s, m, errors = [], [], []
    for r, v in zip(rows, values, strict=True):
        ok = not isinstance(v, str)
        s.append(smape(r["xx"], v) if ok else np.nan)
        m.append(mase(r["xx"], v, r["x"], season) if ok else np.nan)
        errors.append(None if ok else v)
    return {"smape": np.array(s), "mase": np.array(m), "errors": errors}


def summary(scores: dict) -> dict:
    """A column's means over the series it forecast, its OWA against naive 2
    on those same series, and its crashes: ``{column: {...}}``."""
    ref = scores.get("naive2")
    out = {}
    for column, sc in scores.items():
        ok = np.isfinite(sc["smape"])
        row = {"smape": np.mean(sc["smape"][ok]) if ok.any() else np.nan,
               "mase": np.nanmean(sc["mase"][ok]) if ok.any() else np.nan,
               "crashes": int((~ok).sum()), "owa": np.nan}  # fmt: skip
        if ref is not None and ok.any():
            row["owa"] = owa(row["smape"], row["mase"], np.mean(ref["smape"][ok]),
                             np.nanmean(ref["mase"][ok]))  # fmt: skip
        out[column] = row
    return out


def joined(parts: list[dict]) -> dict:
    """The groups' per-series scores of each column put end to end (``all``)."""
    columns = [c for c in parts[0] if all(c in p for p in parts)]
    return {c: {k: np.concatenate([p[c][k] for p in parts]) if k != "errors"
                else sum((p[c][k] for p in parts), []) for k in parts[0][c]}
            for c in columns}  # fmt: skip


def cell(value: float, crashed: bool, width: int = 9) -> str:
    """A figure, ``*`` after it where the column crashed on some series."""
    if not np.isfinite(value):
        return f"{'-':>{width}s}"
    return f"{value:{width - 1}.2f}" + ("*" if crashed else " ")


def table(set_name: str, rows: dict, sums: dict, columns: list[str], timing: dict,
          sample, seed, holdout: bool = False) -> None:  # fmt: skip
    """Print one set's tables: sMAPE (with the published figures), MASE, OWA,
    crashes, seconds and peak memory per group and for ``all``.

    ``holdout``: scored on the training parts' last ``h`` points (no
    published figure applies)."""
    groups = list(rows)
    what = f"a sample of {sample} per group, seed {seed}" if sample else "every series"
    if holdout:
        what += ", HOLDOUT: the last h points of the training parts scored"
    print(f"\n{set_name.upper()}, {what}; * scored without the series it crashed on")
    head = f"{'group':10s} {'series':>6s} {'h':>3s} " + " ".join(
        f"{c:>9s}" for c in columns)  # fmt: skip
    for metric, title in (("smape", "sMAPE (%)"), ("mase", "MASE"), ("owa", "OWA")):
        pub = (
            not holdout
            and metric == "smape"
            and any((set_name, g) in PUBLISHED for g in sums)
        )
        print(f"\n{title}" + (" (right of |: published, over the whole groups)"
                               if pub else ""))  # fmt: skip
        print(head + ("   |    Theta  N-BEATS  (repo)" if pub else ""))
        for g in sums:
            n = sum(len(rows[k]) for k in groups) if g == "all" else len(rows[g])
            h = "" if g == "all" else str(rows[g][0]["h"])
            line = f"{g:10s} {n:6d} {h:>3s} " + " ".join(
                cell(sums[g][c][metric], sums[g][c]["crashes"] > 0)
                if c in sums[g] else f"{'-':>9s}" for c in columns)  # fmt: skip
            if pub:
                line += "   |" + "".join(published(set_name, g, k) for k in PUB_COLUMNS)
            print(line)
    print("\ncrashes (series without a forecast)")
    for g in sums:
        print(f"{g:10s} {'':10s} " + " ".join(
            f"{sums[g][c]['crashes']:9d}" if c in sums[g] else f"{'-':>9s}"
            for c in columns))  # fmt: skip
    for key, title, fmt in (("seconds", "seconds (wall, the group's fits and "
                             "forecasts)", "9.1f"),
                            ("cpu_seconds", "CPU seconds (the same span, every "
                             "thread of the method's process)", "9.1f"),
                            ("peak_mb", "peak MB (above the resident memory "
                             "before the group)", "9.0f"),
                            ("process_mb", "process peak MB (imports, data, "
                             "warm-up and the groups so far)", "9.0f"),
                            ("fits", "fits (more than 1: a fit raised, its "
                             "series were split in halves)",
                             "9d")):  # fmt: skip
        if key == "fits" and all(
            t["all"]["fits"] == len(rows) for t in timing.values()
        ):
            continue  # no split: one fit per group everywhere
        print(f"\n{title}")
        for g in sums:
            print(f"{g:10s} {'':10s} " + " ".join(
                format(timing[c][g][key], fmt) if g in timing.get(c, {})
                else f"{'-':>9s}" for c in columns))  # fmt: skip
    if any(k in PUBLISHED for k in ((set_name, g) for g in sums)):
        print(
            "\npublished: ? = quoted from issue 42, not verified offline "
            "(see PUBLISHED in the script)"
        )


def published(set_name: str, group: str, method: str) -> str:
    """A published figure, ``?`` after it where it is not verified offline."""
    got = PUBLISHED.get((set_name, group), {})
    if method not in got:
        return f"{'-':>8s} "
    sure = (set_name, group, method) in VERIFIED
    return f"{got[method]:8.2f}" + (" " if sure else "?")


def crash_lines(set_name: str, rows: dict, scores: dict, timing: dict) -> None:
    """Each column's crashes (the series and the first message) and the
    fits that raised (how many, the first message)."""
    for g in rows:
        for column, t in timing.items():
            raised = t[g]["raised"] if g in t else []
            if raised:
                print(f"{column}: {len(raised)} of {t[g]['fits']} fits raised on "
                      f"{set_name} {g}; the first: {raised[0]}")  # fmt: skip
    for g, by_column in scores.items():
        for column, sc in by_column.items():
            bad = [(r["id"], e) for r, e in zip(rows[g], sc["errors"], strict=True)
                   if e is not None]  # fmt: skip
            if bad:
                ids = ", ".join(i for i, _ in bad[:8]) + (" ..." * (len(bad) > 8))
                print(
                    f"{column} crashed on {len(bad)} {set_name} {g} series "
                    f"({ids}): {bad[0][1]}"
                )
