"""Resuming :func:`unrolled.fit`: what a checkpoint must hold, written and read back.

:class:`CheckpointWriter` snapshots the end of every epoch (weights,
optimizer, history, early-stopping state, stateful callbacks) and saves the
snapshots the schedule asks for; :func:`resume_state` reads one back and
refuses a checkpoint of other data, arguments or model; a run resumed from
it ends with exactly the weights of an uninterrupted one.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..engine.validate import check_sequences, check_targets
from ..errors import InputError, ModelFileError, TrainingInterrupted
from ..storage.checkpoints import load_checkpoint, save_checkpoint


def data_fingerprint(model, seqs, targets, per_step: bool, val) -> str:
    """SHA-256 of the validated training (and validation) data, to match on resume."""
    h = hashlib.sha256()
    parts = [(seqs, targets, "seqs", "targets")]
    if val is not None:
        parts.append((val[0], val[1], "val seqs", "val targets"))
    for s, t, sname, tname in parts:
        arrays = check_sequences(s, model.input_size, model.dtype, sname)
        lengths = [len(a) for a in arrays]
        tg = check_targets(t, lengths, model.output_size, per_step, model.dtype, tname)
        for a in arrays + list(tg):
            h.update(str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def resume_state(resume, model, settings: dict, seed, data_sha: str) -> tuple:
    """Load a checkpoint into ``model``; return (optimizer, seed, state, epoch, best).

    ``state`` holds the history, the early-stopping counters, and the stateful
    callbacks' JSON (``callbacks``) and arrays (``tensors``, named ``cb<k>.*``).
    """
    ck = load_checkpoint(resume)
    extra = ck.extra
    if ck.model.config() != model.config():
        raise InputError(
            f"resume: {resume} holds a {ck.model!r}, but the model to train is "
            f"{model!r}"
        )
    saved = extra.get("fit", {})
    for key, value in settings.items():
        if saved.get(key) != value:
            raise InputError(
                f"resume: {resume} was trained with {key}={saved.get(key)!r}, got "
                f"{key}={value!r}; pass the same arguments to resume exactly"
            )
    if seed is not None and seed != extra.get("seed"):
        raise InputError(
            f"resume: {resume} was trained with seed={extra.get('seed')!r}, got "
            f"seed={seed!r}"
        )
    if extra.get("data_sha256") != data_sha:
        raise InputError(
            f"resume: {resume} was trained on different data (its fingerprint "
            "differs); pass the same sequences, targets and validation data"
        )
    state = _check_state(resume, extra, model, settings["validation"], ck.tensors)
    state["callbacks"] = extra.get("callbacks", [])  # stateful callbacks' JSON
    state["tensors"] = {k: v for k, v in ck.tensors.items() if k.startswith("cb")}
    model.load_state_dict(ck.model.params)
    best = {k[5:]: v for k, v in ck.tensors.items() if k.startswith("best.")}
    return ck.optimizer, extra["seed"], state, ck.epoch, best


def _check_state(resume, extra: dict, model, validation: bool, tensors: dict) -> dict:
    """The history and early-stopping state of a checkpoint, validated."""
    where = f"{Path(resume) / 'checkpoint.json'}"
    h = extra.get("history")
    fields = {"loss", "val_loss", "grad_norm", "best_epoch", "stopped_early", "seed"}
    ok = isinstance(h, dict) and set(h) == fields
    ok = ok and all(
        isinstance(h[k], list) and all(isinstance(x, float | int) for x in h[k])
        for k in ("loss", "val_loss", "grad_norm")
    )
    ok = (
        ok and isinstance(h["best_epoch"], int) and isinstance(h["stopped_early"], bool)
    )
    bl = extra.get("best_loss")
    ok = ok and (bl is None or isinstance(bl, float | int))
    ok = (
        ok
        and isinstance(extra.get("wait"), int)
        and not isinstance(extra["wait"], bool)
    )
    ok = ok and isinstance(extra.get("seed"), int)
    if not ok:
        raise ModelFileError(f"{where}: the training state in 'extra' is damaged")
    if validation:
        best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")}
        shapes = model._shapes()
        if set(best) != set(shapes) or any(
            best[k].shape != s or not np.all(np.isfinite(best[k]))
            for k, s in shapes.items()
        ):
            raise ModelFileError(
                f"{Path(resume) / 'training.safetensors'}: the best weights for "
                "early stopping are missing or damaged"
            )
    return {"history": h, "best_loss": bl, "wait": extra["wait"]}


def restore_callbacks(resume, stateful: list, state: dict) -> None:
    """Give each stateful callback its state from the checkpoint, in order."""
    docs = state.get("callbacks", [])
    tensors = state.get("tensors", {})
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise ModelFileError(f"{resume}: the callbacks' state is damaged")
    if len(docs) != len(stateful):
        raise InputError(
            f"resume: {resume} holds the state of {len(docs)} stateful callback(s), "
            f"this fit has {len(stateful)}; pass the same callbacks to resume exactly"
        )
    for k, (cb, doc) in enumerate(zip(stateful, docs, strict=True)):
        prefix = f"cb{k}."
        arrays = {
            n[len(prefix) :]: v for n, v in tensors.items() if n.startswith(prefix)
        }
        try:
            cb.load_state_dict({**doc, **arrays})
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{resume}: the saved state of callback {k} ({type(cb).__name__}) "
                f"is damaged ({exc})"
            ) from None


class CheckpointWriter:
    """Snapshots of the end of each epoch, saved to ``directory`` on schedule.

    ``header`` is the JSON that every checkpoint repeats (seed, data
    fingerprint, fit arguments); ``stopper`` the fit's early stopping (its
    best weights are saved when ``validation``); ``stateful`` the callbacks
    whose state rides along.
    """

    def __init__(self, directory, every, model, opt, stopper, stateful, **kw):
        self.directory, self.every, self.model, self.opt = directory, every, model, opt
        self.stopper, self.stateful = stopper, stateful
        self.header, self.validation = kw["header"], kw["validation"]
        self.metadata = kw.get("metadata")
        self.last, self.saved_epoch = None, None  # saved_epoch: the one on disk

    def snapshot(self, epoch: int, hist) -> None:
        """Copy everything a checkpoint of the end of ``epoch`` holds."""
        stop = self.stopper
        extra = {
            **self.header,
            "history": asdict(hist),
            "best_loss": None if np.isinf(stop.best) else float(stop.best),
            "wait": stop.wait,
            "callbacks": [],
        }
        tensors = {}
        if self.validation:
            tensors = {f"best.{k}": v.copy() for k, v in stop.weights.items()}
        for k, cb in enumerate(self.stateful):
            doc = {}
            for name, v in cb.state_dict().items():
                if isinstance(v, np.ndarray):
                    tensors[f"cb{k}.{name}"] = v.copy()
                else:
                    doc[name] = copy.deepcopy(v)
            extra["callbacks"].append(doc)
        opt_state = {k: np.array(v) for k, v in self.opt.state_dict().items()}
        self.last = dict(
            epoch=epoch,
            params=self.model.state_dict(),
            opt=opt_state,
            extra=extra,
            tensors=tensors,
        )

    def end_of_epoch(self, epoch: int, hist, final: bool) -> None:
        """Snapshot ``epoch``; save it if it is ``final`` or the schedule's turn."""
        self.snapshot(epoch, hist)
        if final or (epoch + 1) % self.every == 0:
            self.save()

    def save(self) -> None:
        """Write the last snapshot (atomically); the model and optimizer keep
        their current state."""
        snap, model, opt = self.last, self.model, self.opt
        current, model.params = model.params, snap["params"]
        keep = opt.state_dict()
        try:
            opt.load_state_dict(snap["opt"])
            save_checkpoint(
                self.directory,
                model,
                opt,
                snap["epoch"],
                snap["extra"],
                snap["tensors"],
                self.metadata,
            )
        finally:
            model.params = current
            opt.load_state_dict(keep)
        self.saved_epoch = snap["epoch"]

    def interrupted(self, epoch: int) -> TrainingInterrupted:
        """Save the last completed epoch if it is not on disk; the error to raise."""
        if self.saved_epoch != self.last["epoch"]:
            self.save()
        done = self.last["epoch"]
        what = f"epoch {done}" if done >= 0 else "the starting state (no epoch done)"
        return TrainingInterrupted(
            f"interrupted during epoch {epoch}; the checkpoint of {what} is in "
            f"{self.directory} (continue with resume={self.directory})",
            Path(self.directory),
            done,
        )
