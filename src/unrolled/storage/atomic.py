"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

A crash, an exception or Ctrl-C while writing never leaves a half-written
file where a good one was: the data goes to a hidden temporary file next to
the target (same file system, so the rename is atomic), is flushed to disk,
and only then renamed over the target with :func:`os.replace`. On any
exception, ``KeyboardInterrupt`` included, the temporary file is removed and
the old file is untouched. A process killed outright (SIGKILL, power loss)
may leave a hidden ``.<name>.*.tmp<suffix>`` file behind, never a torn target.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import InputError

__all__ = [
    "NotRegularFileError",
    "check_output",
    "check_regular",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_many",
]


def _umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk; a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    """Flush a file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class NotRegularFileError(InputError):
    """The target exists and is not a regular file: a FIFO, device, socket or folder.

    Replacing it would destroy the node (``/dev/full`` as root, a named pipe
    another program reads): nothing is written.
    """


_KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket")]  # fmt: skip


def check_regular(path: str | os.PathLike, option: str | None = None) -> Path:
    """Refuse a target that exists and is not a regular file (following links).

    Raises
    ------
    NotRegularFileError
        Naming ``option`` (a command-line flag) or the path, and what it is.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return path  # absent (or unreadable: the write will say so)
    if stat.S_ISREG(mode):
        return path
    kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
    where = f"{option} {path}" if option else str(path)
    raise NotRegularFileError(
        f"{where}: is {kind}, not a regular file; refusing to replace it"
    )


def check_output(
    path: str | os.PathLike,
    option: str,
    suffixes: tuple[str, ...],
    inputs: tuple = (),
) -> Path:
    """Refuse, before any work, an output path that would destroy something.

    The path must end in one of ``suffixes`` (lower case, with the dot), lie
    in an existing folder, be absent or a regular file, and not be the same
    file as any of ``inputs`` (paths read by the same run, or written by it
    under another option), nor a file inside an input folder.

    Raises
    ------
    ValueError
        One line naming ``option`` and the path.
    """
    p = Path(os.fspath(path))
    if p.is_dir():
        raise InputError(f"{option} {p}: is a folder, expected a file name")
    if p.suffix.lower() not in suffixes:
        raise InputError(
            f"{option} {p}: expected a file ending in {' or '.join(suffixes)}, got "
            f"{p.suffix or 'no extension'!r}"
        )
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{option} {p}: folder {str(folder)!r} does not exist")
    check_regular(p, option)
    for other, what in inputs:
        if other is None:
            continue
        same = os.path.abspath(p) == os.path.abspath(other)
        if os.path.exists(other):
            same = same or (os.path.exists(p) and os.path.samefile(p, other))
        inside = os.path.isdir(other) and os.path.samefile(folder, other)
        if same or inside:
            where = "inside " if inside and not same else ""
            raise InputError(
                f"{option} {p}: is {where}{what} {other} of this run; writing "
                "there would destroy it"
            )
    return p


def _make_temp(path: Path) -> Path:
    """Create an empty hidden temporary file beside ``path`` with normal permissions.

    The temporary name keeps the target's suffix (``.png``, ``.json``), so
    writers that infer a format from the extension (matplotlib) still work.
    """
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist")
    check_regular(path)  # replace files only: never a FIFO, device or socket
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=folder
    )
    os.close(fd)
    try:  # mkstemp makes 0600; give the file the mode the target has or would get
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)
    return Path(tmp)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success, move it into place.

    For writers that want a file name rather than bytes (``savefig``,
    ``safetensors.numpy.save_file``). The temporary file exists (empty) when
    the block starts; write to it by name.

    Parameters
    ----------
    path : str or path-like
        The final file. Its folder must exist.

    Yields
    ------
    pathlib.Path
        The temporary file, in the same folder, with the same suffix.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.

    Examples
    --------
    >>> with atomic_path("plot.png") as tmp:  # doctest: +SKIP
    ...     fig.savefig(tmp)
    """
    path = Path(path)
    tmp = _make_temp(path)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path.

    Parameters
    ----------
    path : str or path-like
        The final file; its folder must exist.
    data : bytes
        The whole content.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "wb") as f:
                f.write(data)
        except OSError as exc:  # a full disk: name the file, not only errno
            raise OSError(
                exc.errno, f"{path}: cannot write ({exc.strerror or exc})"
            ) from None
    return path


def atomic_write_text(
    path: str | os.PathLike, text: str, encoding: str = "utf-8"
) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8 by default); return the path."""
    return atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def locked_dir(directory: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on a folder (created if missing) for the block.

    Two processes saving to the same folder take turns: each save is whole,
    the last complete one wins, and neither removes the other's files while
    it writes. The lock is ``flock`` on the folder itself: no lock file is
    left behind, and a killed process releases it. Re-entrant: a save that
    holds the lock may call another save into the same folder.
    """
    import fcntl

    directory = Path(directory)
    key = os.path.realpath(directory)
    held = _HELD.__dict__.setdefault("dirs", set())
    if key in held:
        yield directory
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another thread's fd waits here too
        held.add(key)
        yield directory
    finally:
        held.discard(key)
        os.close(fd)  # closing releases the lock


_HELD = threading.local()  # folders this thread holds locked (re-entrancy)


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold back Ctrl-C for the duration of the block, then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    old = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if caught:
            raise KeyboardInterrupt


def atomic_write_many(files: Mapping[str | os.PathLike, bytes]) -> list[Path]:
    """Write several files so that each is atomic and they change together.

    Every file is first written and flushed under a temporary name; only when
    all are on disk are they renamed into place, in the given order, with
    Ctrl-C held back during the renames. An exception before that point leaves
    every old file untouched. Only a hard kill in the microseconds between two
    renames can mix old and new files, so readers that need a consistent set
    should write a checksum of the others into the last file (as
    :mod:`unrolled.storage.models` does) and check it.

    Parameters
    ----------
    files : mapping of path -> bytes
        Targets and their contents, in the order they are moved into place.

    Returns
    -------
    list of pathlib.Path
    """
    items = [(Path(p), bytes(d)) for p, d in files.items()]
    temps: list[Path] = []
    try:
        for path, data in items:
            tmp = _make_temp(path)
            temps.append(tmp)
            try:
                with open(tmp, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:  # a full disk: name the file, not only errno
                raise OSError(
                    exc.errno, f"{path}: cannot write ({exc.strerror or exc})"
                ) from None
        with _sigint_deferred():
            for (path, _), tmp in zip(items, temps, strict=True):
                os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    for folder in {p.parent for p, _ in items}:
        _fsync_dir(folder)
    return [p for p, _ in items]
