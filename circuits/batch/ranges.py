"""Range checks with the widths of `circuits.spec.widths`: unsigned [0, 2^B), positive [1, 2^B),
signed |v| < 2^B (so -2^B is excluded, exactly as natively).

Native twins: `in_unsigned`, `in_positive`, `in_signed`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..gadgets.bits import bits_le
from ..gadgets.comparators import assert_nonzero


def unsigned(cs: ConstraintSystem, x: Operand, bits: int, name: str) -> list[LC]:
    """Enforce 0 <= x < 2^bits; returns the bits. Fails at '<name>.sum'.

    Cost: bits + 1 constraints.
    """
    return bits_le(cs, x, bits, name=name)


def positive(cs: ConstraintSystem, x: Operand, bits: int, name: str,
             enabled: Operand = 1) -> list[LC]:
    """Enforce 0 <= x < 2^bits, and x != 0 when ``enabled`` (a bit) is 1; returns the bits.

    Fails at '<name>.bits.sum' (range) or '<name>.nonzero.inv' (zero).
    Cost: bits + 2 constraints.
    """
    with cs.namespace(name):
        out = bits_le(cs, x, bits, name="bits")
        # x + 1 - enabled is x when enabled, and x + 1 >= 1 otherwise
        assert_nonzero(cs, as_lc(x) + 1 - as_lc(enabled), name="nonzero")
    return out


@dataclass
class Signed:
    """A signed value split by `signed`: the value, its sign bit and neg * value."""

    value: LC
    neg: LC
    neg_value: LC

    @property
    def abs(self) -> LC:
        """|value| (linear)."""
        return self.value - 2 * self.neg_value

    @property
    def pos(self) -> LC:
        """max(value, 0) (linear)."""
        return self.value - self.neg_value

    @property
    def negpart(self) -> LC:
        """min(value, 0) (linear)."""
        return self.neg_value


def signed(cs: ConstraintSystem, x: Operand, bits: int, name: str,
           trusted: bool = False) -> Signed:
    """Enforce |x| < 2^bits and split off the sign: neg = 1 iff x < 0.

    x + 2^bits is decomposed into bits + 1 bits (so -2^bits <= x < 2^bits) and is nonzero
    (which excludes -2^bits); its top bit is 1 iff x >= 0. Fails at '<name>.bits.sum'
    (too large) or '<name>.not_min.inv' (x = -2^bits). ``trusted``: x is known to satisfy
    the bound (a value read from the tree, checked when written); the nonzero test is
    skipped, the split still fixes the sign.

    Cost: bits + 4 constraints (bits + 2 split, 1 nonzero, 1 product neg * x); bits + 3
    when trusted.
    """
    x = as_lc(x)
    with cs.namespace(name):
        b = bits_le(cs, x + (1 << bits), bits + 1, name="bits")
        if not trusted:
            assert_nonzero(cs, x + (1 << bits), name="not_min")
        neg = 1 - b[bits]
        nx = cs.mul(neg, x, name="neg_x")
    return Signed(x, neg, nx)


def signed_range(cs: ConstraintSystem, x: Operand, bits: int, name: str) -> None:
    """Enforce |x| < 2^bits. Cost: bits + 3 constraints."""
    x = as_lc(x)
    with cs.namespace(name):
        bits_le(cs, x + (1 << bits), bits + 1, name="bits")
        assert_nonzero(cs, x + (1 << bits), name="not_min")


# ---- native twins -------------------------------------------------------------------------

def in_unsigned(v: int, bits: int) -> bool:
    return 0 <= v < (1 << bits)


def in_positive(v: int, bits: int) -> bool:
    return 1 <= v < (1 << bits)


def in_signed(v: int, bits: int) -> bool:
    return -(1 << bits) < v < (1 << bits)
