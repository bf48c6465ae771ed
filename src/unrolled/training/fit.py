"""The fit loop: epochs of BPTT steps, with early stopping, checkpoints and resume.

:func:`fit` reads top-down; its collaborators are :class:`Steps` (one
epoch of minibatch steps with clipping and the non-finite guard),
:class:`~unrolled.training.callbacks.EarlyStopping` (the best validation
weights) and :class:`~unrolled.training.resume.CheckpointWriter` /
:func:`~unrolled.training.resume.resume_state` (checkpoints, exact resume).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine.losses import check_huber
from ..engine.optim import clip_grads, make_optimizer
from ..engine.packing import Pool
from ..engine.sizing import check_training_memory
from ..engine.validate import check_positive_int, check_sequences
from ..errors import TrainingError
from .callbacks import EarlyStopping, is_stateful
from .resume import CheckpointWriter, data_fingerprint, restore_callbacks, resume_state


@dataclass
class History:
    """What a call to :func:`fit` did, epoch by epoch."""

    loss: list[float] = field(default_factory=list)  # training SSR per epoch
    val_loss: list[float] = field(default_factory=list)  # validation SSR per epoch
    grad_norm: list[float] = field(default_factory=list)  # mean global norm per epoch
    best_epoch: int = -1  # epoch whose weights the model holds at the end
    stopped_early: bool = False
    seed: int = 0  # the seed that drove the shuffling (drawn if none was given)


def fit(
    model,
    seqs,
    targets,
    *,
    epochs: int = 200,
    lr: float = 0.01,
    optimizer: str = "adam",
    batch_size: int | None = None,
    per_step: bool = False,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    tbptt: int | None = None,
    huber: float | None = None,
    val: tuple | None = None,
    patience: int | None = None,
    seed: int | None = None,
    callbacks: Sequence[Callable[[int, dict], bool | None]] = (),
    checkpoint=None,
    checkpoint_every: int = 1,
    resume=None,
    metadata: dict | None = None,
) -> History:
    """Train ``model`` in place by BPTT and gradient descent on the SSR or Huber's.

    Parameters
    ----------
    model : RNN, LSTM or GRU
    seqs, targets : as for ``model.loss_and_grads``.
    epochs : int
        Passes over the data in all, counting those done before a resume.
    lr : float
        Learning rate.
    optimizer : {"adam", "sgd"}
        ``"sgd"`` is the StatLand lesson's plain gradient descent.
    batch_size : int, optional
        Sequences per step, shuffled each epoch; default: all of them.
    per_step : bool
        Train on every copy's prediction (targets per step), not only the last.
    clip_norm, clip_value : float, optional
        Gradient clipping by global norm / by value.
    tbptt : int, optional
        Truncated BPTT window.
    huber : float, optional
        Minimise Huber's loss with this ``delta`` instead of the SSR: the
        squares of residuals beyond ``delta`` made linear, so that outliers
        pull less (:mod:`unrolled.engine.losses`). The validation loss too.
    val : (seqs, targets), optional
        Validation data: the model ends with its best validation epoch's
        weights, and ``patience`` epochs without improvement stop training.
    patience : int, optional
    seed : int, optional
        Seeds the shuffling (epoch ``e`` uses ``default_rng([seed, e])``, so a
        resumed run shuffles as an uninterrupted one); a resume may omit it.
    callbacks : sequence of callables
        ``cb(epoch, logs)`` after every epoch (``logs``: ``loss``,
        ``val_loss``, ``grad_norm``, the unclipped ``grads``); True stops
        training. One with ``state_dict``/``load_state_dict`` is stateful: its
        state is checkpointed and restored with the run.
    checkpoint : str or path-like, optional
        A directory saved atomically every ``checkpoint_every`` epochs, at the
        end, on early stopping and on Ctrl-C (model, optimizer, history,
        early-stopping state); :func:`unrolled.load_model` reads it too.
    checkpoint_every : int
    resume : str or path-like, optional
        A checkpoint to continue from: with the same arguments and data the
        run ends with exactly the weights of an uninterrupted one; other
        arguments, seed, data or model are refused. ``epochs`` may grow.
    metadata : dict, optional
        JSON data stored with the model in each checkpoint (e.g. scalers).

    Returns
    -------
    History
        The whole run's, including the epochs done before a resume.

    Raises
    ------
    TrainingError
        A non-finite loss, gradient or step: the message names the epoch and
        the last good checkpoint; the model keeps its last finite weights.
    TrainingInterrupted
        Ctrl-C with ``checkpoint``, once the last completed epoch is saved.
    ValueError
        Bad arguments or data, a ``resume`` that does not match them, too
        little memory (:class:`~unrolled.errors.ResourceLimitError`), or a
        damaged ``resume`` (:class:`~unrolled.errors.ModelFileError`).
    """
    patience = None if patience is None else check_positive_int("patience", patience)
    settings = dict(optimizer=optimizer, lr=lr, batch_size=batch_size,
                    per_step=per_step, clip_norm=clip_norm, clip_value=clip_value,
                    tbptt=tbptt, huber=check_huber(huber), patience=patience,
                    n_train=len(seqs), validation=val is not None)  # fmt: skip
    trainer = Trainer(model, seqs, targets, settings, val=val, callbacks=callbacks)
    trainer.start(seed, resume, checkpoint, checkpoint_every, metadata)
    return trainer.run(check_positive_int("epochs", epochs))


class Trainer:
    """One call of :func:`fit`: its settings, its state, and the epoch loop.

    ``settings`` are the training arguments a checkpoint records (and a
    resume must match). :meth:`start` begins afresh or from a checkpoint;
    :meth:`run` is the loop: an epoch of :class:`Steps`, the validation loss
    into :class:`~unrolled.training.callbacks.EarlyStopping`, the callbacks,
    a checkpoint when due.
    """

    def __init__(self, model, seqs, targets, settings, *, val=None, callbacks=()):
        seqs, targets = list(seqs), list(targets)
        n, bs = len(seqs), settings["batch_size"]
        bs = n if bs is None else check_positive_int("batch_size", bs)
        self.model, self.settings, self.val = model, settings, val
        self.callbacks = list(callbacks)
        self.opt = make_optimizer(settings["optimizer"], settings["lr"])
        self.data_sha = data_fingerprint(
            model, seqs, targets, settings["per_step"], val
        )
        _check_memory(model, seqs, min(bs, n))
        patience = settings["patience"] if val is not None else None
        self.stopper = EarlyStopping(model, patience)
        self.stateful = [cb for cb in self.callbacks if is_stateful(cb)]
        self.steps = Steps(model, seqs, targets, bs,
                           **{k: settings[k] for k in STEP_OPTIONS})  # fmt: skip
        self.writer = self.resumed = None

    def start(self, seed, resume, checkpoint, every, metadata) -> None:
        """Begin afresh (drawing a seed if none is given) or from ``resume``."""
        every = check_positive_int("checkpoint_every", every)
        if resume is not None:
            self.resumed = resume
            self.opt, seed, self.hist, self.first = _resume(
                resume, self.model, self.settings, seed, self.data_sha,
                self.stopper, self.stateful,
            )  # fmt: skip
        else:
            seed = (
                int(np.random.default_rng().integers(2**31)) if seed is None else seed
            )
            self.hist, self.first = History(seed=seed), 0
        self.seed = seed
        if checkpoint is not None:
            header = {"seed": seed, "data_sha256": self.data_sha, "fit": self.settings}
            self.writer = CheckpointWriter(
                checkpoint, every, self.model, self.opt, self.stopper, self.stateful,
                header=header, validation=self.val is not None, metadata=metadata,
            )  # fmt: skip
            self.writer.snapshot(self.first - 1, self.hist)

    def run(self, epochs: int) -> History:
        """Train from the first epoch not done up to ``epochs``; the History."""
        model, hist, writer = self.model, self.hist, self.writer
        epoch = first = epochs if hist.stopped_early else self.first
        try:
            for epoch in range(first, epochs):
                logs = self.steps.epoch(epoch, self.seed, self.opt)
                hist.loss.append(logs["loss"])
                hist.grad_norm.append(logs["grad_norm"])
                if self.val is not None:
                    logs["val_loss"] = model.loss(
                        *self.val, per_step=self.settings["per_step"],
                        huber=self.settings["huber"],
                    )  # fmt: skip
                    hist.val_loss.append(logs["val_loss"])
                    if self.stopper.update(logs["val_loss"], epoch):
                        hist.best_epoch = epoch
                else:
                    hist.best_epoch = epoch
                stop = any(cb(epoch, logs) for cb in self.callbacks)
                stop = hist.stopped_early = stop or self.stopper.should_stop
                if writer is not None:
                    writer.end_of_epoch(epoch, hist, final=stop or epoch == epochs - 1)
                if stop:
                    break
        except KeyboardInterrupt:
            if writer is None:
                raise
            raise writer.interrupted(epoch) from None
        except TrainingError as exc:
            raise self.with_checkpoint(exc) from None
        finally:
            model.release_memory()  # the tape buffers reused from step to step
        if self.val is not None:
            model.load_state_dict(self.stopper.weights)
        return hist

    def with_checkpoint(self, exc: TrainingError) -> TrainingError:
        """``exc``, naming the last good checkpoint when there is one."""
        saved = self.writer.saved_epoch if self.writer is not None else None
        if saved is None and self.resumed is None:
            return exc
        where = (
            f"{self.writer.directory} (epoch {saved})"
            if saved is not None
            else f"{self.resumed}"
        )
        return TrainingError(f"{exc}; the last good checkpoint is in {where}")


def _check_memory(model, seqs, batch: int) -> None:
    """Refuse, before training, a run that would not fit in memory."""
    check_training_memory(
        model.cell_type,
        model.hidden_size,
        model.num_layers,
        max(len(s) for s in seqs),
        batch,
        model.input_size,
        model.output_size,
        model.dtype.name,
    )


def _resume(resume, model, settings, seed, data_sha, stopper, stateful) -> tuple:
    """Load a checkpoint into the run: (optimizer, seed, history, first epoch)."""
    opt, seed, state, done, saved_best = resume_state(
        resume, model, settings, seed, data_sha
    )
    restore_callbacks(resume, stateful, state)
    hist = History(**state["history"])
    stopper.weights = saved_best or stopper.weights
    stopper.best = state["best_loss"] if state["best_loss"] is not None else np.inf
    stopper.wait, stopper.epoch = state["wait"], hist.best_epoch
    return opt, seed, hist, done + 1


STEP_OPTIONS = ("per_step", "tbptt", "clip_norm", "clip_value", "huber")


class Steps:
    """One epoch of BPTT steps: shuffled minibatches, clipping, the finite guard.

    Sequences and targets are validated once (a :class:`~unrolled.engine.packing.Pool`),
    each minibatch packed from it; a single full batch is packed once.
    Epoch ``e`` shuffles with ``default_rng([seed, e])``, so a resumed run
    shuffles exactly as an uninterrupted one.
    """

    def __init__(self, model, seqs, targets, batch_size, **options):
        self.model, self.bs, self.options = model, batch_size, options
        arrays = check_sequences(seqs, model.input_size, model.dtype)
        self.pool = Pool(arrays, targets, model.output_size, options["per_step"],
                         model.dtype)  # fmt: skip
        n = len(arrays)
        self.whole = self.pool.batch(np.arange(n)) if batch_size >= n else None

    def epoch(self, epoch: int, seed: int, opt) -> dict:
        """Train one epoch; logs ``loss`` (SSR), ``grad_norm`` (mean), ``grads``."""
        n, bs = len(self.pool), self.bs
        perm = np.random.default_rng([seed, epoch]).permutation(n) if bs < n else None
        total, norms, grads = 0.0, [], {}
        for begin in range(0, n, bs):
            idx = perm[begin : begin + bs] if perm is not None else np.arange(n)
            loss, grads, squares = self.step(epoch, idx, opt)
            norms.append(float(np.sqrt(sum(squares))))
            total += loss
        return {"loss": total, "grad_norm": float(np.mean(norms)), "grads": grads}

    def step(self, epoch: int, idx, opt) -> tuple[float, dict, list]:
        """One step of ``opt`` on the sequences ``idx``: (SSR, unclipped
        gradients, each gradient's sum of squares)."""
        model, o = self.model, self.options
        batch, targets = self.whole or self.pool.batch(idx)
        with np.errstate(over="ignore", invalid="ignore"):  # the guard reports
            loss, grads = model.loss_and_grads(
                batch, targets, per_step=o["per_step"], tbptt=o["tbptt"],
                huber=o["huber"],
            )  # fmt: skip
        squares = _check_finite(epoch, loss, grads)
        clipped = grads
        if o["clip_norm"] is not None or o["clip_value"] is not None:
            norm = None  # float64 squares are global_norm's own sums: not redone
            if model.dtype == np.float64 and o["clip_value"] is None:
                norm = float(np.sqrt(sum(squares)))
            clipped = clip_grads(grads, o["clip_norm"], o["clip_value"], norm)
        good = model.state_dict()
        opt.step(model.params, clipped)
        every = np.concatenate([p.reshape(-1) for p in model.params.values()])
        if not np.isfinite(every).all():
            model.params = good
            raise TrainingError(
                f"training stopped at epoch {epoch}: a step made the weights "
                "non-finite; try a smaller lr or clip_norm="
            )
        return loss, grads, squares


def _check_finite(epoch: int, loss: float, grads: dict[str, np.ndarray]) -> list:
    """Raise TrainingError naming the epoch and the first non-finite quantity;
    return each gradient's sum of squares (the epoch's norms: one pass for both,
    as a non-finite entry makes its sum non-finite)."""
    if not np.isfinite(loss):
        raise TrainingError(f"training stopped at epoch {epoch}: the loss is {loss}")
    squares = [float(np.sum(g * g)) for g in grads.values()]
    if np.isfinite(sum(squares)):
        return squares
    for name, g in grads.items():  # a sum may overflow with every entry finite
        if not np.all(np.isfinite(g)):
            raise TrainingError(
                f"training stopped at epoch {epoch}: the gradient of {name!r} is not "
                "finite (exploding gradients; try clip_norm=, a smaller lr or tbptt=)"
            )
    return squares
