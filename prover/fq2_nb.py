"""Fq and Fq2 arithmetic on limb tuples in Numba (Montgomery form), for the curve kernels.

An Fq element is a 4-tuple of uint64 limbs (least significant first) in Montgomery form,
always fully reduced (< q). An Fq2 element is a pair (c0, c1) of Fq elements standing for
c0 + c1*u with u^2 = -1 (BN254's quadratic extension, as in py_ecc's FQ2([c0, c1])).

Tuples keep the limbs in registers: every function here returns new tuples and writes no
memory. Fq operations are inlined at Numba-IR level (they are a few instructions around
`prover.mont`); Fq2 operations are ordinary functions that LLVM inlines as it sees fit
(inlining them in Numba IR as well made the curve kernels slow to compile for no speed gain).

Inversion: `f_inv` is the binary extended Euclid algorithm on 4-limb integers (about 2x faster
than Fermat's a^(q-2) here, see `benchmarks/bench_msm.py`); `f_inv_fermat` is kept as its twin.
Both map 0 to 0 (callers that must not invert 0 check first).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from prover.mont import FQ, ONE_U, ZERO, adc, fq_add, fq_mul, fq_sub, sbb

U64 = np.uint64
_MASK = (1 << 64) - 1


def _limbs(x: int) -> tuple:
    return tuple(U64((x >> (64 * i)) & _MASK) for i in range(4))


# Constants as tuples of np.uint64 (Numba freezes global tuples as compile-time constants).
Q_T = _limbs(FQ.p)
FQ_ZERO = (ZERO, ZERO, ZERO, ZERO)
FQ_ONE = _limbs(FQ.R)                      # 1 in Montgomery form
FQ_R3 = _limbs(pow(FQ.R, 3, FQ.p))         # R^3 mod q: turns a plain inverse of aR into (1/a)R
FQ2_ZERO = (FQ_ZERO, FQ_ZERO)
FQ2_ONE = (FQ_ONE, FQ_ZERO)
_EXP_QM2 = _limbs(FQ.p - 2)                # Fermat exponent
_SH63 = U64(63)
_SH1 = U64(1)


# --- Fq on 4-tuples ------------------------------------------------------------------------

@njit(inline="always", cache=True)
def f_mul(a, b):
    return fq_mul(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(inline="always", cache=True)
def f_sqr(a):
    return fq_mul(a[0], a[1], a[2], a[3], a[0], a[1], a[2], a[3])


@njit(inline="always", cache=True)
def f_add(a, b):
    return fq_add(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(inline="always", cache=True)
def f_sub(a, b):
    return fq_sub(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


@njit(inline="always", cache=True)
def f_dbl(a):
    return fq_add(a[0], a[1], a[2], a[3], a[0], a[1], a[2], a[3])


@njit(inline="always", cache=True)
def f_neg(a):
    """-a mod q (0 stays 0, so the result is always canonical)."""
    return fq_sub(ZERO, ZERO, ZERO, ZERO, a[0], a[1], a[2], a[3])


@njit(inline="always", cache=True)
def f_is_zero(a):
    return (a[0] | a[1] | a[2] | a[3]) == ZERO


@njit(inline="always", cache=True)
def f_eq(a, b):
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == ZERO


@njit(cache=True)
def f_inv_fermat(a):
    """a^(q-2) by left-to-right square and multiply (Montgomery in, Montgomery out)."""
    r = FQ_ONE
    for li in range(3, -1, -1):
        e = _EXP_QM2[li]
        for bi in range(63, -1, -1):
            r = f_sqr(r)
            if (e >> U64(bi)) & ONE_U:
                r = f_mul(r, a)
    return r


@njit(inline="always", cache=True)
def _shr1(a0, a1, a2, a3):
    return ((a0 >> _SH1) | (a1 << _SH63), (a1 >> _SH1) | (a2 << _SH63),
            (a2 >> _SH1) | (a3 << _SH63), a3 >> _SH1)


@njit(inline="always", cache=True)
def _half_mod(x0, x1, x2, x3):
    """x/2 mod q for x < q: halve x, or x + q when x is odd (x + q < 2^255, no overflow)."""
    if x0 & ONE_U:
        x0, c = adc(x0, Q_T[0], ZERO)
        x1, c = adc(x1, Q_T[1], c)
        x2, c = adc(x2, Q_T[2], c)
        x3, c = adc(x3, Q_T[3], c)
    return _shr1(x0, x1, x2, x3)


@njit(inline="always", cache=True)
def _geq(a0, a1, a2, a3, b0, b1, b2, b3):
    _, b = sbb(a0, b0, ZERO)
    _, b = sbb(a1, b1, b)
    _, b = sbb(a2, b2, b)
    _, b = sbb(a3, b3, b)
    return b == ZERO


@njit(inline="always", cache=True)
def _sub4(a0, a1, a2, a3, b0, b1, b2, b3):
    s0, b = sbb(a0, b0, ZERO)
    s1, b = sbb(a1, b1, b)
    s2, b = sbb(a2, b2, b)
    s3, b = sbb(a3, b3, b)
    return s0, s1, s2, s3


@njit(cache=True)
def f_inv(a):
    """Inverse in Fq by binary extended Euclid (0 -> 0). Montgomery in, Montgomery out.

    Euclid inverts the integer aR, giving (aR)^-1 = a^-1 R^-1; one Montgomery product with
    R^3 turns it into a^-1 R.
    """
    if f_is_zero(a):
        return FQ_ZERO
    u0, u1, u2, u3 = a
    v0, v1, v2, v3 = Q_T
    x0, x1, x2, x3 = ONE_U, ZERO, ZERO, ZERO   # invariant: x * a == u (mod q)
    y0, y1, y2, y3 = ZERO, ZERO, ZERO, ZERO    # invariant: y * a == v (mod q)
    while True:
        if u0 == ONE_U and (u1 | u2 | u3) == ZERO:
            break
        if v0 == ONE_U and (v1 | v2 | v3) == ZERO:
            x0, x1, x2, x3 = y0, y1, y2, y3
            break
        while (u0 & ONE_U) == ZERO:
            u0, u1, u2, u3 = _shr1(u0, u1, u2, u3)
            x0, x1, x2, x3 = _half_mod(x0, x1, x2, x3)
        while (v0 & ONE_U) == ZERO:
            v0, v1, v2, v3 = _shr1(v0, v1, v2, v3)
            y0, y1, y2, y3 = _half_mod(y0, y1, y2, y3)
        if _geq(u0, u1, u2, u3, v0, v1, v2, v3):
            u0, u1, u2, u3 = _sub4(u0, u1, u2, u3, v0, v1, v2, v3)
            x0, x1, x2, x3 = fq_sub(x0, x1, x2, x3, y0, y1, y2, y3)
        else:
            v0, v1, v2, v3 = _sub4(v0, v1, v2, v3, u0, u1, u2, u3)
            y0, y1, y2, y3 = fq_sub(y0, y1, y2, y3, x0, x1, x2, x3)
    return f_mul((x0, x1, x2, x3), FQ_R3)


# --- Fq2 = Fq[u]/(u^2 + 1) on pairs of 4-tuples -----------------------------------------------

@njit(inline="always", cache=True)
def f2_add(a, b):
    return (f_add(a[0], b[0]), f_add(a[1], b[1]))


@njit(inline="always", cache=True)
def f2_sub(a, b):
    return (f_sub(a[0], b[0]), f_sub(a[1], b[1]))


@njit(inline="always", cache=True)
def f2_dbl(a):
    return (f_dbl(a[0]), f_dbl(a[1]))


@njit(inline="always", cache=True)
def f2_neg(a):
    return (f_neg(a[0]), f_neg(a[1]))


@njit(inline="always", cache=True)
def f2_is_zero(a):
    return f_is_zero(a[0]) and f_is_zero(a[1])


@njit(inline="always", cache=True)
def f2_eq(a, b):
    return f_eq(a[0], b[0]) and f_eq(a[1], b[1])


@njit(cache=True)
def f2_mul(a, b):
    """Karatsuba: 3 Fq products. (a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + ((a0+a1)(b0+b1) - a0 b0 - a1 b1) u."""
    v0 = f_mul(a[0], b[0])
    v1 = f_mul(a[1], b[1])
    s = f_mul(f_add(a[0], a[1]), f_add(b[0], b[1]))
    return (f_sub(v0, v1), f_sub(f_sub(s, v0), v1))


@njit(cache=True)
def f2_sqr(a):
    """Complex squaring: 2 Fq products. (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u."""
    c0 = f_mul(f_add(a[0], a[1]), f_sub(a[0], a[1]))
    c1 = f_mul(a[0], a[1])
    return (c0, f_dbl(c1))


@njit(inline="always", cache=True)
def f2_mul_fq(a, s):
    """Fq2 times an Fq scalar: 2 Fq products."""
    return (f_mul(a[0], s), f_mul(a[1], s))


@njit(cache=True)
def f2_inv(a):
    """1/(a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2); 0 -> 0."""
    t = f_add(f_sqr(a[0]), f_sqr(a[1]))
    ti = f_inv(t)
    return (f_mul(a[0], ti), f_neg(f_mul(a[1], ti)))


# --- array helpers used by tests and benchmarks ---------------------------------------------

@njit(cache=True)
def fq_inv_array(a, out, fermat):
    """out[i] = 1/a[i] for (n, 4) Montgomery rows (0 -> 0); `fermat` picks the twin."""
    for i in range(a.shape[0]):
        x = (a[i, 0], a[i, 1], a[i, 2], a[i, 3])
        r = f_inv_fermat(x) if fermat else f_inv(x)
        for k in range(4):
            out[i, k] = r[k]


@njit(cache=True)
def fq2_binop_array(op, a, b, out):
    """out[i] = a[i] (op) b[i] on (n, 8) rows [c0 limbs, c1 limbs]; op 0 mul, 1 add, 2 sub,
    3 square(a), 4 inverse(a), 5 neg(a)."""
    for i in range(a.shape[0]):
        x = ((a[i, 0], a[i, 1], a[i, 2], a[i, 3]), (a[i, 4], a[i, 5], a[i, 6], a[i, 7]))
        y = ((b[i, 0], b[i, 1], b[i, 2], b[i, 3]), (b[i, 4], b[i, 5], b[i, 6], b[i, 7]))
        if op == 0:
            r = f2_mul(x, y)
        elif op == 1:
            r = f2_add(x, y)
        elif op == 2:
            r = f2_sub(x, y)
        elif op == 3:
            r = f2_sqr(x)
        elif op == 4:
            r = f2_inv(x)
        else:
            r = f2_neg(x)
        for k in range(4):
            out[i, k] = r[0][k]
            out[i, 4 + k] = r[1][k]
