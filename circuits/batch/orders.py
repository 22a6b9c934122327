"""Order-fill leaves in the circuit (the leaf is `circuits.spec.accounts.order_leaf`, the
rule that of `zkrollup.account`).

Order-fill subtree of an account (depth ord_depth): slot = order_id mod 2^ord_depth holds
Poseidon(order_id, filled), or 0 when never used. A fill of an order is allowed when the
slot is empty or holds a smaller id (the new order takes the slot over, from filled = 0),
or holds the same id with filled + fill <= size; a smaller id than the stored one is a
replay. Stored ids are never 0 for a used slot (order ids start at 1), so "empty" is
"stored id == 0"; stored values were range-checked when written, so they are trusted.

Native twins: `circuits.spec.accounts.order_leaf`, `fill_native`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..gadgets.boolean import select
from ..gadgets.comparators import is_zero
from ..gadgets.merkle import LEVEL_COST, merkle_root_unchecked
from ..gadgets.poseidon import poseidon as poseidon_gadget
from .ranges import unsigned


@dataclass
class FillResult:
    """What `order_fill` computes: the account's new orders root (the old one when not
    enabled) and the order's filled amount after this fill."""

    orders_root: LC
    filled_after: LC


def order_fill(cs: ConstraintSystem, enabled: Operand, slot_bits: Sequence[LC], order_id: Operand,
               size: Operand, fill: Operand, stored_id: Operand, stored_filled: Operand,
               siblings: Sequence[Operand], orders_root: Operand, order_id_bits: int,
               size_bits: int, name: str = "order_fill") -> FillResult:
    """Record a fill of ``fill`` contracts of order ``order_id`` (of size ``size``) in the
    order-fill subtree with root ``orders_root``, when ``enabled`` (a bit).

    ``slot_bits``: the low ord_depth bits of order_id, already constrained boolean (the
    caller decomposes order_id, which also range-checks it). Enforces, when enabled, that
    the stored leaf (stored_id, stored_filled) sits at that slot under orders_root
    (fails at '<name>.old_root'); always (every input is 0 when the slot is no trade):
    order_id >= stored_id ('<name>.no_replay.sum': a replayed order fails here) and
    filled + fill <= size ('<name>.no_overfill.sum'), where filled = stored_filled when
    the ids are equal and 0 when order_id is larger (it takes the slot over).

    Cost: 2 * 241 * ord_depth + order_id_bits + size_bits + 490 constraints (old leaf 243,
    old path, root check 1, replay order_id_bits + 1, same-order test 2, filled 1,
    over-fill size_bits + 1, new leaf 240, new path, select 1).
    """
    enabled = as_lc(enabled)
    order_id = as_lc(order_id)
    with cs.namespace(name):
        empty = is_zero(cs, stored_id, name="empty")
        h_old = poseidon_gadget(cs, [stored_id, stored_filled], name="leaf_old")
        leaf_old = h_old - cs.mul(empty, h_old, name="leaf_old_sel")
        root_old = merkle_root_unchecked(cs, leaf_old, slot_bits, siblings, name="path_old")
        cs.enforce(enabled, root_old - orders_root, 0, name="old_root")
        d = order_id - stored_id
        unsigned(cs, d, order_id_bits, name="no_replay")
        same = is_zero(cs, d, name="same_order")
        filled = cs.mul(same, stored_filled, name="filled")
        filled_after = filled + fill
        unsigned(cs, as_lc(size) - filled_after, size_bits, name="no_overfill")
        leaf_new = poseidon_gadget(cs, [order_id, filled_after], name="leaf_new")
        root_new = merkle_root_unchecked(cs, leaf_new, slot_bits, siblings, name="path_new")
        out = select(cs, enabled, root_new, orders_root, name="root")
    return FillResult(out, filled_after)


def order_fill_cost(ord_depth: int, order_id_bits: int, size_bits: int) -> int:
    return 2 * LEVEL_COST * ord_depth + order_id_bits + size_bits + 490


# ---- native twins -------------------------------------------------------------------------

def fill_native(order_id: int, size: int, fill: int, stored_id: int, stored_filled: int) -> int:
    """The filled amount after the fill; ValueError for a replay or an over-fill."""
    if order_id < stored_id:
        raise ValueError("replayed order")
    filled = stored_filled if order_id == stored_id else 0
    if filled + fill > size:
        raise ValueError("over-fill")
    return filled + fill
