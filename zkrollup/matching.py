"""Price-time order matching: one order book per instrument slot.

Rules (a plain continuous limit order book):
- An incoming order is the *taker*; resting orders are *makers*. A buy crosses every ask
  priced at or below its limit, a sell every bid at or above its limit.
- Priority: best price first (lowest ask, highest bid), then earliest arrival (`seq`).
- The trade price is the maker's limit price; the fill is min(taker remaining, maker
  remaining).
- What is left of the taker rests in the book at its limit price, behind the orders
  already resting at that price.
- An order is identified by (account, order_id); a second order with the same key is
  refused while the first rests.

The book decides only who meets whom. The caller (`zkrollup.operator.orders`) executes each
proposed fill against the native state through `execute(maker, fill, price)`, which
answers FILLED, DROP_MAKER (the maker can no longer trade: expired, over-filled,
insufficient margin; it leaves the book), SKIP (leave the maker, look further: a
self-trade), or raises `StopMatch` (the taker is at fault: the fills made so far stand,
the rest of the taker is dropped and the reason is kept in `MatchResult.error`).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

from .ops.messages import BUY, SELL, SignedOrder

FILLED = "filled"
DROP_MAKER = "drop_maker"
SKIP = "skip"


class StopMatch(Exception):
    """Raised by `execute` to stop matching an incoming order (the taker cannot trade on)."""


@dataclass
class Resting:
    """An order in the book: arrival sequence number, the signed order, size left."""

    seq: int
    order: SignedOrder
    remaining: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.order.order.account, self.order.order.order_id)

    @property
    def price(self) -> int:
        return self.order.order.limit_price

    @property
    def side(self) -> int:
        return self.order.order.side

    @property
    def slot(self) -> int:
        return self.order.order.slot

    def sort_key(self) -> tuple[int, int]:
        """Ascending = priority order within its side."""
        return (-self.price if self.side == BUY else self.price, self.seq)

    def to_obj(self) -> dict:
        return {"seq": self.seq, "order": self.order.to_obj(), "remaining": self.remaining}

    @classmethod
    def from_obj(cls, obj: dict) -> "Resting":
        return cls(obj["seq"], SignedOrder.from_obj(obj["order"]), obj["remaining"])


@dataclass
class Fill:
    maker: tuple[int, int]
    fill: int
    price: int
    result: object = None


@dataclass
class MatchResult:
    """What matching an incoming order did: its fills in order, what is left of it, the
    makers removed on the way (key, reason), and whether the remainder now rests."""

    fills: list[Fill] = field(default_factory=list)
    remaining: int = 0
    dropped: list[tuple[tuple[int, int], str]] = field(default_factory=list)
    rested: bool = False
    error: Optional[str] = None

    @property
    def filled(self) -> int:
        return sum(f.fill for f in self.fills)


class OrderBook:
    """Bids and asks of one instrument slot, each kept in priority order."""

    def __init__(self, slot: int):
        self.slot = slot
        self._sides: dict[int, list[tuple[tuple[int, int], Resting]]] = {BUY: [], SELL: []}

    def add(self, r: Resting) -> None:
        if r.slot != self.slot:
            raise ValueError(f"order for slot {r.slot} added to the book of slot {self.slot}")
        bisect.insort(self._sides[r.side], (r.sort_key(), r), key=lambda t: t[0])

    def remove(self, r: Resting) -> None:
        side = self._sides[r.side]
        i = bisect.bisect_left(side, r.sort_key(), key=lambda t: t[0])
        if i >= len(side) or side[i][1] is not r:
            raise KeyError(r.key)
        del side[i]

    def orders(self, side: int) -> list[Resting]:
        """Resting orders of one side, best first."""
        return [r for _, r in self._sides[side]]

    def best(self, side: int) -> Optional[Resting]:
        s = self._sides[side]
        return s[0][1] if s else None

    def crossing(self, taker_side: int, limit: int) -> list[Resting]:
        """Makers an order of `taker_side` with this limit crosses, in priority order."""
        out = []
        for r in self.orders(SELL if taker_side == BUY else BUY):
            if (taker_side == BUY and r.price > limit) or (taker_side == SELL and r.price < limit):
                break
            out.append(r)
        return out

    def __len__(self) -> int:
        return len(self._sides[BUY]) + len(self._sides[SELL])


class Book:
    """One OrderBook per slot, an index by (account, order_id), and the arrival counter."""

    def __init__(self):
        self.books: dict[int, OrderBook] = {}
        self.index: dict[tuple[int, int], Resting] = {}
        self.next_seq = 1

    def book(self, slot: int) -> OrderBook:
        if slot not in self.books:
            self.books[slot] = OrderBook(slot)
        return self.books[slot]

    def __contains__(self, key) -> bool:
        return key in self.index

    def __iter__(self) -> Iterator[Resting]:
        return iter(sorted(self.index.values(), key=lambda r: r.seq))

    def __len__(self) -> int:
        return len(self.index)

    def get(self, key) -> Optional[Resting]:
        return self.index.get(key)

    def rest(self, order: SignedOrder, remaining: int, seq: Optional[int] = None) -> Resting:
        r = Resting(self.next_seq if seq is None else seq, order, remaining)
        if r.key in self.index:
            raise ValueError(f"order {r.key[1]} of account {r.key[0]} is already in the book")
        self.next_seq = max(self.next_seq, r.seq + 1)
        self.book(r.slot).add(r)
        self.index[r.key] = r
        return r

    def remove(self, key) -> Resting:
        r = self.index.pop(key)
        self.book(r.slot).remove(r)
        return r

    def match(self, taker: SignedOrder, remaining: int,
              execute: Callable[[Resting, int, int], str], *, rest: bool = True) -> MatchResult:
        """Match `remaining` of `taker` against the book (see the module docstring).

        `execute(maker, fill, price)` returns FILLED (the maker's remaining size shrinks; it
        leaves the book at 0), DROP_MAKER or (DROP_MAKER, reason), or SKIP; or raises
        StopMatch. With `rest`, the remainder rests in the book (not after a StopMatch)."""
        o = taker.order
        if (o.account, o.order_id) in self.index:
            raise ValueError(f"order {o.order_id} of account {o.account} is already in the book")
        res = MatchResult(remaining=remaining)
        for maker in self.book(o.slot).crossing(o.side, o.limit_price):
            if res.remaining == 0:
                break
            fill = min(res.remaining, maker.remaining)
            try:
                outcome = execute(maker, fill, maker.price)
            except StopMatch as e:
                res.error = str(e)
                return res
            reason = "cannot trade"
            if isinstance(outcome, tuple):
                outcome, reason = outcome
            if outcome == FILLED:
                res.fills.append(Fill(maker.key, fill, maker.price))
                res.remaining -= fill
                maker.remaining -= fill
                if maker.remaining == 0:
                    self.remove(maker.key)
            elif outcome == DROP_MAKER:
                self.remove(maker.key)
                res.dropped.append((maker.key, reason))
            elif outcome != SKIP:
                raise ValueError(f"execute returned {outcome!r}")
        if rest and res.remaining > 0:
            self.rest(taker, res.remaining)
            res.rested = True
        return res

    def to_obj(self) -> dict:
        return {"next_seq": self.next_seq, "orders": [r.to_obj() for r in self]}

    @classmethod
    def from_obj(cls, obj: dict) -> "Book":
        b = cls()
        for ro in obj["orders"]:
            r = Resting.from_obj(ro)
            b.rest(r.order, r.remaining, r.seq)
        b.next_seq = obj["next_seq"]
        return b
