"""Boolean logic, selection and conditional swap.

Inputs called bits must already be constrained boolean (by `assert_bool`, `bits_le`, a
comparator output, ...): these gadgets do not re-check them, and on non-boolean inputs
their outputs are meaningless. Outputs of `and_`, `or_`, `not_`, `xor`, `all_`, `any_`
are boolean whenever the inputs are. Where a result is a linear function of one product,
the gadget returns a linear combination (no extra variable).

Native twins: `and_native`, `or_native`, ... `select_native`, `cond_swap_native`.
"""
from __future__ import annotations

from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc, lc_sum
from .comparators import is_zero


def assert_bool(cs: ConstraintSystem, b: Operand, name: str = "bool") -> None:
    """Enforce b in {0, 1} via b * (b - 1) == 0. Fails at '<name>' otherwise.

    Cost: 1 constraint.
    """
    b = as_lc(b)
    cs.enforce(b, b - 1, 0, name=name)


def and_(cs: ConstraintSystem, a: Operand, b: Operand, name: str = "and") -> LC:
    """a AND b = a * b for bits a, b. Cost: 1 constraint."""
    return cs.mul(a, b, name=name)


def or_(cs: ConstraintSystem, a: Operand, b: Operand, name: str = "or") -> LC:
    """a OR b = a + b - a * b for bits a, b. Cost: 1 constraint."""
    return as_lc(a) + b - cs.mul(a, b, name=name)


def not_(a: Operand) -> LC:
    """NOT a = 1 - a for a bit a. Cost: 0 constraints."""
    return 1 - as_lc(a)


def xor(cs: ConstraintSystem, a: Operand, b: Operand, name: str = "xor") -> LC:
    """a XOR b = a + b - 2 * a * b for bits a, b. Cost: 1 constraint."""
    return as_lc(a) + b - 2 * cs.mul(a, b, name=name)


def all_(cs: ConstraintSystem, bits: Sequence[Operand], name: str = "all") -> LC:
    """AND of k bits: 1 iff sum(bits) == k (k < r, so no wrap).

    Cost: 0 constraints for k = 1, 1 for k = 2, 2 for k >= 3.
    """
    if not bits:
        return as_lc(1)
    if len(bits) == 1:
        return as_lc(bits[0])
    if len(bits) == 2:
        return and_(cs, bits[0], bits[1], name=name)
    return is_zero(cs, len(bits) - lc_sum(bits), name=name)


def any_(cs: ConstraintSystem, bits: Sequence[Operand], name: str = "any") -> LC:
    """OR of k bits: 1 iff sum(bits) != 0 (k < r, so no wrap).

    Cost: 0 constraints for k = 1, 1 for k = 2, 2 for k >= 3.
    """
    if not bits:
        return as_lc(0)
    if len(bits) == 1:
        return as_lc(bits[0])
    if len(bits) == 2:
        return or_(cs, bits[0], bits[1], name=name)
    return 1 - is_zero(cs, lc_sum(bits), name=name)


def select(cs: ConstraintSystem, bit: Operand, if_true: Operand, if_false: Operand,
           name: str = "select") -> LC:
    """bit ? if_true : if_false, i.e. if_false + bit * (if_true - if_false), for a bit.

    Cost: 1 constraint (0 if if_true - if_false or bit is a constant).
    """
    f = as_lc(if_false)
    return f + cs.mul(bit, as_lc(if_true) - f, name=name)


def cond_swap(cs: ConstraintSystem, bit: Operand, a: Operand, b: Operand,
              name: str = "swap") -> tuple[LC, LC]:
    """(a, b) if bit == 0 else (b, a), for a bit. Used e.g. to order Merkle siblings.

    Cost: 1 constraint (0 if b - a or bit is a constant).
    """
    a = as_lc(a)
    d = cs.mul(bit, as_lc(b) - a, name=name)
    return a + d, b - d


# ---- native twins ---------------------------------------------------------------------

def _bit(x: int) -> int:
    if x not in (0, 1):
        raise ValueError(f"not a bit: {x}")
    return x


def and_native(a: int, b: int) -> int:
    return _bit(a) & _bit(b)


def or_native(a: int, b: int) -> int:
    return _bit(a) | _bit(b)


def not_native(a: int) -> int:
    return 1 - _bit(a)


def xor_native(a: int, b: int) -> int:
    return _bit(a) ^ _bit(b)


def all_native(bits: Sequence[int]) -> int:
    return int(all(_bit(b) for b in bits))


def any_native(bits: Sequence[int]) -> int:
    return int(any([_bit(b) for b in bits]))


def select_native(bit: int, if_true: int, if_false: int) -> int:
    return if_true if _bit(bit) else if_false


def cond_swap_native(bit: int, a: int, b: int) -> tuple[int, int]:
    return (b, a) if _bit(bit) else (a, b)
