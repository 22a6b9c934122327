"""Order fills and cancels: the order-fill subtree of an account and its rules.

Every account has an order-fill subtree of depth D_ord. Order ids are >= 1 and below
2^ORDER_ID_BITS; order `id` uses the fill slot `id mod 2^D_ord` (`fill_slot`), whose leaf is

    order_leaf = Poseidon(order_id, filled)          (0 for a never-used slot: (0, 0))

`filled` is the number of contracts filled so far, or `CANCELLED` = 2^SIZE_BITS - 1 once
the owner cancelled the order (a signed cancel, op code 7). Rules, for an operation on
order `id` against the stored leaf (stored_id, stored_filled) of its slot:

- **fill** of `fill` >= 1 contracts of an order of `size` (`apply_fill`): refused if
  id < stored_id (a replay: a newer order owns the slot); otherwise filled = stored_filled
  when id == stored_id, else 0 (the order takes the slot over), and the fill is refused
  if filled + fill > size. The leaf becomes (id, filled + fill).
- **cancel** (`apply_cancel`): refused if id < stored_id (a replayed or stale cancel);
  otherwise the leaf becomes (id, CANCELLED), whatever was filled. Since every size is at
  most 2^SIZE_BITS - 1 = CANCELLED, filled + fill > size for every later fill: a
  cancelled order never fills again, and neither does any older order of that slot. A
  cancel of an id never used takes the slot over too (a cancel ahead of time).

**The rule users get for fill slots.** An order is live only while no newer order (a
larger id) of the same account has used its fill slot: two orders whose ids are equal
modulo 2^D_ord share a slot, and the newer one's first fill (or cancel) retires the
older one for good, filled or not. The operator therefore refuses a new order whose fill
slot holds a resting live order of the same account, with a clear error, so nothing is
retired silently; a client avoids it by choosing ids in a window of 2^D_ord consecutive
values for its resting orders (`fill_slot` tells which slot an id uses).

**Fees.** A signed order names `max_fee`, per contract. The operator charges a rate per
contract `fee_rate` <= max_fee on each fill, and the fee is fee_rate * fill (`trade_fee`);
the trade's record carries the rate.

Native functions here; the circuit's twin is `circuits.batch.orders.order_fill`.
"""
from __future__ import annotations

from ..poseidon import poseidon
from . import HashFn
from .widths import FEE_RATE_BITS, ORDER_ID_BITS, SIZE_BITS

EMPTY_ORDER_LEAF = 0


def cancelled_value(size_bits: int = SIZE_BITS) -> int:
    """The `filled` value of a cancelled order for sizes of size_bits bits: 2^size_bits - 1."""
    return (1 << size_bits) - 1


CANCELLED = cancelled_value()
"""The `filled` value of a cancelled order: above every fillable amount."""


class OrderRefused(ValueError):
    """A fill or cancel the rules refuse (replay, over-fill, bad fields)."""


def fill_slot(order_id: int, ord_depth: int) -> int:
    """The fill slot of an order id in a subtree of depth ord_depth."""
    check_order_id(order_id)
    return order_id % (1 << ord_depth)


def check_order_id(order_id: int) -> int:
    if not isinstance(order_id, int) or isinstance(order_id, bool) or not 1 <= order_id < (1 << ORDER_ID_BITS):
        raise OrderRefused(f"order id must be in [1, 2^{ORDER_ID_BITS}), got {order_id!r}")
    return order_id


def order_leaf(order_id: int, filled: int, hash_fn: HashFn = poseidon) -> int:
    """Poseidon(order_id, filled); 0 for the never-used slot (0, 0)."""
    if order_id == 0 and filled == 0:
        return EMPTY_ORDER_LEAF
    return hash_fn([order_id, filled])


def apply_fill(order_id: int, size: int, fill: int, stored_id: int, stored_filled: int) -> int:
    """The order's filled amount after this fill (the slot's new leaf is (order_id, it));
    OrderRefused for a replay, a cancelled order or an over-fill."""
    check_order_id(order_id)
    if not 1 <= size < (1 << SIZE_BITS) or not 1 <= fill < (1 << SIZE_BITS):
        raise OrderRefused("order size and fill must be in [1, 2^40)")
    if order_id < stored_id:
        raise OrderRefused("replayed order: a newer order uses its fill slot")
    filled = stored_filled if order_id == stored_id else 0
    if filled == CANCELLED:
        raise OrderRefused("cancelled order")
    if filled + fill > size:
        raise OrderRefused("over-fill")
    return filled + fill


def apply_cancel(order_id: int, stored_id: int) -> tuple[int, int]:
    """The slot's new leaf fields (order_id, CANCELLED); OrderRefused for a replayed or
    stale cancel (order_id below the stored id)."""
    check_order_id(order_id)
    if order_id < stored_id:
        raise OrderRefused("replayed cancel: a newer order uses its fill slot")
    return order_id, CANCELLED


def trade_fee(fee_rate: int, fill: int, max_fee: int) -> int:
    """fee_rate * fill; OrderRefused unless 0 <= fee_rate <= max_fee < 2^32."""
    if not 0 <= max_fee < (1 << FEE_RATE_BITS) or not 0 <= fee_rate <= max_fee:
        raise OrderRefused(f"fee rate {fee_rate} must be in [0, max_fee = {max_fee}]")
    return fee_rate * fill
