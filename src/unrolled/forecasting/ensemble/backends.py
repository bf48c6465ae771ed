"""Where the independent pieces of a forecast run: here, or as Ray tasks.

A backend has one operation, :meth:`map`: call a function on every item and
return the results in the order of the items. :class:`LocalBackend` does it
in this process; :class:`RayBackend` runs each call as a Ray task
(``pip install 'unrolled[ray]'``), on a local Ray started for the run
(``ray.init(num_cpus=...)``) or on an existing cluster (``address``). The
forecaster hands it the configurations of one stage of its search
(:func:`.search.run_stage`);
each task carries the seed and the kernel decisions of this process
(:func:`kernel_state`), so its numbers are those of the local run.

:func:`data_parallel_fit` trains one global model over Ray actors: each
holds a shard of the sequences and returns the SSR (or Huber's loss) and
BPTT gradients of its shard (``loss_and_grads``); the driver adds them in
shard order and steps the optimizer. The loss is a sum, so the weights
equal those of one process computing the whole batch, to rounding.

Failures are the user's to fix, in one line: Ray missing (``ValueError``,
how to install), an unreachable ``address`` or a worker that dies twice on
the same task (``ConnectionError``; Ray retries a lost task once).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

import numpy as np

from ...errors import InputError
from ..progress import note, stage

BACKENDS = ("local", "ray")
INSTALL = "pip install 'unrolled[ray]'"
RETRIES = 1  # a task whose worker died runs once more, then the run fails


def kernel_state() -> dict:
    """The compiled-path decisions of this process, to replay in a worker."""
    from ...engine.dispatch import backend

    return {"mode": backend.resolved(), "ready": dict(backend.ready_keys)}


def apply_kernel_state(state: dict) -> None:
    """Take the driver's decisions (see :func:`kernel_state`) in a worker."""
    from ...engine.dispatch import backend

    backend.mode, backend.first_run = state["mode"], "wait"
    backend.ready_keys.update(state["ready"])


def _call(fn, item, state):
    """What a Ray task runs: the driver's kernel decisions, then ``fn(item)``."""
    apply_kernel_state(state)
    return fn(item)


class LocalBackend:
    """Everything in this process, one item after the other."""

    name = "local"

    def map(self, fn: Callable, items: Iterable) -> list:
        """``[fn(x) for x in items]``."""
        return [fn(x) for x in items]

    def close(self) -> None:
        """Nothing to release."""


class RayBackend:
    """Each item a Ray task; a local Ray for the run, or a cluster's.

    Parameters
    ----------
    address : str, optional
        ``host:port`` of a running cluster (``ray start --head``), or
        ``"auto"``; None starts a local Ray for this backend.
    num_cpus : int
        CPUs of the local Ray (ignored with ``address``).
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int = 2):
        ray = import_ray()
        if address not in (None, "auto") and not address.startswith("ray://"):
            check_reachable(address)
        self.started = not ray.is_initialized()  # else: use the Ray already up
        if self.started:
            stage(
                f"starting Ray ({f'connecting to {address}' if address else 'local'})"
            )
            kw = {"address": address} if address else {"num_cpus": num_cpus}
            try:
                ray.init(**kw, include_dashboard=False, log_to_driver=False,
                         logging_level="ERROR")  # fmt: skip
            except (ConnectionError, RuntimeError, TimeoutError) as exc:
                raise ConnectionError(
                    f"address {address!r}: cannot connect to Ray ({exc})"
                ) from None
        self.ray = ray
        self.remote = ray.remote(max_retries=RETRIES)(_call)

    def map(self, fn: Callable, items: Iterable) -> list:
        """``fn(x)`` for every item as Ray tasks; results in item order."""
        state = self.ray.put(kernel_state())
        refs = [self.remote.remote(fn, x, state) for x in items]
        return self.get(refs)

    def get(self, refs):
        """``ray.get``; a lost worker (after its retry) becomes ConnectionError."""
        from ray.exceptions import RayActorError, WorkerCrashedError

        try:
            pending = list(refs)
            while len(refs) > 1 and pending:  # say each task as it finishes
                _, pending = self.ray.wait(pending, num_returns=1)
                note(f"{len(refs) - len(pending)} of {len(refs)} Ray tasks done")
            return self.ray.get(refs)
        except (WorkerCrashedError, RayActorError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ConnectionError(
                f"backend 'ray': a worker died and its task failed again after "
                f"{RETRIES} retry ({type(exc).__name__}{': ' if first else ''}"
                f"{first[:120]})"
            ) from None

    def close(self) -> None:
        """Shut down the Ray this backend started (a cluster is left running)."""
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()


def import_ray():
    """``import ray``, or a ValueError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError(
            f"backend 'ray': Ray is not installed; install it with: {INSTALL}"
        ) from None
    return ray


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """ConnectionError naming ``address`` unless a TCP connection opens there."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"address: expected host:port, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(
            f"address {address!r}: no Ray cluster reachable there ({exc})"
        ) from None


def make_backend(backend="local", address: str | None = None):
    """A backend from its name (``"local"``, ``"ray"``) or a backend object."""
    if not isinstance(backend, str):
        return backend
    if backend not in BACKENDS:
        raise InputError(
            f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}"
        )
    if backend == "local":
        if address is not None:
            raise InputError("address: only with backend='ray'")
        return LocalBackend()
    return RayBackend(address)


def decide_kernels(cell: str, hiddens) -> None:
    """Decide here, as a local run would, which path each layer's kernels take.

    The tasks replay these decisions (:func:`kernel_state`), so a cold cache
    cannot make their numbers differ from those of this process.
    """
    from ...engine.dispatch import backend as kernels
    from ...engine.dispatch import kernel_key

    if kernels.resolved() == "auto" and not kernels.broken:
        for hidden in hiddens:
            kernels.ready(kernel_key(cell, np.float64, hidden))


# --------------------------------------------------- data-parallel training
class ShardWorker:
    """One shard of the sequences and a copy of the network (a Ray actor)."""

    def __init__(self, config: dict, seqs, targets, state: dict):
        from ...engine.network import build_model

        apply_kernel_state(state)
        self.model = build_model(config)
        self.seqs, self.targets = seqs, targets

    def loss_and_grads(self, weights: dict, per_step: bool, huber=None):
        """SSR (or Huber's loss) and gradients of this shard at ``weights``."""
        self.model.load_state_dict(weights)
        return self.model.loss_and_grads(
            self.seqs, self.targets, per_step=per_step, huber=huber
        )


def shard_bounds(n: int, shards: int) -> list[tuple[int, int]]:
    """Contiguous, nearly equal (start, stop) of ``shards`` shards of ``n`` items."""
    cuts = np.linspace(0, n, min(shards, n) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def data_parallel_fit(
    model, seqs, targets, *, epochs: int, lr: float, shards: int = 2,
    backend: LocalBackend | RayBackend | None = None, per_step: bool = True,
    huber: float | None = None,
) -> list[float]:  # fmt: skip
    """Full-batch Adam on ``model``, the gradient summed over shards.

    Parameters
    ----------
    model : RNN, LSTM or GRU
        Trained in place; its ``config()`` builds the workers' copies.
    seqs, targets : lists
        As for ``model.loss_and_grads``; cut into ``shards`` contiguous shards.
    epochs : int
        Optimizer steps (one per pass over all shards).
    lr : float
        Adam learning rate.
    shards : int
        Number of shards (Ray actors with a Ray backend).
    backend : LocalBackend or RayBackend, optional
        Ray: one actor per shard; local (default): the shards in this process.
    per_step : bool
        Per-step targets (as the forecaster trains) or one per sequence.
    huber : float, optional
        Huber's loss with this ``delta`` instead of the SSR (as :func:`fit`).

    Returns
    -------
    list of float
        The SSR (or Huber's loss) at the start of every epoch.
    """
    from ...engine.losses import check_huber
    from ...engine.optim import Adam

    huber = check_huber(huber)
    parts = [(seqs[a:b], targets[a:b]) for a, b in shard_bounds(len(seqs), shards)]
    state = kernel_state()
    if isinstance(backend, RayBackend):
        actor = backend.ray.remote(max_restarts=RETRIES, max_task_retries=RETRIES)(
            ShardWorker
        )
        workers = [actor.remote(model.config(), s, t, state) for s, t in parts]

        def gather(weights):
            ref = backend.ray.put(weights)
            calls = [w.loss_and_grads.remote(ref, per_step, huber) for w in workers]
            return backend.get(calls)
    else:
        workers = [ShardWorker(model.config(), s, t, state) for s, t in parts]

        def gather(weights):
            return [w.loss_and_grads(weights, per_step, huber) for w in workers]

    opt, losses = Adam(lr), []
    for _ in range(epochs):
        results = gather(model.state_dict())
        total, grads = 0.0, {}
        for loss, g in results:  # in shard order: the same sum every run
            total += loss
            for k, v in g.items():
                grads[k] = grads[k] + v if k in grads else np.array(v, copy=True)
        losses.append(total)
        opt.step(model.params, grads)
    return losses
