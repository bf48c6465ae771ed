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
"""

import signal
import sys


def main() -> int:
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
    return 130


if __name__ == "__main__":
    sys.exit(main())
