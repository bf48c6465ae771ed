"""The ``unrolled`` console script: Ctrl-C while the package imports is exit 130.

It lives outside the package so that its ``try`` is in place before
``import unrolled`` starts (about 0.2 s of imports); an interrupt then gives
one line on stderr, never a traceback, and is never swallowed. An interrupt
that lands inside a C extension's import (NumPy's) surfaces as an
ImportError, one that an imported library catches and goes on from
vanishes, and one that lands in a callback (importlib's module locks have
weakref callbacks) is "unraisable", a traceback that Python prints and goes
on from; the SIGINT handler records it, and an unraisable-exception hook
keeps that traceback off stderr while the import runs, so those too are
exit 130 with one line.

An interrupted command ends with ``os._exit(130)`` after the exit handlers:
CPython remembers a KeyboardInterrupt that passed out of an ``exec`` or
``eval`` of a string (dataclasses, namedtuple, NumPy's f2py and Numba do
that while they load) even when it was caught, and then ends a normal exit
by killing the process with SIGINT instead of returning the exit code.
"""

import atexit
import os
import signal
import sys

INTERRUPTED = 130  # the exit code of Ctrl-C


def main() -> int:
    """The console script: :func:`run_command`; an interrupted one exits 130 here."""
    code = run_command()
    if code == INTERRUPTED:
        _exit_interrupted()
    return code


def run_command() -> int:
    """Import the command line and run it; exit code 130 if interrupted meanwhile."""
    interrupted = []

    def on_sigint(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    def quiet(unraisable):  # an interrupt in a callback: recorded above
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            hook(unraisable)

    previous = signal.signal(signal.SIGINT, on_sigint)
    hook, sys.unraisablehook = sys.unraisablehook, quiet
    try:
        from unrolled.cli import run
    except KeyboardInterrupt:
        return _interrupted()
    except ImportError:
        if not interrupted:
            raise  # a broken install, not Ctrl-C
        return _interrupted()
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = hook
    if interrupted:  # a library's import caught the KeyboardInterrupt and went on
        return _interrupted()
    return run()


def _interrupted() -> int:
    """Say so in one line; the exit code of an interrupt."""
    sys.stderr.write("error: interrupted\n")
    return INTERRUPTED


def _exit_interrupted() -> None:
    """Run the exit handlers, flush stdout and stderr, and exit 130, not by SIGINT."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing to flush
            pass
    os._exit(INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
