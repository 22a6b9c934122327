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
