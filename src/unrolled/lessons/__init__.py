"""The StatLand lesson: the toy market, its walk-through, w2**n, long memory, the page.

The lesson's API lives here, namespaced
(``unrolled.lessons.lesson_network()``), apart from the library's own: the
one-unit network with the lesson's hand-set weights, the arithmetic of every
unrolled copy, the closed form ``w2 ** n`` beside what BPTT measures, the
long-memory experiment, and the lesson as one self-contained HTML page
(:func:`write_lesson_page`). ``seed_network`` is the deprecated name of
:func:`lesson_network` (it warns).
"""

from .explain import explain, format_explain
from .memory import memory_experiment, memory_task
from .page import lesson_page, write_lesson_page
from .statland import (
    LESSON_WEIGHTS,
    SCENARIOS,
    lesson_network,
    seed_network,
    statland_data,
    statland_table,
)
from .trained import hidden_states, trained_view
from .w2 import closed_form_factor, demo_counts, w2_demo

__all__ = [
    "LESSON_WEIGHTS",
    "SCENARIOS",
    "closed_form_factor",
    "demo_counts",
    "explain",
    "format_explain",
    "hidden_states",
    "lesson_page",
    "memory_experiment",
    "memory_task",
    "lesson_network",
    "seed_network",
    "statland_data",
    "statland_table",
    "trained_view",
    "w2_demo",
    "write_lesson_page",
]
