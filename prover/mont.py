"""Montgomery arithmetic with 4x64-bit limbs in Numba: the inner loop of the prover.

A field element is four uint64 limbs, least significant first, in Montgomery form
(x * 2^256 mod p). The 64x64->128 products come from LLVM `i128` arithmetic emitted
through `numba.extending.intrinsic`, so a multiply-accumulate is one `mul` + `umulh`
on x86-64 instead of four 32-bit partial products.

Scalar functions take and return limbs as separate uint64 values / UniTuples so LLVM
keeps them in registers; arrays hold elements as rows of a (n, 4) uint64 array.

Rules kept throughout (Numba would otherwise silently turn uint64 into float64):
every constant is an `np.uint64`, and no uint64 is ever mixed with a Python int literal.

The plain-int reference for everything here is `prover.ref`; tests compare them.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

U64 = np.uint64
MASK64 = (1 << 64) - 1


# --- 64-bit primitives emitted as LLVM i128 ---------------------------------------

@intrinsic
def mac(typingctx, a, b, c, d):
    """(lo, hi) of a*b + c + d, exact (fits in 128 bits)."""
    if not all(t == types.uint64 for t in (a, b, c, d)):
        return None
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        x, y, z, w = (builder.zext(v, i128) for v in args)
        s = builder.add(builder.add(builder.mul(x, y), z), w)
        lo = builder.trunc(s, ir.IntType(64))
        hi = builder.trunc(builder.lshr(s, ir.Constant(i128, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, [lo, hi])

    return sig, codegen


@intrinsic
def adc(typingctx, a, b, carry):
    """(sum, carry_out) of a + b + carry, carry in {0, 1}."""
    if not all(t == types.uint64 for t in (a, b, carry)):
        return None
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        x, y, c = (builder.zext(v, i128) for v in args)
        s = builder.add(builder.add(x, y), c)
        lo = builder.trunc(s, ir.IntType(64))
        hi = builder.trunc(builder.lshr(s, ir.Constant(i128, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, [lo, hi])

    return sig, codegen


@intrinsic
def sbb(typingctx, a, b, borrow):
    """(a - b - borrow mod 2^64, borrow_out) with borrow in {0, 1}."""
    if not all(t == types.uint64 for t in (a, b, borrow)):
        return None
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i128 = ir.IntType(128)
        x, y, c = (builder.zext(v, i128) for v in args)
        s = builder.sub(builder.sub(x, y), c)
        lo = builder.trunc(s, ir.IntType(64))
        hi = builder.lshr(s, ir.Constant(i128, 127))  # 1 iff it went negative
        return context.make_tuple(builder, signature.return_type,
                                  [lo, builder.trunc(hi, ir.IntType(64))])

    return sig, codegen


# --- field parameters ---------------------------------------------------------------

def limbs(x: int) -> tuple:
    """A non-negative int < 2^256 as four np.uint64 limbs, least significant first (for
    constants that Numba freezes at compile time)."""
    return tuple(U64((x >> (64 * i)) & MASK64) for i in range(4))


class FieldParams:
    """Python-side constants of one Montgomery field (for conversions and tests)."""

    def __init__(self, p: int):
        self.p = p
        self.limbs = tuple((p >> (64 * i)) & MASK64 for i in range(4))
        self.pinv = (-pow(p, -1, 1 << 64)) % (1 << 64)  # -p^-1 mod 2^64
        self.R = (1 << 256) % p
        self.R2 = (1 << 512) % p
        self.Rinv = pow(self.R, -1, p)

    def to_mont_int(self, x: int) -> int:
        return (x * self.R) % self.p


Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
FQ = FieldParams(Q)
FR = FieldParams(R)

# Numba freezes module globals as compile-time constants; keep them np.uint64.
Q0, Q1, Q2, Q3 = (U64(x) for x in FQ.limbs)
QINV = U64(FQ.pinv)
R0, R1, R2, R3 = (U64(x) for x in FR.limbs)
RINV = U64(FR.pinv)
ZERO = U64(0)
ONE_U = U64(1)


# --- generic 4-limb Montgomery arithmetic ---------------------------------------------

@njit(inline="always", cache=True)
def _cond_sub(t0, t1, t2, t3, p0, p1, p2, p3):
    """t - p if t >= p else t (t < 2p)."""
    s0, b = sbb(t0, p0, ZERO)
    s1, b = sbb(t1, p1, b)
    s2, b = sbb(t2, p2, b)
    s3, b = sbb(t3, p3, b)
    if b == ZERO:
        return s0, s1, s2, s3
    return t0, t1, t2, t3


@njit(inline="always", cache=True)
def mont_mul4(a0, a1, a2, a3, b0, b1, b2, b3, p0, p1, p2, p3, pinv):
    """a*b*2^-256 mod p by CIOS without the extra carry word (valid: p < 2^254)."""
    # round i = 0 (t = 0)
    t0, c = mac(a0, b0, ZERO, ZERO)
    m = t0 * pinv
    _, k = mac(m, p0, t0, ZERO)
    t1, c = mac(a1, b0, ZERO, c)
    t0, k = mac(m, p1, t1, k)
    t2, c = mac(a2, b0, ZERO, c)
    t1, k = mac(m, p2, t2, k)
    t3, c = mac(a3, b0, ZERO, c)
    t2, k = mac(m, p3, t3, k)
    t3 = c + k
    # i = 1
    t0, c = mac(a0, b1, t0, ZERO)
    m = t0 * pinv
    _, k = mac(m, p0, t0, ZERO)
    t1, c = mac(a1, b1, t1, c)
    t0, k = mac(m, p1, t1, k)
    t2, c = mac(a2, b1, t2, c)
    t1, k = mac(m, p2, t2, k)
    t3, c = mac(a3, b1, t3, c)
    t2, k = mac(m, p3, t3, k)
    t3 = c + k
    # i = 2
    t0, c = mac(a0, b2, t0, ZERO)
    m = t0 * pinv
    _, k = mac(m, p0, t0, ZERO)
    t1, c = mac(a1, b2, t1, c)
    t0, k = mac(m, p1, t1, k)
    t2, c = mac(a2, b2, t2, c)
    t1, k = mac(m, p2, t2, k)
    t3, c = mac(a3, b2, t3, c)
    t2, k = mac(m, p3, t3, k)
    t3 = c + k
    # i = 3
    t0, c = mac(a0, b3, t0, ZERO)
    m = t0 * pinv
    _, k = mac(m, p0, t0, ZERO)
    t1, c = mac(a1, b3, t1, c)
    t0, k = mac(m, p1, t1, k)
    t2, c = mac(a2, b3, t2, c)
    t1, k = mac(m, p2, t2, k)
    t3, c = mac(a3, b3, t3, c)
    t2, k = mac(m, p3, t3, k)
    t3 = c + k
    return _cond_sub(t0, t1, t2, t3, p0, p1, p2, p3)


@njit(inline="always", cache=True)
def add_mod4(a0, a1, a2, a3, b0, b1, b2, b3, p0, p1, p2, p3):
    s0, c = adc(a0, b0, ZERO)
    s1, c = adc(a1, b1, c)
    s2, c = adc(a2, b2, c)
    s3, c = adc(a3, b3, c)  # no carry out: a, b < p < 2^254
    return _cond_sub(s0, s1, s2, s3, p0, p1, p2, p3)


@njit(inline="always", cache=True)
def sub_mod4(a0, a1, a2, a3, b0, b1, b2, b3, p0, p1, p2, p3):
    s0, b = sbb(a0, b0, ZERO)
    s1, b = sbb(a1, b1, b)
    s2, b = sbb(a2, b2, b)
    s3, b = sbb(a3, b3, b)
    if b == ZERO:
        return s0, s1, s2, s3
    s0, c = adc(s0, p0, ZERO)
    s1, c = adc(s1, p1, c)
    s2, c = adc(s2, p2, c)
    s3, c = adc(s3, p3, c)
    return s0, s1, s2, s3


# --- Fq (base field of BN254) -----------------------------------------------------------

@njit(inline="always", cache=True)
def fq_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    return mont_mul4(a0, a1, a2, a3, b0, b1, b2, b3, Q0, Q1, Q2, Q3, QINV)


@njit(inline="always", cache=True)
def fq_add(a0, a1, a2, a3, b0, b1, b2, b3):
    return add_mod4(a0, a1, a2, a3, b0, b1, b2, b3, Q0, Q1, Q2, Q3)


@njit(inline="always", cache=True)
def fq_sub(a0, a1, a2, a3, b0, b1, b2, b3):
    return sub_mod4(a0, a1, a2, a3, b0, b1, b2, b3, Q0, Q1, Q2, Q3)


# --- Fr (scalar field) ----------------------------------------------------------------

@njit(inline="always", cache=True)
def fr_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    return mont_mul4(a0, a1, a2, a3, b0, b1, b2, b3, R0, R1, R2, R3, RINV)


@njit(inline="always", cache=True)
def fr_add(a0, a1, a2, a3, b0, b1, b2, b3):
    return add_mod4(a0, a1, a2, a3, b0, b1, b2, b3, R0, R1, R2, R3)


@njit(inline="always", cache=True)
def fr_sub(a0, a1, a2, a3, b0, b1, b2, b3):
    return sub_mod4(a0, a1, a2, a3, b0, b1, b2, b3, R0, R1, R2, R3)
