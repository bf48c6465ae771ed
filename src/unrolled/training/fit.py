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

from ..engine.optim import clip_grads, make_optimizer
from ..engine.packing import pack
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
    val: tuple | None = None,
    patience: int | None = None,
    seed: int | None = None,
    callbacks: Sequence[Callable[[int, dict], bool | None]] = (),
    checkpoint=None,
    checkpoint_every: int = 1,
    resume=None,
    metadata: dict | None = None,
) -> History:
    """Train ``model`` in place by BPTT and gradient descent on the SSR.

    Parameters
    ----------
    model : RNN, LSTM or GRU
    seqs, targets : as for ``model.loss_and_grads``.
    epochs : int
        Passes over the training sequences (in all, counting those done
        before a resume).
    lr : float
        Learning rate.
    optimizer : {"adam", "sgd"}
        ``"sgd"`` is the seed's plain gradient descent.
    batch_size : int, optional
        Sequences per step, shuffled each epoch; default: all of them.
    per_step : bool
        Train on every copy's prediction (targets per step) instead of the last.
    clip_norm, clip_value : float, optional
        Gradient clipping by global norm / by value.
    tbptt : int, optional
        Truncated BPTT window.
    val : (seqs, targets), optional
        Validation data; with ``patience`` it drives early stopping, and the
        model ends with the weights of its best validation epoch.
    patience : int, optional
        Epochs without validation improvement before stopping.
    seed : int, optional
        Seeds the shuffling; epoch ``e`` uses ``default_rng([seed, e])``, so a
        run resumed at any epoch shuffles exactly as an uninterrupted one.
        When resuming, it may be left out (the checkpoint's is used).
    callbacks : sequence of callables
        Called as ``cb(epoch, logs)`` after every epoch with ``logs`` holding
        ``loss``, ``val_loss``, ``grad_norm`` and ``grads`` (last batch, before
        clipping, so diagnostics see what BPTT produced); a
        callback returning True stops training (``History.stopped_early``).
        A callback with ``state_dict()`` and ``load_state_dict(state)``
        methods is *stateful*: with ``checkpoint``, its state at the end of
        each saved epoch is stored (arrays as tensors, the rest as JSON), and
        ``resume`` gives it back before training goes on, so a callback that
        keeps its own early-stopping state resumes exactly too.
    checkpoint : str or path-like, optional
        A directory (see :func:`unrolled.storage.checkpoints.save_checkpoint`) that
        receives the model, the optimizer's state, the epoch, the history and
        the early-stopping state every ``checkpoint_every`` epochs, after the
        last epoch, when training stops early, and on Ctrl-C. Each save is
        atomic, so the directory always holds one complete checkpoint. It is
        also a model directory that :func:`unrolled.load_model` reads.
    checkpoint_every : int
        Epochs between checkpoints.
    resume : str or path-like, optional
        A checkpoint directory to continue from: the model's weights, the
        optimizer, the history and the early-stopping state are restored and
        training goes on at the next epoch. With the same arguments and data
        it ends with exactly the weights of an uninterrupted run; different
        training arguments, seed, data or model configuration are refused.
        ``epochs`` may be raised to train longer.
    metadata : dict, optional
        JSON data stored with the model in each checkpoint (e.g. scalers).

    Returns
    -------
    History
        The whole run's, including the epochs done before a resume.

    Raises
    ------
    TrainingError
        When the loss or a gradient becomes non-finite; the message names the
        epoch and the parameter, the model keeps its last finite weights and
        the last checkpoint on disk is left as it was (the message names it).
    TrainingInterrupted
        A ``KeyboardInterrupt`` raised on Ctrl-C when ``checkpoint`` is given,
        after the last completed epoch has been saved there; its message says
        where. Without ``checkpoint``, Ctrl-C propagates unchanged.
    ValueError
        On bad arguments or data, a ``resume`` checkpoint that does not match
        them, or a run that would need more memory than is available
        (:class:`unrolled.engine.sizing.ResourceLimitError`).
    unrolled.storage.models.ModelFileError
        When the ``resume`` checkpoint is missing or damaged.
    """
    epochs = check_positive_int("epochs", epochs)
    checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
    if patience is not None:
        patience = check_positive_int("patience", patience)
    seqs, targets = list(seqs), list(targets)
    n = len(seqs)
    bs = n if batch_size is None else check_positive_int("batch_size", batch_size)
    opt = make_optimizer(optimizer, lr)
    data_sha = data_fingerprint(model, seqs, targets, per_step, val)
    _check_memory(model, seqs, min(bs, n))
    settings = {
        "optimizer": optimizer,
        "lr": lr,
        "batch_size": batch_size,
        "per_step": per_step,
        "clip_norm": clip_norm,
        "clip_value": clip_value,
        "tbptt": tbptt,
        "patience": patience,
        "n_train": n,
        "validation": val is not None,
    }
    stopper = EarlyStopping(model, patience if val is not None else None)
    stateful = [cb for cb in callbacks if is_stateful(cb)]
    if resume is not None:
        opt, seed, hist, start = _resume(resume, model, settings, seed, data_sha,
                                         stopper, stateful)  # fmt: skip
        start = epochs if hist.stopped_early else start
    else:
        seed = int(np.random.default_rng().integers(2**31)) if seed is None else seed
        hist, start = History(seed=seed), 0
    writer = None
    if checkpoint is not None:
        header = {"seed": seed, "data_sha256": data_sha, "fit": settings}
        writer = CheckpointWriter(checkpoint, checkpoint_every, model, opt, stopper,
                                  stateful, header=header, validation=val is not None,
                                  metadata=metadata)  # fmt: skip
        writer.snapshot(start - 1, hist)
    steps = Steps(model, opt, seqs, targets, bs, per_step=per_step, tbptt=tbptt,
                  clip_norm=clip_norm, clip_value=clip_value)  # fmt: skip
    epoch = start
    try:
        for epoch in range(start, epochs):
            logs = steps.epoch(epoch, seed)
            hist.loss.append(logs["loss"])
            hist.grad_norm.append(logs["grad_norm"])
            if val is not None:
                logs["val_loss"] = model.loss(val[0], val[1], per_step=per_step)
                hist.val_loss.append(logs["val_loss"])
                if stopper.update(logs["val_loss"], epoch):
                    hist.best_epoch = epoch
            else:
                hist.best_epoch = epoch
            stop = any(cb(epoch, logs) for cb in callbacks) or stopper.should_stop
            hist.stopped_early = stop  # a resumed run must not train on
            if writer is not None:
                writer.end_of_epoch(epoch, hist, final=stop or epoch == epochs - 1)
            if stop:
                break
    except KeyboardInterrupt:
        if writer is None:
            raise
        raise writer.interrupted(epoch) from None
    except TrainingError as exc:
        saved = writer.saved_epoch if writer is not None else None
        if saved is None and resume is None:
            raise
        where = f"{checkpoint} (epoch {saved})" if saved is not None else f"{resume}"
        raise TrainingError(f"{exc}; the last good checkpoint is in {where}") from None
    finally:
        model.release_memory()  # the tape buffers reused from step to step
    if val is not None:
        model.load_state_dict(stopper.weights)
    return hist


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


class Steps:
    """One epoch of BPTT steps: shuffled minibatches, clipping, the finite guard.

    Sequences are validated once; a single full batch is packed once too.
    Epoch ``e`` shuffles with ``default_rng([seed, e])``, so a resumed run
    shuffles exactly as an uninterrupted one.
    """

    def __init__(self, model, opt, seqs, targets, batch_size, **options):
        self.model, self.opt, self.targets = model, opt, targets
        self.bs, self.options = batch_size, options
        self.arrays = check_sequences(seqs, model.input_size, model.dtype)
        self.whole = pack(self.arrays, model.dtype) if batch_size >= len(seqs) else None

    def epoch(self, epoch: int, seed: int) -> dict:
        """Train one epoch; logs ``loss`` (SSR), ``grad_norm`` (mean), ``grads``."""
        n, bs = len(self.arrays), self.bs
        perm = np.random.default_rng([seed, epoch]).permutation(n) if bs < n else None
        total, norms, grads = 0.0, [], {}
        for begin in range(0, n, bs):
            idx = perm[begin : begin + bs] if perm is not None else np.arange(n)
            loss, grads = self.step(epoch, idx)
            norms.append(
                float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
            )
            total += loss
        return {"loss": total, "grad_norm": float(np.mean(norms)), "grads": grads}

    def step(self, epoch: int, idx) -> tuple[float, dict]:
        """One gradient step on the sequences ``idx``: (SSR, unclipped gradients)."""
        model, o = self.model, self.options
        batch = self.whole
        if batch is None:
            batch = pack([self.arrays[i] for i in idx], model.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # the guard reports
            loss, grads = model.loss_and_grads(
                batch, [self.targets[i] for i in idx],
                per_step=o["per_step"], tbptt=o["tbptt"],
            )  # fmt: skip
        _check_finite(epoch, loss, grads)
        clipped = clip_grads(grads, o["clip_norm"], o["clip_value"])
        good = model.state_dict()
        self.opt.step(model.params, clipped)
        if not all(np.all(np.isfinite(p)) for p in model.params.values()):
            model.params = good
            raise TrainingError(
                f"training stopped at epoch {epoch}: a step made the weights "
                "non-finite; try a smaller lr or clip_norm="
            )
        return loss, grads


def _check_finite(epoch: int, loss: float, grads: dict[str, np.ndarray]) -> None:
    """Raise TrainingError naming the epoch and the first non-finite quantity."""
    if not np.isfinite(loss):
        raise TrainingError(f"training stopped at epoch {epoch}: the loss is {loss}")
    for name, g in grads.items():
        if not np.all(np.isfinite(g)):
            raise TrainingError(
                f"training stopped at epoch {epoch}: the gradient of {name!r} is not "
                "finite (exploding gradients; try clip_norm=, a smaller lr or tbptt=)"
            )
