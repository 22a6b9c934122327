"""Forced close through L1 (issue 14 item 3): an account's owner queues on L1 that every
position be closed; the batch that reaches the entry runs the backstop's take-over of all
steps, whether or not the account fails maintenance. Native (`zkrollup.ops.ForcedClose`)
against the batch circuit, honest, refused and tampered."""
import dataclasses

import pytest

from circuits.batch.circuit import first_failure
from circuits.spec import liquidation as rule
from circuits.spec import priority as prio_spec
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.ops import OP_FORCED_CLOSE, OP_LIQUIDATE
from circuits.spec.records import decode_record
from zkrollup.l1data import entry_op
from zkrollup.ops import BUY, SELL, ForcedClose, ForcedWithdraw, Trade, op_from_obj, op_from_record
from zkrollup.operator.intake import request_from_obj
from zkrollup.risk import passes_maintenance

from batch_native import BatchRecorder, shape_of
from rollup_helpers import SPOT, USD, addr, reprice, order
from test_native_vs_circuit import agree, base_state


def _positions(spot=SPOT):
    """Account 3 short 100 futures to account 5, then the spot moves to `spot`."""
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 100, mark, 1), order(3, SELL, 100, mark, 1), 100, mark))
    if spot != SPOT:
        reprice(s, spot)
    return s


def _closed(spot, account=3):
    s = _positions(spot)
    ins = s.account(INSURANCE_ACCOUNT)
    before = {"ins": (ins.cash, list(ins.sizes), ins.nonce), "acc": s.account(account).fields()}
    rec = BatchRecorder(s)
    w = rec.apply(s.enqueue_forced_close(account, addr(account)))
    return s, rec, w, before


@pytest.mark.parametrize("spot", [SPOT, SPOT * 12 // 10, SPOT * 2])
def test_a_forced_close_takes_every_position_into_the_insurance_fund_and_is_proven(spot):
    """Healthy (no maintenance failure needed), failing, and bankrupt (the fund covers it)."""
    s, rec, w, before = _closed(spot)
    d = w.details
    assert d["steps"] == rule.LIQ_STEPS and d["backstop"] and d["requester"] == addr(3)
    acc, ins = s.account(3), s.account(INSURANCE_ACCOUNT)
    assert not any(acc.sizes) and acc.cash >= 0
    assert ins.sizes[0] == before["ins"][1][0] - 100 and ins.nonce == before["ins"][2] + 1
    assert acc.cash == max(0, d["left"]) and d["shortfall"] == max(0, -d["left"])
    assert ins.cash == before["ins"][0] - (d["mark_value"] - d["bonus"]) + d["penalty"] - d["shortfall"]
    if spot == SPOT * 2:
        assert d["shortfall"] > 0
    f = decode_record(w.record)
    assert f.op == OP_FORCED_CLOSE and dict(f.fields) == {"backstop": INSURANCE_ACCOUNT, "account": 3,
                                                          "steps": rule.LIQ_STEPS}
    assert w.prio_after == prio_spec.forced_close_entry(w.prio_before, 3, addr(3))
    agree(rec, 1)


def test_a_forced_close_of_an_account_without_positions_moves_only_the_chain_and_the_funds_nonce():
    s = base_state()
    cash = s.account(4).cash
    rec = BatchRecorder(s)
    w = rec.apply(s.enqueue_forced_close(4, addr(4)))
    assert s.account(4).cash == cash and w.details["taken"] == [0] * s.K
    agree(rec, 1)


def test_a_forced_close_shares_a_batch_with_trades_in_queue_order():
    s = _positions()
    rec = BatchRecorder(s)
    mark = s.oracle.mark[0]
    rec.apply(Trade(order(6, BUY, 10, mark, 2), order(5, SELL, 10, mark, 2), 10, mark))
    rec.apply(s.enqueue_forced_close(3, addr(3)))
    rec.apply(s.enqueue_forced_close(5, addr(5)))
    assert not any(s.account(3).sizes) and not any(s.account(5).sizes) and s.account(6).sizes[0] == 10
    agree(rec, 4)


@pytest.mark.parametrize("account, requester, why", [
    (3, addr(4), "does not own"), (9, addr(9), "does not exist"), (FEE_ACCOUNT, addr(3), "special"),
    (INSURANCE_ACCOUNT, addr(3), "special"), (CLEARING_ACCOUNT, addr(3), "special"), (1 << 20, addr(3), "account must be")])
def test_a_forced_close_l1_would_refuse_is_never_queued_and_changes_nothing(account, requester, why):
    s = _positions()
    before, queued = s.fingerprint(), len(s.prio_queue)
    with pytest.raises(ValueError, match=why):
        s.enqueue_forced_close(account, requester)
    with pytest.raises(ValueError, match=why):
        s.apply_l1_request(ForcedClose(account, requester))
    assert s.fingerprint() == before and len(s.prio_queue) == queued


def test_a_forced_close_is_served_only_at_the_head_of_the_queue():
    from zkrollup.errors import QueueError
    s = _positions()
    s.enqueue_forced_close(3, addr(3))
    before = s.fingerprint()
    with pytest.raises(QueueError):
        s.apply(ForcedClose(5, addr(5)))
    assert s.fingerprint() == before


def test_a_forced_close_comes_from_l1_only_and_is_rebuilt_from_its_record_and_entry():
    with pytest.raises(ValueError, match="L1"):
        request_from_obj({"type": "forced_close", "account": 3, "requester": addr(3)})
    assert op_from_obj(ForcedClose(3, addr(3)).to_obj()) == ForcedClose(3, addr(3))
    entry = {"kind": prio_spec.KIND_FORCED_CLOSE, "account": 3, "amount": 0, "pk_x": 0, "pk_y": 0,
             "l1_address": addr(3)}
    assert entry_op(entry) == ForcedClose(3, addr(3))
    s, _, w, _ = _closed(SPOT * 12 // 10)
    t = _positions(SPOT * 12 // 10)
    rec = decode_record(w.record)
    with pytest.raises(ValueError):
        op_from_record(t, rec, ForcedClose(5, addr(5)))
    t.apply_l1_request(op_from_record(t, rec, ForcedClose(3, addr(3))))
    assert t.root == s.root and t.prio == s.prio


# --- the circuit, tampered -------------------------------------------------------------------------

def _tampered(**changes):
    s, rec, _, _ = _closed(SPOT)
    batch, sb = rec.finish(1)
    slot = batch.slots[0]
    for k, v in changes.items():
        setattr(slot, k, v)
    return shape_of(s, 1), batch


def test_a_forced_close_taking_fewer_than_every_step_fails():
    assert first_failure(*_tampered(liq_steps=rule.LIQ_STEPS - 1)) == "slot0.liq.steps_forced_close"


def test_a_forced_close_for_someone_other_than_the_owner_fails():
    assert first_failure(*_tampered(l1_address=addr(4))) == "slot0.roles.fc_owner"


def test_a_forced_close_by_any_taker_but_the_insurance_fund_fails():
    """The same slot with port A an ordinary account (it would take the positions unsigned)."""
    s, rec, _, _ = _closed(SPOT)
    batch, _ = rec.finish(1)
    # borrow a real port of account 6 from a batch where 6 acts
    t = _positions()
    r2 = BatchRecorder(t)
    mark = t.oracle.mark[0]
    r2.apply(Trade(order(6, BUY, 1, mark, 2), order(4, SELL, 1, mark, 2), 1, mark))
    other, _ = r2.finish(1)
    batch.slots[0].a = other.slots[0].a
    assert first_failure(shape_of(s, 1), batch) == "slot0.roles.fc_by_insurance"


def test_a_healthy_account_cannot_be_closed_as_a_liquidation_without_the_l1_request():
    """The same slot recorded as a backstop (op liquidate) fails: the account passes maintenance."""
    s, rec, _, _ = _closed(SPOT)
    assert passes_maintenance(*(lambda a: (a.cash, a.sizes))(_positions().account(3)), s.oracle)
    batch, _ = rec.finish(1)
    batch.slots[0] = dataclasses.replace(batch.slots[0], op=OP_LIQUIDATE)
    assert first_failure(shape_of(s, 1), batch) == "slot0.liq_checks.fails_mm_range.sum"


@pytest.mark.parametrize("op", [ForcedClose(3, addr(3)), ForcedWithdraw(3, 5, addr(3))], ids=lambda o: o.kind)
def test_the_operator_never_drops_an_l1_request_the_circuit_refuses(op):
    """The queue is served in order: a forced close the circuit cannot prove is a native-vs-
    circuit disagreement (OperatorError), never refused and rebuilt away like a user's request."""
    from types import SimpleNamespace
    from zkrollup.operator.pipeline import Operator, OperatorError
    from zkrollup.operator.proving import UnprovableBatch
    refused = []
    stub = SimpleNamespace(fault=lambda *a: None, _first_failing_op=lambda sb: 0,
                           rollback=lambda err, refuse=None: refused.append(refuse))
    with pytest.raises(OperatorError, match="serves an L1 request"):
        Operator._refuse_unprovable(stub, SimpleNamespace(ops=[op], batch_number=7),
                                    UnprovableBatch(7, "slot0.liq.left.range"))
    assert refused == []
