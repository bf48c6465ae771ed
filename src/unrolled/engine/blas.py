"""One BLAS thread per caller while the BLAS loop runs (:mod:`.blasloop`).

NumPy's BLAS (OpenBLAS in its wheels) splits a large product over all the
cores by itself. The BLAS loop already runs its chunks of rows on threads of
its own, and a BLAS thread that waits for a core taken by another process
stalls the whole product: on a 2-core machine shared with other work, a
two-thread (512 x 256) @ (256 x 256) product took 8 ms instead of 0.4 ms.
So while a layer runs through the BLAS loop, BLAS gets one thread, and its
setting is restored afterwards. The setting is the library's own (global):
another thread's NumPy products in that time run on one thread too.

Found through ``threadpoolctl`` where it is installed (any BLAS it knows),
else through OpenBLAS's own ``*set_num_threads*`` functions in the
libraries this process has loaded (Linux). Where neither works,
:func:`controllable` is False and the engine keeps its own loops.
"""

from __future__ import annotations

import contextlib
import ctypes

_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "_64_", "")
_state: dict = {}


def _openblas_functions() -> list:
    """(get, set) pairs of every OpenBLAS loaded in this process (Linux)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return []
    pairs = []
    for path in sorted(p for p in paths if p.startswith("/")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for pre in _PREFIXES:
            for suf in _SUFFIXES:
                get = getattr(lib, f"{pre}_get_num_threads{suf}", None)
                put = getattr(lib, f"{pre}_set_num_threads{suf}", None)
                if get is not None and put is not None:
                    get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                    pairs.append((get, put))
                    break
            else:
                continue
            break
    return pairs


def _how():
    """("threadpoolctl", controller) or ("openblas", pairs) or (None, None)."""
    if "how" not in _state:
        import numpy  # noqa: F401  (its BLAS must be loaded to be found)

        how = (None, None)
        try:
            from threadpoolctl import ThreadpoolController

            ctl = ThreadpoolController().select(user_api="blas")
            if ctl.lib_controllers:
                how = ("threadpoolctl", ctl)
        except Exception:  # noqa: BLE001  (not installed, or cannot read)
            pass
        if how[0] is None:
            pairs = _openblas_functions()
            how = ("openblas", pairs) if pairs else how
        _state["how"] = how
    return _state["how"]


def controllable() -> bool:
    """Whether the BLAS loop can hold NumPy's BLAS to one thread."""
    return _how()[0] is not None


def describe() -> str:
    """How BLAS's threads are held to one, for ``unrolled info``."""
    kind = _how()[0]
    if kind is None:
        return "not controllable here: the engine keeps its own loops"
    return f"one BLAS thread per chunk while a layer runs (via {kind})"


@contextlib.contextmanager
def one_thread():
    """BLAS on one thread inside the block; its own setting restored after."""
    kind, handle = _how()
    if kind == "threadpoolctl":
        with handle.limit(limits=1):
            yield
        return
    if kind is None:
        yield
        return
    old = [get() for get, _ in handle]
    for _, put in handle:
        put(1)
    try:
        yield
    finally:
        for (_, put), n in zip(handle, old, strict=True):
            put(n)
