"""The command line: thin wrappers over the Python API, one error contract for all.

User errors exit 2 with one line on stderr: what names the user's input
(:class:`~unrolled.errors.InputError` and its subclasses such as
``DataError``, click's usage errors, a file system that refuses a path the
user named, an unreachable ``--address``, more memory than there is).
Everything else is a bug: exit 1, one line that says so and the ``--debug``
hint (the traceback only with ``--debug``). Ctrl-C exits 130.
Command modules register themselves in ``COMMAND_MODULES`` and import the
heavy parts of the library inside their functions, so ``--help`` stays fast.
"""

from __future__ import annotations

import errno
import importlib
import sys

import click

from .._version import __version__
from ..errors import InputError
from ..text import escape_name

COMMAND_MODULES = ["core", "forecast", "train", "saved", "datasets", "gradients",
                   "lesson", "info"]  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unrolled")
@click.option(
    "--debug", is_flag=True, help="Show the full traceback of internal errors."
)
def main(debug: bool) -> None:
    """unrolled: recurrent neural networks on sequences of any length.

    \b
    Examples:
      unrolled forecast        # bundled stock prices, network vs baselines
      unrolled statland        # the lesson's four StatLand scenarios
      unrolled explain 0 0.5   # the arithmetic of every unrolled copy
    """


for _name in COMMAND_MODULES:
    for _cmd in importlib.import_module(f"{__name__}.{_name}").COMMANDS:
        main.add_command(_cmd)


class UserError(InputError):
    """A problem with what the user gave us; reported in one line, exit code 2."""


#: OSErrors about a path the user named (or the disk it is on): the user's to fix
PATH_ERRORS = (FileNotFoundError, FileExistsError, IsADirectoryError,
               NotADirectoryError, PermissionError, ConnectionError)  # fmt: skip
#: errno values of an OSError that are the user's to fix: a full or read-only disk
DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ENAMETOOLONG}


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` names the user's input (exit 2) rather than a bug (exit 1)."""
    if isinstance(exc, InputError):
        return True
    if isinstance(exc, OSError):
        return isinstance(exc, PATH_ERRORS) or exc.errno in DISK_ERRNOS
    return False


#: the library's argument names in its messages, and the flags that set them
FLAGS = {
    "resume=": "--resume ",
    "clip_norm=": "--clip",
    "a smaller lr": "a smaller --lr",
    "tbptt=": "--tbptt",
    "(hidden_size, num_layers, window)": "(--hidden, --layers, --window)",
    "pass dayfirst=True/False or date_format": "pass --dayfirst, --monthfirst or "
    "--date-format",
    "pass decimal=',' or decimal='.'": "pass --decimal , or --decimal .",
    "pass decimal='.' or ','": "pass --decimal . or --decimal ,",
    "; pass series_col": "; pass --series-col",
    "; pass value_col": "; pass --value-col",
}


def _fail(message: str, code: int) -> int:
    """Print one line on stderr, library argument names as flags; return ``code``.

    Control characters (from file or series names) are shown escaped, so the
    message stays one line and never drives the terminal.
    """
    for name, flag in FLAGS.items():
        message = message.replace(name, flag)
    click.echo(f"error: {escape_name(message)}", err=True)
    return code


def _first_run():
    """Compile missing kernels in the background and say so on stderr, once.

    ``UNROLLED_COMPILE=wait`` compiles in the process instead (still said).
    Returns a function that restores the library's settings.
    """
    import os

    from ..engine import dispatch

    b = dispatch.backend
    saved = b.first_run, b.on_compile
    told = []

    def tell(info: dict) -> None:
        if not told:
            told.append(info)
            how = ", in the background; this run takes the NumPy path"
            click.echo(
                f"compiling kernels for the first run (once, about "
                f"{info['seconds']:.0f} s{how if info['background'] else ''})",
                err=True,
            )

    b.on_compile = tell
    if not os.environ.get(dispatch.COMPILE_ENV, "").strip():
        b.first_run = "background"

    def restore() -> None:
        b.first_run, b.on_compile = saved

    return restore


NUMBA_THREADS_ENV = "NUMBA_NUM_THREADS"


def check_environment() -> None:
    """Validate the environment variables the library reads, before any work.

    ``UNROLLED_KERNELS``, ``UNROLLED_THREADS``, ``UNROLLED_MEMORY_LIMIT`` and
    ``NUMBA_NUM_THREADS``: garbage is a ValueError naming the variable,
    never silently a default.
    """
    import os

    from ..engine import dispatch, sizing

    dispatch.mode_from_env()
    dispatch.first_run_from_env()
    dispatch.threads()
    try:
        sizing.available_memory()
    except (OverflowError, ValueError):
        env = os.environ.get(sizing.ENV_LIMIT)
        raise InputError(
            f"{sizing.ENV_LIMIT}: expected a size such as 2G or 500M, got {env!r}"
        ) from None
    env = os.environ.get(NUMBA_THREADS_ENV)
    if env is not None and (not env.strip().isdigit() or int(env) < 1):
        raise InputError(
            f"{NUMBA_THREADS_ENV}: expected a positive integer, got {env!r}"
        )


def _one_line_warnings():
    """Show library warnings as one ``warning: ...`` line each, once per text;
    returns a function that puts Python's own display back."""
    import warnings

    saved = warnings.showwarning
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = escape_name(str(message).replace("\n", " "))
        if text not in shown:
            shown.add(text)
            click.echo(f"warning: {text}", err=True)

    warnings.showwarning = show

    def restore() -> None:
        warnings.showwarning = saved

    return restore


def _failure(exc: Exception) -> int:
    """One line for an error that escaped a command: exit 2 if it names the
    user's input, else exit 1 saying it is a bug, with the ``--debug`` hint."""
    if is_user_error(exc):
        return _fail(str(exc).replace("\n", " "), 2)
    if isinstance(exc, MemoryError):  # asked for more than the machine has
        what = str(exc).replace("\n", " ") or "an allocation failed"
        return _fail(f"not enough memory ({what}); ask for smaller sizes", 2)
    what = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return _fail(
        f"internal error ({what}): a bug in unrolled, not in your input; "
        "rerun with --debug for the traceback",
        1,
    )


def run(argv: list[str] | None = None) -> int:
    """Entry point of the ``unrolled`` console script; returns the exit code.

    The console script passes the return value to ``sys.exit``.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    restores = [_first_run(), _one_line_warnings()]
    try:
        if not {"--help", "-h", "--version"} & set(argv):
            check_environment()
        # make_context + invoke, not main.main: click's main turns any EOFError
        # into Abort (exit 130, the Ctrl-C code); here only Ctrl-C is 130
        with main.make_context("unrolled", argv) as ctx:
            code = main.invoke(ctx)
        code = code if isinstance(code, int) else 0
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help())
        code = 0
    except click.UsageError as exc:
        code = _fail(exc.format_message().replace("\n", " "), 2)
    except (click.Abort, KeyboardInterrupt) as exc:  # a checkpoint says where it is
        cause = exc.__cause__ if isinstance(exc, click.Abort) else exc
        code = _fail(str(cause or "").replace("\n", " ") or "interrupted", 130)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except Exception as exc:
        if debug:
            raise
        code = _failure(exc)
    finally:
        for restore in restores:
            restore()
    return code
