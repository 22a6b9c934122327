"""Operations on the native state: effects, every rejection reason, witnesses."""
import pytest

from circuits.batch.public import EFFECT_FORCED, EFFECT_WITHDRAWAL, deposit_chain
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from zkrollup.errors import (BadInstrument, BadSignature, ExpiredOrder, FeeTooHigh, ForbiddenAccount,
                             InsufficientMargin, NothingToSettle, NotLiquidatable, OrderMismatch, OutOfRange,
                             OverFill, QueueError, ReplayedOrder, SlotInUse, StaleNonce, UnknownAccount)
from zkrollup.market import Instrument
from zkrollup.ops import BUY, SELL, ForcedWithdraw, Liquidate, Noop, Settle, Trade, Withdraw
from zkrollup.risk import (gross_mark_value, min_equity, passes_initial, passes_maintenance,
                           portfolio_mark_value)

from rollup_helpers import DAY, EXPIRY, KEYS, SPOT, T0, USD, check_witness, fund, make_state, order, pk, rejected, reprice


@pytest.fixture
def st():
    s = make_state()
    for i in (3, 4, 5):
        fund(s, i, 1_000 * USD)
    return s


# --- deposits --------------------------------------------------------------------------------


def test_deposit_creates_then_credits_and_chains_the_queue_hash():
    s = make_state()
    d1 = s.enqueue_deposit(7, pk(7), 5)
    d2 = s.enqueue_deposit(7, pk(3), 6)          # key ignored for an existing account
    rejected(s, d2, QueueError)                  # not the head of the queue
    w1 = s.apply(d1)
    assert w1.details["created"] and w1.updates[0].before is None
    w2 = s.apply(d2)
    assert not w2.details["created"]
    acc = s.account(7)
    assert (acc.pk, acc.cash) == (pk(7), 11)
    h = deposit_chain(deposit_chain(0, 7, *pk(7), 5), 7, *pk(3), 6)
    assert (w2.deposit_hash_after, s.deposit_hash) == (h, h)
    assert s.pending_deposits == 0 and s.collateral == 11
    check_witness(s, w2)
    rejected(s, d2, QueueError)                  # queue empty now


def test_deposit_bad_inputs_refused_on_l1():
    s = make_state()
    for args in ((CLEARING_ACCOUNT, pk(3), 5), (3, pk(3), 0), (3, (1, 2), 5), (3, pk(3), 2 ** 64),
                 (2 ** 6, pk(3), 5)):
        with pytest.raises(ValueError):
            s.enqueue_deposit(*args)
    assert s.collateral == 0 and not s.deposit_queue


# --- withdrawals -------------------------------------------------------------------------------


def test_withdraw_pays_and_replay_is_stale(st):
    w = st.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xbeef))
    assert w.effect.as_tuple() == (EFFECT_WITHDRAWAL, 3, 0xbeef, 100)
    assert st.account(3).cash == 1_000 * USD - 100 and st.account(3).nonce == 1
    assert st.collateral == 3_000 * USD - 100
    check_witness(st, w)
    rejected(st, Withdraw.create(KEYS[3], 3, 100, 0, 0xbeef), StaleNonce)


def test_withdraw_rejections(st):
    rejected(st, Withdraw.create(KEYS[4], 3, 100, 0, 1), BadSignature)
    rejected(st, Withdraw.create(KEYS[3], 3, 1_000 * USD + 1, 0, 1), InsufficientMargin)
    rejected(st, Withdraw.create(KEYS[9], 9, 1, 0, 1), UnknownAccount)
    rejected(st, Withdraw.create(KEYS[0], CLEARING_ACCOUNT, 1, 0, 1), ForbiddenAccount)
    with pytest.raises(ValueError):
        Withdraw.create(KEYS[3], 3, 0, 0, 1)


# --- trades ------------------------------------------------------------------------------------


def trade(st, maker, taker, fill, price=None, fees=(0, 0)):
    return Trade(maker, taker, fill, st.oracle.mark[0] if price is None else price, *fees)


def test_partial_fills_accumulate_and_over_fill_is_rejected(st):
    mark = st.oracle.mark[0]
    buy = order(3, BUY, 10, mark, 1, max_fee=5)
    sell = order(4, SELL, 6, mark, 1, max_fee=5)
    w = st.apply(trade(st, buy, sell, 4, fees=(20, 3)))
    check_witness(st, w)
    assert st.account(3).sizes[0] == 4 and st.account(4).sizes[0] == -4
    assert st.account(3).cash == 1_000 * USD - 4 * mark - 20
    assert st.account(FEE_ACCOUNT).cash == 23
    assert st.account(3).order_state(1) == (1, 4)
    assert st.oi[0] == 4
    rejected(st, trade(st, buy, sell, 3), OverFill)     # sell has 2 left
    st.apply(trade(st, buy, sell, 2))
    assert st.account(4).order_state(1) == (1, 6)
    rejected(st, trade(st, buy, sell, 1), OverFill)


def test_newer_order_id_takes_the_slot_and_the_old_one_is_replayed(st):
    mark = st.oracle.mark[0]
    old = order(3, BUY, 10, mark, 1)
    st.apply(trade(st, old, order(4, SELL, 10, mark, 1), 1))
    newer = order(3, BUY, 10, mark, 1 + 8)               # same slot (order depth 3)
    st.apply(trade(st, newer, order(4, SELL, 10, mark, 2), 1))
    assert st.account(3).order_state(1) == (9, 1)
    rejected(st, trade(st, old, order(4, SELL, 10, mark, 3), 1), ReplayedOrder)


def test_order_rejections(st):
    mark = st.oracle.mark[0]
    b, s = order(3, BUY, 10, mark, 1, max_fee=2), order(4, SELL, 10, mark, 1, max_fee=2)
    rejected(st, trade(st, b, s, 1, price=mark + 1), OrderMismatch)
    rejected(st, trade(st, b, order(4, SELL, 10, mark + 1, 2), 1, price=mark), OrderMismatch)
    rejected(st, trade(st, b, order(4, BUY, 10, mark, 3), 1), OrderMismatch)
    rejected(st, trade(st, b, order(3, SELL, 10, mark, 4), 1), ForbiddenAccount)
    rejected(st, trade(st, b, order(4, SELL, 10, mark, 5, slot=1), 1), OrderMismatch)
    rejected(st, trade(st, b, s, 3, fees=(7, 0)), FeeTooHigh)
    rejected(st, trade(st, b, order(4, SELL, 10, mark, 6, key=5), 1), BadSignature)
    rejected(st, trade(st, b, order(4, SELL, 10, mark, 7, valid_until=T0 - 1), 1), ExpiredOrder)
    rejected(st, trade(st, b, order(9, SELL, 10, mark, 1), 1), UnknownAccount)
    rejected(st, trade(st, b, order(FEE_ACCOUNT, SELL, 10, mark, 1, key=0), 1), ForbiddenAccount)
    empty = order(3, BUY, 10, mark, 8, slot=3)
    rejected(st, Trade(empty, order(4, SELL, 10, mark, 8, slot=3), 1, mark), BadInstrument)
    reprice(st, SPOT, ts=EXPIRY)
    rejected(st, trade(st, order(3, BUY, 10, mark, 9, valid_until=EXPIRY),
                       order(4, SELL, 10, mark, 9, valid_until=EXPIRY), 1), BadInstrument)


def test_open_interest_beyond_size_width_rejected(st):
    big = 2 ** 40 - 1
    for i in (3, 4, 5):
        fund(st, i, 2 ** 42)                         # covers the haircut of one unit per contract
    st.list_instrument(3, Instrument.call(SPOT * 100, EXPIRY))   # worth 0 in every scenario
    reprice(st, SPOT, ts=T0)
    st.apply(Trade(order(3, BUY, big, 0, 2, slot=3), order(4, SELL, big, 0, 2, slot=3), big - 1, 0))
    rejected(st, Trade(order(3, BUY, 5, 0, 3, slot=3), order(5, SELL, 5, 0, 3, slot=3), 5, 0), OutOfRange)
    fund(st, 6, 2 ** 42)
    # both sizes fit, but the slot's open interest would reach 2^40
    rejected(st, Trade(order(5, BUY, 5, 0, 4, slot=3), order(6, SELL, 5, 0, 4, slot=3), 5, 0), OutOfRange)
    st.apply(Trade(order(5, BUY, 5, 0, 5, slot=3), order(3, SELL, 5, 0, 5, slot=3), 5, 0))  # OI unchanged


def short_calls(st, acct, n, price):
    """acct sells n calls to account 5 at price."""
    return st.apply(Trade(order(5, BUY, n, price, 100 + acct), order(acct, SELL, n, price, 100), n, price))


def test_risk_reducing_trade_allowed_below_initial_margin_risk_increasing_not(st):
    mark = st.oracle.mark[0]
    short_calls(st, 3, 40, mark)
    reprice(st, SPOT * 14 // 10)                       # spot +40%: the short calls lose
    acc = st.account(3)
    assert not passes_initial(acc.cash, acc.sizes, st.oracle)
    mark = st.oracle.mark[0]
    # selling more calls increases risk: refused
    rejected(st, Trade(order(5, BUY, 5, mark, 200), order(3, SELL, 5, mark, 201), 5, mark), InsufficientMargin)
    # buying back some at the mark: size shrinks toward 0 and worst-case equity does not fall
    w = st.apply(Trade(order(5, SELL, 5, mark, 202), order(3, BUY, 5, mark, 203), 5, mark))
    assert w.details["taker_margin"] == "reduces_risk"
    assert st.account(3).sizes[0] == -35
    # buying back at a price far above every scenario value lowers the minimum: refused
    hi = max(st.oracle.scen_init[0]) * 3
    rejected(st, Trade(order(5, SELL, 5, hi, 204), order(3, BUY, 5, hi, 205), 5, hi), InsufficientMargin)


def test_risk_increasing_trade_within_initial_margin_passes_and_beyond_fails(st):
    mark = st.oracle.mark[0]
    sell = order(3, SELL, 10 ** 6, mark, 1)
    buy = order(5, BUY, 10 ** 6, mark, 1)
    st.apply(Trade(buy, sell, 100, mark))
    acc = st.account(3)
    assert passes_initial(acc.cash, acc.sizes, st.oracle)
    rejected(st, Trade(buy, sell, 10 ** 5, mark), InsufficientMargin)


# --- liquidation -------------------------------------------------------------------------------


def test_liquidation_only_below_maintenance_and_follows_the_rule(st):
    fund(st, 6, 100_000 * USD)
    mark = st.oracle.mark[0]
    short_calls(st, 3, 100, mark)
    rejected(st, Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY), NotLiquidatable)
    reprice(st, SPOT * 16 // 10)
    t = st.account(3)
    assert not passes_maintenance(t.cash, t.sizes, st.oracle)
    cash0, sizes0, liq0, ins0 = t.cash, list(t.sizes), st.account(6).cash, st.account(INSURANCE_ACCOUNT).cash
    rejected(st, Liquidate.create(KEYS[6], 6, 3, 1, T0 + DAY), StaleNonce)
    rejected(st, Liquidate.create(KEYS[5], 6, 3, 0, T0 + DAY), BadSignature)
    rejected(st, Liquidate.create(KEYS[6], 6, 3, 0, T0 - 1), ExpiredOrder)
    rejected(st, Liquidate.create(KEYS[6], 6, 6, 0, T0 + DAY), ForbiddenAccount)
    rejected(st, Liquidate.create(KEYS[1], INSURANCE_ACCOUNT, 3, 0, T0 + DAY), ForbiddenAccount)
    w = st.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY))
    check_witness(st, w)
    v, g = portfolio_mark_value(sizes0, st.oracle), gross_mark_value(sizes0, st.oracle)
    bonus, pen = g * 50 // 10_000, g * 100 // 10_000
    left = cash0 + v - bonus - pen
    assert st.account(3).sizes == [0] * 4 and st.account(3).cash == max(left, 0)
    assert st.account(6).sizes == sizes0 and st.account(6).cash == liq0 - (v - bonus)
    assert st.account(INSURANCE_ACCOUNT).cash == ins0 + pen + min(left, 0)
    assert st.account(6).nonce == 1
    assert w.details["failing_scenario"] is not None
    assert st.check_invariants() == []


def test_liquidation_shortfall_is_covered_by_the_insurance_fund(st):
    fund(st, 6, 100_000 * USD)
    short_calls(st, 3, 100, st.oracle.mark[0])
    reprice(st, SPOT * 3)                          # far beyond the target's means
    w = st.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY))
    assert w.details["shortfall"] > 0
    assert st.account(3).cash == 0
    assert st.account(INSURANCE_ACCOUNT).cash == w.details["penalty"] - w.details["shortfall"] < 0
    assert st.check_invariants() == []


def test_liquidator_must_pass_initial_margin(st):
    short_calls(st, 3, 100, st.oracle.mark[0])
    reprice(st, SPOT * 16 // 10)
    fund(st, 7, 1)
    rejected(st, Liquidate.create(KEYS[7], 7, 3, 0, T0 + DAY), InsufficientMargin)


# --- settlement ------------------------------------------------------------------------------------


def test_settlement_pays_exact_payoff_through_the_clearing_account(st):
    mark = st.oracle.mark[0]
    short_calls(st, 3, 7, mark)
    rejected(st, Settle(3, 0), BadInstrument)
    reprice(st, SPOT, ts=EXPIRY, settle_prices={0: SPOT + 123_456, 2: SPOT})
    c3, c5 = st.account(3).cash, st.account(5).cash
    w = st.apply(Settle(5, 0))
    check_witness(st, w)
    assert st.account(5).cash == c5 + 7 * 123_456
    assert st.account(CLEARING_ACCOUNT).sizes[0] == 7 and st.oi[0] == 7
    rejected(st, Settle(5, 0), NothingToSettle)
    rejected(st, Settle(CLEARING_ACCOUNT, 0), ForbiddenAccount)
    rejected(st, Settle(4, 2), NothingToSettle)
    rejected(st, Settle(3, 1), BadInstrument)
    with pytest.raises(SlotInUse):
        st.list_instrument(0, Instrument.put(SPOT, EXPIRY + DAY))
    st.apply(Settle(3, 0))
    assert st.account(3).cash == c3 - 7 * 123_456
    clearing = st.account(CLEARING_ACCOUNT)
    assert clearing.sizes[0] == 0 and clearing.cash == 0 and st.oi[0] == 0
    st.list_instrument(0, Instrument.put(SPOT, EXPIRY + DAY))  # now the slot may be reused
    assert st.market[0].strike == SPOT and st.oracle is None


# --- forced withdrawals -------------------------------------------------------------------------------


def test_forced_withdrawal_pays_what_margin_allows_and_invalid_ones_pay_zero(st):
    mark = st.oracle.mark[0]
    short_calls(st, 3, 20, mark)
    acc = st.account(3)
    allowed = min_equity(acc.cash, acc.sizes, st.oracle.scen_init)[0]
    good = ForcedWithdraw.create(KEYS[3], 3, 10 ** 15, 0, 0xaa)
    bad = ForcedWithdraw.create(KEYS[4], 4, 5, 1, 0xbb)          # wrong nonce
    st.enqueue_forced_withdraw(good)
    st.enqueue_forced_withdraw(bad)
    rejected(st, bad, QueueError)
    w = st.apply(good)
    check_witness(st, w)
    assert w.effect.as_tuple() == (EFFECT_FORCED, 3, 0xaa, allowed)
    acc = st.account(3)
    assert min_equity(acc.cash, acc.sizes, st.oracle.scen_init)[0] == 0 and acc.nonce == 1
    root = st.root
    w = st.apply(bad)
    assert w.effect.amount == 0 and w.details["rejected"] == "stale nonce" and st.root == root
    assert len(w.updates) == 1 and w.updates[0].before == w.updates[0].after
    assert st.forced_served == 2 and st.check_invariants() == []
    # the forced-request chain moved over both, in queue order
    assert st.forced_hash == bad.chain(good.chain(0)) == w.details["forced_hash_after"]


def test_forced_requests_are_checked_when_queued_and_keyed(st):
    req = ForcedWithdraw.create(KEYS[3], 3, 5, 0, 0xaa)
    assert req.pk == pk(3)
    with pytest.raises(ValueError, match="key"):
        st.enqueue_forced_withdraw(ForcedWithdraw(3, 5, 0, 0xaa, req.signature))          # no key
    with pytest.raises(ValueError, match="signature"):
        st.enqueue_forced_withdraw(ForcedWithdraw(3, 6, 0, 0xaa, req.signature, pk(3)))   # another amount
    with pytest.raises(ValueError, match="subgroup"):
        ForcedWithdraw(3, 5, 0, 0xaa, req.signature, (0, 1))
    assert not st.forced_queue and st.forced_hash == 0
    # a request under another key verifies (L1 accepts it) but is served with 0
    other = ForcedWithdraw.create(KEYS[4], 3, 5, 0, 0xaa)
    st.enqueue_forced_withdraw(other)
    root = st.root
    w = st.apply(other)
    assert w.effect.amount == 0 and w.details["rejected"] == "another key" and st.root == root
    assert st.account(3).nonce == 0 and st.forced_hash == other.chain(0)
    # the key travels with the request (store, files)
    from zkrollup.ops import op_from_obj
    assert op_from_obj(req.to_obj()) == req


def test_noop_changes_nothing(st):
    before = st.fingerprint()
    w = st.apply(Noop())
    assert w.old_root == w.new_root and st.fingerprint() == before and w.updates == ()
