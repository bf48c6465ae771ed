"""A Ctrl-C that survives code which cannot pass it on.

Numba compiles a kernel through LLVM, which calls back into Python through
ctypes (llvmlite's object-cache notifications). A KeyboardInterrupt raised
inside such a callback cannot cross the C frames: Python prints "Exception
ignored on calling ctypes callback function" and the compile goes on, so a
first run interrupted while it compiles kept training as if nothing had
happened, below a traceback on stderr. :func:`sticky_interrupt` records
every SIGINT that arrives while its block runs, keeps such a swallowed
KeyboardInterrupt off stderr (``sys.unraisablehook``), and raises
KeyboardInterrupt once the block returns, if none got out of it, or in
place of the error the block ends with (llvmlite's "no compiled object
yet", when the callback's failure broke the compile).
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager


@contextmanager
def sticky_interrupt():
    """Raise KeyboardInterrupt after the block if a SIGINT arrived during it.

    Only in the main thread and only while SIGINT has Python's default
    handler (a program that ignores it or handles it itself keeps its
    choice); the handler still raises at once, as the default one does.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    arrived = []

    def on_sigint(signum, frame):
        arrived.append(signum)
        raise KeyboardInterrupt

    hook = sys.unraisablehook

    def unraisable(info):  # what a ctypes callback could not raise
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)

    signal.signal(signal.SIGINT, on_sigint)
    sys.unraisablehook = unraisable
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException:  # what a swallowed interrupt broke (a compile)
        if arrived:
            raise KeyboardInterrupt from None
        raise
    finally:
        sys.unraisablehook = hook
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if arrived:  # it was raised where it could not get out
        raise KeyboardInterrupt
