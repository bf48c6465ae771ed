"""What the engine runs with on this machine: kernels, threads, floating point, BLAS.

:func:`engine_info` answers as plain data (for ``unrolled info`` or a
``--debug`` line), so that a slow run can be told from its conditions: the
compiled or the readable time loop, how many threads and why that many,
whether subnormal numbers are flushed, which loop runs which hidden sizes,
and which BLAS kernel NumPy's matrix products use (the readable path, the
head, and the BLAS loop of large hidden sizes, ``blasloop.py``; the other
compiled kernels' products are loops of their own, ``kernels.py``).
"""

from __future__ import annotations

import platform

from . import cores
from .dispatch import backend


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def blas_info() -> list[dict]:
    """NumPy's BLAS: library, version, kernel (CPU type) and threads.

    From ``threadpoolctl`` where it is installed (it reads the loaded
    library, so it knows the kernel OpenBLAS chose at run time), else from
    NumPy's build configuration (no kernel, no threads).
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        return [
            {
                "library": p.get("internal_api"),
                "version": p.get("version"),
                "kernel": p.get("architecture"),
                "threads": p.get("num_threads"),
            }
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    import numpy as np

    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]
        blas = deps.get("blas", {})
        return [{"library": blas.get("name"), "version": blas.get("version"),
                 "kernel": None, "threads": None}]  # fmt: skip
    except Exception:  # noqa: BLE001  (an old NumPy: nothing to report)
        return []


def engine_info() -> dict:
    """The engine's running conditions, as plain data.

    Returns
    -------
    dict
        ``loop``: "compiled" or "readable" (and why); ``numba``: its version
        or None; ``threads`` and ``threads_rule``: how many threads a large
        batch is split over and the rule that chose them; ``threads_now``
        and ``threads_now_rule``: how many take the chunks at this moment
        (one while the machine is busy: :func:`.cores.threads_now`);
        ``parallelism``: how they run; ``flush_subnormals``: whether the
        kernels flush subnormal numbers to zero; ``loops``: which compiled
        loop runs which hidden sizes; ``blas_threads``: how the BLAS loop
        holds BLAS to one thread; ``cpu``; ``blas``: :func:`blas_info`.

    Raises
    ------
    ValueError
        Naming ``UNROLLED_THREADS`` or ``UNROLLED_KERNELS`` if set to garbage.
    """
    try:
        import numba

        version = numba.__version__
    except ImportError:
        version = None
    mode = backend.resolved()
    if mode == "numpy":
        loop = "readable (UNROLLED_KERNELS=numpy)"
    elif backend.broken or version is None:
        loop = "readable (Numba unavailable)"
    else:
        loop = "compiled" if mode == "numba" else "compiled (auto)"
    threads, rule = cores.thread_count()
    now, now_rule = cores.threads_now(threads)
    from . import blas

    fm, work = backend.feature_major_max, backend.blas_min
    x86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")
    return {
        "loop": loop,
        "numba": version,
        "threads": threads,
        "threads_rule": rule,
        "threads_now": now,
        "threads_now_rule": now_rule,
        "parallelism": (
            f"row chunks, {backend.chunks_per_thread} per thread (the BLAS loop: 1), "
            "taken in turn by Python threads (the kernels release the GIL); "
            "one thread while other programs keep busy more CPUs than the "
            f"threads leave free, by {cores.BUSY_MARGIN} (/proc/stat; else the "
            f"load average; now: {now}); Numba's threading layer is not "
            f"used; BLAS loop: {blas.describe()}"
        ),
        "flush_subnormals": bool(backend.flush_subnormals and x86),
        "loops": {
            "feature-major": f"hidden <= {fm}",
            "blas": (
                f"gates * hidden**2 >= {work}"
                if blas.controllable()
                else "never (BLAS's threads are not controllable here)"
            ),
            "row-major": "the sizes between",
        },
        "blas_threads": blas.describe(),
        "cpu": cpu_model(),
        "blas": blas_info(),
    }
