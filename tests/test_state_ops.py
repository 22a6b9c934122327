"""Operations on the native state: effects, records, every rejection reason, witnesses."""
import pytest

from circuits.spec import margin
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT, SPECIAL_OWNER
from circuits.spec.orders import CANCELLED
from circuits.spec.priority import PRIO_EMPTY, deposit_entry, forced_entry
from circuits.spec.records import decode_record
from zkrollup.errors import (BadInstrument, BadSignature, CancelledOrder, ExpiredOrder, FeeTooHigh,
                             ForbiddenAccount, InsufficientMargin, NothingToSettle, NotLiquidatable, OrderMismatch,
                             OutOfRange, OverFill, QueueError, ReplayedOrder, SlotInUse, StaleNonce, UnknownAccount,
                             WrongDeployment)
from zkrollup.market import Instrument
from zkrollup.ops import BUY, SELL, Cancel, Liquidate, Noop, Settle, Trade, Withdraw
from zkrollup.ops.messages import BadRequest
from zkrollup.risk import equities, im_allowance, passes_initial, passes_maintenance

from rollup_helpers import (DAY, DID, EXPIRY, KEYS, OTHER_DID, SPOT, T0, USD, addr, check_witness, fund, make_state,
                            order, pk, rejected, reprice)


def record(w) -> dict:
    r = decode_record(w.record)
    return {"op": r.name, **r.fields}


@pytest.fixture
def st():
    s = make_state()
    for i in (3, 4, 5):
        fund(s, i, 1_000 * USD)
    return s


# --- deposits --------------------------------------------------------------------------------


def test_deposit_creates_then_credits_and_chains_the_queue():
    s = make_state()
    d1 = s.enqueue_deposit(7, pk(7), 5, addr(7))
    d2 = s.enqueue_deposit(7, pk(7), 6, addr(7))         # same key, same owner: credited
    rejected(s, d2, QueueError)                          # not the head of the queue
    w1 = s.apply(d1)
    assert w1.details["outcome"] == "create" and w1.updates[0].before is None
    assert s.account(7).owner == addr(7)
    w2 = s.apply(d2)
    assert w2.details["outcome"] == "credit" and record(w2) == {"op": "deposit", "account": 7, "amount": 6,
                                                               "refunded": 0}
    acc = s.account(7)
    assert (acc.pk, acc.cash, acc.owner) == (pk(7), 11, addr(7))
    h = deposit_entry(deposit_entry(PRIO_EMPTY, 7, pk(7), 5, addr(7)), 7, pk(7), 6, addr(7))
    assert (w2.prio_after, s.prio, s.prio_served) == (h, h, 2)
    assert s.pending_deposits == 0 and s.collateral == 11
    check_witness(s, w2)
    rejected(s, d2, QueueError)                          # queue empty now


@pytest.mark.parametrize("key, depositor, why", [(3, addr(7), "another key"), (7, addr(3), "another owner"),
                                                 (3, addr(3), "another key and owner")])
def test_deposit_to_an_account_of_another_key_or_owner_is_refunded(key, depositor, why):
    s = make_state()
    fund(s, 7, 1_000)
    before = s.account(7).fields()
    root = s.root
    d = s.enqueue_deposit(7, pk(key), 50, depositor)
    assert s.collateral == 1_050
    w = s.apply(d)
    assert w.details["outcome"] == "refund", why
    assert record(w) == {"op": "deposit", "account": 7, "amount": 50, "refunded": 1}
    assert s.root == root and s.account(7).fields() == before         # nothing in the tree changed
    assert len(w.updates) == 1 and w.updates[0].before == w.updates[0].after
    assert s.collateral == 1_000 and s.pending_deposits == 0         # L1 pays the 50 back
    assert s.prio == deposit_entry(deposit_entry(PRIO_EMPTY, 7, pk(7), 1_000, addr(7)), 7, pk(key), 50, depositor)
    check_witness(s, w)
    assert s.check_invariants() == []


def test_deposits_into_special_accounts_are_refunded_they_have_no_owner():
    s = make_state()
    assert s.account(FEE_ACCOUNT).owner == SPECIAL_OWNER == 0
    w = s.apply(s.enqueue_deposit(FEE_ACCOUNT, pk(0), 9, addr(0)))
    assert w.details["outcome"] == "refund" and s.account(FEE_ACCOUNT).cash == 0


def test_deposit_bad_inputs_refused_on_l1():
    s = make_state()
    for args in ((CLEARING_ACCOUNT, pk(3), 5, addr(3)), (3, pk(3), 0, addr(3)), (3, (1, 2), 5, addr(3)),
                 (3, pk(3), 2 ** 64, addr(3)), (2 ** 6, pk(3), 5, addr(3)), (3, pk(3), 5, 0),
                 (3, pk(3), 5, 2 ** 160)):
        with pytest.raises(ValueError):
            s.enqueue_deposit(*args)
    assert s.collateral == 0 and not s.prio_queue


# --- withdrawals -------------------------------------------------------------------------------


def test_withdraw_pays_and_replay_is_stale(st):
    w = st.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xbeef, DID))
    assert record(w) == {"op": "withdraw", "account": 3, "amount": 100, "l1_address": 0xbeef}
    assert st.account(3).cash == 1_000 * USD - 100 and st.account(3).nonce == 1
    assert st.collateral == 3_000 * USD - 100
    check_witness(st, w)
    rejected(st, Withdraw.create(KEYS[3], 3, 100, 0, 0xbeef, DID), StaleNonce)


def test_withdraw_rejections(st):
    rejected(st, Withdraw.create(KEYS[4], 3, 100, 0, 1, DID), BadSignature)
    rejected(st, Withdraw.create(KEYS[3], 3, 1_000 * USD + 1, 0, 1, DID), InsufficientMargin)
    rejected(st, Withdraw.create(KEYS[9], 9, 1, 0, 1, DID), UnknownAccount)
    rejected(st, Withdraw.create(KEYS[0], CLEARING_ACCOUNT, 1, 0, 1, DID), ForbiddenAccount)
    rejected(st, Withdraw.create(KEYS[3], 3, 100, 0, 0, DID), BadRequest)    # L1 would burn it
    with pytest.raises(ValueError):
        Withdraw.create(KEYS[3], 3, 0, 0, 1, DID)


def test_a_signature_for_another_deployment_is_refused(st):
    """Messages name the deployment (chain id, contract address): a withdrawal, order,
    liquidation or cancel signed for another deployment never applies here."""
    rejected(st, Withdraw.create(KEYS[3], 3, 100, 0, 0xbeef, OTHER_DID), WrongDeployment)
    forged = Withdraw.create(KEYS[3], 3, 100, 0, 0xbeef, OTHER_DID)
    relabelled = Withdraw(3, 100, 0, 0xbeef, DID, forged.signature)   # the other deployment's signature
    rejected(st, relabelled, BadSignature)
    mark = st.oracle.mark[0]
    rejected(st, trade(st, order(3, BUY, 1, mark, 1, did=OTHER_DID), order(4, SELL, 1, mark, 1), 1),
             WrongDeployment)
    rejected(st, Cancel.create(KEYS[3], 3, 1, OTHER_DID), WrongDeployment)
    rejected(st, Liquidate.create(KEYS[3], 3, 4, 0, T0 + DAY, OTHER_DID), WrongDeployment)


# --- trades ------------------------------------------------------------------------------------


def trade(st, maker, taker, fill, price=None, rates=(0, 0)):
    return Trade(maker, taker, fill, st.oracle.mark[0] if price is None else price, *rates)


def test_partial_fills_accumulate_and_over_fill_is_rejected(st):
    mark = st.oracle.mark[0]
    buy = order(3, BUY, 10, mark, 1, max_fee=5)
    sell = order(4, SELL, 6, mark, 1, max_fee=5)
    w = st.apply(trade(st, buy, sell, 4, rates=(5, 3)))                # fee = rate per contract x fill
    check_witness(st, w)
    assert record(w) == {"op": "trade", "maker": 3, "taker": 4, "slot": 0, "maker_side": BUY, "fill": 4,
                         "price": mark, "maker_fee_rate": 5, "taker_fee_rate": 3, "maker_order_id": 1,
                         "taker_order_id": 1}
    assert st.account(3).sizes[0] == 4 and st.account(4).sizes[0] == -4
    assert st.account(3).cash == 1_000 * USD - 4 * mark - 20
    assert st.account(FEE_ACCOUNT).cash == 20 + 12
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
    rejected(st, trade(st, b, s, 3, rates=(3, 0)), FeeTooHigh)          # rate above max_fee = 2
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
    far = Instrument.call(SPOT * 100, EXPIRY)                   # worth 0 in every scenario
    st.list_instrument(3, far)
    reprice(st, SPOT, ts=T0)
    st.apply(Trade(order(3, BUY, big, 0, 2, slot=3, instrument=far), order(4, SELL, big, 0, 2, slot=3, instrument=far), big - 1, 0))
    rejected(st, Trade(order(3, BUY, 5, 0, 3, slot=3, instrument=far), order(5, SELL, 5, 0, 3, slot=3, instrument=far), 5, 0), OutOfRange)
    fund(st, 6, 2 ** 42)
    # both sizes fit, but the slot's open interest would reach 2^40
    rejected(st, Trade(order(5, BUY, 5, 0, 4, slot=3, instrument=far), order(6, SELL, 5, 0, 4, slot=3, instrument=far), 5, 0), OutOfRange)
    st.apply(Trade(order(5, BUY, 5, 0, 5, slot=3, instrument=far), order(3, SELL, 5, 0, 5, slot=3, instrument=far), 5, 0))  # OI unchanged


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
    hi = max(st.oracle.scen[0]) * 3
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
    rejected(st, Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY, DID), NotLiquidatable)
    reprice(st, SPOT * 16 // 10)
    t = st.account(3)
    assert not passes_maintenance(t.cash, t.sizes, st.oracle)
    cash0, sizes0, liq0, ins0 = t.cash, list(t.sizes), st.account(6).cash, st.account(INSURANCE_ACCOUNT).cash
    rejected(st, Liquidate.create(KEYS[6], 6, 3, 1, T0 + DAY, DID), StaleNonce)
    rejected(st, Liquidate.create(KEYS[5], 6, 3, 0, T0 + DAY, DID), BadSignature)
    rejected(st, Liquidate.create(KEYS[6], 6, 3, 0, T0 - 1, DID), ExpiredOrder)
    rejected(st, Liquidate.create(KEYS[6], 6, 6, 0, T0 + DAY, DID), ForbiddenAccount)
    rejected(st, Liquidate.create(KEYS[1], INSURANCE_ACCOUNT, 3, 0, T0 + DAY, DID), ForbiddenAccount)
    w = st.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY, DID))
    check_witness(st, w)
    v = sum(s * m for s, m in zip(sizes0, st.oracle.mark))               # everything is taken here
    g = sum(abs(s) * m for s, m in zip(sizes0, st.oracle.mark))
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
    w = st.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY, DID))
    assert w.details["shortfall"] > 0
    assert st.account(3).cash == 0
    assert st.account(INSURANCE_ACCOUNT).cash == w.details["penalty"] - w.details["shortfall"] < 0
    assert st.check_invariants() == []


def test_liquidator_must_pass_initial_margin(st):
    short_calls(st, 3, 100, st.oracle.mark[0])
    reprice(st, SPOT * 16 // 10)
    fund(st, 7, 1)
    rejected(st, Liquidate.create(KEYS[7], 7, 3, 0, T0 + DAY, DID), InsufficientMargin)


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


# --- slot reuse and instrument binding -----------------------------------------------------------


def test_an_order_signed_for_the_old_instrument_never_fills_on_a_reused_slot(st):
    """Orders sign the instrument id, not only the slot: after slot 0 is settled and
    reused for another instrument, a resting order of the old one cannot fill on it."""
    mark = st.oracle.mark[0]
    resting = order(3, SELL, 5, mark, 1)                     # CALL 60,000 in slot 0
    st.apply(trade(st, resting, order(4, BUY, 1, mark, 1), 1))
    reprice(st, SPOT, ts=EXPIRY, settle_prices={0: SPOT})
    st.apply(Settle(3, 0))
    st.apply(Settle(4, 0))
    new = Instrument.put(SPOT, EXPIRY + 30 * DAY)
    st.list_instrument(0, new)
    reprice(st, SPOT, ts=EXPIRY)
    mark = st.oracle.mark[0]
    taker = order(5, BUY, 5, mark, 2, instrument=new, valid_until=EXPIRY + DAY)
    old = order(3, SELL, 5, mark, 1, valid_until=EXPIRY + DAY)   # the old order (same slot, old instrument)
    rejected(st, Trade(old, taker, 1, mark), BadInstrument)
    st.apply(Trade(order(3, SELL, 5, mark, 9, instrument=new, valid_until=EXPIRY + DAY), taker, 1, mark))


# --- cancels -------------------------------------------------------------------------------------


def test_a_cancelled_order_never_fills_and_a_replayed_cancel_is_refused(st):
    mark = st.oracle.mark[0]
    sell = order(3, SELL, 10, mark, 1)
    st.apply(trade(st, sell, order(4, BUY, 10, mark, 1), 4))
    w = st.apply(Cancel.create(KEYS[3], 3, 1, DID))
    check_witness(st, w)
    assert record(w) == {"op": "cancel", "account": 3, "order_id": 1}
    assert st.account(3).order_state(1) == (1, CANCELLED) and st.account(3).nonce == 0
    rejected(st, trade(st, sell, order(4, BUY, 10, mark, 2), 1), CancelledOrder)
    # a newer order takes the slot over (id 9 = 1 mod 2^3); the old cancel is then a replay
    st.apply(trade(st, order(3, SELL, 10, mark, 9), order(4, BUY, 10, mark, 3), 2))
    rejected(st, Cancel.create(KEYS[3], 3, 1, DID), ReplayedOrder)
    rejected(st, Cancel.create(KEYS[4], 3, 9, DID), BadSignature)
    rejected(st, Cancel.create(KEYS[8], 8, 9, DID), UnknownAccount)
    # a cancel ahead of time: an order never traded is cancelled before it fills
    st.apply(Cancel.create(KEYS[3], 3, 12, DID))
    rejected(st, trade(st, order(3, SELL, 10, mark, 12), order(4, BUY, 10, mark, 4), 1), CancelledOrder)
    rejected(st, trade(st, order(3, SELL, 10, mark, 4), order(4, BUY, 10, mark, 5), 1), ReplayedOrder)


def test_cancelling_a_cancelled_order_again_changes_nothing_but_applies(st):
    st.apply(Cancel.create(KEYS[3], 3, 5, DID))
    root = st.root
    w = st.apply(Cancel.create(KEYS[3], 3, 5, DID))
    assert st.root == root and w.updates[0].order.before == w.updates[0].order.after == (5, CANCELLED)


# --- forced withdrawals -------------------------------------------------------------------------------


def test_forced_withdrawal_by_the_owner_pays_what_margin_allows_others_pay_zero(st):
    mark = st.oracle.mark[0]
    short_calls(st, 3, 20, mark)
    acc = st.account(3)
    allowed = im_allowance(acc.cash, acc.sizes, st.oracle)
    assert allowed > 0
    p0 = st.prio
    good = st.enqueue_forced_withdraw(3, 10 ** 15, addr(3))
    bad = st.enqueue_forced_withdraw(4, 5, addr(3))             # not account 4's owner
    rejected(st, bad, QueueError)
    w = st.apply(good)
    check_witness(st, w)
    assert record(w) == {"op": "forced_withdraw", "account": 3, "amount": 10 ** 15, "paid": allowed}
    acc = st.account(3)
    q = margin.im_quantities(equities(acc.cash, acc.sizes, st.oracle))
    assert 0 <= min(q) < margin.IM_DEN and acc.nonce == 0          # one unit more would fail IM
    root = st.root
    w = st.apply(bad)
    assert record(w)["paid"] == 0 and not w.details["valid"] and st.root == root
    assert len(w.updates) == 1 and w.updates[0].before == w.updates[0].after
    assert st.prio_served == 3 + 2 and st.check_invariants() == []
    # the priority chain moved over both, in queue order
    assert st.prio == forced_entry(forced_entry(p0, 3, 10 ** 15, addr(3)), 4, 5, addr(3)) == w.prio_after


@pytest.mark.parametrize("account, requester, why", [(CLEARING_ACCOUNT, 0xCC, "clearing"), (9, addr(9), "unknown"),
                                                     (FEE_ACCOUNT, addr(0), "no owner"), (2 ** 6 + 1, addr(3),
                                                                                          "outside the tree")])
def test_invalid_forced_withdrawals_are_served_with_zero(st, account, requester, why):
    root, cash = st.root, st.total_cash()
    w = st.apply(st.enqueue_forced_withdraw(account, 5, requester))
    assert record(w)["paid"] == 0 and not w.details["valid"], why
    assert st.root == root and st.total_cash() == cash and st.check_invariants() == []


def test_noop_changes_nothing(st):
    before = st.fingerprint()
    w = st.apply(Noop())
    assert w.old_root == w.new_root and st.fingerprint() == before and w.updates == ()
