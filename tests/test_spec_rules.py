"""The rules of circuits.spec: operation codes, deployment ids, the priority chain, the
deposit outcome (no front-running), forced-withdrawal validity, order fills, cancels and fees."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.poseidon import poseidon
from circuits.spec import ops, orders, priority
from circuits.spec.deployment import deployment_id, split_deployment_id
from circuits.spec.orders import CANCELLED, OrderRefused, apply_cancel, apply_fill, fill_slot, trade_fee
from circuits.spec.priority import CREATE, CREDIT, REFUND, deposit_outcome, forced_paid, forced_valid


def test_operation_codes_with_cancel_seven_and_forced_close_eight():
    assert (ops.OP_NOOP, ops.OP_DEPOSIT, ops.OP_WITHDRAW, ops.OP_FORCED, ops.OP_TRADE, ops.OP_LIQUIDATE,
            ops.OP_SETTLE, ops.OP_CANCEL, ops.OP_FORCED_CLOSE) == tuple(range(9)) == tuple(range(ops.N_OPS))
    assert ops.op_name(7) == "cancel" and ops.op_name(8) == "forced_close"
    assert ops.N_OPS <= 1 << ops.OP_CODE_BITS
    with pytest.raises(ValueError):
        ops.op_name(9)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2 ** 64 - 1), st.integers(0, 2 ** 160 - 1))
def test_deployment_id_packs_chain_and_address_one_to_one(chain, addr):
    did = deployment_id(chain, addr)
    assert did == chain + 2 ** 64 * addr < 2 ** 224 and split_deployment_id(did) == (chain, addr)


def test_deployment_id_refuses_out_of_range_parts():
    with pytest.raises(ValueError, match="chain id"):
        deployment_id(2 ** 64, 1)
    with pytest.raises(ValueError, match="address"):
        deployment_id(1, 2 ** 160)


# --- priority queue ---------------------------------------------------------------------------------

def test_priority_chain_is_the_documented_poseidon():
    pk = (11, 12)
    h1 = priority.deposit_entry(0, 5, pk, 700, 0xABC)
    assert h1 == poseidon([0, 1 + 4 * 5 + 2 ** 34 * 700, 11, 12, 0xABC])
    h2 = priority.forced_entry(h1, 5, 300, 0xDEF)
    assert h2 == poseidon([h1, 2 + 4 * 5 + 2 ** 34 * 300, 0, 0, 0xDEF])
    assert priority.PRIO_EMPTY == 0


@pytest.mark.parametrize("call,match", [
    (lambda: priority.pack_entry(4, 1, 1), "kind"), (lambda: priority.pack_entry(1, 2 ** 32, 1), "account"),
    (lambda: priority.pack_entry(1, 1, 2 ** 64), "amount"), (lambda: priority.deposit_entry(0, 1, (1, 2), 0, 1),
                                                             "deposit amount"),
    (lambda: priority.forced_entry(0, 1, 5, 2 ** 160), "L1 address"),
])
def test_priority_entries_refuse_fields_outside_their_widths(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_deposit_outcome_credits_only_the_same_key_and_owner():
    assert deposit_outcome(False, (0, 0), 0, (1, 2), 0xA) == CREATE
    assert deposit_outcome(True, (1, 2), 0xA, (1, 2), 0xA) == CREDIT
    assert deposit_outcome(True, (1, 2), 0xA, (1, 3), 0xA) == REFUND          # another key
    assert deposit_outcome(True, (1, 2), 0xA, (9, 2), 0xA) == REFUND
    assert deposit_outcome(True, (1, 2), 0xB, (1, 2), 0xA) == REFUND          # front-runner owns it


def test_forced_withdrawal_valid_only_for_the_owner_of_an_existing_non_clearing_account():
    assert forced_valid(True, True, 5, 0xA, 0xA)
    assert not forced_valid(True, True, 5, 0xA, 0xB)
    assert not forced_valid(True, False, 5, 0, 0)
    assert not forced_valid(False, True, 5, 0xA, 0xA)
    assert not forced_valid(True, True, 2, 0xA, 0xA)
    assert [forced_paid(True, 10, e) for e in (-5, 0, 4, 10, 99)] == [0, 0, 4, 10, 10]
    assert forced_paid(False, 10, 99) == 0


# --- order fills, cancels, fees --------------------------------------------------------------------

def test_fill_rule_replay_takeover_and_overfill():
    assert apply_fill(5, 10, 4, 0, 0) == 4
    assert apply_fill(5, 10, 6, 5, 4) == 10
    with pytest.raises(OrderRefused, match="over-fill"):
        apply_fill(5, 10, 7, 5, 4)
    assert apply_fill(9, 10, 3, 5, 4) == 3                                    # newer id takes the slot over
    with pytest.raises(OrderRefused, match="replayed"):
        apply_fill(5, 10, 1, 9, 3)


def test_a_cancelled_order_never_fills_and_an_older_cancel_is_a_replay():
    assert apply_cancel(5, 5) == (5, CANCELLED) == (5, 2 ** 40 - 1)
    assert apply_cancel(7, 0) == (7, CANCELLED)                               # ahead of time
    with pytest.raises(OrderRefused, match="cancelled"):
        apply_fill(5, 2 ** 40 - 1, 1, 5, CANCELLED)
    with pytest.raises(OrderRefused, match="replayed cancel"):
        apply_cancel(5, 9)
    assert apply_fill(13, 10, 1, 5, CANCELLED) == 1                           # a newer order is unaffected


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2 ** 40 - 1), st.integers(1, 2 ** 40 - 1))
def test_every_fill_of_a_cancelled_order_overfills(size, fill):
    assert CANCELLED + fill > size


def test_fill_slots_and_the_newer_order_retiring_an_older_one():
    assert fill_slot(5, 3) == fill_slot(13, 3) == 5 and fill_slot(6, 3) == 6
    apply_fill(13, 10, 1, 5, 0)                                               # 13 retires 5 ...
    with pytest.raises(OrderRefused, match="replayed"):
        apply_fill(5, 10, 1, 13, 1)                                           # ... for good


def test_fee_is_rate_times_fill_with_rate_at_most_max_fee():
    assert trade_fee(3, 7, 5) == 21 and trade_fee(0, 7, 0) == 0
    with pytest.raises(OrderRefused, match="fee rate"):
        trade_fee(6, 7, 5)
    with pytest.raises(OrderRefused):
        trade_fee(1, 1, 2 ** 32)


def test_orders_module_exports_the_leaf_used_by_accounts():
    from circuits.spec import accounts
    assert accounts.order_leaf is orders.order_leaf
