"""Batched arithmetic over the scalar field Fr on (n, 4) uint64 Montgomery arrays.

Every array here is C-contiguous uint64 of shape (n, 4): element i is row i, four
little-endian 64-bit limbs of x * 2^256 mod r (Montgomery form), always fully reduced
(below r). Kernels built on `prover.mont` keep that invariant, so only values coming
from outside (Python ints, circom bytes, canonical limb arrays) are range-checked,
at the conversion functions, which raise ValueError naming the first bad element.

Public functions validate shapes and allocate; Numba kernels compute, on every core
(`prover.threads`) from PARALLEL_MIN elements up, on the calling thread below. All of them are
cached on disk (`cache=True`): the first run on a machine compiles (~10-20 s for this
module and prover.ntt together), later runs load in well under a second.

Also here: the sparse matrix-vector product <row_i, w> that turns a witness into the
QAP's A.w, B.w, C.w evaluations (`MontCSR`), with coefficients 1 and -1 (most of a
circom circuit's) handled without a multiplication.

The plain twin with the same API is `prover.ref.fr_vec` (Python ints and `%`).
"""
from __future__ import annotations

from itertools import repeat
from typing import Optional, Sequence

import numpy as np
from numba import njit

from . import threads

from .convert import first_not_below, int_limbs
from .mont import FR, U64, ZERO, limbs
from .mont import fr_add as _fr_add_inl, fr_mul as _fr_mul_inl, fr_sub as _fr_sub_inl

R = FR.p


# Numba freezes these globals as constants: keep them np.uint64.
MONT_ONE = FR.R                # 1 in Montgomery form (2^256 mod r)
MONT_MINUS_ONE = R - FR.R      # -1 in Montgomery form
_ONE0, _ONE1, _ONE2, _ONE3 = limbs(FR.R)
_RR0, _RR1, _RR2, _RR3 = limbs(FR.R2)          # R^2 mod r: mont_mul(x, R^2) = x*R
_LIT1 = U64(1)                                   # raw 1: mont_mul(x, 1) = x / R


# --- scalar operations, compiled once --------------------------------------------------------
#
# prover.mont's fr_* are inline="always": Numba copies their IR into every call site,
# and each copy costs ~0.3-0.5 s of first-run compile time. These plain wrappers are
# compiled once; LLVM still inlines them into the loops (same speed, measured).

@njit(cache=True)
def fr_mul(a0, a1, a2, a3, b0, b1, b2, b3):
    return _fr_mul_inl(a0, a1, a2, a3, b0, b1, b2, b3)


@njit(cache=True)
def fr_add(a0, a1, a2, a3, b0, b1, b2, b3):
    return _fr_add_inl(a0, a1, a2, a3, b0, b1, b2, b3)


@njit(cache=True)
def fr_sub(a0, a1, a2, a3, b0, b1, b2, b3):
    return _fr_sub_inl(a0, a1, a2, a3, b0, b1, b2, b3)


# --- validation helpers -----------------------------------------------------------------

def check_array(a, name: str = "array") -> np.ndarray:
    """Return `a` if it is a C-contiguous (n, 4) uint64 array, else raise ValueError."""
    if not isinstance(a, np.ndarray) or a.dtype != np.uint64 or a.ndim != 2 or a.shape[1] != 4:
        got = f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(f"{name} must be a (n, 4) uint64 array of Fr limbs, got {got}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (use np.ascontiguousarray)")
    return a


def _same_len(*arrays) -> int:
    n = arrays[0].shape[0]
    for a in arrays[1:]:
        if a.shape[0] != n:
            raise ValueError(f"length mismatch: {n} vs {a.shape[0]}")
    return n


def _out(out, n: int) -> np.ndarray:
    if out is None:
        return np.empty((n, 4), dtype=np.uint64)
    check_array(out, "out")
    if out.shape[0] != n:
        raise ValueError(f"out has {out.shape[0]} rows, expected {n}")
    return out


# --- kernels ---------------------------------------------------------------------------------
#
# One parallel driver (`_k_ew`) for every elementwise operation: Numba's parfor
# machinery costs ~2 s of compile time per parallel kernel however small its body, so
# the loops live in the serial `_ew_span` and the driver only splits [0, n) into spans.

OP_MUL, OP_ADD, OP_SUB, OP_SCALE, OP_POW, OP_INV, OP_MULSUB, OP_MULSUB_SCALE = range(8)


@njit(cache=True)
def _pow4(x0, x1, x2, x3, e):
    """x^e for one Montgomery element; e is a (4,) uint64 limb array (any 256-bit integer)."""
    r0, r1, r2, r3 = _ONE0, _ONE1, _ONE2, _ONE3
    for li in range(3, -1, -1):
        limb = e[li]
        for bi in range(63, -1, -1):
            r0, r1, r2, r3 = fr_mul(r0, r1, r2, r3, r0, r1, r2, r3)
            if (limb >> U64(bi)) & _LIT1:
                r0, r1, r2, r3 = fr_mul(r0, r1, r2, r3, x0, x1, x2, x3)
    return r0, r1, r2, r3


@njit(cache=True)
def _batch_inv_span(a, out, lo, hi, e_rm2):
    """Montgomery's trick on a[lo:hi] -> out[lo:hi] (out must not alias a); zeros -> zeros."""
    # forward: out[i] = product of the non-zero a[lo..i-1]
    p0, p1, p2, p3 = _ONE0, _ONE1, _ONE2, _ONE3
    for i in range(lo, hi):
        x0, x1, x2, x3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
        out[i, 0] = p0
        out[i, 1] = p1
        out[i, 2] = p2
        out[i, 3] = p3
        if (x0 | x1 | x2 | x3) != ZERO:
            p0, p1, p2, p3 = fr_mul(p0, p1, p2, p3, x0, x1, x2, x3)
    # one inversion (Fermat) of the span's product
    q0, q1, q2, q3 = _pow4(p0, p1, p2, p3, e_rm2)
    # backward: q = (non-zero product of a[lo..i])^-1, so a[i]^-1 = q * prefix(i)
    for i in range(hi - 1, lo - 1, -1):
        x0, x1, x2, x3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
        if (x0 | x1 | x2 | x3) == ZERO:
            out[i, 0] = ZERO
            out[i, 1] = ZERO
            out[i, 2] = ZERO
            out[i, 3] = ZERO
            continue
        r0, r1, r2, r3 = fr_mul(q0, q1, q2, q3, out[i, 0], out[i, 1], out[i, 2], out[i, 3])
        q0, q1, q2, q3 = fr_mul(q0, q1, q2, q3, x0, x1, x2, x3)
        out[i, 0] = r0
        out[i, 1] = r1
        out[i, 2] = r2
        out[i, 3] = r3


@njit(cache=True)
def _ew_span(op, a, b, c, out, k, lo, hi):
    """out[i] = op(a[i], b[i], c[i], k) for lo <= i < hi; k is a (4,) constant.

    OP_SCALE multiplies by k in the Montgomery sense: with k in Montgomery form that is
    a field multiple, with k = R^2 the conversion to Montgomery form, with k = 1 the
    conversion back. OP_POW raises to the integer k; OP_INV is Montgomery's trick
    on the span (k = r - 2); OP_MULSUB is a*b - c, OP_MULSUB_SCALE (a*b - c)*k."""
    if op == OP_INV:
        _batch_inv_span(a, out, lo, hi, k)
        return
    k0, k1, k2, k3 = k[0], k[1], k[2], k[3]
    if op == OP_MUL:
        for i in range(lo, hi):
            r0, r1, r2, r3 = fr_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
            out[i, 0] = r0
            out[i, 1] = r1
            out[i, 2] = r2
            out[i, 3] = r3
    elif op == OP_ADD:
        for i in range(lo, hi):
            r0, r1, r2, r3 = fr_add(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
            out[i, 0] = r0
            out[i, 1] = r1
            out[i, 2] = r2
            out[i, 3] = r3
    elif op == OP_SUB:
        for i in range(lo, hi):
            r0, r1, r2, r3 = fr_sub(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
            out[i, 0] = r0
            out[i, 1] = r1
            out[i, 2] = r2
            out[i, 3] = r3
    elif op == OP_SCALE:
        for i in range(lo, hi):
            r0, r1, r2, r3 = fr_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], k0, k1, k2, k3)
            out[i, 0] = r0
            out[i, 1] = r1
            out[i, 2] = r2
            out[i, 3] = r3
    elif op == OP_POW:
        for i in range(lo, hi):
            r0, r1, r2, r3 = _pow4(a[i, 0], a[i, 1], a[i, 2], a[i, 3], k)
            out[i, 0] = r0
            out[i, 1] = r1
            out[i, 2] = r2
            out[i, 3] = r3
    else:  # OP_MULSUB, OP_MULSUB_SCALE
        for i in range(lo, hi):
            r0, r1, r2, r3 = fr_mul(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[i, 0], b[i, 1], b[i, 2], b[i, 3])
            r0, r1, r2, r3 = fr_sub(r0, r1, r2, r3, c[i, 0], c[i, 1], c[i, 2], c[i, 3])
            if op == OP_MULSUB_SCALE:
                r0, r1, r2, r3 = fr_mul(r0, r1, r2, r3, k0, k1, k2, k3)
            out[i, 0] = r0
            out[i, 1] = r1
            out[i, 2] = r2
            out[i, 3] = r3


@njit(cache=True, nogil=True)
def _k_ew(t0, step, op, n_spans, a, b, c, out, k):
    """Spans t0, t0 + step, ... of n_spans (one thread's share, see prover.threads)."""
    n = a.shape[0]
    for t in range(t0, n_spans, step):
        _ew_span(op, a, b, c, out, k, t * n // n_spans, (t + 1) * n // n_spans)


def elementwise(op: int, a: np.ndarray, b: np.ndarray, c: np.ndarray, out: np.ndarray,
                k: np.ndarray, n_spans: int = 0) -> np.ndarray:
    """Run `_ew_span` over all of a in parallel spans (arrays already validated). out may
    alias a, b or c except for OP_INV. Used by prover.ntt and prover.qap too."""
    n = a.shape[0]
    if n_spans <= 0:
        n_spans = max(1, min(32, n >> 11))
    threads.run(_k_ew, n_spans, n, op, n_spans, a, b, c, out, k)
    return out


_NO_K = np.zeros(4, dtype=np.uint64)
_K_R2 = np.array([_RR0, _RR1, _RR2, _RR3], dtype=np.uint64)
_K_RAW_ONE = np.array([_LIT1, ZERO, ZERO, ZERO], dtype=np.uint64)


_R_MINUS_2 = int_limbs(R - 2)


# --- public elementwise API ---------------------------------------------------------------

def mul(a: np.ndarray, b: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Elementwise a*b (Montgomery arrays). `out` may be `a` or `b`."""
    n = _same_len(check_array(a, "a"), check_array(b, "b"))
    out = _out(out, n)
    return elementwise(OP_MUL, a, b, a, out, _NO_K)


def add(a: np.ndarray, b: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Elementwise a+b (works on Montgomery or canonical arrays alike). `out` may alias."""
    n = _same_len(check_array(a, "a"), check_array(b, "b"))
    out = _out(out, n)
    return elementwise(OP_ADD, a, b, a, out, _NO_K)


def sub(a: np.ndarray, b: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Elementwise a-b (works on Montgomery or canonical arrays alike). `out` may alias."""
    n = _same_len(check_array(a, "a"), check_array(b, "b"))
    out = _out(out, n)
    return elementwise(OP_SUB, a, b, a, out, _NO_K)


def scale(a: np.ndarray, c: int, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Elementwise c*a for a field constant c given as a Python int (reduced mod r)."""
    n = check_array(a, "a").shape[0]
    out = _out(out, n)
    return elementwise(OP_SCALE, a, a, a, out, int_limbs(FR.to_mont_int(int(c) % R)))


def power(a: np.ndarray, e: int, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Elementwise a^e for an integer 0 <= e < 2^256 (0^0 = 1)."""
    e = int(e)
    if not 0 <= e < 1 << 256:
        raise ValueError("exponent must be in [0, 2^256); reduce it mod r-1 first")
    n = check_array(a, "a").shape[0]
    out = _out(out, n)
    return elementwise(OP_POW, a, a, a, out, int_limbs(e))


def batch_inverse(a: np.ndarray) -> np.ndarray:
    """Elementwise inverse by Montgomery's trick: one field inversion per chunk of ~2048.

    Zeros are allowed and map to zero (0 has no inverse; this is the convention of
    arkworks' batch_inversion), and do not disturb the other elements' inverses.
    Returns a new array."""
    n = check_array(a, "a").shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    if n:
        elementwise(OP_INV, a, a, a, out, _R_MINUS_2, max(1, min(64, n // 2048)))
    return out


def inverse(x: int) -> int:
    """Scalar inverse in Fr (Python int); raises ZeroDivisionError for 0."""
    x %= R
    if x == 0:
        raise ZeroDivisionError("inverse of 0 in Fr")
    return pow(x, -1, R)


# --- conversions ----------------------------------------------------------------------------

def _range_check(a: np.ndarray, what: str) -> None:
    bad = first_not_below(a, R)
    if bad >= 0:
        v = int.from_bytes(a[bad].astype("<u8").tobytes(), "little")
        raise ValueError(f"{what} {bad} is not a field element below r: {v}")


def to_montgomery(a: np.ndarray, out: Optional[np.ndarray] = None, *, check: bool = True) -> np.ndarray:
    """Canonical limbs (each < r, range-checked unless check=False) -> Montgomery form."""
    check_array(a, "a")
    if check:
        _range_check(a, "element")
    return elementwise(OP_SCALE, a, a, a, _out(out, a.shape[0]), _K_R2)


def from_montgomery(a: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Montgomery form -> canonical limbs (what an MSM or a file wants)."""
    check_array(a, "a")
    return elementwise(OP_SCALE, a, a, a, _out(out, a.shape[0]), _K_RAW_ONE)


def limbs_from_ints(values: Sequence[int]) -> np.ndarray:
    """Python ints in [0, r) -> (n, 4) canonical limbs; ValueError naming the first bad one.

    ~170 ns per element (one `int.to_bytes` each, through `map`), the fastest pure-Python
    route measured; the range check runs in Numba afterwards."""
    try:
        buf = b"".join(map(int.to_bytes, values, repeat(32), repeat("little")))
    except (OverflowError, TypeError):
        for i, v in enumerate(values):
            if not isinstance(v, int) or not 0 <= v < R:
                raise ValueError(f"value {i} is not a field element below r: {v!r}") from None
        raise
    a = np.frombuffer(buf, dtype="<u8").reshape(-1, 4).astype(np.uint64)
    _range_check(a, "value")
    return a


def from_ints(values: Sequence[int]) -> np.ndarray:
    """Python ints in [0, r) -> Montgomery array (range-checked)."""
    a = limbs_from_ints(values)
    return elementwise(OP_SCALE, a, a, a, a, _K_R2)


def to_ints(a: np.ndarray) -> list[int]:
    """Montgomery array -> Python ints in [0, r)."""
    raw = from_montgomery(a).astype("<u8", copy=False).tobytes()
    return [int.from_bytes(raw[i:i + 32], "little") for i in range(0, len(raw), 32)]


def limbs_from_bytes(buf, n: Optional[int] = None) -> np.ndarray:
    """circom-style field elements (32 bytes each, little-endian, as in .wtns / .zkey) ->
    (n, 4) canonical limbs, range-checked below r (one copy, one checking pass)."""
    mv = memoryview(buf).cast("B")
    if n is None:
        if len(mv) % 32:
            raise ValueError(f"byte length {len(mv)} is not a multiple of 32")
        n = len(mv) // 32
    elif len(mv) < 32 * n:
        raise ValueError(f"need {32 * n} bytes for {n} elements, got {len(mv)}")
    a = np.frombuffer(mv, dtype="<u8", count=4 * n).reshape(n, 4)
    if a.dtype != np.uint64 or not a.flags.writeable:
        # native, writable copy: a read-only array would make Numba compile every
        # kernel a second time for the read-only type
        a = a.astype(np.uint64)
    _range_check(a, "element")
    return a


def from_bytes(buf, n: Optional[int] = None) -> np.ndarray:
    """circom-style little-endian 32-byte elements -> Montgomery array (range-checked)."""
    a = limbs_from_bytes(buf, n)
    return elementwise(OP_SCALE, a, a, a, np.empty_like(a), _K_R2)


def zeros(n: int) -> np.ndarray:
    return np.zeros((n, 4), dtype=np.uint64)


# --- sparse matrix-vector product (R1CS rows times the witness) ----------------------------

KIND_GENERAL, KIND_ONE, KIND_MINUS_ONE = 0, 1, 2


@njit(cache=True)
def _spmv_rows(indptr, indices, coeffs, kinds, w, out, r0, r1, canonical):
    """out[i] = sum_k coeffs[k] * w[indices[k]] over rows r0 <= i < r1 (w and out Montgomery;
    coeffs Montgomery, or canonical when `canonical`).

    Coefficient kind 1 (= 1) adds w, kind 2 (= -1) subtracts it, kind 0 multiplies;
    zero witness values (bits are half of a circom witness) are skipped. A canonical
    coefficient c times w*2^256 gives c*w itself: those products are summed apart (g) and
    brought to Montgomery form once per row (times R^2), so the matrix needs no copy."""
    for i in range(r0, r1):
        s0, s1, s2, s3 = ZERO, ZERO, ZERO, ZERO
        g0, g1, g2, g3 = ZERO, ZERO, ZERO, ZERO
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            w0, w1, w2, w3 = w[j, 0], w[j, 1], w[j, 2], w[j, 3]
            if (w0 | w1 | w2 | w3) == ZERO:
                continue
            kd = kinds[k]
            if kd == 2:
                s0, s1, s2, s3 = fr_sub(s0, s1, s2, s3, w0, w1, w2, w3)
                continue
            if kd == 0:
                w0, w1, w2, w3 = fr_mul(coeffs[k, 0], coeffs[k, 1], coeffs[k, 2], coeffs[k, 3],
                                        w0, w1, w2, w3)
                if canonical:
                    g0, g1, g2, g3 = fr_add(g0, g1, g2, g3, w0, w1, w2, w3)
                    continue
            s0, s1, s2, s3 = fr_add(s0, s1, s2, s3, w0, w1, w2, w3)
        if canonical and (g0 | g1 | g2 | g3) != ZERO:
            g0, g1, g2, g3 = fr_mul(g0, g1, g2, g3, _RR0, _RR1, _RR2, _RR3)
            s0, s1, s2, s3 = fr_add(s0, s1, s2, s3, g0, g1, g2, g3)
        out[i, 0] = s0
        out[i, 1] = s1
        out[i, 2] = s2
        out[i, 3] = s3


@njit(cache=True, nogil=True)
def _k_spmv(t0, step, indptr, indices, coeffs, kinds, w, out, n_chunks, canonical):
    n = indptr.shape[0] - 1
    for ch in range(t0, n_chunks, step):
        _spmv_rows(indptr, indices, coeffs, kinds, w, out, ch * n // n_chunks, (ch + 1) * n // n_chunks,
                   canonical)


class MontCSR:
    """A CSR matrix over Fr, prepared for `matvec`.

    Build it once per circuit (`from_sparse` for `circuits.r1cs.SparseMatrix`, whose
    coefficients are canonical and are used as they are, without a copy;
    `from_montgomery` when they are Montgomery, as after reading a zkey), then call
    `matvec(w)` per proof."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, coeffs: np.ndarray, kinds: np.ndarray,
                 canonical: bool = False):
        self.canonical = bool(canonical)
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.coeffs = check_array(np.ascontiguousarray(coeffs), "coeffs")
        self.kinds = np.ascontiguousarray(kinds, dtype=np.uint8)
        nnz = self.indices.shape[0]
        if self.indptr.ndim != 1 or self.indptr.shape[0] < 1:
            raise ValueError("indptr must be a 1-d array of n_rows + 1 offsets")
        if self.coeffs.shape[0] != nnz or self.kinds.shape[0] != nnz:
            raise ValueError("indices, coeffs and kinds must have the same length")
        if self.indptr[0] != 0 or self.indptr[-1] != nnz or np.any(np.diff(self.indptr) < 0):
            raise ValueError("indptr must rise from 0 to nnz")
        if nnz and int(self.indices.min()) < 0:
            raise ValueError("negative column index")
        self.n_cols_min = int(self.indices.max()) + 1 if nnz else 0

    @property
    def n_rows(self) -> int:
        return self.indptr.shape[0] - 1

    @property
    def nnz(self) -> int:
        return self.indices.shape[0]

    @staticmethod
    def _kinds(coeffs: np.ndarray, canonical: bool = False) -> np.ndarray:
        one = np.array(limbs(1 if canonical else MONT_ONE), dtype=np.uint64)
        mone = np.array(limbs(R - 1 if canonical else MONT_MINUS_ONE), dtype=np.uint64)
        kinds = np.zeros(coeffs.shape[0], dtype=np.uint8)
        kinds[(coeffs == one).all(axis=1)] = KIND_ONE
        kinds[(coeffs == mone).all(axis=1)] = KIND_MINUS_ONE
        return kinds

    @classmethod
    def from_montgomery(cls, indptr, indices, coeffs_mont) -> "MontCSR":
        """From CSR arrays whose coefficients are already Montgomery (range-checked)."""
        coeffs_mont = check_array(np.ascontiguousarray(coeffs_mont, dtype=np.uint64), "coeffs")
        _range_check(coeffs_mont, "coefficient")
        return cls(indptr, indices, coeffs_mont, cls._kinds(coeffs_mont))

    @classmethod
    def from_sparse(cls, m) -> "MontCSR":
        """From a `circuits.r1cs.SparseMatrix` (canonical coefficients, range-checked, shared
        with the matrix: a big circuit's coefficients are gigabytes)."""
        coeffs = np.ascontiguousarray(m.coeffs, dtype=np.uint64).reshape(-1, 4)
        _range_check(coeffs, "coefficient")
        return cls(m.indptr, m.indices, coeffs, cls._kinds(coeffs, canonical=True), canonical=True)

    def matvec(self, w: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
        """<row_i, w> for every row, w a Montgomery array with one entry per wire.

        `out` may have more rows than the matrix (e.g. a QAP domain); only the first
        n_rows are written."""
        check_array(w, "w")
        if w.shape[0] < self.n_cols_min:
            raise ValueError(f"w has {w.shape[0]} entries, the matrix refers to wire {self.n_cols_min - 1}")
        if out is None:
            out = np.empty((self.n_rows, 4), dtype=np.uint64)
        else:
            check_array(out, "out")
            if out.shape[0] < self.n_rows:
                raise ValueError(f"out has {out.shape[0]} rows, the matrix has {self.n_rows}")
        n_chunks = max(1, min(64, self.n_rows // 256))
        threads.run(_k_spmv, n_chunks, self.nnz, self.indptr, self.indices, self.coeffs, self.kinds, w, out, n_chunks,
                    self.canonical)
        return out
