"""Bit decompositions and range checks.

Bit order is little-endian everywhere: ``bits[0]`` is the least significant bit.
Every bit returned by these gadgets is constrained boolean, and their weighted sum is
constrained equal to the input, so a decomposition is also a range check.

Native twins: `bits_le_native`, `from_bits_native`, `in_range_native`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, weighted_sum
from ..field import R, R_BITS

MAX_BITS = 253
"""Largest n for `bits_le`/`range_check`: a sum of 253 bits is below 2^253 < r, so it
cannot wrap modulo r. For 254 bits use `bits_le_strict`."""


def _low_bits(v: int, n: int) -> list[int]:
    # the hint of every decomposition (module level so tests can impersonate a cheating prover)
    return [(v >> i) & 1 for i in range(n)]


def _check_n(n: int, hi: int = MAX_BITS) -> None:
    if not isinstance(n, int) or not 0 <= n <= hi:
        raise ValueError(f"bit width must be an int in 0..{hi}, got {n!r}")


def assert_bits(cs: ConstraintSystem, bits: Sequence[LC]) -> None:
    """Enforce every element of ``bits`` is 0 or 1 (b * (b - 1) == 0).

    Cost: len(bits) constraints.
    """
    for i, b in enumerate(bits):
        cs.enforce(b, b - 1, 0, name=f"bool{i}")


def bits_le(cs: ConstraintSystem, x: Operand, n: int, name: str = "bits") -> list[LC]:
    """Decompose x into n little-endian bits; enforces each bit boolean and
    sum(bits[i] * 2^i) == x, hence also 0 <= x < 2^n.

    n <= 253 (`MAX_BITS`), so the sum cannot wrap modulo r and the decomposition is
    unique. A value x >= 2^n (r - 1 included) makes constraint '<name>.sum' fail.

    Cost: n + 1 constraints.
    """
    _check_n(n)
    with cs.namespace(name):
        if n == 0:
            cs.enforce(x, 1, 0, name="sum")
            return []
        bits = cs.hint(_low_bits, x, n, n_out=n, name="b")
        if n == 1:
            bits = [bits]
        assert_bits(cs, bits)
        cs.enforce(from_bits(bits), 1, x, name="sum")
    return bits


def range_check(cs: ConstraintSystem, x: Operand, n: int, name: str = "range") -> None:
    """Enforce 0 <= x < 2^n (as an integer, x read in [0, r)); n <= 253.

    Fails at '<name>.sum' for x >= 2^n.

    Cost: n + 1 constraints.
    """
    bits_le(cs, x, n, name=name)


def from_bits(bits: Sequence[Operand]) -> LC:
    """sum(bits[i] * 2^i) as a linear combination; enforces nothing (the caller's bits
    must already be boolean).

    Cost: 0 constraints.
    """
    return weighted_sum([1 << i for i in range(len(bits))], bits)


# r - 1 read most significant bit first: bits_le_strict compares against it.
_RM1 = R - 1
_RM1_BITS_MSB = [(_RM1 >> i) & 1 for i in range(R_BITS - 1, -1, -1)]


def _and_all(cs: ConstraintSystem, items: list[LC]) -> LC:
    """AND of boolean LCs: 0 constraints for 1 item, 1 for 2, 2 for more (sum == k test)."""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return cs.mul(items[0], items[1], name="and")
    from .comparators import is_zero  # local import: comparators imports this module
    return is_zero(cs, len(items) - sum(items), name="and")


def bits_le_strict(cs: ConstraintSystem, x: Operand, name: str = "bits_strict") -> list[LC]:
    """Decompose x into 254 little-endian bits whose integer value is x's canonical
    representative in [0, r): bits boolean, sum(bits[i] * 2^i) == x, and the bits read
    as an integer are <= r - 1, which excludes the alias x + r (254 bits could encode
    both x and x + r when x < 2^254 - r).

    How the alias check works: scanning from the most significant bit, ``run`` is 1 while
    the bits seen so far equal those of r - 1 at its 1-positions (and are 0 at its
    0-positions, which ``run`` forces). At each 0-position of r - 1 the constraint
    (1 - run - b) * b == 0 makes b boolean and forbids b = 1 while run = 1, so the bits
    never exceed r - 1. Runs of ones of r - 1 are folded into ``run`` with a product
    (1 constraint) or a sum == k test (2 constraints).

    Cost: 332 constraints (254 booleanity/order checks, 1 sum, 77 to fold the 53 runs of
    ones of r - 1).
    """
    with cs.namespace(name):
        bits = cs.hint(_low_bits, x, R_BITS, n_out=R_BITS, name="b")
        run: LC | None = None
        pending: list[LC] = []
        for k, rbit in enumerate(_RM1_BITS_MSB):
            i = R_BITS - 1 - k
            b = bits[i]
            if rbit:
                cs.enforce(b, b - 1, 0, name=f"bool{i}")
                pending.append(b)
                continue
            if pending:
                with cs.namespace(f"run{i}"):
                    run = _and_all(cs, pending + ([run] if run is not None else []))
                pending = []
            if run is None:  # not reached for BN254 (r - 1 starts with a 1) but kept general
                cs.enforce(b, b - 1, 0, name=f"bool{i}")
            else:
                cs.enforce(1 - run - b, b, 0, name=f"lt_r{i}")
        cs.enforce(from_bits(bits), 1, x, name="sum")
    return bits


# ---- native twins ---------------------------------------------------------------------

def bits_le_native(x: int, n: int) -> list[int]:
    """The n little-endian bits of x; ValueError unless 0 <= x < 2^n."""
    if not 0 <= x < (1 << n):
        raise ValueError(f"{x} does not fit in {n} bits")
    return _low_bits(x, n)


def bits_le_strict_native(x: int) -> list[int]:
    """The 254 little-endian bits of x mod r (canonical representative)."""
    return _low_bits(x % R, R_BITS)


def from_bits_native(bits: Sequence[int]) -> int:
    return sum(b << i for i, b in enumerate(bits))


def in_range_native(x: int, n: int) -> bool:
    """Whether field element x (read in [0, r)) satisfies x < 2^n."""
    return x % R < (1 << n)
