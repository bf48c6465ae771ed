"""The file primitives of model and checkpoint directories: JSON and safetensors.

Documents are strict JSON (no NaN or Infinity) with a ``format`` and a
``format_version``; tensors are safetensors; every file is recorded in its
JSON with its size and SHA-256, and checked against that record on read.
Reading raises :class:`~unrolled.errors.ModelFileError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np

from ..errors import InputError, ModelFileError

FORMAT_VERSION = 2  # the newest format this library reads and the one it writes
CONTENT_SINCE = 2  # from this format version on, content_sha256 is required
MAX_JSON_BYTES = 64 * 2**20  # a model.json is a few kB; refuse absurd ones unread
HEADER_SLACK = 2**20  # bytes a safetensors header may take beyond the tensor data


def jsonable(obj, where: str):
    """Plain-JSON copy of ``obj``: NumPy scalars/arrays unwrapped, NaN/inf -> None."""
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return jsonable(obj.item(), where)
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist(), where)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, list | tuple):
        return [jsonable(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: keys must be strings, got {k!r}")
            out[k] = jsonable(v, f"{where}[{k!r}]")
        return out
    raise ValueError(f"{where}: cannot store a {type(obj).__name__} in JSON")


def dumps(doc: dict) -> bytes:
    """Pretty, standard JSON (no NaN tokens) as UTF-8 bytes."""
    return (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode("utf-8")


def tensor_bytes(tensors: dict[str, np.ndarray], kind: str) -> bytes:
    """Serialize named arrays to safetensors bytes."""
    from safetensors.numpy import save

    arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    return save(arrays, metadata={"format": kind})


def content_digest(doc: dict, keys=("config", "weights", "metadata")) -> str:
    """SHA-256 of the canonical JSON of ``doc``'s ``keys``: what a load trusts.

    Recorded as ``content_sha256`` in a model or checkpoint JSON, so that no
    byte that affects a forecast (scalers, windows, members, histories) can
    change without the load noticing.
    """
    part = {k: doc.get(k) for k in keys}
    text = json.dumps(part, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_content(path: Path, doc: dict) -> None:
    """Refuse a JSON document whose content does not match its ``content_sha256``.

    Files of format version 1 (unrolled 0.1.0) have no such field; their
    content is validated field by field on load (types and ranges).
    """
    if doc.get("format_version", CONTENT_SINCE) < CONTENT_SINCE:
        return
    want = doc.get("content_sha256")
    if not isinstance(want, str):
        raise ModelFileError(
            f"{path}: field 'content_sha256' is missing; the file was not written "
            "by this unrolled or was edited"
        )
    if content_digest(doc) != want:
        raise ModelFileError(
            f"{path}: field 'content_sha256' does not match the file's config, "
            "weights record and metadata; the file was edited or damaged"
        )


def file_record(name: str, data: bytes) -> dict:
    """What a JSON file records about a companion file, to detect changes."""
    return {
        "file": name,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def prepare_dir(directory) -> Path:
    """Create the folder (and its parents) if needed; refuse a file in the way."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"{directory}: exists and is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise type(exc)(
            exc.errno, f"{directory}: cannot create the folder ({exc.strerror})"
        ) from None
    return directory


def reject_constant(token: str):
    """json.loads hook: standard JSON has no NaN or Infinity."""
    raise InputError(f"{token} is not allowed")


def read_json(path: Path, kind: str) -> dict:
    """Read and parse a JSON file of the given ``format``; ModelFileError otherwise."""
    if not path.is_file():
        what = "model" if kind == "unrolled.model" else "checkpoint"
        raise ModelFileError(f"{path}: missing (not a {what} directory?)")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ModelFileError(f"{path}: {size} bytes, too large for a {kind} file")
    raw = path.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=reject_constant)
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not UTF-8 text (a binary file?)") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{path}: not valid JSON ({exc.msg}: line {exc.lineno}, "
            f"column {exc.colno}); the file is truncated or damaged"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != kind:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ModelFileError(f"{path}: not an {kind} file (format is {got!r})")
    check_version(path, doc)
    return doc


def check_version(path: Path, doc: dict) -> None:
    """Refuse a format version this library does not know."""
    from .._version import __version__

    v = doc.get("format_version")
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ModelFileError(
            f"{path}: format_version must be an integer >= 1, got {v!r}"
        )
    if v > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {v} (written by unrolled "
            f"{doc.get('unrolled_version', '?')}) is newer than this unrolled "
            f"{__version__} reads (format version {FORMAT_VERSION}); "
            "upgrade unrolled to load it"
        )


def check_record(path: Path, record, json_path: Path, data: bytes | None = None):
    """Compare a file with the size and checksum its JSON recorded."""
    if not isinstance(record, dict) or not {"bytes", "sha256"} <= set(record):
        raise ModelFileError(f"{json_path}: no size and checksum for {path.name}")
    size = path.stat().st_size if data is None else len(data)
    if size != record["bytes"]:
        raise ModelFileError(
            f"{path}: {size} bytes, but {json_path.name} records {record['bytes']}; "
            "the file is truncated, was replaced, or a save was interrupted"
        )
    if data is not None and hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise ModelFileError(
            f"{path}: its checksum does not match {json_path.name}; the file was "
            "changed after saving or a save was interrupted"
        )


def read_tensors(
    path: Path, record, json_path: Path, max_bytes: int | None = None
) -> dict:
    """Read a safetensors file, checked against its JSON record; never unpickles."""
    if not path.is_file():
        raise ModelFileError(f"{path}: missing (listed in {json_path.name})")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise ModelFileError(
            f"{path}: {size} bytes, more than the {max_bytes} its config allows"
        )
    check_record(path, record, json_path)
    from ..engine.sizing import check_memory

    check_memory(2 * size, f"loading {path}")
    data = path.read_bytes()
    check_record(path, record, json_path, data)
    from safetensors.numpy import load

    try:
        return load(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # SafetensorError, or a Rust panic
        raise ModelFileError(f"{path}: not a valid safetensors file ({exc})") from None


def check_arrays(path: Path, arrays: dict, expected: dict, dtype: np.dtype) -> None:
    """Names, shapes, dtypes and finiteness against ``expected`` {name: shape}."""
    missing = [k for k in expected if k not in arrays]
    extra = [k for k in arrays if k not in expected]
    if missing or extra:
        raise ModelFileError(
            f"{path}: tensor names do not match the config "
            f"(missing {missing}, unexpected {extra})"
        )
    for name, shape in expected.items():
        a = arrays[name]
        if a.dtype != dtype:
            raise ModelFileError(
                f"{path}: tensor {name!r} is {a.dtype}, the config says {dtype}"
            )
        if a.shape != tuple(shape):
            raise ModelFileError(
                f"{path}: tensor {name!r} has shape {a.shape}, the config says "
                f"{tuple(shape)}"
            )
        if not np.all(np.isfinite(a)):
            raise ModelFileError(f"{path}: tensor {name!r} holds NaN or infinity")
