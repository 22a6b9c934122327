"""An incoming order: admission checks, then crossing its slot's book, each fill applied as
a Trade.

Admission refuses, before matching, an order that could never trade: instrument not
listed or expired, special or unknown account, order expired, bad signature, already
resting, order id replayed or already filled. Crossing follows `zkrollup.matching`
(price-time priority, the maker's limit is the price); fees are the operator's schedule
per contract capped by each order's max fee. When the native state refuses a fill, the
side the error names is at fault: a maker leaves the book, a taker stops (fills made
stand); self-trades are skipped.
"""
from __future__ import annotations

from typing import Callable

from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT

from .. import errors, signatures
from ..errors import (BadInstrument, BadSignature, ExpiredOrder, ForbiddenAccount, OverFill, ReplayedOrder,
                      RollupError, UnknownAccount)
from ..matching import DROP_MAKER, FILLED, SKIP, Book, MatchResult, Resting, StopMatch
from ..ops import SignedOrder, Trade


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
    if oracle.timestamp > o.valid_until:
        raise ExpiredOrder(f"order {o.order_id} expired at {o.valid_until}")
    if not signatures.verify(acc.pk, o.message(), so.signature):
        raise BadSignature(f"order {o.order_id} is not signed by account {o.account}")
    if (o.account, o.order_id) in book:
        raise ValueError(f"order {o.order_id} of account {o.account} is already in the book")
    sid, filled = acc.order_state(acc.order_slot_of(o.order_id))
    if o.order_id < sid:
        raise ReplayedOrder(f"order {o.order_id}: its slot already holds order {sid}")
    left = o.size - (filled if o.order_id == sid else 0)
    if left <= 0:
        raise OverFill(f"order {o.order_id} is already filled")
    return left


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
        trade = Trade(maker.order, taker, fill, price, fee(mo, fill, maker_fee), fee(taker.order, fill, taker_fee))
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


def fee(order, fill: int, rate: int) -> int:
    """The operator's fee `rate` per contract, capped by the order's max fee."""
    return min(order.max_fee, rate) * fill


def blame(e: RollupError, maker: Resting, taker_account: int) -> str:
    """Which side of a refused trade is at fault ('maker' or 'taker'), from the error."""
    text = str(e)
    if text.startswith("maker"):
        return "maker"
    if text.startswith("taker"):
        return "taker"
    if f"account {maker.order.order.account}" in text and f"account {taker_account}" not in text:
        return "maker"
    return "taker"


def error_from_text(text: str) -> Exception:
    """A matching error kept as text ('ClassName: message') as its RollupError again."""
    name, _, msg = text.partition(": ")
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls(msg)
    return RollupError(text)
