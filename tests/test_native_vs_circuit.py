"""The native state (zkrollup) against the batch circuit: batches built by the operator's
witness builder (`zkrollup.batch_builder`) from what the native state applied satisfy the
circuit, which computes exactly the native records, header and public input; and what
the native state refuses, the circuit refuses too.

Covers every operation and outcome of v3: deposits created, credited and refunded (the
front-running sequence end to end), withdrawals, forced withdrawals by the owner and by
anyone else (paid 0), trades with fee rates, signed cancels (then a fill of the cancelled
order, and the cancel replayed, both refused), liquidation, settlement, slot reuse with a
resting order, and a signature from another deployment."""
import dataclasses

import pytest

from circuits.batch.circuit import first_failure, solve_batch
from circuits.batch.witness import Signature
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT
from circuits.spec.orders import CANCELLED
from circuits.spec.solvency import cash_flow
from zkrollup.errors import BadInstrument, CancelledOrder, ReplayedOrder, RollupError, WrongDeployment
from zkrollup.l1data import entry_op
from zkrollup.market import Instrument
from zkrollup.ops import BUY, SELL, Cancel, Liquidate, Settle, Trade, Withdraw

from batch_native import BatchRecorder, shape_of
from rollup_helpers import (DAY, DID, EXPIRY, KEYS, OTHER_DID, SPOT, T0, USD, addr, fund, make_state, order, pk,
                            reprice)

DEPTH, ORD_DEPTH, K = 4, 2, 4


def base_state():
    s = make_state(account_depth=DEPTH, order_depth=ORD_DEPTH, k=K)
    for i in (3, 4, 5, 6):
        fund(s, i, 1_000 * USD)
    return s


def agree(rec: BatchRecorder, n_slots: int):
    """Finish the batch; the circuit must accept it and compute the native records, header
    and public input."""
    batch, sb = rec.finish(n_slots)
    shape = shape_of(rec.state, n_slots)
    assert first_failure(shape, batch) is None
    _, out = solve_batch(shape, batch)
    h = sb.fields
    assert (out.old_root, out.new_root, out.oracle_hash) == (h.old_root, h.new_root, h.oracle_hash)
    assert (out.prio_old, out.prio_new) == (h.prio_old, h.prio_new)
    assert list(out.records) == list(sb.records)
    assert out.fund_deficit == sb.fund_deficit
    # the solvency outputs: the leaves' cash flow is the records', long = short open interest
    assert out.cash_flow == cash_flow(sb.records) == rec.state.total_cash() - rec.start_cash
    assert out.oi_short == out.oi == list(sb.open_interest) == list(rec.state.oi)
    assert out.public_input == sb.public_input()
    assert rec.state.check_invariants() == []
    return batch, sb, shape


def test_the_front_running_sequence_refunds_the_victim_and_nobody_else_can_take_it():
    """The attacker deposits 1 unit at the victim's fresh index first, under its own key;
    the victim's deposit is refunded in the accepting batch (the record's flag, proven);
    the attacker's withdrawals of the victim's money and forced withdrawals fail."""
    s = base_state()
    victim, attacker = 9, 5
    rec = BatchRecorder(s)
    rec.apply(s.enqueue_deposit(victim, pk(attacker), 1, addr(attacker)))           # front-run
    w = rec.apply(s.enqueue_deposit(victim, pk(victim), 500 * USD, addr(victim)))    # refunded
    assert w.details["outcome"] == "refund" and s.account(victim).cash == 1
    # and the same front-run with the victim's key copied: the owner differs, refunded too
    rec.apply(s.enqueue_deposit(10, pk(10), 1, addr(attacker)))
    w2 = rec.apply(s.enqueue_deposit(10, pk(10), 500 * USD, addr(10)))
    assert w2.details["outcome"] == "refund"
    _, sb, _ = agree(rec, 4)
    assert [r[13] for r in sb.records] == [0, 1, 0, 1]                   # the refunded flags
    assert s.collateral == 4_000 * USD + 2                               # 1,000 USD went back to L1
    # the attacker can withdraw only its own unit, never the victim's deposit
    rec = BatchRecorder(s)
    with pytest.raises(RollupError):
        rec.apply(Withdraw.create(KEYS[attacker], victim, 500 * USD, 0, addr(attacker), DID))
    rec.apply(s.enqueue_forced_withdraw(10, 500 * USD, addr(attacker)))   # the owner asks: pays what is there
    rec.apply(s.enqueue_forced_withdraw(10, 500 * USD, addr(10)))         # the victim is not the owner: 0
    agree(rec, 2)


def test_deposits_withdrawals_forced_trades_and_fees():
    s = base_state()
    mark = s.oracle.mark[0]
    rec = BatchRecorder(s)
    rec.apply(s.enqueue_deposit(3, pk(3), 5, addr(3)))                   # credited
    rec.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF, DID))
    rec.apply(Trade(order(3, BUY, 10, mark, 1, max_fee=5), order(4, SELL, 6, mark, 1, max_fee=5), 4, mark, 5, 3))
    rec.apply(Withdraw.create(KEYS[0], FEE_ACCOUNT, 20, 0, 0xFEE, DID))   # fees pending: flush on touch
    rec.apply(s.enqueue_forced_withdraw(4, 10 ** 15, addr(4)))          # the owner: what margin allows
    rec.apply(s.enqueue_forced_withdraw(CLEARING_ACCOUNT, 5, addr(4)))   # the clearing account: 0
    rec.apply(s.enqueue_forced_withdraw(2 ** DEPTH + 3, 5, addr(4)))    # outside the tree: 0
    w = rec.apply(s.enqueue_deposit(FEE_ACCOUNT, pk(0), 7, addr(0)))    # owner 0: always refunded
    assert w.details["outcome"] == "refund"
    agree(rec, 8)


def test_cancels_then_a_fill_of_the_cancelled_order_and_a_replayed_cancel_are_refused():
    s = base_state()
    mark = s.oracle.mark[0]
    sell = order(3, SELL, 10, mark, 1)
    rec = BatchRecorder(s)
    rec.apply(Trade(sell, order(4, BUY, 10, mark, 1), 2, mark))
    rec.apply(Cancel.create(KEYS[3], 3, 1, DID))                         # partly filled, then cancelled
    rec.apply(Cancel.create(KEYS[4], 4, 6, DID))                         # ahead of time: slot 2 taken over
    rec.apply(Cancel.create(KEYS[3], 3, 1, DID))                         # again: changes nothing
    with pytest.raises(CancelledOrder):
        rec.apply(Trade(sell, order(4, BUY, 10, mark, 3), 1, mark))
    with pytest.raises(ReplayedOrder):
        rec.apply(Cancel.create(KEYS[4], 4, 2, DID))                     # below the stored id 6
    assert s.account(3).order_state(1) == (1, CANCELLED)
    agree(rec, 4)


def test_a_resting_order_never_fills_on_a_reused_slot():
    s = base_state()
    mark = s.oracle.mark[0]
    resting = order(3, SELL, 5, mark, 1)
    rec = BatchRecorder(s)
    rec.apply(Trade(resting, order(4, BUY, 1, mark, 1), 1, mark))
    agree(rec, 1)
    reprice(s, SPOT, ts=EXPIRY, settle_prices={0: SPOT})
    rec = BatchRecorder(s)
    rec.apply(Settle(3, 0))
    rec.apply(Settle(4, 0))
    agree(rec, 2)
    new = Instrument.put(SPOT, EXPIRY + 30 * DAY)
    s.list_instrument(0, new)
    reprice(s, SPOT, ts=EXPIRY)
    mark = s.oracle.mark[0]
    rec = BatchRecorder(s)
    taker = order(5, BUY, 5, mark, 2, instrument=new, valid_until=EXPIRY + DAY)
    with pytest.raises(BadInstrument):
        rec.apply(Trade(dataclasses.replace(resting, order=dataclasses.replace(resting.order, limit_price=mark,
                                                                                 valid_until=EXPIRY + DAY)),
                        taker, 1, mark))
    rec.apply(Trade(order(6, SELL, 5, mark, 1, instrument=new, valid_until=EXPIRY + DAY), taker, 2, mark))
    agree(rec, 2)


def test_liquidation_agrees():
    s = base_state()
    fund(s, 7, 100_000 * USD)
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 100, mark, 1), order(3, SELL, 100, mark, 1), 100, mark))
    reprice(s, SPOT * 16 // 10)
    rec = BatchRecorder(s)
    rec.apply(Liquidate.create(KEYS[7], 7, 3, 0, T0 + DAY, DID))
    agree(rec, 1)


def test_a_signature_for_another_deployment_is_refused_natively_and_by_the_circuit():
    s = base_state()
    with pytest.raises(WrongDeployment):
        BatchRecorder(s).apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF, OTHER_DID))
    # the same withdrawal signed for another deployment, put into the circuit's input: the
    # circuit hashes the message with the market's deployment id, so the signature fails
    rec = BatchRecorder(s)
    rec.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF, DID))
    batch, _ = rec.finish(1)
    other = Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF, OTHER_DID).signature
    batch.slots[0].sig = Signature(other.R8[0], other.R8[1], other.S)
    failing = first_failure(shape_of(s, 1), batch)
    assert failing is not None and failing.startswith("slot0.") and "sig" in failing


def test_queue_entries_from_l1_become_the_same_operations():
    e = {"kind": 1, "account": 3, "amount": 5, "pk_x": pk(3)[0], "pk_y": pk(3)[1], "l1_address": addr(3)}
    d = entry_op(e)
    assert (d.kind, d.account, d.pk, d.amount, d.depositor) == ("deposit", 3, pk(3), 5, addr(3))
    f = entry_op({"kind": 2, "account": 3, "amount": 5, "pk_x": 0, "pk_y": 0, "l1_address": addr(4)})
    assert (f.kind, f.account, f.amount, f.requester) == ("forced_withdraw", 3, 5, addr(4))
