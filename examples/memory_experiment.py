"""Vanishing and exploding gradients, and their remedies, from the Python API.

Run:  python examples/memory_experiment.py [OUT_FOLDER]

1. The seed's w2**n, measured by BPTT on the one-unit relu network.
2. Exploding gradients stopping training, then clipping letting it run,
   with a GradientMonitor recording per-parameter gradient norms.
3. The long-memory task (RNN vs LSTM vs GRU at lengths 10, 50, 100) and a
   plot of ||dL/dh_t|| against steps back (about half a minute with the
   compiled kernels, a few minutes without).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import unrolled
from unrolled.cli.render import table
from unrolled.lessons.memory import memory_table
from unrolled.lessons.pictures import plot_flow, plot_w2_demo


def main(out: Path) -> None:
    # 1. the seed's figures: x16 after 4 unrolls, 2**50 after 50
    for w2 in (2.0, 0.5):
        row = unrolled.lessons.w2_demo(w2, 50, counts=[4, 50])["rows"]
        print(f"w2={w2}: " + ", ".join(f"n={r['unrolls']}: {r['measured']:.4g}"
                                       for r in row))  # fmt: skip
    plot_w2_demo(unrolled.lessons.w2_demo(2.0, 1100, counts=list(range(1, 1101, 5))),
                 out / "w2_explode.png")  # fmt: skip

    # 2. exploding gradients: one unclipped SGD step of size ~1e37 kills the
    #    relu unit for good (the monitor says so); clipping by norm trains it
    seqs, targets = [np.ones(60), np.ones(20)], [1.0, 0.5]
    for clip in (None, 1.0):
        monitor = unrolled.GradientMonitor(emit=False)
        net = unrolled.lessons.lesson_network(w2=2.0)
        hist = unrolled.fit(net, seqs, targets, epochs=50,
                            lr=0.1, optimizer="sgd", clip_norm=clip,
                            callbacks=[monitor], seed=0)  # fmt: skip
        print(f"clip_norm={clip}: SSR {hist.loss[0]:.3g} -> {hist.loss[-1]:.3g}")
        for m in monitor.messages[:3]:
            print("  monitor:", m)

    # 3. long memory
    res = unrolled.lessons.memory_experiment(progress=lambda r: print("  ", r))
    print(table(*memory_table(res)))
    plot_flow(res["flow"], out / "memory_flow.png")
    print(f"plots in {out}/")


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    folder.mkdir(parents=True, exist_ok=True)
    main(folder)
