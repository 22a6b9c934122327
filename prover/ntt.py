"""Radix-2 number-theoretic transforms over Fr, without bit-reversal passes.

Orders. An array of n = 2^k Montgomery elements is either in *natural* order (index i)
or in *bit-reversed* order (index i holds what natural order keeps at bitrev_k(i)).
The two kernels each change order once, so pairing them never needs a permutation:

    ntt_nr   natural coefficients   -> bit-reversed evaluations   (decimation in frequency)
    intt_rn  bit-reversed evals     -> natural coefficients       (decimation in time, /n)
    intt_nr  natural evaluations    -> bit-reversed coefficients  (DIF with inverse roots, /n)
    ntt_rn   bit-reversed coeffs    -> natural evaluations        (DIT)

so `intt_rn(ntt_nr(x)) == x` and `ntt_rn(intt_nr(x)) == x`. "Evaluations" are at the
powers of omega_n = root_of_unity(n): natural index i holds p(omega_n^i). The coset
variants evaluate at shift * omega_n^i. `ntt`, `intt`, `coset_ntt`, `coset_intt` are
natural-in, natural-out conveniences that pay one explicit permutation (tests, tools).

Roots: omega_{2^28} = 5^((r-1)/2^28) (5 is the smallest non-residue, the generator
ffjavascript/snarkjs and arkworks use); omega_{2^k} = omega_{2^28}^(2^(28-k)), so our
roots are exactly snarkjs's `Fr.w[k]`, which the zkey H points depend on.

Speed: twiddles are precomputed per size (cached) as per-stage contiguous tables
(entry m + j is w_{2m}^j). A transform runs in two parallel phases, each cache-friendly:
the stages wider than B = 2^BLOCK_LOG elements as "column" tasks (g consecutive
residues mod B through all of them), the others as "block" tasks (one block of B
elements through all of them). Several arrays of one size go through together (a
(k, n, 4) stack: the QAP's a, b, c), so a whole transform is two parallel phases
(`prover.threads`).
Butterflies with twiddle 1 skip the multiplication. About 1.5 field multiplications
of time per butterfly, single-threaded.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np
from numba import njit

from . import threads
from .fr_vec import (OP_MUL, OP_SCALE, _NO_K, _K_RAW_ONE, check_array, elementwise, fr_add, fr_mul, fr_sub)
from .convert import int_limbs
from .mont import FR
from .domain import TWO_ADICITY, root_of_unity  # one definition of the domains

R = FR.p
GENERATOR = 5
"""Multiplicative generator of Fr* (smallest quadratic non-residue): the default coset shift."""

BLOCK_LOG = 12
"""Stages whose butterflies stay inside 2^BLOCK_LOG elements (128 KiB) run per block."""


def log2_exact(n: int) -> int:
    if not isinstance(n, (int, np.integer)) or n < 1 or n & (n - 1):
        raise ValueError(f"NTT size must be a power of two, got {n}")
    log_n = int(n).bit_length() - 1
    if log_n > TWO_ADICITY:
        raise ValueError(f"NTT size 2^{log_n} exceeds Fr's 2-adicity 2^{TWO_ADICITY}")
    return log_n


def _mont(x: int) -> np.ndarray:
    return int_limbs(FR.to_mont_int(x % R))


# --- kernels --------------------------------------------------------------------------------

@njit(cache=True)
def _k_powers(start, base, out):
    """out[i] = start * base^i (Montgomery), sequentially."""
    p0, p1, p2, p3 = start[0], start[1], start[2], start[3]
    b0, b1, b2, b3 = base[0], base[1], base[2], base[3]
    for i in range(out.shape[0]):
        out[i, 0] = p0
        out[i, 1] = p1
        out[i, 2] = p2
        out[i, 3] = p3
        p0, p1, p2, p3 = fr_mul(p0, p1, p2, p3, b0, b1, b2, b3)


@njit(cache=True)
def _dif_span(x, tw, lm, t0, t1):
    """Butterflies t0..t1-1 of the DIF stage of half-width m = 2^lm:
    (x[i0], x[i1]) <- (u + v, (u - v) * w_{2m}^j), i0 = 2m*(t >> lm) + j, i1 = i0 + m.

    One function for every stage so the Montgomery code is compiled once (the tasks
    call it on contiguous spans; the call costs nothing per span)."""
    m = 1 << lm
    mask = m - 1
    for t in range(t0, t1):
        j = t & mask
        i0 = ((t >> lm) << (lm + 1)) + j
        i1 = i0 + m
        u0, u1, u2, u3 = x[i0, 0], x[i0, 1], x[i0, 2], x[i0, 3]
        v0, v1, v2, v3 = x[i1, 0], x[i1, 1], x[i1, 2], x[i1, 3]
        s0, s1, s2, s3 = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
        d0, d1, d2, d3 = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)
        if j != 0:  # w^0 = 1: a whole stage (m = 1) and one butterfly per group skip the mul
            ti = m + j
            d0, d1, d2, d3 = fr_mul(d0, d1, d2, d3, tw[ti, 0], tw[ti, 1], tw[ti, 2], tw[ti, 3])
        x[i0, 0] = s0
        x[i0, 1] = s1
        x[i0, 2] = s2
        x[i0, 3] = s3
        x[i1, 0] = d0
        x[i1, 1] = d1
        x[i1, 2] = d2
        x[i1, 3] = d3


@njit(cache=True)
def _dit_span(x, tw, lm, t0, t1):
    """Butterflies t0..t1-1 of the DIT stage of half-width m = 2^lm:
    (x[i0], x[i1]) <- (u + v * w_{2m}^j, u - v * w_{2m}^j)."""
    m = 1 << lm
    mask = m - 1
    for t in range(t0, t1):
        j = t & mask
        i0 = ((t >> lm) << (lm + 1)) + j
        i1 = i0 + m
        u0, u1, u2, u3 = x[i0, 0], x[i0, 1], x[i0, 2], x[i0, 3]
        v0, v1, v2, v3 = x[i1, 0], x[i1, 1], x[i1, 2], x[i1, 3]
        if j != 0:
            ti = m + j
            v0, v1, v2, v3 = fr_mul(v0, v1, v2, v3, tw[ti, 0], tw[ti, 1], tw[ti, 2], tw[ti, 3])
        s0, s1, s2, s3 = fr_add(u0, u1, u2, u3, v0, v1, v2, v3)
        d0, d1, d2, d3 = fr_sub(u0, u1, u2, u3, v0, v1, v2, v3)
        x[i0, 0] = s0
        x[i0, 1] = s1
        x[i0, 2] = s2
        x[i0, 3] = s3
        x[i1, 0] = d0
        x[i1, 1] = d1
        x[i1, 2] = d2
        x[i1, 3] = d3


@njit(cache=True)
def _premul(x, pre, pre_mode, i0, i1):
    """x[i] *= pre[i] (pre_mode 1) or *= pre[0] (pre_mode 2) for i0 <= i < i1."""
    for i in range(i0, i1):
        k = i if pre_mode == 1 else 0
        r0, r1, r2, r3 = fr_mul(x[i, 0], x[i, 1], x[i, 2], x[i, 3], pre[k, 0], pre[k, 1], pre[k, 2], pre[k, 3])
        x[i, 0] = r0
        x[i, 1] = r1
        x[i, 2] = r2
        x[i, 3] = r3


@njit(cache=True)
def _group_size(log_n, lb):
    """Residues per column task: ~2^14 elements per task (in L2), 8 <= g <= 2^lb / 8."""
    g = 1 << max(0, 14 - (log_n - lb))
    return max(min(g, (1 << lb) >> 3), 1)


OP_DIF_COLS, OP_DIF_BLOCKS, OP_DIT_BLOCKS, OP_DIT_COLS, OP_PERMUTE_MUL = range(5)


@njit(cache=True)
def _ntt_task(op, t, n_tasks, xs, tw, log_n, lb, pre, pre_mode, perm, out):
    """Task t of one phase of a transform of every xs[k] ((k, n, 4) stack, n > 1).

    The stages of half-width m >= B = 2^lb pair elements of the same residue i mod B
    only: a *column* task takes g consecutive residues of one array through all those
    stages (DIF: first, after the optional pre-multiply; DIT: last). The other stages
    stay inside blocks of B elements: a *block* task takes one block through them (DIT
    pre-multiplies the block first). Both touch ~2^14 elements, which stay in L2.
    OP_PERMUTE_MUL: span t of out[perm[i]] = xs[0][i] * pre[i]."""
    n = xs.shape[1]
    bsize = 1 << lb
    n_rows = n >> lb
    if op == OP_DIF_COLS or op == OP_DIT_COLS:
        g = _group_size(log_n, lb)
        per = bsize // g
        x = xs[t // per]
        r0 = (t % per) * g
        if op == OP_DIF_COLS:
            if pre_mode != 0:
                for q in range(n_rows):
                    _premul(x, pre, pre_mode, q * bsize + r0, q * bsize + r0 + g)
            for lm in range(log_n - 1, lb - 1, -1):
                m = 1 << lm
                for blk in range(n >> (lm + 1)):
                    for jj in range(0, m, bsize):
                        t0 = blk * m + jj + r0
                        _dif_span(x, tw, lm, t0, t0 + g)
        else:
            for lm in range(lb, log_n):
                m = 1 << lm
                for blk in range(n >> (lm + 1)):
                    for jj in range(0, m, bsize):
                        t0 = blk * m + jj + r0
                        _dit_span(x, tw, lm, t0, t0 + g)
    elif op == OP_DIF_BLOCKS or op == OP_DIT_BLOCKS:
        x = xs[t // n_rows]
        blk = t % n_rows
        hb = bsize >> 1
        if op == OP_DIF_BLOCKS:
            if pre_mode != 0 and log_n == lb:
                _premul(x, pre, pre_mode, 0, n)
            for lm in range(lb - 1, -1, -1):
                _dif_span(x, tw, lm, blk * hb, (blk + 1) * hb)
        else:
            if pre_mode != 0:
                _premul(x, pre, pre_mode, blk * bsize, (blk + 1) * bsize)
            for lm in range(lb):
                _dit_span(x, tw, lm, blk * hb, (blk + 1) * hb)
    else:  # OP_PERMUTE_MUL
        x = xs[0]
        for i in range(t * n // n_tasks, (t + 1) * n // n_tasks):
            r0, r1, r2, r3 = fr_mul(x[i, 0], x[i, 1], x[i, 2], x[i, 3],
                                    pre[i, 0], pre[i, 1], pre[i, 2], pre[i, 3])
            p = perm[i]
            out[p, 0] = r0
            out[p, 1] = r1
            out[p, 2] = r2
            out[p, 3] = r3


@njit(cache=True, nogil=True)
def _k_ntt(t0, step, op, n_tasks, xs, tw, log_n, lb, pre, pre_mode, perm, out):
    """The one parallel driver of this module, tasks t0, t0 + step, ... (one thread's share,
    see prover.threads): one parallel phase per call (waking the second core costs ~ms on a
    busy host, so the number of phases matters)."""
    for t in range(t0, n_tasks, step):
        _ntt_task(op, t, n_tasks, xs, tw, log_n, lb, pre, pre_mode, perm, out)


# --- domains (cached precomputation per size) ------------------------------------------------

def bitrev_indices(log_n: int) -> np.ndarray:
    n = 1 << log_n
    idx = np.arange(n, dtype=np.int64)
    rev = np.zeros(n, dtype=np.int64)
    for b in range(log_n):
        rev |= ((idx >> b) & 1) << (log_n - 1 - b)
    return rev


class Domain:
    """Precomputed data for transforms of size n = 2^log_n (get one with `domain(n)`).

    Holds omega (Python int), its inverse, 1/n, the forward and inverse stage twiddle
    tables (Montgomery, (n, 4): entry m + j is omega_{2m}^{+-j}), the bit-reversal
    permutation, and power tables for cosets, built on first use and kept."""

    def __init__(self, n: int):
        self.log_n = log2_exact(n)
        self.n = n
        self.omega = root_of_unity(n)
        self.omega_inv = pow(self.omega, -1, R)
        self.n_inv = pow(n, -1, R)
        self.tw = self._stage_table(self.omega)
        self.tw_inv = self._stage_table(self.omega_inv)
        self._bitrev: Optional[np.ndarray] = None
        self._tables: Dict[tuple, np.ndarray] = {}

    def _stage_table(self, w: int) -> np.ndarray:
        n = self.n
        tw = np.zeros((max(n, 1), 4), dtype=np.uint64)
        if n >= 2:
            big = np.empty((n // 2, 4), dtype=np.uint64)
            _k_powers(_mont(1), _mont(w), big)  # w^j for j < n/2
            m = n // 2
            while m >= 1:
                tw[m:2 * m] = big[::n // (2 * m)]
                m //= 2
        return tw

    @property
    def bitrev(self) -> np.ndarray:
        if self._bitrev is None:
            self._bitrev = bitrev_indices(self.log_n)
        return self._bitrev

    def powers(self, base: int, scale: int = 1, bitrev: bool = False, canonical: bool = False) -> np.ndarray:
        """Table T[i] = scale * base^i (natural) or scale * base^bitrev(i); cached.

        Montgomery form, or with canonical=True plain limbs: a Montgomery product of x
        with a plain value t is x*t in plain form (a conversion folded into a multiply)."""
        key = (base % R, scale % R, bitrev, canonical)
        t = self._tables.get(key)
        if t is None:
            if canonical:
                t = np.empty((self.n, 4), dtype=np.uint64)
                src = self.powers(base, scale, bitrev)
                elementwise(OP_SCALE, src, src, src, t, _K_RAW_ONE)
            else:
                t = np.empty((self.n, 4), dtype=np.uint64)
                _k_powers(_mont(scale), _mont(base), t)
                if bitrev:
                    t = np.ascontiguousarray(t[self.bitrev])
            self._tables[key] = t
        return t


_DOMAINS: Dict[int, Domain] = {}


def domain(n: int) -> Domain:
    """The cached `Domain` of size n."""
    d = _DOMAINS.get(n)
    if d is None:
        d = _DOMAINS[n] = Domain(n)
    return d


# --- public transforms ----------------------------------------------------------------------

def _prepare(a: np.ndarray, inplace: bool) -> Tuple[np.ndarray, Domain]:
    check_array(a, "a")
    d = domain(a.shape[0])
    return (a if inplace else a.copy()), d


_NO_PRE = np.zeros((1, 4), dtype=np.uint64)
_NO_PERM = np.zeros(1, dtype=np.int64)
_NO_OUT = np.zeros((1, 4), dtype=np.uint64)


def _transform(xs: np.ndarray, tw: np.ndarray, pre: Optional[np.ndarray], forward_dif: bool) -> None:
    k, n = xs.shape[0], xs.shape[1]
    log_n = log2_exact(n)
    if n == 1:  # no butterflies; only the pre-multiply
        if pre is not None:
            for x in xs:
                elementwise(OP_MUL, x, pre[:1], x, x, _NO_K)
        return
    mode = 0 if pre is None else (1 if pre.shape[0] == n else 2)
    pre = _NO_PRE if pre is None else pre
    lb = min(BLOCK_LOG, log_n)
    n_cols = k * ((1 << lb) // _group_size(log_n, lb)) if log_n > lb else 0
    n_blocks = k * (n >> lb)
    phases = [(OP_DIF_COLS, n_cols), (OP_DIF_BLOCKS, n_blocks)] if forward_dif else \
             [(OP_DIT_BLOCKS, n_blocks), (OP_DIT_COLS, n_cols)]
    for op, n_tasks in phases:
        if n_tasks:
            threads.run(_k_ntt, n_tasks, k * n, op, n_tasks, xs, tw, log_n, lb, pre, mode, _NO_PERM, _NO_OUT)


def dif(xs: np.ndarray, tw: np.ndarray, pre: Optional[np.ndarray] = None) -> None:
    """In place on a (k, n, 4) stack: optional pre-multiply (pre of n rows: elementwise;
    of 1 row: a constant), then the DIF kernel with stage table tw (natural -> bit-reversed)."""
    _transform(xs, tw, pre, True)


def dit(xs: np.ndarray, tw: np.ndarray, pre: Optional[np.ndarray] = None) -> None:
    """As `dif`, with the DIT kernel (bit-reversed -> natural)."""
    _transform(xs, tw, pre, False)


def permute_mul(x: np.ndarray, perm: np.ndarray, table: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[perm[i]] = x[i] * table[i] (a scatter fused with a multiply; out must not alias x)."""
    n = x.shape[0]
    nt = max(1, min(32, n >> 11))
    threads.run(_k_ntt, nt, n, OP_PERMUTE_MUL, nt, x.reshape(1, n, 4), _NO_OUT, 0, 0,
        table, 1, perm, out)
    return out


def _one(x: np.ndarray) -> np.ndarray:
    return x.reshape(1, x.shape[0], 4)


def ntt_nr(a: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Natural-order coefficients -> evaluations at omega^i, in bit-reversed order."""
    x, d = _prepare(a, inplace)
    dif(_one(x), d.tw)
    return x


def ntt_rn(a: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Bit-reversed coefficients -> evaluations at omega^i, natural order."""
    x, d = _prepare(a, inplace)
    dit(_one(x), d.tw)
    return x


def intt_rn(a: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Bit-reversed evaluations -> natural-order coefficients (inverse of `ntt_nr`)."""
    x, d = _prepare(a, inplace)
    dit(_one(x), d.tw_inv, _mont(d.n_inv).reshape(1, 4))
    return x


def intt_nr(a: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Natural-order evaluations -> bit-reversed coefficients (inverse of `ntt_rn`)."""
    x, d = _prepare(a, inplace)
    dif(_one(x), d.tw_inv, _mont(d.n_inv).reshape(1, 4))
    return x


def _check_shift(shift: int) -> int:
    shift %= R
    if shift == 0:
        raise ValueError("coset shift must be nonzero mod r")
    return shift


def coset_ntt_nr(a: np.ndarray, shift: int = GENERATOR, inplace: bool = False) -> np.ndarray:
    """Natural coefficients -> evaluations at shift * omega^i, bit-reversed order."""
    shift = _check_shift(shift)
    x, d = _prepare(a, inplace)
    dif(_one(x), d.tw, d.powers(shift))
    return x


def coset_intt_rn(a: np.ndarray, shift: int = GENERATOR, inplace: bool = False) -> np.ndarray:
    """Bit-reversed evaluations at shift * omega^i -> natural coefficients."""
    shift = _check_shift(shift)
    x, d = _prepare(a, inplace)
    dit(_one(x), d.tw_inv)
    tab = d.powers(pow(shift, -1, R), d.n_inv)
    elementwise(OP_MUL, x, tab, x, x, _NO_K)
    return x


def bitrev_permute(a: np.ndarray) -> np.ndarray:
    """The explicit permutation between natural and bit-reversed order (its own inverse)."""
    check_array(a, "a")
    return np.ascontiguousarray(a[domain(a.shape[0]).bitrev])


def ntt(a: np.ndarray) -> np.ndarray:
    """Natural coefficients -> natural evaluations (one explicit permutation)."""
    return bitrev_permute(ntt_nr(a))


def intt(a: np.ndarray) -> np.ndarray:
    """Natural evaluations -> natural coefficients (one explicit permutation)."""
    return bitrev_permute(intt_nr(a))


def coset_ntt(a: np.ndarray, shift: int = GENERATOR) -> np.ndarray:
    """Natural coefficients -> natural evaluations at shift * omega^i."""
    return bitrev_permute(coset_ntt_nr(a, shift))


def coset_intt(a: np.ndarray, shift: int = GENERATOR) -> np.ndarray:
    """Natural evaluations at shift * omega^i -> natural coefficients."""
    return coset_intt_rn(bitrev_permute(a), shift, inplace=True)
