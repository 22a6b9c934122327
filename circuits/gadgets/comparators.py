"""Equality and order tests on field elements and on bounded integers.

`is_zero`/`is_equal` work on any field elements. The order gadgets (`less_than` and
friends) compare integers known to fit in n bits (n <= 252): that precondition is NOT
checked here. Callers must range-check both operands to n bits first (`range_check`,
`bits_le`, or because they are built from checked bits); otherwise a value near r wraps
and the comparison may lie. `less_than_checked` does both for you.

Native twins: `is_zero_native`, `is_equal_native`, `less_than_native`, ...
"""
from __future__ import annotations

from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..field import R
from .bits import bits_le, range_check

MAX_CMP_BITS = 252
"""Largest n for the order gadgets: a + 2^n - b must stay below 2^(n+1) <= 2^253 < r."""


def _inv_or_zero(v: int) -> int:
    return pow(v, R - 2, R) if v else 0


def _check_cmp_n(n: int) -> None:
    if not isinstance(n, int) or not 1 <= n <= MAX_CMP_BITS:
        raise ValueError(f"comparison width must be an int in 1..{MAX_CMP_BITS}, got {n!r}")


def is_zero(cs: ConstraintSystem, x: Operand, name: str = "is_zero") -> LC:
    """A bit equal to 1 iff x == 0 (any field element).

    Enforces x * inv == 1 - out and x * out == 0, with inv a hint: if x != 0 the second
    forces out = 0; if x == 0 the first forces out = 1. out is boolean as a consequence.

    Cost: 2 constraints.
    """
    x = as_lc(x)
    with cs.namespace(name):
        inv = cs.hint(_inv_or_zero, x, name="inv")
        out = cs.witness("out", lambda: 0 if cs.value(x) else 1)
        cs.enforce(x, inv, 1 - out, name="inv")
        cs.enforce(x, out, 0, name="out")
    return out


def is_equal(cs: ConstraintSystem, a: Operand, b: Operand, name: str = "is_equal") -> LC:
    """A bit equal to 1 iff a == b (any field elements).

    Cost: 2 constraints.
    """
    return is_zero(cs, as_lc(a) - b, name=name)


def assert_nonzero(cs: ConstraintSystem, x: Operand, name: str = "nonzero") -> None:
    """Enforce x != 0 (x * inv == 1 with inv a hint). Fails at '<name>.inv' for x = 0.

    Cost: 1 constraint.
    """
    with cs.namespace(name):
        inv = cs.hint(_inv_or_zero, x, name="inv")
        cs.enforce(x, inv, 1, name="inv")


def assert_not_equal(cs: ConstraintSystem, a: Operand, b: Operand, name: str = "not_equal") -> None:
    """Enforce a != b. Cost: 1 constraint."""
    assert_nonzero(cs, as_lc(a) - b, name=name)


def less_than(cs: ConstraintSystem, a: Operand, b: Operand, n: int, name: str = "less_than") -> LC:
    """A bit equal to 1 iff a < b, for integers a, b in [0, 2^n), n <= 252.

    Decomposes a + 2^n - b (in [1, 2^(n+1))) into n + 1 bits; its top bit is 1 iff a >= b.
    Precondition (not enforced): a and b fit in n bits; the caller range-checks them.
    If they do not, '<name>.bits.sum' may fail or the result may be wrong.

    Cost: n + 2 constraints.
    """
    _check_cmp_n(n)
    with cs.namespace(name):
        bits = bits_le(cs, as_lc(a) + (1 << n) - b, n + 1, name="bits")
    return 1 - bits[n]


def less_or_equal(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                  name: str = "less_or_equal") -> LC:
    """A bit equal to 1 iff a <= b, for a, b in [0, 2^n) (precondition as `less_than`).

    Cost: n + 2 constraints.
    """
    return less_than(cs, a, as_lc(b) + 1, n, name=name)


def greater_than(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                 name: str = "greater_than") -> LC:
    """A bit equal to 1 iff a > b (precondition as `less_than`). Cost: n + 2 constraints."""
    return less_than(cs, b, a, n, name=name)


def greater_or_equal(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                     name: str = "greater_or_equal") -> LC:
    """A bit equal to 1 iff a >= b (precondition as `less_than`). Cost: n + 2 constraints."""
    return less_than(cs, b, as_lc(a) + 1, n, name=name)


def less_than_checked(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                      name: str = "less_than") -> LC:
    """`less_than` with both operands range-checked to n bits first (no precondition).

    Fails at '<name>.range_a.sum' / '<name>.range_b.sum' if an operand is >= 2^n.

    Cost: 3n + 4 constraints (388 for n = 128).
    """
    with cs.namespace(name):
        range_check(cs, a, n, name="range_a")
        range_check(cs, b, n, name="range_b")
        return less_than(cs, a, b, n, name="lt")


def assert_less_than(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                     name: str = "assert_less_than") -> None:
    """Enforce a < b for a, b in [0, 2^n), n <= 252 (precondition as `less_than`).

    Range-checks b - a - 1 to n bits: with a, b < 2^n this lies in [0, 2^n) iff a < b
    (otherwise it wraps to near r). Fails at '<name>.sum'.

    Cost: n + 1 constraints.
    """
    _check_cmp_n(n)
    range_check(cs, as_lc(b) - a - 1, n, name=name)


def assert_less_or_equal(cs: ConstraintSystem, a: Operand, b: Operand, n: int,
                         name: str = "assert_less_or_equal") -> None:
    """Enforce a <= b for a, b in [0, 2^n) (precondition as `less_than`). Fails at '<name>.sum'.

    Cost: n + 1 constraints.
    """
    _check_cmp_n(n)
    range_check(cs, as_lc(b) - a, n, name=name)


# ---- native twins ---------------------------------------------------------------------

def is_zero_native(x: int) -> int:
    return int(x % R == 0)


def is_equal_native(a: int, b: int) -> int:
    return int((a - b) % R == 0)


def _check_native_range(n: int, *vals: int) -> None:
    for v in vals:
        if not 0 <= v < (1 << n):
            raise ValueError(f"{v} does not fit in {n} bits")


def less_than_native(a: int, b: int, n: int) -> int:
    _check_native_range(n, a, b)
    return int(a < b)


def less_or_equal_native(a: int, b: int, n: int) -> int:
    _check_native_range(n, a, b)
    return int(a <= b)


def greater_than_native(a: int, b: int, n: int) -> int:
    _check_native_range(n, a, b)
    return int(a > b)


def greater_or_equal_native(a: int, b: int, n: int) -> int:
    _check_native_range(n, a, b)
    return int(a >= b)
