"""BN254 point formulas in Numba, written once for G1 and G2: the device functions that the
array kernels (`prover.group`), the MSM (`prover.msm`) and the fixed-base multiplication
(`prover.fixed_base`) are built from.

Field elements are limb tuples (see `prover.fields`): an Fq element is a 4-tuple of uint64,
an Fq2 element a pair of them. The generic `fe_*` functions (intrinsics from prover.fields for
the arithmetic, overloads here for inversion, constants and array access) pick the Fq or Fq2
code from the argument's type at compile time, so each formula is written once and compiled
for both groups (G1 over Fq: y^2 = x^3 + 3; G2 over Fq2 on the twist y^2 = x^3 + 3/(9+u)). Both
curves have a = 0. Kernels that need the field but take no field value get a `like` argument
(a zero of the field) or, in parallel kernels, a tag array (`TAG_G1`, `TAG_G2`, see `fe_like`).

Coordinates are Montgomery limbs, canonical (< q); affine infinity is (0, 0) (see
`prover.convert` for the array layouts). Jacobian points (X, Y, Z) stand for (X/Z^2, Y/Z^3);
Z = 0 is infinity; Jacobian arrays are G1 (n, 12), G2 (n, 24) rows [X, Y, Z].

The plain twins of these formulas are `prover.ref.curves` (same EFD formulas on ints).
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from prover.fields import (FQ2_ONE, FQ2_ZERO, FQ_ONE, FQ_ZERO, f2_inv, f_inv, fe_add, fe_dbl, fe_eq,
                           fe_is_zero, fe_mul, fe_mul_hot, fe_sqr, fe_sqr_hot, fe_sub)
from prover.mont import FQ, ONE_U, limbs
from prover.ref.curves import B2

U64 = np.uint64


def _mont_limbs(x: int) -> tuple:
    return limbs(x % FQ.p * FQ.R % FQ.p)


G1_B = _mont_limbs(3)
G2_B = (_mont_limbs(B2[0]), _mont_limbs(B2[1]))   # 3 / (9 + u)

# --- generic field operations (compile-time dispatch on the tuple type) ----------------------
# The arithmetic fe_mul, fe_add, ... are intrinsics from prover.fields; the rest are overloads.

def _is_fq(t) -> bool:
    return isinstance(t, types.UniTuple) and t.count == 4 and t.dtype == types.uint64


def _is_fq2(t) -> bool:
    return isinstance(t, types.UniTuple) and t.count == 2 and _is_fq(t.dtype)


def fe_inv(a):
    """1/a (0 -> 0)."""


def fe_zero(like):
    """The zero of like's field."""


def fe_one(like):
    """The one (Montgomery R) of like's field."""


def fe_curve_b(like):
    """The curve constant b of the group over like's field."""


def fe_like(tag):
    """A zero of the field selected by a tag array: 1-D tag -> Fq, 2-D tag -> Fq2.

    The kernels that Python threads enter (see prover.threads) take this array tag instead
    of a `like` tuple and recover `like` from it (a tag was what a prange body could take).
    """


def fe_load(arr, i, j, like):
    """Field element j of row i (G1 rows hold 4-limb elements, G2 rows 8-limb ones)."""


def fe_store(arr, i, j, v):
    """Write field element v as element j of row i."""


@overload(fe_inv)
def _ol_inv(a):
    if _is_fq(a):
        return lambda a: f_inv(a)
    if _is_fq2(a):
        return lambda a: f2_inv(a)
    return None


def _ol_const(stub, fq_val, fq2_val):
    @overload(stub)
    def _impl(like):
        if _is_fq(like):
            return lambda like: fq_val
        if _is_fq2(like):
            return lambda like: fq2_val
        return None


_ol_const(fe_zero, FQ_ZERO, FQ2_ZERO)
_ol_const(fe_one, FQ_ONE, FQ2_ONE)
_ol_const(fe_curve_b, G1_B, G2_B)


@overload(fe_like)
def _ol_like(tag):
    if isinstance(tag, types.Array) and tag.ndim == 1:
        return lambda tag: FQ_ZERO
    if isinstance(tag, types.Array) and tag.ndim == 2:
        return lambda tag: FQ2_ZERO
    return None


TAG_G1 = np.zeros(1, dtype=np.uint64)
TAG_G2 = np.zeros((1, 1), dtype=np.uint64)


@overload(fe_load)
def _ol_load(arr, i, j, like):
    if _is_fq(like):
        def impl(arr, i, j, like):
            o = 4 * j
            return (arr[i, o], arr[i, o + 1], arr[i, o + 2], arr[i, o + 3])
        return impl
    if _is_fq2(like):
        def impl(arr, i, j, like):
            o = 8 * j
            return ((arr[i, o], arr[i, o + 1], arr[i, o + 2], arr[i, o + 3]),
                    (arr[i, o + 4], arr[i, o + 5], arr[i, o + 6], arr[i, o + 7]))
        return impl
    return None


@overload(fe_store)
def _ol_store(arr, i, j, v):
    if _is_fq(v):
        def impl(arr, i, j, v):
            o = 4 * j
            arr[i, o] = v[0]
            arr[i, o + 1] = v[1]
            arr[i, o + 2] = v[2]
            arr[i, o + 3] = v[3]
        return impl
    if _is_fq2(v):
        def impl(arr, i, j, v):
            o = 8 * j
            for k in range(4):
                arr[i, o + k] = v[0][k]
                arr[i, o + 4 + k] = v[1][k]
        return impl
    return None


# --- point formulas (a = 0) ----------------------------------------------------------------

@njit(inline="always", cache=True)
def fe_triple(a):
    return fe_add(fe_dbl(a), a)


@njit(inline="always", cache=True)
def aff_is_inf(x, y):
    return fe_is_zero(x) and fe_is_zero(y)


@njit(cache=True)
def aff_on_curve(x, y):
    """y^2 == x^3 + b; the infinity encoding (0, 0) counts as a valid point."""
    if aff_is_inf(x, y):
        return True
    return fe_eq(fe_sqr(y), fe_add(fe_mul(fe_sqr(x), x), fe_curve_b(x)))


@njit(cache=True)
def jac_double(X, Y, Z):
    """dbl-2009-l (2M + 5S). Infinity (Z = 0) maps to Z3 = 2YZ = 0, i.e. infinity."""
    A = fe_sqr(X)
    B = fe_sqr(Y)
    C = fe_sqr(B)
    D = fe_dbl(fe_sub(fe_sub(fe_sqr(fe_add(X, B)), A), C))
    E = fe_triple(A)
    F = fe_sqr(E)
    X3 = fe_sub(F, fe_dbl(D))
    C8 = fe_dbl(fe_dbl(fe_dbl(C)))
    Y3 = fe_sub(fe_mul(E, fe_sub(D, X3)), C8)
    Z3 = fe_dbl(fe_mul(Y, Z))
    return X3, Y3, Z3


@njit(cache=True)
def jac_add(X1, Y1, Z1, X2, Y2, Z2):
    """add-2007-bl (11M + 5S), complete: handles infinity, P + P and P + (-P)."""
    if fe_is_zero(Z1):
        return X2, Y2, Z2
    if fe_is_zero(Z2):
        return X1, Y1, Z1
    Z1Z1 = fe_sqr(Z1)
    Z2Z2 = fe_sqr(Z2)
    U1 = fe_mul(X1, Z2Z2)
    U2 = fe_mul(X2, Z1Z1)
    S1 = fe_mul(fe_mul(Y1, Z2), Z2Z2)
    S2 = fe_mul(fe_mul(Y2, Z1), Z1Z1)
    H = fe_sub(U2, U1)
    rr = fe_dbl(fe_sub(S2, S1))
    if fe_is_zero(H):
        if fe_is_zero(rr):
            return jac_double(X1, Y1, Z1)
        z = fe_zero(X1)
        return fe_one(X1), fe_one(X1), z
    I = fe_sqr(fe_dbl(H))
    J = fe_mul(H, I)
    V = fe_mul(U1, I)
    X3 = fe_sub(fe_sub(fe_sqr(rr), J), fe_dbl(V))
    Y3 = fe_sub(fe_mul(rr, fe_sub(V, X3)), fe_dbl(fe_mul(S1, J)))
    Z3 = fe_mul(fe_sub(fe_sub(fe_sqr(fe_add(Z1, Z2)), Z1Z1), Z2Z2), H)
    return X3, Y3, Z3


@njit(cache=True)
def jac_add_affine(X1, Y1, Z1, x2, y2):
    """Mixed addition madd-2007-bl (7M + 4S), complete; (x2, y2) = (0, 0) is infinity."""
    if aff_is_inf(x2, y2):
        return X1, Y1, Z1
    if fe_is_zero(Z1):
        return x2, y2, fe_one(x2)
    Z1Z1 = fe_sqr(Z1)
    U2 = fe_mul(x2, Z1Z1)
    S2 = fe_mul(fe_mul(y2, Z1), Z1Z1)
    H = fe_sub(U2, X1)
    rr = fe_dbl(fe_sub(S2, Y1))
    if fe_is_zero(H):
        if fe_is_zero(rr):
            return jac_double(X1, Y1, Z1)
        z = fe_zero(X1)
        return fe_one(X1), fe_one(X1), z
    HH = fe_sqr(H)
    I = fe_dbl(fe_dbl(HH))
    J = fe_mul(H, I)
    V = fe_mul(X1, I)
    X3 = fe_sub(fe_sub(fe_sqr(rr), J), fe_dbl(V))
    Y3 = fe_sub(fe_mul(rr, fe_sub(V, X3)), fe_dbl(fe_mul(Y1, J)))
    Z3 = fe_sub(fe_sub(fe_sqr(fe_add(Z1, H)), Z1Z1), HH)
    return X3, Y3, Z3


@njit(cache=True)
def jac_to_affine(X, Y, Z):
    """One inversion; infinity -> (0, 0)."""
    if fe_is_zero(Z):
        z = fe_zero(X)
        return z, z
    zi = fe_inv(Z)
    zi2 = fe_sqr(zi)
    return fe_mul(X, zi2), fe_mul(Y, fe_mul(zi2, zi))


@njit(cache=True)
def jac_mul(X, Y, Z, s0, s1, s2, s3):
    """Double-and-add by a 256-bit integer given as 4 uint64 limbs (reference-style kernel)."""
    z = fe_zero(X)
    RX, RY, RZ = fe_one(X), fe_one(X), z
    s = (s0, s1, s2, s3)
    for li in range(3, -1, -1):
        for bi in range(63, -1, -1):
            RX, RY, RZ = jac_double(RX, RY, RZ)
            if (s[li] >> U64(bi)) & ONE_U:
                RX, RY, RZ = jac_add(RX, RY, RZ, X, Y, Z)
    return RX, RY, RZ


# --- batch-affine addition (the MSM's and the fixed-base multiplier's inner step) --------------
#
# Adding m independent pairs P_k + Q_k in affine coordinates costs one inversion for all of
# them (Montgomery's trick) plus about 6 multiplications each. `pair_den` classifies the pair
# and gives the denominator to invert; `pair_finish` completes it with that inverse.

KIND_ADD, KIND_DBL, KIND_INF, KIND_TAKE2, KIND_TAKE1 = 0, 1, 2, 3, 4


@njit(inline="always", cache=True)
def pair_den(x1, y1, x2, y2):
    """(denominator, kind) for the affine sum (x1, y1) + (x2, y2); never a zero denominator."""
    if aff_is_inf(x1, y1):
        return fe_one(x1), KIND_TAKE2
    if aff_is_inf(x2, y2):
        return fe_one(x1), KIND_TAKE1
    if fe_eq(x1, x2):
        if fe_eq(y1, y2) and not fe_is_zero(y1):
            return fe_dbl(y1), KIND_DBL
        return fe_one(x1), KIND_INF      # P + (-P) (y = 0 would be 2-torsion: also infinity)
    return fe_sub(x2, x1), KIND_ADD


@njit(inline="always", cache=True)
def pair_finish(x1, y1, x2, y2, inv, kind):
    """The affine sum given inv = 1/denominator from `pair_den`; infinity is (0, 0)."""
    if kind == KIND_ADD:
        lam = fe_mul_hot(fe_sub(y2, y1), inv)
    elif kind == KIND_DBL:
        lam = fe_mul_hot(fe_triple(fe_sqr_hot(x1)), inv)
    elif kind == KIND_TAKE2:
        return x2, y2
    elif kind == KIND_TAKE1:
        return x1, y1
    else:
        z = fe_zero(x1)
        return z, z
    x3 = fe_sub(fe_sub(fe_sqr_hot(lam), x1), x2)
    y3 = fe_sub(fe_mul_hot(lam, fe_sub(x1, x3)), y1)
    return x3, y3


@njit(cache=True)
def batch_inverse_rows(den, pref, m, like):
    """den[k] <- 1/den[k] for k < m (one field element per row, all nonzero), Montgomery's trick.

    `pref` is scratch of the same shape. Costs one inversion and 3(m - 1) multiplications.
    """
    if m == 0:
        return
    acc = fe_load(den, 0, 0, like)
    fe_store(pref, 0, 0, acc)
    for k in range(1, m):
        acc = fe_mul_hot(acc, fe_load(den, k, 0, like))
        fe_store(pref, k, 0, acc)
    inv = fe_inv(acc)
    for k in range(m - 1, 0, -1):
        d = fe_load(den, k, 0, like)
        fe_store(den, k, 0, fe_mul_hot(inv, fe_load(pref, k - 1, 0, like)))
        inv = fe_mul_hot(inv, d)
    fe_store(den, 0, 0, inv)


# --- signed digits (the MSM and the fixed-base multiplication) ----------------------------------

@njit(inline="always", cache=True)
def _digit(s0, s1, s2, s3, off, c):
    """Bits [off, off + c) of the 256-bit integer (s0..s3), c <= 32, as an int64."""
    li = off >> 6
    sh = off & 63
    lim = (s0, s1, s2, s3)
    v = lim[li] >> U64(sh)
    if sh + c > 64 and li < 3:
        v |= lim[li + 1] << U64(64 - sh)
    return np.int64(v & U64((1 << c) - 1))


@njit(cache=True)
def signed_digits(s0, s1, s2, s3, c, nwin, out):
    """out[w] = signed window w of the scalar (s0..s3): digits in [-2^(c-1), 2^(c-1)] with
    sum out[w] * 2^(c*w) = scalar (the MSM and the fixed-base multiplication both use it)."""
    half = 1 << (c - 1)
    carry = 0
    for w in range(nwin):
        d = _digit(s0, s1, s2, s3, w * c, c) + carry
        if d > half:
            d -= 2 * half
            carry = 1
        else:
            carry = 0
        out[w] = d
