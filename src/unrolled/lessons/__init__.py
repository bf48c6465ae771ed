"""The StatLand lesson: the toy market, its walk-through, w2**n, long memory.

The lesson's API lives here, namespaced (``unrolled.lessons.seed_network()``),
apart from the library's own: the one-unit network with the lesson's hand-set
weights, the arithmetic of every unrolled copy, the closed form ``w2 ** n``
beside what BPTT measures, and the long-memory experiment.
"""

from .explain import explain, format_explain
from .memory import memory_experiment, memory_task
from .statland import (
    LESSON_WEIGHTS,
    SCENARIOS,
    seed_network,
    statland_data,
    statland_table,
)
from .w2 import closed_form_factor, demo_counts, w2_demo

__all__ = [
    "LESSON_WEIGHTS",
    "SCENARIOS",
    "closed_form_factor",
    "demo_counts",
    "explain",
    "format_explain",
    "memory_experiment",
    "memory_task",
    "seed_network",
    "statland_data",
    "statland_table",
    "w2_demo",
]
