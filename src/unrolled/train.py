"""The fit loop: epochs, minibatches, clipping, early stopping, non-finite guard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_positive_int
from .optim import clip_grads, make_optimizer


class TrainingError(RuntimeError):
    """Training cannot go on (a non-finite loss or gradient); the message says where."""


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
) -> History:
    """Train ``model`` in place by BPTT and gradient descent on the SSR.

    Parameters
    ----------
    model : RNN, LSTM or GRU
    seqs, targets : as for ``model.loss_and_grads``.
    epochs : int
        Passes over the training sequences.
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
    callbacks : sequence of callables
        Called as ``cb(epoch, logs)`` after every epoch with ``logs`` holding
        ``loss``, ``val_loss``, ``grad_norm`` and ``grads`` (last batch); a
        callback returning True stops training.

    Returns
    -------
    History

    Raises
    ------
    TrainingError
        When the loss or a gradient becomes non-finite; the message names the
        epoch and the parameter, and the model keeps its last finite weights.
    """
    epochs = check_positive_int("epochs", epochs)
    if patience is not None:
        patience = check_positive_int("patience", patience)
    seqs, targets = list(seqs), list(targets)
    n = len(seqs)
    bs = n if batch_size is None else check_positive_int("batch_size", batch_size)
    opt = make_optimizer(optimizer, lr)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    hist = History(seed=seed)
    best, best_loss, wait = model.state_dict(), np.inf, 0
    for epoch in range(epochs):
        perm = (
            np.random.default_rng([seed, epoch]).permutation(n)
            if bs < n
            else np.arange(n)
        )
        total, norms = 0.0, []
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            with np.errstate(over="ignore", invalid="ignore"):  # the guard reports
                loss, grads = model.loss_and_grads(
                    [seqs[i] for i in idx],
                    [targets[i] for i in idx],
                    per_step=per_step,
                    tbptt=tbptt,
                )
            _check_finite(epoch, loss, grads)
            norms.append(
                float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
            )
            grads = clip_grads(grads, clip_norm, clip_value)
            good = model.state_dict()
            opt.step(model.params, grads)
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
        if patience is not None and val is not None and wait >= patience:
            hist.stopped_early = True
            stop = True
        if stop:
            break
    if val is not None:
        model.load_state_dict(best)
    return hist
