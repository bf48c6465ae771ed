"""RNN, LSTM and GRU models: parameters under PyTorch's names, unroll, head, BPTT.

Every model is a stack of recurrent layers followed by a linear head that
turns the top hidden state of every copy into a prediction. Unrolling over a
sequence of length T makes T copies that share every weight and bias, so the
parameter count never depends on T.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..errors import InputError
from .cells import DEFAULT_NONLINEARITY, make_cell
from .lastonly import layer_last
from .layers import layer_backward, layer_forward
from .losses import check_huber, residual_loss
from .packing import Packed, PackedTargets, pack, pack_targets
from .validate import check_dtype, check_positive_int, check_sequences, check_targets
from .workspace import Workspace

#: workspaces a network keeps besides its own for passes run at the same time
SPARE_WORKSPACES = 3


class Recurrent:
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`.

    The parameters are those of :class:`RNN`, less ``nonlinearity``.
    """

    cell_type = "rnn"
    nonlinearity = None  # RNN sets its own; the gated cells have fixed ones

    def __init__(
        self,
        input_size: int = 1,
        hidden_size: int = 1,
        num_layers: int = 1,
        output_size: int = 1,
        dtype: str = "float64",
        seed: int | None = None,
    ):
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        self.output_size = check_positive_int("output_size", output_size)
        self.dtype = check_dtype(dtype)
        self.seed = seed
        self.cell = make_cell(self.cell_type, self.nonlinearity)
        self.params = self._init_params(np.random.default_rng(seed))

    # ----------------------------------------------------------------- parameters
    def _shapes(self) -> dict[str, tuple[int, ...]]:
        """Name -> shape of every parameter, PyTorch's names and order."""
        G, H = self.cell.gates * self.hidden_size, self.hidden_size
        shapes = {}
        for k in range(self.num_layers):
            inp = self.input_size if k == 0 else H
            shapes[f"weight_ih_l{k}"] = (G, inp)
            shapes[f"weight_hh_l{k}"] = (G, H)
            shapes[f"bias_ih_l{k}"] = (G,)
            shapes[f"bias_hh_l{k}"] = (G,)
        shapes["head.weight"] = (self.output_size, H)
        shapes["head.bias"] = (self.output_size,)
        return shapes

    def _init_params(self, rng) -> dict[str, np.ndarray]:
        """PyTorch's initialisation: U(-1/sqrt(H), 1/sqrt(H)) for every parameter."""
        k = 1.0 / np.sqrt(self.hidden_size)
        return {
            name: rng.uniform(-k, k, size=shape).astype(self.dtype)
            for name, shape in self._shapes().items()
        }

    def state_dict(self) -> dict[str, np.ndarray]:
        """Return a copy of every parameter, keyed by PyTorch's names.

        Returns
        -------
        dict
            ``weight_ih_l{k}`` (G*H, I), ``weight_hh_l{k}`` (G*H, H),
            ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,), ``head.weight`` (O, H) and
            ``head.bias`` (O,), where G is 1 (RNN), 4 (LSTM) or 3 (GRU).
        """
        return {name: p.copy() for name, p in self.params.items()}

    def load_state_dict(self, state: dict) -> Recurrent:
        """Load parameters (NumPy arrays or anything array-like, e.g. torch tensors).

        Raises
        ------
        ValueError
            On a missing, unexpected, mis-shaped or non-finite entry, naming it.
        """
        shapes = self._shapes()
        if not hasattr(state, "keys"):
            raise InputError(
                f"state: expected a dict of arrays, got {type(state).__name__}"
            )
        missing = [k for k in shapes if k not in state]
        extra = [k for k in state if k not in shapes]
        if missing:
            raise InputError(f"state: missing key(s) {missing}")
        if extra:
            raise InputError(
                f"state: unexpected key(s) {extra}; expected {list(shapes)}"
            )
        new = {}
        for name, shape in shapes.items():
            v = state[name]
            if hasattr(v, "detach"):  # a torch tensor
                v = v.detach().cpu().numpy()
            a = np.array(v, dtype=self.dtype)
            if a.shape != shape:
                raise InputError(
                    f"state[{name!r}]: expected shape {shape}, got {a.shape}"
                )
            if not np.all(np.isfinite(a)):
                raise InputError(
                    f"state[{name!r}]: expected finite values, got NaN or inf"
                )
            new[name] = a
        self.params = new
        return self

    def num_parameters(self) -> int:
        """Number of trainable scalars; it does not depend on any sequence length."""
        return int(sum(p.size for p in self.params.values()))

    def config(self) -> dict:
        """The constructor arguments, as plain data."""
        cfg = {
            "cell": self.cell_type,
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "output_size": self.output_size,
            "dtype": self.dtype.name,
        }
        if self.cell_type == "rnn":
            cfg["nonlinearity"] = self.nonlinearity
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "cell")
        return f"{type(self).__name__}({args})"

    # -------------------------------------------------------------------- forward
    def _layer(self, k: int):
        """The four parameters of layer ``k``."""
        p = self.params
        return (
            p[f"weight_ih_l{k}"],
            p[f"weight_hh_l{k}"],
            p[f"bias_ih_l{k}"],
            p[f"bias_hh_l{k}"],
        )

    def release_memory(self) -> None:
        """Free the tape memory kept between training steps (``fit`` does, at its end).

        The tapes of a last-step loss (each layer's hidden states and gates,
        for every copy) reuse the same buffers from one call to the next, so
        a step after the first touches no new memory; they stay reserved
        until this call or the model's end.
        """
        self.__dict__.pop("_workspace", None)
        self.__dict__.pop("_spare_workspaces", None)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_workspace", None)  # buffers, not state: copies start without
        state.pop("_spare_workspaces", None)
        return state

    @contextmanager
    def _tape_memory(self, last_only: bool):
        """The workspace for one step's tapes, or None (fresh zeros).

        Only a last-step loss or prediction takes it: nothing then reads a
        tape's rows past a sequence's end, which hold the step before's values.
        The head of a per-step loss reads every row, so it gets fresh zeros.
        A second thread while one step holds the workspace takes a spare one
        (kept too, up to :data:`SPARE_WORKSPACES`; beyond them fresh zeros):
        passes run side by side (``forecasting.models.chunks``) each keep
        their own.
        """
        if not last_only:
            yield None
            return
        ws = self.__dict__.get("_workspace")
        if ws is None:
            ws = self._workspace = Workspace()
        if not ws.acquire():
            ws = self._spare_workspace()
        if ws is None:
            yield None
            return
        try:
            yield ws
        finally:
            ws.release()

    def _spare_workspace(self):
        """A spare workspace, acquired; None when all :data:`SPARE_WORKSPACES`
        are held."""
        spares = self.__dict__.setdefault("_spare_workspaces", [])
        for ws in spares:
            if ws.acquire():
                return ws
        if len(spares) >= SPARE_WORKSPACES:
            return None
        ws = Workspace()
        ws.acquire()
        spares.append(ws)  # atomic under the GIL
        return ws

    def _forward(self, packed: Packed, last_only: bool = False, workspace=None):
        """Unroll every layer, then the head: ``Y`` and the layers' tapes.

        ``Y`` is every copy's output, (T, B, O), or with ``last_only`` only each
        sequence's last copy's, (B, O): the head then touches B rows, not T*B.
        ``workspace`` (from :meth:`_tape_memory`) holds the tapes' arrays.
        """
        tapes, X = [], packed.data
        for k in range(self.num_layers):
            ws = None if workspace is None else (workspace, k)
            tape = layer_forward(
                self.cell, X, packed.batch_sizes, *self._layer(k), workspace=ws
            )
            tapes.append(tape)
            X = tape.H
        if last_only:
            X = X[packed.last_index()]  # (B, H) each sequence's last copy
        return X @ self.params["head.weight"].T + self.params["head.bias"], tapes

    def _last(self, packed: Packed, workspace=None):
        """``_forward(packed, last_only=True)[0]`` keeping no tape for the
        last layer where the engine can (:func:`.lastonly.layer_last`): the
        same (B, O) outputs, bit for bit."""
        X, top, bs = packed.data, self.num_layers - 1, packed.batch_sizes
        ws = [None if workspace is None else (workspace, k) for k in range(top + 1)]
        for k in range(top):
            X = layer_forward(self.cell, X, bs, *self._layer(k), workspace=ws[k]).H
        h = layer_last(self.cell, X, bs, packed.last_index(), *self._layer(top),
                       workspace=ws[top])  # fmt: skip
        return h @ self.params["head.weight"].T + self.params["head.bias"]

    def _pack(self, seqs) -> Packed:
        """Validate and pack a ragged batch; a :func:`pack_batch` result as it is."""
        if isinstance(seqs, Packed):
            if seqs.data.dtype != self.dtype or seqs.input_size != self.input_size:
                raise ValueError(
                    f"seqs: packed as {seqs.data.dtype} with input_size "
                    f"{seqs.input_size}, but the model is {self.dtype} with "
                    f"input_size {self.input_size}"
                )
            return seqs
        return pack(check_sequences(seqs, self.input_size, self.dtype), self.dtype)

    def predict(self, seqs, all_steps: bool = False):
        """Predict the next value after each sequence.

        Parameters
        ----------
        seqs : list of array-like or Packed
            Sequences of any lengths, each ``(T_i,)`` or ``(T_i, input_size)``,
            oldest value first; or a batch packed once by
            :func:`~unrolled.pack_batch` (validated there, not again).
        all_steps : bool
            If True, return every copy's output instead of the last one: entry
            ``t`` of sequence ``i`` is the prediction for the value after step
            ``t`` (the lesson's "predicted value for yesterday, for today").

        Returns
        -------
        ndarray or list of ndarray
            ``(B,)`` (``(B, O)`` if ``output_size > 1``) last-step predictions,
            or, with ``all_steps``, a list of ``(T_i,)`` (``(T_i, O)``) arrays.
        """
        packed = self._pack(seqs)
        with self._tape_memory(not all_steps) as ws:
            Y = self._last(packed, ws) if not all_steps else self._forward(packed)[0]
        squeeze = self.output_size == 1
        if all_steps:
            return [y[:, 0] if squeeze else y for y in packed.unpack(Y)]
        last = packed.unsort(Y)  # (B, O)
        return last[:, 0] if squeeze else last

    # ------------------------------------------------------------------- backward
    def loss_and_grads(
        self,
        seqs,
        targets,
        per_step: bool = False,
        tbptt: int | None = None,
        record_hidden: bool = False,
        huber: float | None = None,
    ):
        """Sum of squared residuals and its gradient for every parameter (BPTT).

        Parameters
        ----------
        seqs : list of array-like or Packed
            Ragged batch, as for :meth:`predict`.
        targets : array-like or list of array-like or PackedTargets
            With ``per_step=False``: one target per sequence, the value that
            follows it; the SSR is over the last-step predictions. With
            ``per_step=True``: for each sequence an array ``(T_i,)`` of the
            value that follows every step; the SSR is over every copy's
            prediction, which uses each sequence ``T_i`` times instead of once.
            Or, with ``seqs`` from :meth:`~.packing.Pool.batch`, the targets it
            packed with them (validated there, not again).
        tbptt : int, optional
            Truncated BPTT: gradients reach back at most ``tbptt`` copies from
            the end of each sequence (in windows of ``tbptt`` copies for
            per-step targets). ``tbptt >= T`` is full BPTT.
        record_hidden : bool
            If True, also return ``dL/dh_t`` of the top layer per sequence.
        huber : float, optional
            Huber's loss with this ``delta`` instead of the SSR: the squares
            beyond ``delta`` made linear (see :mod:`.losses`).

        Returns
        -------
        loss : float
            The SSR (or Huber's loss).
        grads : dict
            Gradients keyed like :meth:`state_dict`.
        dh : list of ndarray
            Only with ``record_hidden``: per sequence, ``(T_i, H)`` gradients.
        """
        packed = self._pack(seqs)
        keep = None
        if tbptt is not None:
            tbptt = check_positive_int("tbptt", tbptt)
            back = packed.lengths[None, :] - np.arange(packed.steps)[:, None]  # (T, B)
            keep = (back % tbptt != 0).astype(self.dtype)
        with self._tape_memory(not per_step) as ws:
            Y, tapes = self._forward(packed, not per_step, ws)
            loss, dY = self._loss(packed, Y, targets, per_step, huber)
            grads, record = self._backward(packed, tapes, dY, keep, record_hidden)
        if record_hidden:
            return loss, grads, packed.unpack(record)
        return loss, grads

    def loss(self, seqs, targets, per_step: bool = False,
             huber: float | None = None) -> float:  # fmt: skip
        """The SSR (or Huber's loss), forward only; arguments as
        :meth:`loss_and_grads`."""
        packed = self._pack(seqs)
        with self._tape_memory(not per_step) as ws:
            Y, _ = self._forward(packed, not per_step, ws)
        return self._loss(packed, Y, targets, per_step, huber)[0]

    def _loss(self, packed: Packed, Y, targets, per_step: bool, huber):
        """Validate targets; return the loss (the SSR, or Huber's with
        ``huber``) and its gradient ``dY``, shaped like Y.

        ``Y`` is (T, B, O) with per-step targets, else (B, O) last-step outputs.
        """
        if isinstance(targets, PackedTargets):  # validated and packed once
            if targets.packed is not packed or targets.per_step != per_step:
                raise InputError(
                    "targets: packed for another batch or with another per_step"
                )
            data, mask = targets.data, targets.mask
        else:
            lengths = packed.caller_lengths
            tg = check_targets(targets, lengths, self.output_size, per_step,
                               self.dtype)  # fmt: skip
            if per_step:
                data, mask = pack_targets(tg, packed), packed.mask()[:, :, None]
            else:
                data, mask = np.asarray(tg)[packed.order], None  # (B, O)
        R = Y - data if mask is None else (Y - data) * mask
        return residual_loss(R, check_huber(huber))

    def _backward(self, packed, tapes, dY, keep=None, record_hidden=False):
        """BPTT from ``dY`` through the head and every layer, top first.

        ``dY`` is (T, B, O) for per-step targets, or (B, O) when only each
        sequence's last copy feeds the loss: then only those copies' rows of
        ``dH`` are non-zero, and the head's gradients come from B rows.
        """
        p = self.params
        Htop = tapes[-1].H
        O, H = self.output_size, self.hidden_size
        W = p["head.weight"]
        d_last = None
        if dY.ndim == 2:
            last = packed.last_index()
            grads = {"head.weight": dY.T @ Htop[last], "head.bias": dY.sum(axis=0)}
            dH, d_last = None, dY @ W  # (B, H): only the last copies get one
        else:
            flat = dY.reshape(-1, O)  # (T*B, O)
            grads = {"head.weight": flat.T @ Htop.reshape(-1, H),
                     "head.bias": flat.sum(axis=0)}  # fmt: skip
            dH = (flat @ W).reshape(Htop.shape)  # (T, B, H) back through the head
        record = np.zeros_like(Htop) if record_hidden else None
        for k in range(self.num_layers - 1, -1, -1):
            top = k == self.num_layers - 1
            dH, g = layer_backward(
                self.cell,
                tapes[k],
                dH,
                packed.batch_sizes,
                *self._layer(k)[:2],
                keep=keep,
                record=record if top else None,
                d_last=d_last if top else None,
                need_dx=k > 0,
            )
            for name, v in zip(
                ("weight_ih", "weight_hh", "bias_ih", "bias_hh"), g, strict=True
            ):
                grads[f"{name}_l{k}"] = v
        grads = {name: grads[name].astype(self.dtype, copy=False) for name in p}
        return grads, record


class RNN(Recurrent):
    """Elman recurrent network with a feedback loop, stacked layers and a linear head.

    Parameters
    ----------
    input_size : int
        Features per step (1 for a price series).
    hidden_size : int
        Hidden units per layer.
    num_layers : int
        Stacked recurrent layers; layer k+1 reads layer k's hidden states.
    nonlinearity : {"relu", "tanh"}
        Activation of the hidden units. The default is relu, the StatLand
        lesson's; ``torch.nn.RNN`` defaults to tanh, so pass
        ``nonlinearity="tanh"`` to mirror it. A model file records it.
    output_size : int
        Values predicted per step by the linear head.
    dtype : {"float64", "float32"}
        Precision of parameters and arithmetic.
    seed : int, optional
        Seed for ``numpy.random.default_rng``; the initial weights follow
        PyTorch's U(-1/sqrt(H), 1/sqrt(H)).

    Examples
    --------
    >>> import unrolled
    >>> net = unrolled.RNN(hidden_size=4, seed=0)
    >>> net.predict([[0.0, 0.5, 1.0], [1.0, 0.5]]).shape
    (2,)
    """

    cell_type = "rnn"

    def __init__(
        self,
        input_size: int = 1,
        hidden_size: int = 1,
        num_layers: int = 1,
        nonlinearity: str = DEFAULT_NONLINEARITY,
        output_size: int = 1,
        dtype: str = "float64",
        seed: int | None = None,
    ):
        self.nonlinearity = nonlinearity  # read by Recurrent.__init__'s make_cell
        super().__init__(input_size, hidden_size, num_layers, output_size, dtype, seed)


class LSTM(Recurrent):
    """Long short-term memory network; same interface as :class:`RNN`.

    Gates are laid out i, f, g, o as in ``torch.nn.LSTM``.
    """

    cell_type = "lstm"


class GRU(Recurrent):
    """Gated recurrent unit network; same interface as :class:`RNN`.

    Gates are laid out r, z, n as in ``torch.nn.GRU``, with
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.
    """

    cell_type = "gru"


MODELS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def build_model(config: dict) -> Recurrent:
    """Construct a model from :meth:`Recurrent.config` output."""
    cfg = dict(config)
    cell = cfg.pop("cell", "rnn")
    if cell not in MODELS:
        raise InputError(f"cell: expected one of {sorted(MODELS)}, got {cell!r}")
    return MODELS[cell](**cfg)
