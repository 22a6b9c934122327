"""Checks of the rollup's quantities at the application's boundary, and the batch shape.

The widths themselves (and why no arithmetic can wrap modulo r) are defined once, in
`circuits.spec.widths`; the functions here raise the application's errors
(`zkrollup.errors.OutOfRange`, `BadAmount`) for a value outside its width.
"""
from __future__ import annotations

from circuits.batch.shape import BatchShape
from circuits.spec.scenarios import STANDARD_SCENARIOS
from circuits.spec.widths import CASH_BITS, SIZE_BITS

from .errors import BadAmount, OutOfRange


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_unsigned(name: str, value: object, bits: int, *, minimum: int = 0) -> int:
    """Return value if it is an int with minimum <= value < 2^bits, else raise OutOfRange."""
    if not _is_int(value):
        raise OutOfRange(f"{name} must be an integer, got {value!r}")
    if not minimum <= value < (1 << bits):
        raise OutOfRange(f"{name} must be in [{minimum}, 2^{bits}), got {value}")
    return value


def check_signed(name: str, value: object, bits: int) -> int:
    """Return value if it is an int with |value| < 2^bits, else raise OutOfRange."""
    if not _is_int(value):
        raise OutOfRange(f"{name} must be an integer, got {value!r}")
    if not -(1 << bits) < value < (1 << bits):
        raise OutOfRange(f"{name} must satisfy |{name}| < 2^{bits}, got {value}")
    return value


def check_positive(name: str, value: object, bits: int) -> int:
    """An amount that must be at least 1 (BadAmount for 0) and below 2^bits."""
    if _is_int(value) and value == 0:
        raise BadAmount(f"{name} must be positive, got 0")
    return check_unsigned(name, value, bits, minimum=1)


def check_size(name: str, v: object) -> int:
    return check_signed(name, v, SIZE_BITS)


def check_cash(name: str, v: object) -> int:
    return check_signed(name, v, CASH_BITS)


def batch_shape(n_slots: int, acc_depth: int, ord_depth: int, n_instruments: int,
                n_scenarios: int = STANDARD_SCENARIOS) -> BatchShape:
    """The batch circuit's shape for these sizes, with the widths of `circuits.spec.widths`
    (BatchShape's defaults)."""
    return BatchShape(n_slots=n_slots, acc_depth=acc_depth, ord_depth=ord_depth,
                      n_instruments=n_instruments, n_scenarios=n_scenarios)
