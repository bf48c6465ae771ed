"""Compiling the kernels of a first run in a separate process.

Numba compiles a kernel on its first call and caches the machine code on
disk; on a fresh install that takes many seconds per cell, dtype and layout.
With ``dispatch.backend.first_run = "background"`` the run that finds a
kernel missing starts this module in a new process (:func:`start`) and goes
on with the readable path; the process compiles exactly that key's forward
and backward kernels on a tiny batch (:mod:`.precompile`: the same call path
and signatures as a real run), then drops a marker file next to Numba's cache
(:func:`is_cached`). The marker's name carries a digest of ``kernels.py``
and of the Numba and Python versions, so an edit or an upgrade compiles
afresh. A lock file keeps two runs from compiling the same key at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

STALE_LOCK_S = 900.0  # a compile lock older than this is taken to be dead


def describe(key: tuple) -> str:
    """``("gru", "float64", "row-major")`` -> ``"gru float64 row-major"``."""
    return " ".join(key)


def cache_dir() -> Path | None:
    """Where Numba caches the kernels, or None when they are not cached."""
    from . import kernels

    path = getattr(getattr(kernels.gru_forward, "_cache", None), "_cache_path", None)
    return Path(path) if path else None


def digest() -> str:
    """Of ``kernels.py`` and the Numba and Python versions: what the cache keys on."""
    import numba

    src = Path(__file__).with_name("kernels.py").read_bytes()
    h = hashlib.sha256(src)
    h.update(f"{numba.__version__} {sys.version}".encode())
    return h.hexdigest()[:16]


def marker(key: tuple) -> Path | None:
    """The file saying the kernels of ``key`` are cached (None: no cache)."""
    where = cache_dir()
    if where is None:
        return None
    return where / f"unrolled-ready-{'-'.join(key)}-{digest()}.json"


def is_cached(key: tuple) -> bool:
    """Whether a finished compile of ``key`` left its kernels in the cache."""
    path = marker(key)
    return path is not None and path.is_file()


def write_marker(key: tuple, seconds: float) -> None:
    """Mark ``key``'s kernels as cached (atomically); nothing if there is no cache."""
    import json

    path = marker(key)
    if path is None:
        return
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"key": list(key), "seconds": seconds}))
        os.replace(tmp, path)
    except OSError:  # a read-only cache: the next run just compiles (or loads) again
        tmp.unlink(missing_ok=True)


def start(key: tuple) -> bool:
    """Start compiling ``key`` in a new process; False if that cannot help.

    Returns True when a compile is now under way (started here, or already
    running for another run), False when there is no cache to fill.
    """
    path = marker(key)
    if path is None:
        return False
    lock = path.with_suffix(".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if lock.exists() and time.time() - lock.stat().st_mtime > STALE_LOCK_S:
            lock.unlink(missing_ok=True)
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return True  # another run is compiling it
    except OSError:
        return False
    os.close(fd)
    root = str(Path(__file__).resolve().parents[2])  # the folder holding unrolled/
    code = (
        f"import sys; sys.path.insert(0, {root!r}); "
        "from unrolled.engine.precompile import main; main(sys.argv[1:])"
    )
    try:
        subprocess.Popen(
            [sys.executable, "-c", code, *key, str(lock)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    except OSError:
        lock.unlink(missing_ok=True)
        return False
    return True


def cache_failure(exc: BaseException) -> bool:
    """Whether ``exc`` came from reading Numba's cache files (``.nbi``/``.nbc``).

    A truncated index (``EOFError``), garbage in a data file (an unpickling
    error) or any other failure raised inside ``numba.core.caching`` counts:
    the files are unreadable, not the kernels wrong.
    """
    tb = exc.__traceback__
    while tb is not None:
        path = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if path.endswith("numba/core/caching.py"):
            return True
        tb = tb.tb_next
    return False


def clear_cache() -> list[Path]:
    """Remove this package's kernels from Numba's cache, and their markers.

    Returns the files removed; the next call of each kernel compiles it
    afresh and writes the cache again. Files that cannot be removed are left.
    """
    where = cache_dir()
    if where is None or not where.is_dir():
        return []
    removed = []
    for pattern in ("kernels.*.nbi", "kernels.*.nbc", "unrolled-ready-*.json"):
        for path in where.glob(pattern):
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed
