"""The ``unrolled`` console script: Ctrl-C while the package imports is exit 130.

It lives outside the package so that its ``try`` is in place before
``import unrolled`` starts (about 0.2 s of imports); an interrupt then gives
one line on stderr, never a traceback, and is never swallowed.
"""

import sys


def main() -> int:
    """Import the command line and run it; exit code 130 if interrupted meanwhile."""
    try:
        from unrolled.cli import run
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    return run()


if __name__ == "__main__":
    sys.exit(main())
