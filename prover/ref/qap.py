"""The plain twin of `prover.qap`: the H scalars of Groth16 in both conventions.

Independent routes from the fast code: convention (a) interpolates and evaluates each
polynomial point by point (no coset trick); convention (b) multiplies the polynomials
out and divides by x^n - 1 by long division. Natural order throughout; tiny sizes.
`h_snarkjs_ref` / `h_classic_ref` work on lists of ints; `h_snarkjs` / `h_classic` have the
fast module's API on Montgomery arrays.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from .ntt import R, bitrev_list, evaluate, ifft, root_of_unity


def h_snarkjs_ref(a: Sequence[int], b: Sequence[int], c: Optional[Sequence[int]] = None) -> List[int]:
    """[A(x_i) B(x_i) - C(x_i)] at x_i = w_2n * w_n^i: A, B, C interpolate a, b, c on H_n.
    c=None means c = a*b pointwise (snarkjs)."""
    n = len(a)
    if c is None:
        c = [x * y % R for x, y in zip(a, b)]
    pa, pb, pc = ifft(a), ifft(b), ifft(c)
    w2n, wn = root_of_unity(2 * n), root_of_unity(n)
    out = []
    for i in range(n):
        x = w2n * pow(wn, i, R) % R
        out.append((evaluate(pa, x) * evaluate(pb, x) - evaluate(pc, x)) % R)
    return out


def poly_mul(p: Sequence[int], q: Sequence[int]) -> List[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        if x:
            for j, y in enumerate(q):
                out[i + j] += x * y
    return [v % R for v in out]


def divide_by_vanishing(p: Sequence[int], n: int) -> tuple[List[int], List[int]]:
    """(quotient, remainder) of p(x) / (x^n - 1), remainder of length n."""
    p = [v % R for v in p]
    q = [0] * max(len(p) - n, 0)
    for k in range(len(p) - 1, n - 1, -1):  # x^k = x^(k-n) * (x^n - 1) + x^(k-n)
        t = p[k]
        if t:
            q[k - n] = t
            p[k - n] = (p[k - n] + t) % R
            p[k] = 0
    return q, (p + [0] * n)[:n]


def h_classic_ref(a: Sequence[int], b: Sequence[int], c: Sequence[int]) -> List[int]:
    """The n coefficients of h = (A*B - C)/(x^n - 1) (last one 0); ValueError if Z does not divide."""
    n = len(a)
    pa, pb, pc = ifft(a), ifft(b), ifft(c)
    prod = poly_mul(pa, pb)
    for i, v in enumerate(pc):
        prod[i] = (prod[i] - v) % R
    q, rem = divide_by_vanishing(prod, n)
    if any(rem):
        raise ValueError("A*B - C is not divisible by x^n - 1: the witness does not satisfy the QAP")
    return (q + [0] * n)[:n]


# --- the fast module's API on Montgomery arrays --------------------------------------------------

def _check(a, b, c):
    from prover.ref.fr_vec import to_ints
    xs = [to_ints(a), to_ints(b), None if c is None else to_ints(c)]
    n = len(xs[0])
    if len(xs[1]) != n or (c is not None and len(xs[2]) != n):
        raise ValueError("a, b and c must have the same length (the domain size)")
    if n < 2 or n & (n - 1):
        raise ValueError(f"QAP domain size must be a power of two >= 2, got {n}")
    return xs


def _out(vals, canonical: bool, c, overwrite: bool):
    from prover.ref.fr_vec import from_ints, limbs_from_ints
    arr = limbs_from_ints(vals) if canonical else from_ints(vals)
    if overwrite and c is not None:
        c[...] = arr
        return c
    return arr


def snarkjs_shift(n: int) -> int:
    return 25 if n == 1 << 28 else root_of_unity(2 * n)


def h_snarkjs(a, b, c=None, *, canonical: bool = False, overwrite: bool = False):
    """As `prover.qap.h_snarkjs`."""
    xa, xb, xc = _check(a, b, c)
    return _out(h_snarkjs_ref(xa, xb, xc), canonical, c, overwrite)


def h_classic(a, b, c, *, shift: int = 5, canonical: bool = False, order: str = "natural",
              overwrite: bool = False):
    """As `prover.qap.h_classic` (the shift only matters to the fast route's arithmetic)."""
    if order not in ("natural", "bitrev"):
        raise ValueError("order must be 'natural' or 'bitrev'")
    if c is None:
        raise ValueError("h_classic needs c = C.w")
    xa, xb, xc = _check(a, b, c)
    shift %= R
    if shift == 0 or (pow(shift, len(xa), R) - 1) % R == 0:
        raise ValueError("the coset shift must be nonzero and outside the 2-power subgroups")
    h = h_classic_ref(xa, xb, xc)
    return _out(bitrev_list(h) if order == "bitrev" else h, canonical, c, overwrite)
