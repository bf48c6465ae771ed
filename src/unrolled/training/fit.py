"""The fit loop: epochs, minibatches, clipping, early stopping, non-finite guard,
checkpoints and exact resume."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..engine.optim import clip_grads, make_optimizer
from ..engine.packing import pack
from ..engine.validate import check_positive_int, check_sequences
from ..errors import TrainingError, TrainingInterrupted
from ..storage.checkpoints import data_fingerprint, resume_state


@dataclass
class History:
    """What a call to :func:`fit` did, epoch by epoch."""

    loss: list[float] = field(default_factory=list)  # training SSR per epoch
    val_loss: list[float] = field(default_factory=list)  # validation SSR per epoch
    grad_norm: list[float] = field(default_factory=list)  # mean global norm per epoch
    best_epoch: int = -1  # epoch whose weights the model holds at the end
    stopped_early: bool = False
    seed: int = 0  # the seed that drove the shuffling (drawn if none was given)


def _check_finite(epoch: int, loss: float, grads: dict[str, np.ndarray]) -> None:
    """Raise TrainingError naming the epoch and the first non-finite quantity."""
    if not np.isfinite(loss):
        raise TrainingError(f"training stopped at epoch {epoch}: the loss is {loss}")
    for name, g in grads.items():
        if not np.all(np.isfinite(g)):
            raise TrainingError(
                f"training stopped at epoch {epoch}: the gradient of {name!r} is not "
                "finite (exploding gradients; try --clip, a smaller --lr or --tbptt)"
            )


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
        A directory (see :func:`unrolled.persist.save_checkpoint`) that
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
        (:class:`unrolled.limits.ResourceLimitError`).
    unrolled.persist.ModelFileError
        When the ``resume`` checkpoint is missing or damaged.
    """
    from ..engine.sizing import check_training_memory

    epochs = check_positive_int("epochs", epochs)
    checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
    if patience is not None:
        patience = check_positive_int("patience", patience)
    seqs, targets = list(seqs), list(targets)
    n = len(seqs)
    bs = n if batch_size is None else check_positive_int("batch_size", batch_size)
    opt = make_optimizer(optimizer, lr)
    data_sha = data_fingerprint(model, seqs, targets, per_step, val)
    longest = max(len(s) for s in seqs)
    check_training_memory(
        model.cell_type,
        model.hidden_size,
        model.num_layers,
        longest,
        min(bs, n),
        model.input_size,
        model.output_size,
        model.dtype.name,
    )
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
    best, best_loss, wait, start = model.state_dict(), np.inf, 0, 0
    stateful = [cb for cb in callbacks if _is_stateful(cb)]
    if resume is not None:
        opt, seed, state, done, saved_best = resume_state(
            resume, model, settings, seed, data_sha
        )
        _restore_callbacks(resume, stateful, state)
        hist = History(**state["history"])
        best = saved_best or best
        best_loss = state["best_loss"] if state["best_loss"] is not None else np.inf
        wait, start = state["wait"], done + 1
        if hist.stopped_early:
            start = epochs
    else:
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31))
        hist = History(seed=seed)

    def snapshot(epoch: int) -> dict:
        """Everything a checkpoint of the end of ``epoch`` holds, copied."""
        extra = {
            "seed": seed,
            "data_sha256": data_sha,
            "fit": settings,
            "history": asdict(hist),
            "best_loss": None if np.isinf(best_loss) else float(best_loss),
            "wait": wait,
            "callbacks": [],
        }
        tensors = {}
        if val is not None:
            tensors = {f"best.{k}": v.copy() for k, v in best.items()}
        for k, cb in enumerate(stateful):
            doc = {}
            for name, v in cb.state_dict().items():
                if isinstance(v, np.ndarray):
                    tensors[f"cb{k}.{name}"] = v.copy()
                else:
                    doc[name] = copy.deepcopy(v)
            extra["callbacks"].append(doc)
        opt_state = {k: np.array(v) for k, v in opt.state_dict().items()}
        return dict(
            epoch=epoch,
            params=model.state_dict(),
            opt=opt_state,
            extra=extra,
            tensors=tensors,
        )

    def save(snap: dict) -> None:
        """Write a snapshot to the checkpoint directory (atomically)."""
        from ..storage.checkpoints import save_checkpoint

        current, model.params = model.params, snap["params"]
        keep = opt.state_dict()
        try:
            opt.load_state_dict(snap["opt"])
            save_checkpoint(
                checkpoint,
                model,
                opt,
                snap["epoch"],
                snap["extra"],
                snap["tensors"],
                metadata,
            )
        finally:
            model.params = current
            opt.load_state_dict(keep)

    last = snapshot(start - 1) if checkpoint is not None else None
    saved_epoch = None  # the epoch whose checkpoint is on disk
    epoch = start
    arrays = check_sequences(seqs, model.input_size, model.dtype)  # once, not per batch
    whole = pack(arrays, model.dtype) if bs >= n else None  # one full batch: pack once
    try:
        for epoch in range(start, epochs):
            perm = (
                np.random.default_rng([seed, epoch]).permutation(n)
                if bs < n
                else np.arange(n)
            )
            total, norms = 0.0, []
            for begin in range(0, n, bs):
                idx = perm[begin : begin + bs]
                batch = (
                    whole
                    if whole is not None
                    else pack([arrays[i] for i in idx], model.dtype)
                )
                with np.errstate(over="ignore", invalid="ignore"):  # the guard reports
                    loss, grads = model.loss_and_grads(
                        batch,
                        [targets[i] for i in idx],
                        per_step=per_step,
                        tbptt=tbptt,
                    )
                _check_finite(epoch, loss, grads)
                norms.append(
                    float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
                )
                clipped = clip_grads(grads, clip_norm, clip_value)
                good = model.state_dict()
                opt.step(model.params, clipped)
                if not all(np.all(np.isfinite(p)) for p in model.params.values()):
                    model.params = good
                    raise TrainingError(
                        f"training stopped at epoch {epoch}: a step made "
                        "the weights non-finite; try a smaller --lr or --clip"
                    )
                total += loss
            hist.loss.append(total)
            hist.grad_norm.append(float(np.mean(norms)))
            logs = {"loss": total, "grad_norm": hist.grad_norm[-1], "grads": grads}
            if val is not None:
                vloss = model.loss(val[0], val[1], per_step=per_step)
                hist.val_loss.append(vloss)
                logs["val_loss"] = vloss
                if vloss < best_loss:
                    best, best_loss, wait, hist.best_epoch = (
                        model.state_dict(),
                        vloss,
                        0,
                        epoch,
                    )
                else:
                    wait += 1
            else:
                hist.best_epoch = epoch
            stop = any(cb(epoch, logs) for cb in callbacks)
            hist.stopped_early = stop  # a resumed run must not train on
            if patience is not None and val is not None and wait >= patience:
                hist.stopped_early = True
                stop = True
            if checkpoint is not None:
                last = snapshot(epoch)
                if stop or (epoch + 1) % checkpoint_every == 0 or epoch == epochs - 1:
                    save(last)
                    saved_epoch = epoch
            if stop:
                break
    except KeyboardInterrupt:
        if checkpoint is None:
            raise
        if saved_epoch != last["epoch"]:
            save(last)
        done = last["epoch"]
        what = f"epoch {done}" if done >= 0 else "the starting state (no epoch done)"
        raise TrainingInterrupted(
            f"interrupted during epoch {epoch}; the checkpoint of {what} is in "
            f"{checkpoint} (continue with --resume {checkpoint})",
            Path(checkpoint),
            done,
        ) from None
    except TrainingError as exc:
        if saved_epoch is None and resume is None:
            raise
        where = (
            f"{checkpoint} (epoch {saved_epoch})"
            if saved_epoch is not None
            else (f"{resume}")
        )
        raise TrainingError(f"{exc}; the last good checkpoint is in {where}") from None
    finally:
        model.release_memory()  # the tape buffers reused from step to step
    if val is not None:
        model.load_state_dict(best)
    return hist


def _is_stateful(cb) -> bool:
    """Whether a callback keeps state that a checkpoint must carry."""
    return callable(getattr(cb, "state_dict", None)) and callable(
        getattr(cb, "load_state_dict", None)
    )


def _restore_callbacks(resume, stateful: list, state: dict) -> None:
    """Give each stateful callback its state from the checkpoint, in order."""
    from ..errors import ModelFileError

    docs = state.get("callbacks", [])
    tensors = state.get("tensors", {})
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise ModelFileError(f"{resume}: the callbacks' state is damaged")
    if len(docs) != len(stateful):
        raise ValueError(
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
