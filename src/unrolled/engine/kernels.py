"""Compiled time loops: the same arithmetic as ``cells.py`` + ``layers.py``, in Numba.

The readable path (``layers.py`` calling a cell's ``step`` once per copy) pays
the Python interpreter a few microseconds per NumPy call, and a step makes a
dozen of them: at small hidden sizes that overhead is the whole cost. Here
each layer's forward and backward is one compiled loop over time, with the
matrix products written out as loops, so a step costs only its arithmetic.

Layout and meaning are exactly those of ``layers.py``: packed time-major
``(T, B, ...)`` arrays, rows sorted longest first, ``batch_sizes[t]`` rows
active at step ``t``, zeros past each end. The ``*_fm`` kernels at the end,
for small hidden sizes, hold the same arrays feature-major, ``(T, ..., B)``.
Every formula mirrors its cell's
``step``/``step_backward`` term by term and in the same order of operations,
except that sigmoid and tanh come from the branch-free exp below (within
~1 ulp of libm's); ``tests/test_kernels.py`` pins the two paths together
(float64 to ~1e-12).

Parallelism: the rows of a batch are independent sequences, so every kernel
works on one chunk of rows ``lo:hi`` and runs its whole time loop without a
barrier per step; ``layers.py`` runs the chunks of a large batch on threads
(the kernels release the GIL). Weight gradients are summed per chunk, then
over chunks in a fixed order.

This module imports Numba; ``layers.py`` imports it lazily, on the first
compiled call, so ``import unrolled`` stays light. Compiled code is cached on
disk next to this file (``cache=True``) when that is writable, otherwise in
Numba's user cache, otherwise not at all.

One module on purpose, longer than the others: Numba's cache checks only the
source file of the function it caches, not the files of the functions it
calls, so helpers kept elsewhere could leave stale compiled kernels behind
after an edit. Here any edit recompiles every kernel.
"""

from __future__ import annotations

import math
import platform

import numba
import numpy as np
from llvmlite import ir as llvm_ir
from numba.core import types
from numba.extending import intrinsic


def _jit(inline="never"):
    """``numba.njit(cache=True, fastmath=False)``, without cache if none can be had.

    ``nogil``: ``layers.py`` runs the chunks of a large batch on threads.
    ``error_model="numpy"``: x / 0 gives inf or nan as in NumPy (the readable
    path) instead of raising; without it every division carries a branch
    that stops the loop around it from vectorizing.
    """

    def wrap(fn):
        opts = dict(fastmath=False, nogil=True, inline=inline, error_model="numpy")
        try:
            return numba.njit(cache=True, **opts)(fn)
        except RuntimeError:  # no writable cache location: compile per process
            return numba.njit(cache=False, **opts)(fn)

    return wrap


# ------------------------------------------------------------------- helpers
@intrinsic
def _madd(typingctx, a, b, c):
    """``a * b + c``: in float32 one fused multiply-add (rounded once), in
    float64 a multiply, then an add (rounded twice, as always before).

    float32 is the fast mode (bench.py's), and a fused multiply-add does the
    products of _mm in half the instructions; float64, the forecaster's and
    the parity tests' precision, keeps its numbers to the last bit. Where
    the CPU has no FMA unit, LLVM calls libm's fmaf (slow, same numbers).
    """
    if not (a == b == c and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, signature, args):
        x, y, z = args
        if signature.return_type != types.float32:
            return builder.fadd(builder.fmul(x, y), z)
        fn = builder.module.globals.get("llvm.fma.f32")
        if fn is None:
            ty = x.type
            fn = llvm_ir.Function(
                builder.module, llvm_ir.FunctionType(ty, [ty, ty, ty]), "llvm.fma.f32"
            )
        return builder.call(fn, [x, y, z])

    return a(a, b, c), codegen


@_jit()
def _mm(out, src, W, nb):
    """``out[:nb] = src[:nb] @ W``: src (nb, K), W (K, N) C-contiguous.

    Written as row updates (``out[r] += src[r, k] * W[k]``), so the inner loop
    runs along contiguous memory and vectorizes without reassociating any sum
    (each ``out[r, j]`` adds its K terms in order k = 0, 1, ...). Blocks of 4
    rows x 4 k's reuse every load of ``W`` and of ``out`` 4 times.
    """
    K, N = W.shape
    K4 = K - K % 4
    for r in range(nb):
        for j in range(N):
            out[r, j] = 0.0
    if N < 4:  # a row is too short to loop over: rows innermost, same sums
        for k in range(K):
            for j in range(N):
                w = W[k, j]
                for r in range(nb):
                    out[r, j] = _madd(src[r, k], w, out[r, j])
        return
    r = 0
    while r < nb:
        m = min(4, nb - r)  # rows in this block
        if m == 4:
            o0, o1, o2, o3 = out[r], out[r + 1], out[r + 2], out[r + 3]
            for k in range(0, K4, 4):
                a0, a1, a2, a3 = src[r, k], src[r, k + 1], src[r, k + 2], src[r, k + 3]
                b0, b1, b2, b3 = (
                    src[r + 1, k],
                    src[r + 1, k + 1],
                    src[r + 1, k + 2],
                    src[r + 1, k + 3],
                )
                c0, c1, c2, c3 = (
                    src[r + 2, k],
                    src[r + 2, k + 1],
                    src[r + 2, k + 2],
                    src[r + 2, k + 3],
                )
                d0, d1, d2, d3 = (
                    src[r + 3, k],
                    src[r + 3, k + 1],
                    src[r + 3, k + 2],
                    src[r + 3, k + 3],
                )
                W0, W1, W2, W3 = W[k], W[k + 1], W[k + 2], W[k + 3]
                for j in range(N):
                    w0, w1, w2, w3 = W0[j], W1[j], W2[j], W3[j]
                    o0[j] = _madd(
                        a3, w3, _madd(a2, w2, _madd(a1, w1, _madd(a0, w0, o0[j])))
                    )
                    o1[j] = _madd(
                        b3, w3, _madd(b2, w2, _madd(b1, w1, _madd(b0, w0, o1[j])))
                    )
                    o2[j] = _madd(
                        c3, w3, _madd(c2, w2, _madd(c1, w1, _madd(c0, w0, o2[j])))
                    )
                    o3[j] = _madd(
                        d3, w3, _madd(d2, w2, _madd(d1, w1, _madd(d0, w0, o3[j])))
                    )
            for k in range(K4, K):
                a0, b0, c0, d0 = src[r, k], src[r + 1, k], src[r + 2, k], src[r + 3, k]
                Wk = W[k]
                for j in range(N):
                    w0 = Wk[j]
                    o0[j] = _madd(a0, w0, o0[j])
                    o1[j] = _madd(b0, w0, o1[j])
                    o2[j] = _madd(c0, w0, o2[j])
                    o3[j] = _madd(d0, w0, o3[j])
        else:  # the last 1-3 rows, one at a time, 4 k's per pass
            for i in range(r, r + m):
                oi = out[i]
                for k in range(0, K4, 4):
                    a0, a1, a2, a3 = (
                        src[i, k],
                        src[i, k + 1],
                        src[i, k + 2],
                        src[i, k + 3],
                    )
                    W0, W1, W2, W3 = W[k], W[k + 1], W[k + 2], W[k + 3]
                    for j in range(N):
                        oi[j] = _madd(
                            a3,
                            W3[j],
                            _madd(a2, W2[j], _madd(a1, W1[j], _madd(a0, W0[j], oi[j]))),
                        )
                for k in range(K4, K):
                    a0, Wk = src[i, k], W[k]
                    for j in range(N):
                        oi[j] = _madd(a0, Wk[j], oi[j])
        r += m


@_jit()
def _outer_acc(dW, d, src, nb):
    """``dW += d[:nb].T @ src[:nb]``: d (nb, G), src (nb, K), dW (G, K).

    The pattern of :func:`_mm` with the roles swapped: 4 rows of ``dW`` take
    4 rows of ``src`` at a time; each ``dW[g, k]`` adds its terms in row order.
    """
    G, K = dW.shape
    if K < 4:  # gates innermost (a row of d is contiguous), same order of the sums
        for r in range(nb):
            dr = d[r]
            for k in range(K):
                x = src[r, k]
                for g in range(G):
                    dW[g, k] = _madd(dr[g], x, dW[g, k])
        return
    nb4 = nb - nb % 4
    g = 0
    while g < G:
        m = min(4, G - g)
        if m == 4:
            D0, D1, D2, D3 = dW[g], dW[g + 1], dW[g + 2], dW[g + 3]
            for r in range(0, nb4, 4):
                a0, a1, a2, a3 = d[r, g], d[r + 1, g], d[r + 2, g], d[r + 3, g]
                b0, b1, b2, b3 = (
                    d[r, g + 1],
                    d[r + 1, g + 1],
                    d[r + 2, g + 1],
                    d[r + 3, g + 1],
                )
                c0, c1, c2, c3 = (
                    d[r, g + 2],
                    d[r + 1, g + 2],
                    d[r + 2, g + 2],
                    d[r + 3, g + 2],
                )
                e0, e1, e2, e3 = (
                    d[r, g + 3],
                    d[r + 1, g + 3],
                    d[r + 2, g + 3],
                    d[r + 3, g + 3],
                )
                S0, S1, S2, S3 = src[r], src[r + 1], src[r + 2], src[r + 3]
                for k in range(K):
                    x0, x1, x2, x3 = S0[k], S1[k], S2[k], S3[k]
                    D0[k] = _madd(
                        a3, x3, _madd(a2, x2, _madd(a1, x1, _madd(a0, x0, D0[k])))
                    )
                    D1[k] = _madd(
                        b3, x3, _madd(b2, x2, _madd(b1, x1, _madd(b0, x0, D1[k])))
                    )
                    D2[k] = _madd(
                        c3, x3, _madd(c2, x2, _madd(c1, x1, _madd(c0, x0, D2[k])))
                    )
                    D3[k] = _madd(
                        e3, x3, _madd(e2, x2, _madd(e1, x1, _madd(e0, x0, D3[k])))
                    )
            for r in range(nb4, nb):
                a0, b0, c0, e0 = d[r, g], d[r, g + 1], d[r, g + 2], d[r, g + 3]
                Sr = src[r]
                for k in range(K):
                    x0 = Sr[k]
                    D0[k] = _madd(a0, x0, D0[k])
                    D1[k] = _madd(b0, x0, D1[k])
                    D2[k] = _madd(c0, x0, D2[k])
                    D3[k] = _madd(e0, x0, D3[k])
        else:
            for i in range(g, g + m):
                Di = dW[i]
                for r in range(nb):
                    a0, Sr = d[r, i], src[r]
                    for k in range(K):
                        Di[k] = _madd(a0, Sr[k], Di[k])
        g += m


# ------------------------------------------------------- sigmoid and tanh
# libm's tanh/exp are scalar calls (tanhf: ~25 ns here) that stop a loop from
# vectorizing; these are arithmetic and bit operations only, accurate to ~1 ulp.
LN2_HI, LN2_LO = 0.693359375, -2.121944400546905827679e-4  # ln 2 = HI + LO
LOG2E = 1.4426950408889634
# exp(x) is subnormal below these already; clamping x there keeps 2**n normal
EXP_FLOOR32, EXP_FLOOR64 = -87.6, -708.7


@intrinsic
def _pow2(typingctx, n):
    """``2**n`` for an integer-valued float n, written into the exponent bits.

    n must give a normal number: -126 <= n <= 127 in float32, -1022 <= n <=
    1023 in float64 (not NaN: converting it to an integer is undefined).
    """
    if n not in (types.float32, types.float64):
        return None
    width, mantissa, bias = (32, 23, 127) if n == types.float32 else (64, 52, 1023)

    def codegen(context, builder, signature, args):
        ity = llvm_ir.IntType(width)
        i = builder.add(builder.fptosi(args[0], ity), llvm_ir.Constant(ity, bias))
        i = builder.shl(i, llvm_ir.Constant(ity, mantissa))
        return builder.bitcast(i, args[0].type)

    return n(n), codegen


@intrinsic
def _is_f32(typingctx, x):
    """Whether ``x`` is a float32: a constant of the compiled code."""
    if x not in (types.float32, types.float64):
        return None

    def codegen(context, builder, signature, args):
        return llvm_ir.Constant(llvm_ir.IntType(1), int(x == types.float32))

    return types.boolean(x), codegen


@_jit(inline="always")
def _consts(X):
    """Constants of the exp below, in X's precision (a tuple: held in registers)."""
    K = np.empty(20, X.dtype)
    floor = EXP_FLOOR32 if X.itemsize == 4 else EXP_FLOOR64
    K[0], K[1], K[2], K[3], K[4], K[5] = LN2_HI, LN2_LO, LOG2E, floor, 0.5, 2.0
    for i in range(14):
        K[6 + i] = 1.0 / math.gamma(i + 1.0)  # 1/i!, i = 0..13
    return (
        K[0], K[1], K[2], K[3], K[4], K[5], K[6], K[7], K[8], K[9],
        K[10], K[11], K[12], K[13], K[14], K[15], K[16], K[17], K[18], K[19],
    )  # fmt: skip


@_jit(inline="always")
def _exp_neg(x, C):
    """``(exp(x), exp(x) - 1)`` for x <= 0 (or NaN), both to ~1 ulp.

    x = n ln2 + r with |r| <= ln2/2; exp(r) = 1 + r q(r) by Horner (Taylor to
    r**13: below float64's epsilon there; float32: to r**8, with fused
    multiply-adds, :func:`_madd`); 2**n exactly, from its bits. x is
    clamped at ``EXP_FLOOR32``/``EXP_FLOOR64``, where exp is subnormal
    already: below it, exp is off by less than the smallest normal number.
    """
    c1, c2, l2e, lo, half, one = C[0], C[1], C[2], C[3], C[4], C[6]
    x = lo if x < lo else x  # NaN passes
    n = np.floor(x * l2e + half)
    r = (x - n * c1) - n * c2
    # q(r) = 1 + r/2! + r**2/3! + ... (written out: constant tuple indices);
    # float32 stops at r**7/8!: the next term, under 2.4e-10, is below its ulp
    if _is_f32(r):
        q = _madd(C[14], r, C[13])
    else:
        q = _madd(C[19], r, C[18])
        q = _madd(q, r, C[17])
        q = _madd(q, r, C[16])
        q = _madd(q, r, C[15])
        q = _madd(q, r, C[14])
        q = _madd(q, r, C[13])
    q = _madd(q, r, C[12])
    q = _madd(q, r, C[11])
    q = _madd(q, r, C[10])
    q = _madd(q, r, C[9])
    q = _madd(q, r, C[8])
    q = _madd(q, r, C[7])
    em0 = q * r  # exp(r) - 1, no cancellation
    e = (em0 + one) * _pow2(n if n == n else C[5])  # NaN: em0 is NaN already
    em = em0 if n == 0 else e - one
    return e, em


@_jit(inline="always")
def _tanh(x, C):
    """tanh from expm1(-2|x|): exact near 0, no overflow far from it."""
    em = _exp_neg(-C[5] * abs(x), C)[1]
    t = -em / (C[5] + em)
    return t if x >= 0 else -t


@_jit()
def _activate(out, pre, kind, n, C):
    """``out[i] = tanh(pre[i])`` where ``kind[i]`` is 1, else ``sigmoid(pre[i])``.

    One flat loop over a chunk's (rows x gates) block: it vectorizes whatever
    the hidden size (a loop over one row's gates is too short when H is small).
    """
    one, two = C[6], C[5]
    for i in range(n):
        a = pre[i]
        th = kind[i] > 0
        e, em = _exp_neg(-(two if th else one) * abs(a), C)
        sg = (one if a >= 0 else e) / (one + e)  # cells.sigmoid's two branches
        tt = -em / (two + em)  # as _tanh
        tt = tt if a >= 0 else -tt
        out[i] = tt if th else sg


@_jit()
def _tanh_flat(out, x, n, C):
    """``out[:n] = tanh(x[:n])`` on flat (contiguous) arrays."""
    for i in range(n):
        out[i] = _tanh(x[i], C)


@_jit()
def _bias_acc(db, d, nb):
    """``db += d[:nb].sum(axis=0)``, each entry summed in row order."""
    G = db.shape[0]
    if G < 4:
        for g in range(G):
            acc = db[g]
            for r in range(nb):
                acc += d[r, g]
            db[g] = acc
    else:
        for r in range(nb):
            for g in range(G):
                db[g] += d[r, g]


@_jit()
def _dlast_rm(carry, dlast, bs, t, lo, e):
    """Rows whose last copy is ``t`` start their carry (rows ``lo:``) at ``dlast``."""
    start = max(lo, bs[t + 1] if t + 1 < bs.shape[0] else 0)
    for r in range(start, e):
        for k in range(carry.shape[1]):
            carry[r - lo, k] = dlast[r, k]


@_jit()
def _copy_grads(dX, dx, w_ih, d, dh, X, Hs, t, lo, nb, dWih, dWhh, dbih, dbhh):
    """One copy's gradients: to its input (``dX``, unless empty; ``dx`` is
    scratch) and its share of the weight gradients.

    ``d`` (nb, G) is the gradient at the input projection, ``dh`` at the
    hidden one: the same array, except in the GRU, which alone has a
    separate ``dbhh``; elsewhere ``dbhh`` is empty and ``dbih`` is the bias
    gradient.
    """
    if dX.shape[0] > 0:
        _mm(dx, d, w_ih, nb)
        for r in range(nb):
            for i in range(dx.shape[1]):
                dX[t, lo + r, i] = dx[r, i]
    _bias_acc(dbih, d, nb)
    if dbhh.shape[0] > 0:
        _bias_acc(dbhh, dh, nb)
    _outer_acc(dWih, d, X[t, lo:], nb)
    if t > 0:
        _outer_acc(dWhh, dh, Hs[t - 1, lo:], nb)


# ------------------------------------------------------- subnormal numbers
# Gradients carried back through hundreds of copies shrink geometrically, and
# in float32 many of them end below 1.2e-38, where numbers are subnormal.
# Intel cores compute with a subnormal input or result through a microcode
# assist (~100+ cycles instead of ~4); AMD's Zen cores mostly do not. On an
# Intel Xeon that made rnn H=32's step 2-5x slower (BENCHMARKS.md, "Intel").
# XLA (JAX) runs with them flushed to zero; so do the kernels: dispatch.py
# sets MXCSR's flush-to-zero and denormals-are-zero bits around every call on
# x86 and restores the caller's bits after. A flushed value is below 1.2e-38
# (float32) or 2.2e-308 (float64): under one ulp of any sum it would join.
MXCSR_FTZ_DAZ = 0x8040  # FTZ (bit 15) | DAZ (bit 6)
X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")


def _mxcsr_fn(module, name):
    """``void @llvm.x86.sse.{st,ld}mxcsr(i8*)``, declared once per module."""
    fn = module.globals.get(name)
    if fn is None:
        ptr = llvm_ir.IntType(8).as_pointer()
        fn = llvm_ir.Function(
            module, llvm_ir.FunctionType(llvm_ir.VoidType(), [ptr]), name
        )
    return fn


@intrinsic
def _mxcsr_swap(typingctx, keep, bits):
    """Set the x86 MXCSR register to ``(MXCSR & keep) | bits``; return its old value."""
    if not all(isinstance(a, types.Integer) for a in (keep, bits)):
        return None

    def codegen(context, builder, signature, args):
        i32, ptr = llvm_ir.IntType(32), llvm_ir.IntType(8).as_pointer()
        slot = builder.alloca(i32)
        p = builder.bitcast(slot, ptr)
        builder.call(_mxcsr_fn(builder.module, "llvm.x86.sse.stmxcsr"), [p])
        old = builder.load(slot)
        keep, bits = (builder.trunc(a, i32) for a in args)
        builder.store(builder.or_(builder.and_(old, keep), bits), slot)
        builder.call(_mxcsr_fn(builder.module, "llvm.x86.sse.ldmxcsr"), [p])
        return builder.zext(old, llvm_ir.IntType(64))

    return types.int64(keep, bits), codegen


if X86:

    @_jit()
    def _fp_mode(keep, bits):
        """MXCSR = (MXCSR & keep) | bits on this thread; the old MXCSR."""
        return _mxcsr_swap(keep, bits)

else:  # other CPUs keep their default (IEEE subnormals)

    def _fp_mode(keep, bits):
        return -1


def flush_subnormals() -> int:
    """Flush subnormal inputs and results to zero on this thread (x86).

    Returns the previous mode for :func:`restore_fp_mode`; -1 (nothing
    changed) on other CPUs.
    """
    return _fp_mode(0xFFFFFFFF, MXCSR_FTZ_DAZ)


def restore_fp_mode(old: int) -> None:
    """Undo :func:`flush_subnormals` (its return value ``old``)."""
    if old >= 0:
        _fp_mode(0, old)


# --------------------------------------------------------------------- Elman
@_jit()
def elman_forward(X, bs, w_ih, w_hh, b_ih, b_hh, relu, lo, hi, Hs):
    """Forward of an Elman layer; fills rows ``lo:hi`` of ``Hs`` (T, B, H)."""
    T, B, _ = X.shape
    G = w_hh.shape[0]
    WiT = np.ascontiguousarray(w_ih.T)  # (I, G)
    WhT = np.ascontiguousarray(w_hh.T)  # (H, G)
    zero = np.zeros(1, X.dtype)[0]  # in X's precision
    C = _consts(X)
    Hf = Hs.reshape(T, B * G)  # row t: the copies of step t, flat
    xpf = np.empty((hi - lo) * G, X.dtype)
    xp = xpf.reshape(hi - lo, G)
    hp = np.zeros((hi - lo, G), X.dtype)  # h_prev = 0 at t = 0
    for t in range(T):
        nb = min(hi, bs[t]) - lo  # this chunk's rows still running
        if nb <= 0:
            break
        _mm(xp, X[t, lo:], WiT, nb)  # x W_ih^T
        if t > 0:
            _mm(hp, Hs[t - 1, lo:], WhT, nb)  # h_prev W_hh^T: the feedback loop
        for r in range(nb):
            for j in range(G):
                pre = (xp[r, j] + b_ih[j]) + (hp[r, j] + b_hh[j])
                xp[r, j] = pre
                if relu:
                    Hs[t, lo + r, j] = max(pre, zero)
        if not relu:
            _tanh_flat(Hf[t, lo * G :], xpf, nb * G, C)


@_jit()
def elman_backward(
    X, Hs, dH, dlast, bs, w_ih, w_hh, relu, keep, record, lo, hi, dX, dWih, dWhh, db
):
    """BPTT of an Elman layer: fills ``dX`` and per-chunk partial gradients.

    ``dH`` (T, B, H) is the gradient from above, or empty; ``dlast`` (B, H)
    the gradient reaching each row's last copy, or empty. ``keep`` is (T, B)
    or empty (full BPTT); ``record`` is (T, B, H) or empty; ``dX`` is
    (T, B, I), or empty when the layer below needs none. Gradients of rows
    ``lo:hi`` are added to ``dWih`` (G, I), ``dWhh`` (G, H), ``db`` (G,):
    this chunk's partial sums.
    """
    T, B, I = X.shape
    Hn = Hs.shape[2]
    use_keep, use_last = keep.shape[0] > 0, dlast.shape[0] > 0
    use_record, dense = record.shape[0] > 0, dH.shape[0] > 0
    zd = dH if dense else np.zeros((1, B, Hn), X.dtype)  # no dH: read zeros
    one, zero = np.ones(1, X.dtype)[0], np.zeros(1, X.dtype)[0]  # X's precision
    carryf = np.zeros((hi - lo) * Hn, X.dtype)  # dh carried back from copy t+1
    carry = carryf.reshape(hi - lo, Hn)
    dpref = np.empty((hi - lo) * Hn, X.dtype)
    dpre = dpref.reshape(hi - lo, Hn)
    dprevf = np.empty((hi - lo) * Hn, X.dtype)
    dprev = dprevf.reshape(hi - lo, Hn)
    dHf = zd.reshape(zd.shape[0], B * Hn)
    Hf = Hs.reshape(T, B * Hn)
    recf = record.reshape(record.shape[0], record.shape[1] * record.shape[2])
    dx = np.empty((hi - lo, I), X.dtype)
    no_b = np.zeros(0, X.dtype)  # one bias gradient (db), not two
    for t in range(T - 1, -1, -1):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            continue
        if use_last:
            _dlast_rm(carry, dlast, bs, t, lo, lo + nb)
        base = lo * Hn  # rows lo:lo+nb of step t, flat: one loop at any H
        above, hv = dHf[t if dense else 0, base:], Hf[t, base:]  # views: i >= 0
        for i in range(nb * Hn):
            dh = above[i] + carryf[i]  # from above and from copy t+1
            if use_record:
                recf[t, base + i] = dh
            h = hv[i]
            if relu:
                dpref[i] = dh * (one if h > zero else zero)
            else:
                dpref[i] = dh * (one - h * h)
        _mm(dprev, dpre, w_hh, nb)  # back through W_hh once per copy
        if use_keep:
            for r in range(nb):
                for k in range(Hn):
                    carry[r, k] = dprev[r, k] * keep[t, lo + r]
        else:
            for i in range(nb * Hn):
                carryf[i] = dprevf[i]
        _copy_grads(dX, dx, w_ih, dpre, dpre, X, Hs, t, lo, nb, dWih, dWhh, db, no_b)


# ---------------------------------------------------------------------- LSTM
@_jit()
def lstm_forward(X, bs, w_ih, w_hh, b_ih, b_hh, lo, hi, Hs, Cs, A):
    """Forward of an LSTM layer; fills ``Hs``, ``Cs`` (T, B, H), gates ``A``.

    ``A`` (T, B, 4H) holds the activations i, f, g, o of every copy.
    """
    T, B, _ = X.shape
    G = w_hh.shape[0]
    Hn = G // 4
    WiT = np.ascontiguousarray(w_ih.T)
    WhT = np.ascontiguousarray(w_hh.T)
    C = _consts(X)
    Z = np.zeros((B, Hn), X.dtype)  # the state before the first step
    Af = A.reshape(T, B * G)
    Cf = Cs.reshape(T, B * Hn)
    xpf = np.empty((hi - lo) * G, X.dtype)
    xp = xpf.reshape(hi - lo, G)
    hp = np.zeros((hi - lo, G), X.dtype)
    tc = np.empty((hi - lo) * Hn, X.dtype)  # tanh(c) of this step's rows
    kind = np.zeros((hi - lo, G), X.dtype)  # 1 where the gate is g (tanh)
    kind[:, 2 * Hn : 3 * Hn] = 1
    kindf = kind.reshape((hi - lo) * G)
    for t in range(T):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            break
        Cp = Cs[t - 1] if t > 0 else Z  # c_prev of every row
        _mm(xp, X[t, lo:], WiT, nb)
        if t > 0:
            _mm(hp, Hs[t - 1, lo:], WhT, nb)
        for r in range(nb):
            for j in range(G):
                xp[r, j] = (xp[r, j] + b_ih[j]) + (hp[r, j] + b_hh[j])
        _activate(Af[t, lo * G :], xpf, kindf, nb * G, C)  # i, f, o: sigmoid; g: tanh
        for r in range(nb):
            b = lo + r
            for k in range(Hn):
                i = A[t, b, k]
                f = A[t, b, Hn + k]
                g = A[t, b, 2 * Hn + k]
                c_prev = Cp[b, k]
                Cs[t, b, k] = f * c_prev + i * g
        _tanh_flat(tc, Cf[t, lo * Hn :], nb * Hn, C)
        for r in range(nb):
            b = lo + r
            for k in range(Hn):
                Hs[t, b, k] = A[t, b, 3 * Hn + k] * tc[r * Hn + k]  # h = o * tanh(c)


@_jit()
def lstm_backward(
    X, Hs, Cs, A, dH, dlast, bs, w_ih, w_hh, keep, record, lo, hi, dX, dWih, dWhh, db
):
    """BPTT of an LSTM layer; arguments as :func:`elman_backward`, plus Cs, A."""
    T, B, I = X.shape
    G = w_hh.shape[0]
    Hn = G // 4
    use_keep, use_last = keep.shape[0] > 0, dlast.shape[0] > 0
    use_record, dense = record.shape[0] > 0, dH.shape[0] > 0
    zd = dH if dense else np.zeros((1, B, Hn), X.dtype)  # no dH: read zeros
    one = np.ones(1, X.dtype)[0]  # in X's precision
    C = _consts(X)
    Z = np.zeros((B, Hn), X.dtype)  # the state before the first step
    carry = np.zeros((hi - lo, Hn), X.dtype)  # dh from copy t+1
    carry_c = np.zeros((hi - lo, Hn), X.dtype)  # dc from copy t+1
    da = np.empty((hi - lo, G), X.dtype)
    dprev = np.empty((hi - lo, Hn), X.dtype)
    dx = np.empty((hi - lo, I), X.dtype)
    Cf = Cs.reshape(T, B * Hn)
    tcs = np.empty((hi - lo) * Hn, X.dtype)  # tanh(c), recomputed as forward
    no_b = np.zeros(0, X.dtype)  # one bias gradient (db), not two
    S = np.empty((6, Hn), X.dtype)  # scratch rows: da's four blocks, dc, dh
    s_i, s_f, s_g, s_o, s_c, s_h = S[0], S[1], S[2], S[3], S[4], S[5]
    for t in range(T - 1, -1, -1):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            continue
        Cp = Cs[t - 1] if t > 0 else Z  # c_prev of every row
        _tanh_flat(tcs, Cf[t, lo * Hn :], nb * Hn, C)
        if use_last:
            _dlast_rm(carry, dlast, bs, t, lo, lo + nb)
        above = zd[t if dense else 0]
        for r in range(nb):
            b = lo + r
            kr = keep[t, b] if use_keep else one
            ab, cr, a, cp = above[b], carry[r], A[t, b], Cp[b]
            tc_, cc = tcs[r * Hn :], carry_c[r]
            for k in range(Hn):  # into scratch rows: see lstm_bstep
                dh = ab[k] + cr[k]
                s_h[k] = dh
                i, f, g, o = a[k], a[Hn + k], a[2 * Hn + k], a[3 * Hn + k]
                tc = tc_[k]
                do = dh * tc  # h = o * tanh(c)
                dc = cc[k] + dh * o * (one - tc * tc)
                di, df, dg = dc * g, dc * cp[k], dc * i  # c = f c_prev + i g
                s_i[k] = di * i * (one - i)
                s_f[k] = df * f * (one - f)
                s_g[k] = dg * (one - g * g)
                s_o[k] = do * o * (one - o)
                s_c[k] = dc * f * kr  # kr = 1 unless truncated here
            _scatter(da[r], S, 4, Hn)
            _scatter(cc, S[4:], 1, Hn)
            if use_record:
                _scatter(record[t, b], S[5:], 1, Hn)
        _mm(dprev, da, w_hh, nb)
        for r in range(nb):
            kr = keep[t, lo + r] if use_keep else one
            for k in range(Hn):
                carry[r, k] = dprev[r, k] * kr
        _copy_grads(dX, dx, w_ih, da, da, X, Hs, t, lo, nb, dWih, dWhh, db, no_b)


# ----------------------------------------------------------------------- GRU
@_jit()
def gru_forward(X, bs, w_ih, w_hh, b_ih, b_hh, lo, hi, Hs, A):
    """Forward of a GRU layer; fills ``Hs`` and ``A`` (T, B, 4H) = r, z, n, hp_n."""
    T, B, _ = X.shape
    G = w_hh.shape[0]
    Hn = G // 3
    WiT = np.ascontiguousarray(w_ih.T)
    WhT = np.ascontiguousarray(w_hh.T)
    one = np.ones(1, X.dtype)[0]  # in X's precision
    C = _consts(X)
    Z = np.zeros((B, Hn), X.dtype)  # the state before the first step
    pref = np.empty((hi - lo) * 2 * Hn, X.dtype)  # pre-activations of r, z
    pre = pref.reshape(hi - lo, 2 * Hn)
    sgf = np.empty((hi - lo) * 2 * Hn, X.dtype)
    sg = sgf.reshape(hi - lo, 2 * Hn)  # r, z
    kind = np.zeros((hi - lo) * 2 * Hn, X.dtype)  # all sigmoid
    npre = np.empty((hi - lo) * Hn, X.dtype)
    nn = np.empty((hi - lo) * Hn, X.dtype)
    xp = np.empty((hi - lo, G), X.dtype)
    hp = np.zeros((hi - lo, G), X.dtype)
    for t in range(T):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            break
        Hp = Hs[t - 1] if t > 0 else Z  # h_prev of every row
        _mm(xp, X[t, lo:], WiT, nb)
        if t > 0:
            _mm(hp, Hs[t - 1, lo:], WhT, nb)
        for r in range(nb):
            for j in range(2 * Hn):
                pre[r, j] = (xp[r, j] + b_ih[j]) + (hp[r, j] + b_hh[j])
        _activate(sgf, pref, kind, nb * 2 * Hn, C)
        for r in range(nb):
            for k in range(Hn):
                hn = hp[r, 2 * Hn + k] + b_hh[2 * Hn + k]
                A[t, lo + r, 3 * Hn + k] = hn
                npre[r * Hn + k] = (xp[r, 2 * Hn + k] + b_ih[2 * Hn + k]) + sg[
                    r, k
                ] * hn
        _tanh_flat(nn, npre, nb * Hn, C)
        for r in range(nb):
            b = lo + r
            for k in range(Hn):
                rg, z, n_ = sg[r, k], sg[r, Hn + k], nn[r * Hn + k]
                h_prev = Hp[b, k]
                Hs[t, b, k] = (one - z) * n_ + z * h_prev
                A[t, b, k] = rg
                A[t, b, Hn + k] = z
                A[t, b, 2 * Hn + k] = n_


@_jit()
def gru_last(X, bs, w_ih, w_hh, b_ih, b_hh, lo, hi, out):
    """:func:`gru_forward` keeping no tape: each row's last hidden state in
    ``out`` (B, H). Inference only (a forecast reads the last copy): the
    same arithmetic in the same order, so the same numbers, bit for bit;
    the state of a step lives in one of two (rows, H) buffers instead of
    the (T, B, 4H) gates and (T, B, H) states, which stay in cache."""
    T, B, _ = X.shape
    G = w_hh.shape[0]
    Hn = G // 3
    WiT = np.ascontiguousarray(w_ih.T)
    WhT = np.ascontiguousarray(w_hh.T)
    one = np.ones(1, X.dtype)[0]  # in X's precision
    C = _consts(X)
    n = hi - lo
    ha = np.zeros((n, Hn), X.dtype)  # the state before the step (even t)
    hb = np.zeros((n, Hn), X.dtype)  # ... (odd t)
    pref = np.empty(n * 2 * Hn, X.dtype)  # pre-activations of r, z
    pre = pref.reshape(n, 2 * Hn)
    sgf = np.empty(n * 2 * Hn, X.dtype)
    sg = sgf.reshape(n, 2 * Hn)  # r, z
    kind = np.zeros(n * 2 * Hn, X.dtype)  # all sigmoid
    npre = np.empty(n * Hn, X.dtype)
    nn = np.empty(n * Hn, X.dtype)
    xp = np.empty((n, G), X.dtype)
    hp = np.zeros((n, G), X.dtype)
    for t in range(T):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            break
        Hp = ha if t % 2 == 0 else hb
        Hx = hb if t % 2 == 0 else ha
        _mm(xp, X[t, lo:], WiT, nb)
        if t > 0:
            _mm(hp, Hp, WhT, nb)
        for r in range(nb):
            for j in range(2 * Hn):
                pre[r, j] = (xp[r, j] + b_ih[j]) + (hp[r, j] + b_hh[j])
        _activate(sgf, pref, kind, nb * 2 * Hn, C)
        for r in range(nb):
            for k in range(Hn):
                hn = hp[r, 2 * Hn + k] + b_hh[2 * Hn + k]
                npre[r * Hn + k] = (xp[r, 2 * Hn + k] + b_ih[2 * Hn + k]) + sg[
                    r, k
                ] * hn
        _tanh_flat(nn, npre, nb * Hn, C)
        for r in range(nb):
            for k in range(Hn):
                z, n_ = sg[r, Hn + k], nn[r * Hn + k]
                h = (one - z) * n_ + z * Hp[r, k]
                Hx[r, k] = h
                out[lo + r, k] = h  # a row's last write: its last step


@_jit()
def gru_backward(
    X,
    Hs,
    A,
    dH,
    dlast,
    bs,
    w_ih,
    w_hh,
    keep,
    record,
    lo,
    hi,
    dX,
    dWih,
    dWhh,
    dbih,
    dbhh,
):
    """BPTT of a GRU layer; arguments as :func:`elman_backward`, two bias grads."""
    T, B, I = X.shape
    G = w_hh.shape[0]
    Hn = G // 3
    use_keep, use_last = keep.shape[0] > 0, dlast.shape[0] > 0
    use_record, dense = record.shape[0] > 0, dH.shape[0] > 0
    zd = dH if dense else np.zeros((1, B, Hn), X.dtype)  # no dH: read zeros
    Z = np.zeros((B, Hn), X.dtype)  # the state before the first step
    one = np.ones(1, X.dtype)[0]  # in X's precision
    carry = np.zeros((hi - lo, Hn), X.dtype)
    dxp = np.empty((hi - lo, G), X.dtype)
    dhp = np.empty((hi - lo, G), X.dtype)
    direct = np.empty((hi - lo, Hn), X.dtype)
    dprev = np.empty((hi - lo, Hn), X.dtype)
    dx = np.empty((hi - lo, I), X.dtype)
    S = np.empty((6, Hn), X.dtype)  # scratch rows: dr, dz, dn, dn * r, direct, dh
    s_r, s_z, s_n, s_hn, s_d, s_h = S[0], S[1], S[2], S[3], S[4], S[5]
    for t in range(T - 1, -1, -1):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            continue
        Hp = Hs[t - 1] if t > 0 else Z  # h_prev of every row
        if use_last:
            _dlast_rm(carry, dlast, bs, t, lo, lo + nb)
        above = zd[t if dense else 0]
        for r in range(nb):
            b = lo + r
            ab, cr, a, hp_ = above[b], carry[r], A[t, b], Hp[b]
            for k in range(Hn):  # into scratch rows: see lstm_bstep
                dh = ab[k] + cr[k]
                s_h[k] = dh
                rg, z, nn, hn = a[k], a[Hn + k], a[2 * Hn + k], a[3 * Hn + k]
                dn = dh * (one - z)  # h = (1 - z) * n + z * h_prev
                dz = dh * (hp_[k] - nn)
                dn_pre = dn * (one - nn * nn)  # backprop through tanh
                s_r[k] = dn_pre * hn * rg * (one - rg)
                s_z[k] = dz * z * (one - z)
                s_n[k] = dn_pre
                s_hn[k] = dn_pre * rg
                s_d[k] = dh * z  # the path from h_prev that skips W_hh
            _scatter(dxp[r], S, 3, Hn)  # dr_pre, dz_pre, dn_pre
            _scatter(dhp[r], S, 2, Hn)  # dr_pre, dz_pre
            _scatter(dhp[r, 2 * Hn :], S[3:], 1, Hn)  # dn_pre * r
            _scatter(direct[r], S[4:], 1, Hn)
            if use_record:
                _scatter(record[t, b], S[5:], 1, Hn)
        _mm(dprev, dhp, w_hh, nb)
        for r in range(nb):
            kr = keep[t, lo + r] if use_keep else one
            for k in range(Hn):
                carry[r, k] = (dprev[r, k] + direct[r, k]) * kr
        _copy_grads(dX, dx, w_ih, dxp, dhp, X, Hs, t, lo, nb, dWih, dWhh, dbih, dbhh)


# ---------------------------------------------- feature-major: small hidden sizes
# With a few hidden units a row of a (T, B, H) array holds too few numbers to
# fill a vector register, and the loops above run mostly on their bounds.
# The kernels below keep every array feature-major, (T, features, B), so that
# each inner loop runs over the rows of one step: contiguous, as long as the
# batch, and vectorized. ``layers.py`` chooses them for small hidden sizes.
# Same formulas and order of operations as above; only the sums over rows
# (the weight gradients) are kept as one running sum per row over time, the
# rows added in order at the end.
#
# Every inner loop runs ``for r in range(n)`` over views that start at the
# chunk's first row (``a[t, k, lo:]``): Numba then knows the index is not
# negative and the loop vectorizes; ``range(lo, e)`` would not.
# Optional inputs (gradient from above, record, keep) are read through a
# zero, scratch or ones view when absent, so the loops carry no branch.


@_jit(inline="always")
def _sigmoid(a, C):
    """cells.sigmoid's two branches, from the exp above."""
    e = _exp_neg(-abs(a), C)[0]
    return (C[6] if a >= 0 else e) / (C[6] + e)


@_jit(inline="always")
def _rows_mv(out, W, j, src, lo, n):
    """``out[:n] = sum_k W[j, k] * src[k, lo:lo+n]``, added in order k = 0, 1, ..."""
    for r in range(n):
        out[r] = 0.0
    for k in range(W.shape[1]):
        w = W[j, k]
        s = src[k, lo:]
        for r in range(n):
            out[r] += s[r] * w


@_jit(inline="always")
def _rows_mvT(out, W, k, src, lo, n):
    """``out[:n] = sum_j W[j, k] * src[j, lo:lo+n]`` (back through ``W``)."""
    _rows_mv(out, W.T, k, src, lo, n)


@_jit(inline="always")
def _rows_acc(P, a, b, n):
    """``P[r] += a[r] * b[r]`` for r < n: one running sum per row, over time."""
    for r in range(n):
        P[r] += a[r] * b[r]


@_jit()
def _rows_sum(out, P, lo, hi):
    """``out[j, k] += sum_r P[j, k, r]`` over the chunk's rows, in order."""
    for j in range(P.shape[0]):
        for k in range(P.shape[1]):
            s = out[j, k]
            for r in range(lo, hi):
                s += P[j, k, r]
            out[j, k] = s


@_jit(inline="always")
def _copy_grads_fm(dXt, w_ih, d, dh, Xt, Ht, ones, P, t, lo, n):
    """One copy's gradients: to its input (``dXt``, unless empty) and its share
    of the weight gradients, into the per-row sums ``P = (Pih, Phh, Pb)``.

    ``d`` (G, B) is the gradient at the input projection, ``dh`` at the
    hidden one (the same array except in the GRU).
    """
    Pih, Phh, Pb = P
    if dXt.shape[0] > 0:
        for i in range(Xt.shape[1]):
            _rows_mvT(dXt[t, i, lo:], w_ih, i, d, lo, n)
    for j in range(Pih.shape[0]):
        dj, dhj = d[j, lo:], dh[j, lo:]
        _rows_acc(Pb[j, 0, lo:], dj, ones, n)
        _rows_acc(Pb[j, 1, lo:], dhj, ones, n)
        for i in range(Pih.shape[1]):
            _rows_acc(Pih[j, i, lo:], dj, Xt[t, i, lo:], n)
        if t > 0:
            for k in range(Phh.shape[1]):
                _rows_acc(Phh[j, k, lo:], dhj, Ht[t - 1, k, lo:], n)


@_jit(inline="always")
def _carry_back_fm(carry, w_hh, d, kv, use_keep, lo, n):
    """``carry = (d W_hh) * keep``: the gradient handed on to copy t - 1."""
    for k in range(carry.shape[0]):
        c = carry[k, lo:]
        _rows_mvT(c, w_hh, k, d, lo, n)  # back through W_hh
        if use_keep:
            for r in range(n):
                c[r] *= kv[r]


@_jit()
def _new_sums_fm(Xt, G, Hn):
    """Zeroed per-row sums ``(Pih, Phh, Pb)`` of the weight gradients."""
    I, B = Xt.shape[1], Xt.shape[2]
    dt = Xt.dtype
    return np.zeros((G, I, B), dt), np.zeros((G, Hn, B), dt), np.zeros((G, 2, B), dt)


@_jit()
def _grad_sums_fm(P, lo, hi, dWih, dWhh, db):
    """The chunk's gradients from the per-row sums (rows added in order)."""
    _rows_sum(dWih, P[0], lo, hi)
    _rows_sum(dWhh, P[1], lo, hi)
    _rows_sum(db, P[2], lo, hi)


@_jit(inline="always")
def _dlast_fm(carry, dlast, bs, t, lo, e):
    """Rows whose last copy is ``t`` start their carry at ``dlast``."""
    start = max(lo, bs[t + 1] if t + 1 < bs.shape[0] else 0)
    for k in range(carry.shape[0]):
        for r in range(e - start):
            carry[k, start + r] = dlast[k, start + r]


@_jit()
def _bwd_scratch(Xt, dHt, record, keep, Hn):
    """Stand-ins for absent inputs: zeros (dH), scratch (record), ones (keep)."""
    T, _, B = Xt.shape
    dt = Xt.dtype
    zd = dHt if dHt.shape[0] > 0 else np.zeros((1, Hn, B), dt)
    rec = record if record.shape[0] > 0 else np.zeros((1, Hn, B), dt)
    kp = keep if keep.shape[0] > 0 else np.ones((1, B), dt)
    return zd, rec, kp


@_jit()
def elman_forward_fm(Xt, bs, w_ih, w_hh, b_ih, b_hh, relu, lo, hi, Ht):
    """:func:`elman_forward`, feature-major: ``Xt`` (T, I, B) in, ``Ht`` (T, H, B)."""
    T = Xt.shape[0]
    G, B = w_hh.shape[0], Xt.shape[2]
    C = _consts(Xt)
    zero = np.zeros(1, Xt.dtype)[0]
    hp = np.zeros(B, Xt.dtype)  # h_prev W_hh^T: 0 at t = 0
    for t in range(T):
        n = min(hi, bs[t]) - lo
        if n <= 0:
            break
        for j in range(G):
            out = Ht[t, j, lo:]
            _rows_mv(out, w_ih, j, Xt[t], lo, n)
            if t > 0:
                _rows_mv(hp, w_hh, j, Ht[t - 1], lo, n)  # the feedback loop
            bi, bh = b_ih[j], b_hh[j]
            if relu:
                for r in range(n):
                    out[r] = max((out[r] + bi) + (hp[r] + bh), zero)
            else:
                for r in range(n):
                    out[r] = _tanh((out[r] + bi) + (hp[r] + bh), C)


@_jit()
def elman_backward_fm(
    Xt, Ht, dHt, dlast, bs, w_ih, w_hh, relu, keep, record, lo, hi, dXt, dWih, dWhh, db
):
    """:func:`elman_backward`, feature-major.

    ``dHt`` (T, H, B) is the gradient from above, or empty; ``dlast`` (H, B)
    the gradient reaching each row's last copy, or empty; ``record`` (T, H, B)
    or empty; ``dXt`` (T, I, B), or empty when the layer below needs none.
    ``dWih`` (G, I), ``dWhh`` (G, H) and ``db`` (G, 2) take the chunk's
    gradients: ``db[:, 0]`` of ``bias_ih``, ``db[:, 1]`` of ``bias_hh``.
    """
    T, I, B = Xt.shape
    Hn = Ht.shape[1]
    dt = Xt.dtype
    dense, use_last, use_keep = dHt.shape[0] > 0, dlast.shape[0] > 0, keep.shape[0] > 0
    use_record = record.shape[0] > 0
    zd, rec, kp = _bwd_scratch(Xt, dHt, record, keep, Hn)
    one, zero = np.ones(1, dt)[0], np.zeros(1, dt)[0]
    carry = np.zeros((Hn, B), dt)  # dh carried back from copy t+1
    dpre = np.zeros((Hn, B), dt)
    ones = np.ones(B, dt)
    P = _new_sums_fm(Xt, Hn, Hn)
    for t in range(T - 1, -1, -1):
        e = min(hi, bs[t])
        n = e - lo
        if n <= 0:
            continue
        if use_last:
            _dlast_fm(carry, dlast, bs, t, lo, e)
        td, tr, tk = t if dense else 0, t if use_record else 0, t if use_keep else 0
        for k in range(Hn):
            c, h, d = carry[k, lo:], Ht[t, k, lo:], dpre[k, lo:]
            above, rv = zd[td, k, lo:], rec[tr, k, lo:]
            if relu:
                for r in range(n):
                    dh = above[r] + c[r]  # from above and from copy t+1
                    rv[r] = dh
                    d[r] = dh * (one if h[r] > zero else zero)
            else:
                for r in range(n):
                    dh = above[r] + c[r]
                    rv[r] = dh
                    d[r] = dh * (one - h[r] * h[r])
        _carry_back_fm(carry, w_hh, dpre, kp[tk, lo:], use_keep, lo, n)
        _copy_grads_fm(dXt, w_ih, dpre, dpre, Xt, Ht, ones, P, t, lo, n)
    _grad_sums_fm(P, lo, hi, dWih, dWhh, db)


@_jit()
def lstm_forward_fm(Xt, bs, w_ih, w_hh, b_ih, b_hh, lo, hi, Ht, Ct, At):
    """:func:`lstm_forward`, feature-major: ``Ht``, ``Ct`` (T, H, B), ``At``."""
    T = Xt.shape[0]
    G, B = w_hh.shape[0], Xt.shape[2]
    Hn = G // 4
    C = _consts(Xt)
    hp = np.zeros(B, Xt.dtype)
    zc = np.zeros(B, Xt.dtype)  # the cell state before the first step
    for t in range(T):
        n = min(hi, bs[t]) - lo
        if n <= 0:
            break
        for j in range(G):
            a = At[t, j, lo:]
            _rows_mv(a, w_ih, j, Xt[t], lo, n)
            if t > 0:
                _rows_mv(hp, w_hh, j, Ht[t - 1], lo, n)
            bi, bh = b_ih[j], b_hh[j]
            if 2 * Hn <= j < 3 * Hn:  # g: tanh; i, f, o: sigmoid
                for r in range(n):
                    a[r] = _tanh((a[r] + bi) + (hp[r] + bh), C)
            else:
                for r in range(n):
                    a[r] = _sigmoid((a[r] + bi) + (hp[r] + bh), C)
        for k in range(Hn):
            i_, f_ = At[t, k, lo:], At[t, Hn + k, lo:]
            g_, o_ = At[t, 2 * Hn + k, lo:], At[t, 3 * Hn + k, lo:]
            cp = Ct[t - 1, k, lo:] if t > 0 else zc
            c_, h_ = Ct[t, k, lo:], Ht[t, k, lo:]
            for r in range(n):
                c = f_[r] * cp[r] + i_[r] * g_[r]
                c_[r] = c
                h_[r] = o_[r] * _tanh(c, C)  # h = o * tanh(c)


@_jit()
def lstm_backward_fm(
    Xt,
    Ht,
    Ct,
    At,
    dHt,
    dlast,
    bs,
    w_ih,
    w_hh,
    keep,
    record,
    lo,
    hi,
    dXt,
    dWih,
    dWhh,
    db,
):
    """:func:`lstm_backward`, feature-major; arguments as :func:`elman_backward_fm`."""
    T, I, B = Xt.shape
    G, Hn = w_hh.shape[0], Ht.shape[1]
    dt = Xt.dtype
    dense, use_last, use_keep = dHt.shape[0] > 0, dlast.shape[0] > 0, keep.shape[0] > 0
    use_record = record.shape[0] > 0
    zd, rec, kp = _bwd_scratch(Xt, dHt, record, keep, Hn)
    one = np.ones(1, dt)[0]
    C = _consts(Xt)
    carry, carry_c = np.zeros((Hn, B), dt), np.zeros((Hn, B), dt)  # dh, dc from t+1
    da = np.zeros((G, B), dt)
    zc, ones = np.zeros(B, dt), np.ones(B, dt)
    P = _new_sums_fm(Xt, G, Hn)
    for t in range(T - 1, -1, -1):
        e = min(hi, bs[t])
        n = e - lo
        if n <= 0:
            continue
        if use_last:
            _dlast_fm(carry, dlast, bs, t, lo, e)
        td, tr, tk = t if dense else 0, t if use_record else 0, t if use_keep else 0
        kv = kp[tk, lo:]
        for k in range(Hn):
            i_, f_ = At[t, k, lo:], At[t, Hn + k, lo:]
            g_, o_ = At[t, 2 * Hn + k, lo:], At[t, 3 * Hn + k, lo:]
            cp = Ct[t - 1, k, lo:] if t > 0 else zc
            ct, ch, cc = Ct[t, k, lo:], carry[k, lo:], carry_c[k, lo:]
            above, rv = zd[td, k, lo:], rec[tr, k, lo:]
            da_i, da_f = da[k, lo:], da[Hn + k, lo:]
            da_g, da_o = da[2 * Hn + k, lo:], da[3 * Hn + k, lo:]
            for r in range(n):
                dh = above[r] + ch[r]
                rv[r] = dh
                i, f, g, o = i_[r], f_[r], g_[r], o_[r]
                tc = _tanh(ct[r], C)
                do = dh * tc  # h = o * tanh(c)
                dc = cc[r] + dh * o * (one - tc * tc)
                di, df, dg = dc * g, dc * cp[r], dc * i  # c = f c_prev + i g
                da_i[r] = di * i * (one - i)
                da_f[r] = df * f * (one - f)
                da_g[r] = dg * (one - g * g)
                da_o[r] = do * o * (one - o)
                cc[r] = dc * f * kv[r]  # kv = 1 unless truncated here
        _carry_back_fm(carry, w_hh, da, kv, use_keep, lo, n)
        _copy_grads_fm(dXt, w_ih, da, da, Xt, Ht, ones, P, t, lo, n)
    _grad_sums_fm(P, lo, hi, dWih, dWhh, db)


@_jit()
def gru_forward_fm(Xt, bs, w_ih, w_hh, b_ih, b_hh, lo, hi, Ht, At):
    """:func:`gru_forward`, feature-major: ``At`` (T, 4H, B) = r, z, n, hp_n."""
    T = Xt.shape[0]
    G, B = w_hh.shape[0], Xt.shape[2]
    Hn = G // 3
    C = _consts(Xt)
    one = np.ones(1, Xt.dtype)[0]
    xp, hp = np.zeros(B, Xt.dtype), np.zeros(B, Xt.dtype)
    zh = np.zeros(B, Xt.dtype)  # the state before the first step
    for t in range(T):
        n = min(hi, bs[t]) - lo
        if n <= 0:
            break
        for j in range(G):
            _rows_mv(xp, w_ih, j, Xt[t], lo, n)
            if t > 0:
                _rows_mv(hp, w_hh, j, Ht[t - 1], lo, n)
            bi, bh = b_ih[j], b_hh[j]
            if j < 2 * Hn:  # r, z
                a = At[t, j, lo:]
                for r in range(n):
                    a[r] = _sigmoid((xp[r] + bi) + (hp[r] + bh), C)
                continue
            k = j - 2 * Hn
            rg, z_, n_, hn_ = (
                At[t, k, lo:],
                At[t, Hn + k, lo:],
                At[t, j, lo:],
                At[t, Hn + j, lo:],
            )
            h_prev = Ht[t - 1, k, lo:] if t > 0 else zh
            h_ = Ht[t, k, lo:]
            for r in range(n):
                hn = hp[r] + bh
                hn_[r] = hn
                nn = _tanh((xp[r] + bi) + rg[r] * hn, C)
                n_[r] = nn
                h_[r] = (one - z_[r]) * nn + z_[r] * h_prev[r]


@_jit()
def gru_backward_fm(
    Xt, Ht, At, dHt, dlast, bs, w_ih, w_hh, keep, record, lo, hi, dXt, dWih, dWhh, db
):
    """:func:`gru_backward`, feature-major; arguments as :func:`elman_backward_fm`."""
    T, I, B = Xt.shape
    G, Hn = w_hh.shape[0], Ht.shape[1]
    dt = Xt.dtype
    dense, use_last, use_keep = dHt.shape[0] > 0, dlast.shape[0] > 0, keep.shape[0] > 0
    use_record = record.shape[0] > 0
    zd, rec, kp = _bwd_scratch(Xt, dHt, record, keep, Hn)
    one = np.ones(1, dt)[0]
    carry = np.zeros((Hn, B), dt)
    dxp, dhp = np.zeros((G, B), dt), np.zeros((G, B), dt)
    direct = np.zeros((Hn, B), dt)
    zh, ones = np.zeros(B, dt), np.ones(B, dt)
    P = _new_sums_fm(Xt, G, Hn)
    for t in range(T - 1, -1, -1):
        e = min(hi, bs[t])
        n = e - lo
        if n <= 0:
            continue
        if use_last:
            _dlast_fm(carry, dlast, bs, t, lo, e)
        td, tr, tk = t if dense else 0, t if use_record else 0, t if use_keep else 0
        for k in range(Hn):
            rg_, z_, n_, hn_ = (
                At[t, k, lo:],
                At[t, Hn + k, lo:],
                At[t, 2 * Hn + k, lo:],
                At[t, 3 * Hn + k, lo:],
            )
            hp_ = Ht[t - 1, k, lo:] if t > 0 else zh
            ch, dk = carry[k, lo:], direct[k, lo:]
            above, rv = zd[td, k, lo:], rec[tr, k, lo:]
            x_r, x_z, x_n = dxp[k, lo:], dxp[Hn + k, lo:], dxp[2 * Hn + k, lo:]
            h_r, h_z, h_n = dhp[k, lo:], dhp[Hn + k, lo:], dhp[2 * Hn + k, lo:]
            for r in range(n):
                dh = above[r] + ch[r]
                rv[r] = dh
                rg, z, nn, hn = rg_[r], z_[r], n_[r], hn_[r]
                dn = dh * (one - z)  # h = (1 - z) * n + z * h_prev
                dz = dh * (hp_[r] - nn)
                dn_pre = dn * (one - nn * nn)  # backprop through tanh
                dr_pre = dn_pre * hn * rg * (one - rg)
                dz_pre = dz * z * (one - z)
                x_r[r] = dr_pre
                x_z[r] = dz_pre
                x_n[r] = dn_pre
                h_r[r] = dr_pre
                h_z[r] = dz_pre
                h_n[r] = dn_pre * rg
                dk[r] = dh * z  # the path from h_prev that skips W_hh
        kv = kp[tk, lo:]
        for k in range(Hn):
            c, dk = carry[k, lo:], direct[k, lo:]
            _rows_mvT(c, w_hh, k, dhp, lo, n)
            for r in range(n):
                c[r] = (c[r] + dk[r]) * kv[r]  # kv = 1 unless truncated here
        _copy_grads_fm(dXt, w_ih, dxp, dhp, Xt, Ht, ones, P, t, lo, n)
    _grad_sums_fm(P, lo, hi, dWih, dWhh, db)


# ------------------------------------------- per-step kernels: the BLAS loop
# At large hidden sizes a step is mostly its matrix products, which BLAS runs
# two to four times faster than the loops of _mm (fused multiply-adds, wide
# registers, blocking for the caches). ``blasloop.py`` runs those time loops
# in Python: each step's products through NumPy's matmul (one BLAS thread
# per chunk of rows), the rest of the step through the kernels below, and
# the weight gradients as a few large products over a tape of the steps'
# gradients. Same formulas and order of operations as the kernels above; the
# products alone add their terms in BLAS's order.
#
# Arguments: ``XP``, ``HP`` (rows, G) the step's products x W_ih^T and
# h_prev W_hh^T (zeros at t = 0); ``XP`` is computed here from ``X`` and
# ``WiT`` when ``own_xp`` (a few inputs: BLAS is slow on such thin products);
# ``t``, ``lo``, ``nb``: the step, the chunk's first row, its rows still
# running. Backward: ``carry`` (rows, H) holds dh_prev W_hh of step t + 1
# (rows < ``n1``, the rows running there); ``D``/``Dh`` take the tape rows
# ``p:p+nb``, ``P``/``XT`` the matching rows of h_prev and x.


@_jit()
def _xp_rows(X, WiT, XP, t, lo, nb):
    """``XP[:nb] = X[t, lo:lo+nb] @ WiT``, the terms in order i = 0, 1, ... (as _mm)."""
    G = WiT.shape[1]
    for r in range(nb):
        xp, x = XP[r], X[t, lo + r]
        for j in range(G):
            xp[j] = 0.0
        for i in range(x.shape[0]):
            xi, w = x[i], WiT[i]
            for j in range(G):
                xp[j] += xi * w[j]


@_jit()
def _pre(X, WiT, XP, HP, b_ih, b_hh, own_xp, t, lo, nb, G):
    """``XP[r, :G] = (x W_ih^T + b_ih) + (h_prev W_hh^T + b_hh)`` for r < nb."""
    if own_xp:
        _xp_rows(X, WiT, XP, t, lo, nb)
    for r in range(nb):
        xp, hp = XP[r], HP[r]
        for j in range(G):
            xp[j] = (xp[j] + b_ih[j]) + (hp[j] + b_hh[j])


@_jit()
def _dh_in(carry, direct, keep, dlast, dH, record, t, lo, nb, n1):
    """``carry[:nb]`` := the gradient reaching step t's hidden state.

    From step t + 1: ``(carry + direct) * keep[t + 1]`` on rows < n1 (no
    direct: only the GRU has one; no keep: full BPTT), ``dlast`` or zero on
    rows that end at t; plus ``dH[t]`` from above; copied to ``record[t]``.
    """
    Hn = carry.shape[1]
    for r in range(nb):
        c = carry[r]
        if r < n1:
            if direct.shape[0] > 0:
                d = direct[r]
                for k in range(Hn):
                    c[k] = c[k] + d[k]
            if keep.shape[0] > 0:
                kr = keep[t + 1, lo + r]
                for k in range(Hn):
                    c[k] = c[k] * kr
        elif dlast.shape[0] > 0:
            dl = dlast[lo + r]
            for k in range(Hn):
                c[k] = dl[k]
        else:
            for k in range(Hn):
                c[k] = 0.0
        if dH.shape[0] > 0:  # from above and from copy t+1
            a = dH[t, lo + r]
            for k in range(Hn):
                c[k] = a[k] + c[k]
        if record.shape[0] > 0:
            rv = record[t, lo + r]
            for k in range(Hn):
                rv[k] = c[k]


@_jit()
def _tape_rows(P, XT, Hs, X, t, lo, nb, p):
    """Rows ``p:p+nb`` of the tape's h_prev (``P``, not at t = 0) and x (``XT``)."""
    if t > 0:
        for r in range(nb):
            P[p + r] = Hs[t - 1, lo + r]
    for r in range(nb):
        XT[p + r] = X[t, lo + r]


@_jit()
def elman_fstep(X, WiT, XP, HP, b_ih, b_hh, own_xp, relu, Hs, t, lo, nb):
    """One Elman step forward: ``Hs[t]`` rows ``lo:lo+nb``."""
    G = HP.shape[1]
    C = _consts(HP)
    zero = np.zeros(1, HP.dtype)[0]
    _pre(X, WiT, XP, HP, b_ih, b_hh, own_xp, t, lo, nb, G)
    for r in range(nb):
        xp, h = XP[r], Hs[t, lo + r]
        if relu:
            for j in range(G):
                h[j] = max(xp[j], zero)
        else:
            for j in range(G):
                h[j] = _tanh(xp[j], C)


@_jit()
def elman_bstep(dH, carry, keep, dlast, Hs, X, relu, record, t, lo, nb, n1,
                D, P, XT, p):  # fmt: skip
    """One Elman step backward: ``D[p:p+nb]``, the gradient at the pre-activation."""
    Hn = carry.shape[1]
    one, zero = np.ones(1, X.dtype)[0], np.zeros(1, X.dtype)[0]
    _dh_in(carry, D[:0], keep, dlast, dH, record, t, lo, nb, n1)
    for r in range(nb):
        dh, h, d = carry[r], Hs[t, lo + r], D[p + r]
        if relu:
            for k in range(Hn):
                d[k] = dh[k] * (one if h[k] > zero else zero)
        else:
            for k in range(Hn):
                d[k] = dh[k] * (one - h[k] * h[k])
    _tape_rows(P, XT, Hs, X, t, lo, nb, p)


@_jit()
def lstm_fstep(X, WiT, XP, HP, b_ih, b_hh, own_xp, Hs, Cs, A, t, lo, nb):
    """One LSTM step forward: ``Hs[t]``, ``Cs[t]`` and the gates ``A[t]``."""
    G = HP.shape[1]
    Hn = G // 4
    C = _consts(HP)
    zc = np.zeros(Hn, HP.dtype)  # c_prev at t = 0
    _pre(X, WiT, XP, HP, b_ih, b_hh, own_xp, t, lo, nb, G)
    for r in range(nb):
        b = lo + r
        xp, a = XP[r], A[t, b]
        for j in range(2 * Hn):  # i, f: sigmoid
            a[j] = _sigmoid(xp[j], C)
        for j in range(2 * Hn, 3 * Hn):  # g: tanh
            a[j] = _tanh(xp[j], C)
        for j in range(3 * Hn, G):  # o: sigmoid
            a[j] = _sigmoid(xp[j], C)
        c_, h_ = Cs[t, b], Hs[t, b]
        cp = Cs[t - 1, b] if t > 0 else zc
        for k in range(Hn):
            c = a[Hn + k] * cp[k] + a[k] * a[2 * Hn + k]  # c = f c_prev + i g
            c_[k] = c
            h_[k] = a[3 * Hn + k] * _tanh(c, C)  # h = o * tanh(c)


@_jit()
def lstm_bstep(dH, carry, carry_c, keep, dlast, Hs, Cs, A, X, record, t, lo, nb, n1,
               D, P, XT, p):  # fmt: skip
    """One LSTM step backward: ``D[p:p+nb]`` (i, f, g, o); ``carry_c`` to t - 1.

    The loop writes into scratch rows ``S`` (its own memory) and copies them
    out after: with its outputs among its inputs' arrays, LLVM would not
    vectorize it (too many pairs of arrays to check for overlap).
    """
    Hn = carry.shape[1]
    one = np.ones(1, X.dtype)[0]
    C = _consts(X)
    zc = np.zeros(Hn, X.dtype)  # c_prev at t = 0
    S = np.empty((5, Hn), X.dtype)
    s_i, s_f, s_g, s_o, s_c = S[0], S[1], S[2], S[3], S[4]
    _dh_in(carry, D[:0], keep, dlast, dH, record, t, lo, nb, n1)
    for r in range(nb):
        b = lo + r
        kr = keep[t, b] if keep.shape[0] > 0 else one
        a, ct, ch, cc = A[t, b], Cs[t, b], carry[r], carry_c[r]
        cp = Cs[t - 1, b] if t > 0 else zc
        for k in range(Hn):
            dh = ch[k]
            i, f, g, o = a[k], a[Hn + k], a[2 * Hn + k], a[3 * Hn + k]
            tc = _tanh(ct[k], C)
            do = dh * tc  # h = o * tanh(c)
            dc = cc[k] + dh * o * (one - tc * tc)
            di, df, dg = dc * g, dc * cp[k], dc * i  # c = f c_prev + i g
            s_i[k] = di * i * (one - i)
            s_f[k] = df * f * (one - f)
            s_g[k] = dg * (one - g * g)
            s_o[k] = do * o * (one - o)
            s_c[k] = dc * f * kr  # kr = 1 unless truncated here
        _scatter(D[p + r], S, 4, Hn)
        _scatter(cc, S[4:], 1, Hn)
    _tape_rows(P, XT, Hs, X, t, lo, nb, p)


@_jit()
def _scatter(dst, S, m, Hn):
    """``dst[q * Hn + k] = S[q, k]`` for q < m: scratch rows to their place."""
    for q in range(m):
        s = S[q]
        d = dst[q * Hn :]
        for k in range(Hn):
            d[k] = s[k]


@_jit()
def gru_fstep(X, WiT, XP, HP, b_ih, b_hh, own_xp, Hs, A, t, lo, nb):
    """One GRU step forward: ``Hs[t]`` and ``A[t]`` = r, z, n, hp_n."""
    G = HP.shape[1]
    Hn = G // 3
    one = np.ones(1, HP.dtype)[0]
    C = _consts(HP)
    zh = np.zeros(Hn, HP.dtype)  # h_prev at t = 0
    if own_xp:  # x W_ih^T alone: the n gate adds its biases apart
        _xp_rows(X, WiT, XP, t, lo, nb)
    for r in range(nb):
        b = lo + r
        xp, hp, a, h_ = XP[r], HP[r], A[t, b], Hs[t, b]
        for j in range(2 * Hn):  # r, z
            a[j] = _sigmoid((xp[j] + b_ih[j]) + (hp[j] + b_hh[j]), C)
        for k in range(Hn):
            j = 2 * Hn + k
            hn = hp[j] + b_hh[j]
            a[3 * Hn + k] = hn
            a[j] = _tanh((xp[j] + b_ih[j]) + a[k] * hn, C)
        hprev = Hs[t - 1, b] if t > 0 else zh
        for k in range(Hn):
            z = a[Hn + k]
            h_[k] = (one - z) * a[2 * Hn + k] + z * hprev[k]


@_jit()
def gru_bstep(dH, carry, direct, keep, dlast, Hs, A, X, record, t, lo, nb, n1,
              Dx, Dh, P, XT, p):  # fmt: skip
    """One GRU step backward: ``Dx``/``Dh[p:p+nb]`` (at x W_ih^T, h_prev W_hh^T)
    and ``direct``, the path from h_prev that skips W_hh (scratch rows as in
    :func:`lstm_bstep`)."""
    Hn = carry.shape[1]
    one = np.ones(1, X.dtype)[0]
    zh = np.zeros(Hn, X.dtype)  # h_prev at t = 0
    S = np.empty((5, Hn), X.dtype)
    s_r, s_z, s_n, s_hn, s_d = S[0], S[1], S[2], S[3], S[4]
    _dh_in(carry, direct, keep, dlast, dH, record, t, lo, nb, n1)
    for r in range(nb):
        b = lo + r
        a, ch = A[t, b], carry[r]
        hp_ = Hs[t - 1, b] if t > 0 else zh
        for k in range(Hn):
            dh = ch[k]
            rg, z, nn, hn = a[k], a[Hn + k], a[2 * Hn + k], a[3 * Hn + k]
            dn = dh * (one - z)  # h = (1 - z) * n + z * h_prev
            dz = dh * (hp_[k] - nn)
            dn_pre = dn * (one - nn * nn)  # backprop through tanh
            s_r[k] = dn_pre * hn * rg * (one - rg)
            s_z[k] = dz * z * (one - z)
            s_n[k] = dn_pre
            s_hn[k] = dn_pre * rg
            s_d[k] = dh * z  # the path from h_prev that skips W_hh
        _scatter(Dx[p + r], S, 3, Hn)  # dr_pre, dz_pre, dn_pre
        _scatter(Dh[p + r], S, 2, Hn)  # dr_pre, dz_pre
        _scatter(Dh[p + r, 2 * Hn :], S[3:], 1, Hn)  # dn_pre * r
        _scatter(direct[r], S[4:], 1, Hn)
    _tape_rows(P, XT, Hs, X, t, lo, nb, p)
