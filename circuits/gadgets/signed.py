"""Signed integers in [-2^(n-1), 2^(n-1)), stored as field elements (v mod r).

A negative v is the field element r - |v|, so addition and multiplication by constants
work unchanged as long as no result leaves the range (the caller bounds widths so that
sums of checked values cannot wrap; see docs/state.md, "Units and bit-widths").
Range checks use the offset encoding: v is in range iff v + 2^(n-1) is in [0, 2^n).
Widths: 1 <= n <= 252.

Native twins: `encode_signed`, `decode_signed`, `in_signed_range_native`,
`is_negative_native`, `abs_native`, `signed_less_than_native`.
"""
from __future__ import annotations

from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..field import R
from .bits import bits_le
from .comparators import MAX_CMP_BITS, less_than


def _check_width(n: int) -> None:
    if not isinstance(n, int) or not 1 <= n <= MAX_CMP_BITS:
        raise ValueError(f"signed width must be an int in 1..{MAX_CMP_BITS}, got {n!r}")


def signed_bits(cs: ConstraintSystem, x: Operand, n: int, name: str = "signed") -> list[LC]:
    """The n little-endian bits of the offset value x + 2^(n-1); enforces x in
    [-2^(n-1), 2^(n-1)). The top bit is 1 iff x >= 0. Fails at '<name>.sum' otherwise.

    Cost: n + 1 constraints.
    """
    _check_width(n)
    return bits_le(cs, as_lc(x) + (1 << (n - 1)), n, name=name)


def range_check_signed(cs: ConstraintSystem, x: Operand, n: int, name: str = "signed") -> None:
    """Enforce x in [-2^(n-1), 2^(n-1)) (x read as v mod r). Fails at '<name>.sum'.

    Cost: n + 1 constraints.
    """
    signed_bits(cs, x, n, name=name)


def is_negative(cs: ConstraintSystem, x: Operand, n: int, name: str = "sign") -> LC:
    """A bit equal to 1 iff x < 0; also enforces x in [-2^(n-1), 2^(n-1)).

    Cost: n + 1 constraints.
    """
    bits = signed_bits(cs, x, n, name=name)
    return 1 - bits[n - 1]


def abs_signed(cs: ConstraintSystem, x: Operand, n: int, name: str = "abs") -> tuple[LC, LC]:
    """(|x|, is_negative) for x in [-2^(n-1), 2^(n-1)), which it enforces.

    |x| = x - 2 * neg * x lies in [0, 2^(n-1)] (2^(n-1) only for x = -2^(n-1)).

    Cost: n + 2 constraints.
    """
    x = as_lc(x)
    with cs.namespace(name):
        neg = is_negative(cs, x, n, name="sign")
        nx = cs.mul(neg, x, name="neg_x")
    return x - 2 * nx, neg


def signed_less_than(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                     name: str = "signed_less_than") -> LC:
    """A bit equal to 1 iff a < b for a, b in [-2^(n-1), 2^(n-1)).

    Precondition (not enforced): both operands are range-checked signed n-bit values
    (`range_check_signed`), as for `comparators.less_than`.

    Cost: n + 2 constraints.
    """
    _check_width(n)
    off = 1 << (n - 1)
    return less_than(cs, as_lc(a) + off, as_lc(b) + off, n, name=name)


# ---- native twins ---------------------------------------------------------------------

def encode_signed(v: int) -> int:
    """A Python int as a field element (v mod r)."""
    return v % R


def decode_signed(x: int, n: int) -> int:
    """A field element back to the signed int in [-2^(n-1), 2^(n-1)); ValueError outside."""
    x %= R
    v = x - R if x > R // 2 else x
    if not in_signed_range_native(v, n):
        raise ValueError(f"field element {x} is not a signed {n}-bit value")
    return v


def in_signed_range_native(v: int, n: int) -> bool:
    """Whether the Python int v lies in [-2^(n-1), 2^(n-1))."""
    half = 1 << (n - 1)
    return -half <= v < half


def is_negative_native(v: int, n: int) -> int:
    if not in_signed_range_native(v, n):
        raise ValueError(f"{v} is not a signed {n}-bit value")
    return int(v < 0)


def abs_native(v: int, n: int) -> tuple[int, int]:
    return abs(v), is_negative_native(v, n)


def signed_less_than_native(a: int, b: int, n: int) -> int:
    for v in (a, b):
        if not in_signed_range_native(v, n):
            raise ValueError(f"{v} is not a signed {n}-bit value")
    return int(a < b)
