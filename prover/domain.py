"""Evaluation domains of Fr: roots of unity and Lagrange bases.

BN254's r - 1 = 2^28 * t, so Fr has multiplicative subgroups of every order 2^k, k <= 28.
The 2^28-th root is 5^t (5 is the smallest quadratic non-residue, as ffjavascript/snarkjs
and arkworks choose), and the 2^k-th root is its square taken 28 - k times, so our domains
are the very ones snarkjs uses: keys and `.zkey` files agree on which point is which.
"""
from __future__ import annotations

from functools import lru_cache

from circuits.field import R

TWO_ADICITY = 28
_ROOT_2_28 = pow(5, (R - 1) >> TWO_ADICITY, R)


@lru_cache(maxsize=None)
def root_of_unity(n: int) -> int:
    """A primitive n-th root of unity, n a power of two <= 2^28."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"domain size {n} is not a power of two")
    if n > 1 << TWO_ADICITY:
        raise ValueError(f"domain size {n} exceeds Fr's 2-adicity 2^{TWO_ADICITY}")
    w = _ROOT_2_28
    for _ in range(TWO_ADICITY - n.bit_length() + 1):
        w = w * w % R
    return w


def domain_size_for(n_constraints: int, n_public: int) -> int:
    """snarkjs's domain: the smallest power of two >= constraints + public inputs + 1."""
    need = n_constraints + n_public + 1
    n = 1
    while n < need:
        n <<= 1
    if n > 1 << (TWO_ADICITY - 1):  # the H points live on the 2n-th roots
        raise ValueError(f"circuit too large: domain 2^{n.bit_length() - 1} exceeds 2^{TWO_ADICITY - 1}")
    return n


def batch_inverse(values: list[int]) -> list[int]:
    """Inverses of nonzero Fr elements with one field inversion (Montgomery's trick)."""
    prefix = [1] * (len(values) + 1)
    acc = 1
    for i, v in enumerate(values):
        if v % R == 0:
            raise ZeroDivisionError("batch_inverse of 0")
        acc = acc * v % R
        prefix[i + 1] = acc
    inv = pow(acc, R - 2, R)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = prefix[i] * inv % R
        inv = inv * values[i] % R
    return out


def lagrange_at(tau: int, n: int, indices=None) -> list[int]:
    """L_k(tau) for the n-th roots of unity, k in `indices` (default all): 
    L_k(x) = (x^n - 1)/n * w^k / (x - w^k). tau must not be a root of unity."""
    w = root_of_unity(n)
    ks = range(n) if indices is None else indices
    powers = [pow(w, k, R) for k in ks] if indices is not None else _powers(w, n)
    denoms = [(tau - p) % R for p in powers]
    invs = batch_inverse(denoms)
    z_over_n = (pow(tau, n, R) - 1) * pow(n, R - 2, R) % R
    return [z_over_n * p % R * iv % R for p, iv in zip(powers, invs)]


def _powers(w: int, n: int) -> list[int]:
    out = [1] * n
    for i in range(1, n):
        out[i] = out[i - 1] * w % R
    return out
