"""An incoming order: admission checks, then crossing its slot's book, each fill applied as
a Trade.

Admission refuses, before matching, an order that could never trade: instrument not
listed or expired, signed for another deployment or another instrument than its slot
holds, special or unknown account, order expired, bad signature, already resting, order
id replayed, cancelled or already filled; and an order whose fill slot (order id mod
2^D_ord) holds a resting order of the same account (`FillSlotInUse`): its first fill
would retire the resting one for good (`circuits.spec.orders`, "the rule users get"), so
the operator refuses it instead of letting it kill the resting order silently. Crossing
follows `zkrollup.matching` (price-time priority, the maker's limit is the price); each
side's fee rate per contract is the operator's schedule capped by the order's max fee. When the native state refuses a fill, the
side the error names is at fault: a maker leaves the book, a taker stops (fills made
stand); self-trades are skipped.
"""
from __future__ import annotations

import re
from typing import Callable

from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT
from circuits.spec.orders import CANCELLED

from .. import errors
from ..errors import (BadInstrument, CancelledOrder, ExpiredOrder, FillSlotInUse, ForbiddenAccount, OverFill,
                      ReplayedOrder, RollupError, UnknownAccount)
from ..matching import DROP_MAKER, FILLED, SKIP, Book, MatchResult, Resting, StopMatch
from ..ops import SignedOrder, Trade
from ..ops.messages import check_deployment, check_signed_by


def admit(state, book: Book, so: SignedOrder) -> int:
    """Check an incoming order before matching; returns the size it may still fill."""
    o = so.order
    oracle = state.require_oracle()
    if o.slot >= state.K or state.market[o.slot].is_empty:
        raise BadInstrument(f"slot {o.slot} holds no instrument")
    if oracle.timestamp >= state.market[o.slot].expiry:
        raise BadInstrument(f"slot {o.slot} ({state.market[o.slot].describe()}) has expired")
    if o.account in (FEE_ACCOUNT, CLEARING_ACCOUNT):
        raise ForbiddenAccount(f"special account {o.account} cannot trade")
    acc = state.get_account(o.account)
    if acc is None:
        raise UnknownAccount(f"account {o.account} does not exist")
    check_deployment(f"order {o.order_id}", o.deployment_id, state)
    inst = state.market[o.slot]
    if o.instrument_id != inst.id:
        raise BadInstrument(f"order {o.order_id} was signed for another instrument than slot {o.slot} holds "
                            f"({inst.describe()})")
    if oracle.timestamp > o.valid_until:
        raise ExpiredOrder(f"order {o.order_id} expired at {o.valid_until}")
    check_signed_by(acc.pk, o.message(), so.signature, f"order {o.order_id} of account {o.account}")
    if (o.account, o.order_id) in book:
        raise ValueError(f"order {o.order_id} of account {o.account} is already in the book")
    fill_slot = acc.order_slot_of(o.order_id)
    resting = resting_in_fill_slot(book, o.account, fill_slot, acc.order_slot_of)
    if resting is not None:
        raise FillSlotInUse(f"order {o.order_id} of account {o.account} uses fill slot {fill_slot} "
                            f"(order id mod 2^{state.order_depth}), where its order {resting} rests: the new "
                            f"order's first fill would retire it; choose another order id, or cancel order {resting}")
    sid, filled = acc.order_state(fill_slot)
    if o.order_id < sid:
        raise ReplayedOrder(f"order {o.order_id}: its fill slot already holds order {sid}")
    if o.order_id == sid and filled == CANCELLED:
        raise CancelledOrder(f"order {o.order_id} was cancelled by its owner")
    left = o.size - (filled if o.order_id == sid else 0)
    if left <= 0:
        raise OverFill(f"order {o.order_id} is already filled")
    return left


def resting_in_fill_slot(book: Book, account: int, fill_slot: int, slot_of) -> int | None:
    """The id of a resting order of `account` whose fill slot is `fill_slot`, or None."""
    for r in book:
        if r.key[0] == account and slot_of(r.key[1]) == fill_slot:
            return r.key[1]
    return None


def match(state, book: Book, taker: SignedOrder, maker_fee: int, taker_fee: int,
          apply_trade: Callable[[Trade], None]) -> MatchResult:
    """Admit `taker` and cross it with `book`; `apply_trade` applies each fill (RollupError:
    refused, nothing changed). Raises the admission error, or the taker's error when not
    even one fill was made."""
    left = admit(state, book, taker)
    now = state.oracle.timestamp

    def execute(maker: Resting, fill: int, price: int):
        mo = maker.order.order
        if mo.account == taker.order.account:
            return SKIP                                     # no self-trades
        if mo.valid_until < now:
            return (DROP_MAKER, "expired")
        trade = Trade(maker.order, taker, fill, price, fee_rate(mo, maker_fee), fee_rate(taker.order, taker_fee))
        try:
            apply_trade(trade)
        except RollupError as e:
            if blame(e, maker, taker.order.account) == "maker":
                return (DROP_MAKER, f"{type(e).__name__}: {e}")
            raise StopMatch(f"{type(e).__name__}: {e}") from None
        return FILLED

    res = book.match(taker, left, execute)
    if res.error is not None and not res.fills:
        raise error_from_text(res.error)
    return res


def fee_rate(order, rate: int) -> int:
    """The fee rate per contract charged to an order: the operator's `rate`, capped by the
    order's max fee (the fee is the rate times the fill)."""
    return min(order.max_fee, rate)


def blame(e: RollupError, maker: Resting, taker_account: int) -> str:
    """Which side of a refused trade is at fault ('maker' or 'taker'), from the error."""
    text = str(e)
    if text.startswith("maker"):
        return "maker"
    if text.startswith("taker"):
        return "taker"
    named = {int(n) for n in re.findall(r"\baccount (\d+)\b", text)}      # whole numbers: 1 is not 12
    if maker.order.order.account in named and taker_account not in named:
        return "maker"
    return "taker"


def error_from_text(text: str) -> Exception:
    """A matching error kept as text ('ClassName: message') as its RollupError again."""
    name, _, msg = text.partition(": ")
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls(msg)
    return RollupError(text)
