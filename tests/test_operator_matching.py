"""The order book alone (zkrollup.matching): price-time priority, maker price, partial fills,
what rests, skipped and dropped makers, stopping; against a plain reference matcher."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.eddsa import Signature
from zkrollup.matching import DROP_MAKER, FILLED, SKIP, Book, StopMatch
from zkrollup.ops import BUY, SELL, Order, SignedOrder

SIG = Signature((0, 1), 0)          # the book never looks at signatures


def so(acct, side, size, price, oid, slot=0):
    return SignedOrder(Order(acct, slot, side, size, price, 0, oid, 10**9, 0, 0), SIG)


def fill_all(maker, fill, price):
    return FILLED


def test_best_price_first_then_earliest_arrival_at_the_makers_price():
    b = Book()
    b.rest(so(1, SELL, 3, 105, 1), 3)
    b.rest(so(2, SELL, 3, 103, 1), 3)
    b.rest(so(3, SELL, 3, 103, 2), 3)
    b.rest(so(4, SELL, 3, 101, 1), 3)
    res = b.match(so(9, BUY, 10, 104, 1), 10, fill_all)
    assert [(f.maker, f.fill, f.price) for f in res.fills] == [((4, 1), 3, 101), ((2, 1), 3, 103),
                                                                ((3, 2), 3, 103)]
    assert res.remaining == 1 and res.rested
    assert b.book(0).best(BUY).key == (9, 1) and b.book(0).best(BUY).remaining == 1
    assert b.book(0).best(SELL).key == (1, 1)           # 105 does not cross 104


def test_a_partly_filled_maker_keeps_its_place():
    b = Book()
    b.rest(so(1, BUY, 10, 100, 1), 10)
    b.rest(so(2, BUY, 10, 100, 1), 10)
    res = b.match(so(3, SELL, 4, 90, 1), 4, fill_all)
    assert [(f.maker, f.fill, f.price) for f in res.fills] == [((1, 1), 4, 100)]
    assert not res.rested and res.remaining == 0
    assert [(r.key, r.remaining) for r in b.book(0).orders(BUY)] == [((1, 1), 6), ((2, 1), 10)]


def test_a_taker_that_crosses_nothing_rests_behind_equal_prices():
    b = Book()
    b.rest(so(1, SELL, 5, 100, 1), 5)
    b.rest(so(2, BUY, 5, 90, 1), 5)
    res = b.match(so(3, BUY, 5, 90, 1), 5, fill_all)
    assert res.fills == [] and res.rested
    assert [r.key for r in b.book(0).orders(BUY)] == [(2, 1), (3, 1)]


def test_skipped_makers_stay_dropped_makers_leave_with_their_reason():
    b = Book()
    b.rest(so(1, SELL, 5, 100, 1), 5)       # the taker's own order: skipped
    b.rest(so(2, SELL, 5, 100, 1), 5)       # cannot trade: dropped
    b.rest(so(3, SELL, 5, 101, 1), 5)

    def execute(maker, fill, price):
        return {1: SKIP, 2: (DROP_MAKER, "margin"), 3: FILLED}[maker.key[0]]

    res = b.match(so(1, BUY, 5, 101, 2), 5, execute)
    assert [f.maker for f in res.fills] == [(3, 1)] and res.dropped == [((2, 1), "margin")]
    assert (1, 1) in b and (2, 1) not in b and (3, 1) not in b


def test_stop_keeps_the_fills_made_and_rests_nothing():
    b = Book()
    b.rest(so(1, SELL, 2, 100, 1), 2)
    b.rest(so(2, SELL, 2, 100, 1), 2)
    calls = []

    def execute(maker, fill, price):
        calls.append(maker.key)
        if len(calls) == 2:
            raise StopMatch("taker out of margin")
        return FILLED

    res = b.match(so(9, BUY, 10, 100, 1), 10, execute)
    assert [f.maker for f in res.fills] == [(1, 1)] and res.error == "taker out of margin"
    assert not res.rested and (9, 1) not in b and (2, 1) in b and res.remaining == 8


def test_orders_of_other_slots_never_meet_and_keys_are_unique():
    b = Book()
    b.rest(so(1, SELL, 5, 100, 1, slot=1), 5)
    res = b.match(so(2, BUY, 5, 200, 1, slot=0), 5, fill_all)
    assert res.fills == [] and res.rested
    with pytest.raises(ValueError, match="already in the book"):
        b.rest(so(1, SELL, 5, 100, 1, slot=1), 5)
    with pytest.raises(ValueError, match="already in the book"):
        b.match(so(2, BUY, 1, 1, 1), 1, fill_all)


def test_the_book_survives_a_round_trip_with_its_priorities():
    b = Book()
    for i, p in enumerate((103, 101, 103, 102)):
        b.rest(so(i + 1, SELL, 3, p, 7), 3)
    b.match(so(9, BUY, 1, 101, 1), 1, fill_all)
    c = Book.from_obj(b.to_obj())
    assert c.to_obj() == b.to_obj() and c.next_seq == b.next_seq
    assert [(r.key, r.remaining) for r in c.book(0).orders(SELL)] == \
        [(r.key, r.remaining) for r in b.book(0).orders(SELL)]


# --- against a plain reference ------------------------------------------------------------------

def reference_match(makers, side, size, limit):
    """Sort the crossing makers by price (best first) then arrival, fill greedily."""
    cross = [m for m in makers if m[1] != side and (m[2] <= limit if side == BUY else m[2] >= limit)]
    cross.sort(key=lambda m: ((m[2] if side == BUY else -m[2]), m[0]))
    out, left = [], size
    for seq, _, price, rem in cross:
        if left == 0:
            break
        f = min(left, rem)
        out.append((seq, f, price))
        left -= f
    return out, left


orders_st = st.lists(st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 5), st.integers(95, 105)),
                     min_size=0, max_size=12)


@settings(max_examples=50, deadline=None)
@given(orders_st, st.sampled_from([BUY, SELL]), st.integers(1, 20), st.integers(95, 105))
def test_matching_equals_the_reference(resting, side, size, limit):
    b = Book()
    makers = []
    for i, (s, q, p) in enumerate(resting):
        # resting orders never cross each other: keep only those that would not match
        crossing = any(m[1] != s and (m[2] <= p if s == BUY else m[2] >= p) for m in makers)
        if crossing:
            continue
        r = b.rest(so(i + 1, s, q, p, 1), q)
        makers.append((r.seq, s, p, q))
    seq_of = {r.key: r.seq for r in b}
    res = b.match(so(99, side, size, limit, 1), size, fill_all)
    want, left = reference_match(makers, side, size, limit)
    assert [(seq_of[f.maker], f.fill, f.price) for f in res.fills] == want
    assert res.remaining == left and res.rested == (left > 0)
    assert res.filled + res.remaining == size
