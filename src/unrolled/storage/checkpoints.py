"""Training checkpoints on disk: a model directory plus the training state.

A checkpoint directory is a model directory (``weights.safetensors`` +
``model.json``, so :func:`unrolled.load_model` and ``unrolled predict`` read
it) plus the training state::

    training.safetensors  optimizer tensors ("optim.*": Adam's moments and
                          step count) and extra tensors ("extra.*", e.g. the
                          best weights so far for early stopping)
    checkpoint.json       epoch, optimizer settings, extra JSON (history,
                          early-stopping counters, fit arguments, seed, data
                          fingerprint) and the size and SHA-256 of model.json
                          and training.safetensors

All four files are written with :func:`unrolled.storage.atomic.atomic_write_many`,
``checkpoint.json`` last; its checksums tie the set together, so a checkpoint
is either the old one, the new one, or refused on load with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.optim import OPTIMIZERS
from ..errors import ModelFileError
from .atomic import atomic_write_many, locked_dir
from .files import (
    FORMAT_VERSION,
    MAX_JSON_BYTES,
    check_arrays,
    check_record,
    dumps,
    file_record,
    jsonable,
    prepare_dir,
    read_json,
    read_tensors,
    tensor_bytes,
)
from .models import CONFIG, load_model_dir, model_files

TRAINING, CHECKPOINT = "training.safetensors", "checkpoint.json"


@dataclass
class Checkpoint:
    """Training state read back by :func:`load_checkpoint`."""

    model: object  # the model, with the checkpoint's weights
    optimizer: object  # SGD or Adam with its moments and step count restored
    epoch: int  # the last completed epoch
    extra: dict = field(default_factory=dict)  # the JSON given to save_checkpoint
    tensors: dict = field(default_factory=dict)  # the arrays given to save_checkpoint
    metadata: dict = field(default_factory=dict)  # the model's metadata


def _optimizer_doc(optimizer) -> dict:
    """The settings needed to rebuild an optimizer."""
    for name, cls in OPTIMIZERS.items():
        if type(optimizer) is cls:
            doc = {"name": name, "lr": float(optimizer.lr)}
            if name == "adam":
                doc["betas"] = [float(b) for b in optimizer.betas]
                doc["eps"] = float(optimizer.eps)
            return doc
    raise ValueError(
        f"optimizer: expected an SGD or Adam, got {type(optimizer).__name__}"
    )


def save_checkpoint(
    directory,
    model,
    optimizer,
    epoch: int,
    extra: dict | None = None,
    tensors: dict[str, np.ndarray] | None = None,
    metadata: dict | None = None,
) -> Path:
    """Save training state: model, optimizer, epoch and anything else to resume.

    Parameters
    ----------
    directory : str or path-like
        Created if missing; the previous checkpoint there is replaced
        atomically (all four files change together).
    model : RNN, LSTM or GRU
    optimizer : SGD or Adam
        Adam's moments and step count are saved as tensors.
    epoch : int
        The last completed epoch (0-based).
    extra : dict, optional
        JSON data (early-stopping counters, history, fit arguments).
    tensors : dict of str -> ndarray, optional
        Extra arrays (e.g. the best weights so far), stored as tensors.
    metadata : dict, optional
        The model's metadata, as for :func:`save_model`.

    Returns
    -------
    pathlib.Path
        The directory.
    """
    from .._version import __version__

    directory = prepare_dir(directory)
    files = model_files(directory, model, metadata)
    state = {f"optim.{k}": v for k, v in optimizer.state_dict().items()}
    state.update({f"extra.{k}": np.asarray(v) for k, v in (tensors or {}).items()})
    training = tensor_bytes(state, "unrolled.checkpoint")
    files[directory / TRAINING] = training
    doc = {
        "format": "unrolled.checkpoint",
        "format_version": FORMAT_VERSION,
        "unrolled_version": __version__,
        "epoch": int(epoch),
        "optimizer": _optimizer_doc(optimizer),
        "extra": jsonable({} if extra is None else extra, "extra"),
        "files": {
            CONFIG: file_record(CONFIG, files[directory / CONFIG]),
            TRAINING: file_record(TRAINING, training),
        },
    }
    files[directory / CHECKPOINT] = dumps(doc)
    with locked_dir(directory):  # two writers take turns: never a mixed set
        atomic_write_many(files)
    return directory


def _restore_optimizer(path: Path, doc, arrays: dict, model):
    """Rebuild the optimizer from checkpoint.json and check its tensors."""
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise ModelFileError(f"{path}: 'optimizer' must name one of {list(OPTIMIZERS)}")
    if doc["name"] not in OPTIMIZERS:
        raise ModelFileError(f"{path}: 'optimizer' must name one of {list(OPTIMIZERS)}")
    lr = doc.get("lr")
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not lr > 0:
        raise ModelFileError(f"{path}: optimizer lr must be a number > 0, got {lr!r}")
    if doc["name"] == "sgd":
        if arrays:
            raise ModelFileError(f"{path}: SGD keeps no state, found {sorted(arrays)}")
        return OPTIMIZERS["sgd"](lr=lr)
    betas, eps = doc.get("betas"), doc.get("eps")
    ok = isinstance(betas, list) and len(betas) == 2
    ok = ok and all(isinstance(b, int | float) and 0 <= b < 1 for b in betas)
    if not ok or not isinstance(eps, int | float) or not eps > 0:
        raise ModelFileError(f"{path}: Adam betas/eps are invalid: {betas!r}, {eps!r}")
    opt = OPTIMIZERS["adam"](lr=lr, betas=tuple(betas), eps=eps)
    tpath = path.parent / TRAINING
    t = arrays.get("t")
    if t is None or t.shape != (1,) or t.dtype != np.int64 or t[0] < 0:
        raise ModelFileError(f"{tpath}: 'optim.t' must be one int64 >= 0")
    shapes = model._shapes() if t[0] > 0 else {}
    expected = {f"{p}.{k}": s for p in ("m", "v") for k, s in shapes.items()}
    check_arrays(
        tpath, {k: v for k, v in arrays.items() if k != "t"}, expected, model.dtype
    )
    if any(np.any(v < 0) for k, v in arrays.items() if k.startswith("v.")):
        raise ModelFileError(f"{tpath}: Adam's second moments must be >= 0")
    opt.load_state_dict(arrays)
    return opt


def load_checkpoint(directory) -> Checkpoint:
    """Load and verify a checkpoint written by :func:`save_checkpoint`.

    Returns
    -------
    Checkpoint
        ``model``, ``optimizer`` (state restored), ``epoch``, ``extra``,
        ``tensors`` and ``metadata``.

    Raises
    ------
    ModelFileError
        On any missing, truncated, tampered, inconsistent or foreign file, as
        :func:`load_model`, naming the file.
    """
    directory = Path(directory)
    if not directory.is_dir():
        what = "is a file, not a" if directory.exists() else "no such"
        raise ModelFileError(f"{directory}: {what} checkpoint directory")
    json_path = directory / CHECKPOINT
    doc = read_json(json_path, "unrolled.checkpoint")
    files = doc.get("files")
    if not isinstance(files, dict):
        raise ModelFileError(f"{json_path}: 'files' must be an object")
    cfg_path = directory / CONFIG
    if cfg_path.is_file() and cfg_path.stat().st_size <= MAX_JSON_BYTES:
        check_record(cfg_path, files.get(CONFIG), json_path, cfg_path.read_bytes())
    model, metadata, _ = load_model_dir(directory)
    state = read_tensors(
        directory / TRAINING,
        files.get(TRAINING),
        json_path,
    )
    optim = {k[6:]: v for k, v in state.items() if k.startswith("optim.")}
    tensors = {k[6:]: v for k, v in state.items() if k.startswith("extra.")}
    if len(optim) + len(tensors) != len(state):
        raise ModelFileError(f"{directory / TRAINING}: unexpected tensor names")
    optimizer = _restore_optimizer(json_path, doc.get("optimizer"), optim, model)
    epoch = doc.get("epoch")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < -1:
        raise ModelFileError(f"{json_path}: epoch must be an integer, got {epoch!r}")
    extra = doc.get("extra", {})
    if not isinstance(extra, dict):
        raise ModelFileError(f"{json_path}: 'extra' must be an object")
    return Checkpoint(model, optimizer, epoch, extra, tensors, metadata)
