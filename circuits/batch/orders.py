"""Order-fill leaves in the circuit: fills and cancels (the leaf and the rules are
`circuits.spec.orders`).

Order-fill subtree of an account (the 4-ary tree of `circuits.spec.tree`, depth ord_depth
bits): slot = order_id mod 2^ord_depth holds Poseidon(order_id, filled), or 0 when never
used. A fill of an order is allowed when the
slot is empty or holds a smaller id (the new order takes the slot over, from filled = 0),
or holds the same id with filled + fill <= size; a smaller id than the stored one is a
replay. A cancel writes (order_id, CANCELLED) under the same replay rule, so no fill can
follow (CANCELLED + fill > every size). Stored ids are never 0 for a used slot (order ids
start at 1), so "empty" is "stored id == 0"; stored values were range-checked when
written (or are CANCELLED), so they are trusted.

Native twins: `circuits.spec.orders.order_leaf`, `apply_fill`, `apply_cancel`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand, as_lc
from ..gadgets.boolean import select
from ..gadgets.comparators import is_zero
from ..gadgets.merkle4 import merkle4_root_unchecked, path_cost
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..spec.orders import cancelled_value
from .ranges import unsigned


@dataclass
class FillResult:
    """What `order_fill` computes: the account's new orders root (the old one when not
    enabled) and the order's filled amount after this fill."""

    orders_root: LC
    filled_after: LC


def order_fill(cs: ConstraintSystem, fill_on: Operand, cancel_on: Operand, slot_bits: Sequence[LC],
               order_id: Operand, size: Operand, fill: Operand, stored_id: Operand, stored_filled: Operand,
               siblings: Sequence[Operand], orders_root: Operand, order_id_bits: int, size_bits: int,
               name: str = "order_fill") -> FillResult:
    """Record a fill of ``fill`` contracts of order ``order_id`` (of size ``size``) when
    ``fill_on``, or its cancel when ``cancel_on`` (exclusive bits; a constant 0 for a side
    that never cancels), in the order-fill subtree with root ``orders_root``.

    ``slot_bits``: the low ord_depth bits of order_id, already constrained boolean (the
    caller decomposes order_id, which also range-checks it). Enforces, when either is on,
    that the stored leaf (stored_id, stored_filled) sits at that slot under orders_root
    (fails at '<name>.old_root'); always (every input is 0 when the slot neither fills
    nor cancels): order_id >= stored_id ('<name>.no_replay.sum': a replayed order or
    cancel fails here); unless cancelling, filled + fill <= size ('<name>.no_overfill.sum'),
    where filled = stored_filled when the ids are equal and 0 when order_id is larger (it
    takes the slot over). The new leaf is (order_id, filled + fill), or (order_id,
    CANCELLED) for a cancel.

    Cost: 2 * `merkle4.path_cost(ord_depth)` + order_id_bits + size_bits + 490 constraints
    (old leaf 243, old path (4-ary, `circuits.spec.tree`: 300 per level), root check 1, replay order_id_bits + 1, same-order test 2, filled 1,
    over-fill size_bits + 1, new leaf 240, new path, select 1), + 2 when ``cancel_on``
    is not a constant (the cancelled value, the over-fill gate).
    """
    fill_on, cancel_on = as_lc(fill_on), as_lc(cancel_on)
    order_id = as_lc(order_id)
    can_cancel = cancel_on.constant_value() != 0
    with cs.namespace(name):
        empty = is_zero(cs, stored_id, name="empty")
        h_old = poseidon_gadget(cs, [stored_id, stored_filled], name="leaf_old")
        leaf_old = h_old - cs.mul(empty, h_old, name="leaf_old_sel")
        root_old = merkle4_root_unchecked(cs, leaf_old, slot_bits, siblings, name="path_old")
        enabled = fill_on + cancel_on
        cs.enforce(enabled, root_old - orders_root, 0, name="old_root")
        d = order_id - stored_id
        unsigned(cs, d, order_id_bits, name="no_replay")
        same = is_zero(cs, d, name="same_order")
        filled = cs.mul(same, stored_filled, name="filled")
        filled_after = filled + fill
        room = as_lc(size) - filled_after
        if can_cancel:
            room = room - cs.mul(cancel_on, room, name="cancel_gate")
        unsigned(cs, room, size_bits, name="no_overfill")
        written = filled_after
        if can_cancel:
            written = select(cs, cancel_on, cancelled_value(size_bits), filled_after, name="cancelled")
        leaf_new = poseidon_gadget(cs, [order_id, written], name="leaf_new")
        root_new = merkle4_root_unchecked(cs, leaf_new, slot_bits, siblings, name="path_new")
        out = select(cs, enabled, root_new, orders_root, name="root")
    return FillResult(out, filled_after)


def order_fill_cost(ord_depth: int, order_id_bits: int, size_bits: int, can_cancel: bool = False) -> int:
    return 2 * path_cost(ord_depth) + order_id_bits + size_bits + 490 + (2 if can_cancel else 0)
