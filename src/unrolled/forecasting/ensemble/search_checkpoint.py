"""Checkpoints of a whole :meth:`Forecaster.fit`: one fit checkpoint per configuration.

A forecaster trains several candidate configurations (the greedy search on
the validation slice), each with its own early stopping, and keeps the best
few. One :func:`unrolled.fit` checkpoint cannot hold that, so a forecaster's
checkpoint directory holds one per configuration::

    run.json        what the run is: the forecaster's parameters and a
                    SHA-256 of the data (names, frequency, every value)
    candidate-0/    the fit checkpoint of the first configuration tried
    candidate-1/    ... of the second, and so on, in the order of the search

Each ``candidate-<k>/`` is an ordinary fit checkpoint (model, optimizer,
epoch, history; see :mod:`unrolled.storage.checkpoints`). The forecaster's early
stopping is a stateful fit callback, so its best validation score, the
weights of that epoch and its patience counter are saved with every epoch
and restored on resume. A finished configuration's checkpoint holds its last
epoch and says that training stopped, so resuming it trains nothing and gives
back the same network; the one in progress goes on at its next epoch; those
not reached yet start from scratch. The search is deterministic for a given
seed, so the configurations come back in the same order with the same
scores, and a resumed fit ends with exactly the forecaster, bit for bit, of
a run that was never interrupted.

Every file is written atomically (:mod:`unrolled.storage.atomic`), ``run.json``
before any candidate: whenever the process stops, the directory is a valid
checkpoint of everything done so far.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ...errors import InputError

FORMAT = "unrolled.forecaster-checkpoint"
MANIFEST = "run.json"


def data_sha256(names, values, frequency) -> str:
    """SHA-256 over the series names, the frequency and every value (float64)."""
    h = hashlib.sha256(json.dumps([list(names), str(frequency)]).encode())
    for v in values:
        a = np.ascontiguousarray(v, dtype=np.float64)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class RunCheckpoint:
    """A forecaster's checkpoint directory, opened for a new run or to resume one.

    Use :func:`open_run`; :meth:`candidate` gives each configuration's fit
    checkpoint folder and whether to resume from it.
    """

    def __init__(self, directory: Path, every: int, resuming: bool):
        self.directory, self.every, self.resuming = directory, every, resuming

    def candidate(self, index: int) -> tuple[Path, Path | None]:
        """(checkpoint folder, folder to resume from or None) of configuration k."""
        from ...storage.checkpoints import CHECKPOINT

        sub = self.directory / f"candidate-{index}"
        started = self.resuming and (sub / CHECKPOINT).is_file()
        return sub, (sub if started else None)

    def interrupted(self, exc: KeyboardInterrupt, index: int, total: int):
        """The TrainingInterrupted to raise for a Ctrl-C during configuration k."""
        from ...errors import TrainingInterrupted

        epoch = getattr(exc, "epoch", -1)
        saved = f"its epoch {epoch} is saved" if epoch >= 0 else "no epoch of it saved"
        where = self.directory
        return TrainingInterrupted(
            f"interrupted while training configuration {index + 1} of {total} "
            f"({saved}); the checkpoint is in {where} (continue with "
            f"resume={where})",
            where,
            epoch,
        )


def open_run(
    checkpoint, resume, every: int, params: dict, names, values, frequency
) -> RunCheckpoint:
    """Start a new checkpoint directory, or reopen one to resume it.

    Parameters
    ----------
    checkpoint : path-like, optional
        A new run: the folder must be new or empty (an earlier run there is
        never overwritten).
    resume : path-like, optional
        Continue the run in this folder (and keep checkpointing there). Its
        ``run.json`` must name the same parameters and data.
    every : int
        Epochs between checkpoints of the configuration in training.
    params : dict
        The forecaster's ``get_params()``.
    names, values, frequency
        The data, as
        :func:`unrolled.forecasting.features.transforms.as_series` gives it.

    Raises
    ------
    ValueError
        A non-empty folder for a new run, or a resume with other parameters
        or data (the message names the difference).
    unrolled.storage.models.ModelFileError
        A resume folder without a readable ``run.json``.
    """
    from ...engine.validate import check_positive_int
    from ...storage.atomic import atomic_write_bytes
    from ...storage.files import (
        FORMAT_VERSION,
        dumps,
        jsonable,
        prepare_dir,
        read_json,
    )

    every = check_positive_int("checkpoint_every", every)
    if checkpoint is not None and resume is not None:
        if Path(checkpoint).resolve() != Path(resume).resolve():
            raise InputError(
                f"checkpoint: {checkpoint} and resume: {resume} differ; a resumed "
                "run goes on checkpointing into the folder it resumes"
            )
    params = jsonable(params, "params")
    sha = data_sha256(names, values, frequency)
    if resume is not None:
        directory = Path(resume)
        if not directory.is_dir():
            what = "is a file, not a folder" if directory.exists() else "no such folder"
            raise InputError(f"resume: {directory}: {what} (nothing to resume)")
        doc = read_json(directory / MANIFEST, FORMAT)
        saved = doc.get("params")
        if not isinstance(saved, dict):
            raise InputError(f"{directory / MANIFEST}: 'params' must be an object")
        saved = {"huber": None, **saved}  # runs before it trained on the SSR
        for key, value in params.items():
            if saved.get(key, "(missing)") != value:
                raise InputError(
                    f"resume: {directory} was started with {key}={saved.get(key)!r}, "
                    f"got {key}={value!r}; pass the same options to resume exactly"
                )
        if doc.get("data_sha256") != sha:
            raise InputError(
                f"resume: {directory} was started on different data (series "
                f"{doc.get('names')!r}; the names, dates or values differ); pass "
                "the same data to resume exactly"
            )
        return RunCheckpoint(directory, every, True)
    directory = Path(checkpoint)
    if directory.is_dir() and any(directory.iterdir()):
        hint = (
            f"it holds a run: continue it with resume={directory}, or "
            if (directory / MANIFEST).is_file()
            else ""
        )
        raise InputError(
            f"checkpoint: {directory} is not empty ({hint}name a new or empty folder)"
        )
    directory = prepare_dir(directory)
    from ..._version import __version__

    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "unrolled_version": __version__,
        "params": params,
        "names": list(names),
        "frequency": str(frequency),
        "data_sha256": sha,
    }
    atomic_write_bytes(directory / MANIFEST, dumps(doc))
    return RunCheckpoint(directory, every, False)
