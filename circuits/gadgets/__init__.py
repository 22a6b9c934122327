"""Gadget library: plain functions ``(cs, ...) -> LC | list[LC]`` over `circuits.cs`.

Each module keeps native twins (pure int functions) beside its gadgets, and every gadget
docstring states what it enforces, its cost (``Cost: N constraints``) and soundness notes.

- `bits`: bits_le, bits_le_strict, from_bits, range_check
- `boolean`: assert_bool, and_, or_, not_, xor, all_, any_, select, cond_swap
- `comparators`: is_zero, is_equal, assert_nonzero, less_than, less_or_equal, ... (bounded operands)
- `signed`: signed n-bit values by offset: range_check_signed, is_negative, abs_signed, signed_less_than
- `mux`: one_hot, mux, mux_rows, mux_one_hot, mux_bits

Most gadgets are re-exported here. The function `mux.mux` is not (it would hide the
module `circuits.gadgets.mux`): call it as ``from circuits.gadgets.mux import mux``.
"""
from .bits import bits_le, bits_le_strict, from_bits, range_check, assert_bits
from .boolean import assert_bool, and_, or_, not_, xor, all_, any_, select, cond_swap
from .comparators import (is_zero, is_equal, assert_nonzero, assert_not_equal, less_than,
                          less_or_equal, greater_than, greater_or_equal, less_than_checked,
                          assert_less_than, assert_less_or_equal)
from .signed import signed_bits, range_check_signed, is_negative, abs_signed, signed_less_than
from .mux import one_hot, assert_one_hot, mux_one_hot, mux_rows, mux_bits

__all__ = [
    "bits_le", "bits_le_strict", "from_bits", "range_check", "assert_bits",
    "assert_bool", "and_", "or_", "not_", "xor", "all_", "any_", "select", "cond_swap",
    "is_zero", "is_equal", "assert_nonzero", "assert_not_equal", "less_than", "less_or_equal",
    "greater_than", "greater_or_equal", "less_than_checked", "assert_less_than",
    "assert_less_or_equal",
    "signed_bits", "range_check_signed", "is_negative", "abs_signed", "signed_less_than",
    "one_hot", "assert_one_hot", "mux_one_hot", "mux_rows", "mux_bits",
]
