"""Reading a data file's bytes with the size limit enforced while reading.

``stat`` sizes lie for devices and pipes (``/dev/zero`` says 0 bytes and never
ends), so the limit is checked chunk by chunk as the bytes arrive, each chunk
is checked for NUL bytes and invalid UTF-8 as it comes, and a pipe without a
writer is opened without blocking: every one of them fails within a chunk.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import stat

from ...errors import DataError
from .dataset import MAX_FILE_BYTES

CHUNK = 1 << 20  # bytes per read


def _open(name: str) -> int:
    """Open for reading without blocking on a FIFO; refuse folders and devices."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    except IsADirectoryError:
        raise DataError("is a directory, expected a CSV file", name) from None
    except OSError as exc:
        raise DataError(f"cannot read file ({exc.strerror or exc})", name) from None
    mode = os.fstat(fd).st_mode
    kind = None
    if stat.S_ISDIR(mode):
        kind = "is a directory"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "is a device"
    elif stat.S_ISSOCK(mode):
        kind = "is a socket"
    if kind:
        os.close(fd)
        raise DataError(f"{kind}, expected a CSV file", name)
    if stat.S_ISFIFO(mode):  # no writer: reads end at once (EOF) instead of waiting
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def _too_big(name: str, limit: int) -> DataError:
    return DataError(
        f"file is larger than the limit of {limit / 2**20:.0f} MiB "
        "(aggregate or split it first)",
        name,
    )


def read_file(name: str, limit: int = MAX_FILE_BYTES) -> tuple[bytes, str]:
    """The file's bytes and its text, refusing over ``limit``, NUL bytes, non-UTF-8."""
    raw = read_bytes(name, limit)
    return raw, decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text of ``raw`` (a BOM dropped); DataError naming the bad byte's row."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _not_utf8(raw, exc.start, name)


def read_bytes(name: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing over ``limit``, NUL bytes and a non-UTF-8 start.

    A regular file is read in one call; pipes chunk by chunk. The UTF-8 of
    the rest is checked by whoever decodes it (:func:`decode`, the parser).

    Raises
    ------
    DataError
        Naming the file (and the row of a bad byte) for a folder, a device,
        an unreadable file, more than ``limit`` bytes, binary or non-UTF-8
        content; checked as the bytes are read, so nothing unbounded is read.
    """
    fd = _open(name)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise _too_big(name, limit)
        want = max(CHUNK, size + 1)  # a regular file: all of it in one read
        parts: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, want)
            except OSError as exc:
                raise DataError(
                    f"cannot read file ({exc.strerror or exc})", name
                ) from None
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise _too_big(name, limit)
            _check_chunk(chunk, parts, total - len(chunk), name)
            parts.append(chunk)
            want = CHUNK
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _check_chunk(chunk, parts, offset, name) -> None:
    """Refuse a chunk holding a NUL byte (and a first chunk of non-UTF-8) at once."""
    if offset == 0:
        if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError("file is UTF-16 text; save it as UTF-8 CSV", name)
        if chunk.startswith(b"PK\x03\x04"):
            raise DataError("file is a zip/spreadsheet archive; export it as CSV", name)
        if chunk.startswith(b"PAR1"):
            raise DataError(
                "file is Parquet; give it a .parquet name to read it as Parquet", name
            )
    nul = chunk.find(b"\x00")
    if nul >= 0:
        row = sum(p.count(b"\n") for p in parts) + chunk.count(b"\n", 0, nul) + 1
        raise DataError(
            f"binary file (NUL byte at offset {offset + nul}), expected CSV", name, row
        )
    if offset == 0:  # random bytes fail here, before more is read
        try:
            codecs.getincrementaldecoder("utf-8")().decode(chunk[:CHUNK])
        except UnicodeDecodeError as exc:
            _not_utf8(chunk, exc.start, name)


def _not_utf8(raw: bytes, at: int, name: str):
    row = raw.count(b"\n", 0, at) + 1
    raise DataError(
        f"not UTF-8 text (byte 0x{raw[at : at + 1].hex()} at offset {at}); "
        "save it as UTF-8",
        name,
        row,
    ) from None


def read_text(name: str, limit: int = MAX_FILE_BYTES) -> str:
    """The file as UTF-8 text (a BOM dropped); empty files are refused."""
    text = read_file(name, limit)[1]
    if not re.search(r"\S", text):
        raise DataError("file is empty", name)
    return text
