"""Soundness of the batch circuit (v3): tampered witnesses fail at a named constraint.

Three kinds of cheating prover:
1. it edits one input of a valid batch (amount, price, key, signature, path sibling, old
   leaf field, oracle value, selector, a field the operation does not use) and lets the
   solver recompute everything else; the public input stays the one L1 computes from its
   own storage, its queue and the real records;
2. it applies an operation the native rules refuse (the model's check switched off with
   ``unchecked=True`` or its state edited), so every path and leaf is consistent;
3. it overwrites one hinted or computed witness (a flag, a scenario index, the amount paid).
"""
import copy
from dataclasses import replace

import pytest

from circuits.batch.circuit import batch_circuit
from circuits.cs import ConstraintSystem, UnsatisfiedConstraint
from circuits.spec.deployment import deployment_id
from circuits.spec.messages import withdraw_message
from circuits.spec.tables import oracle_lane

from batch_model import ADDR, Model, Order, pk, sig_of
from spec_fixtures import DAY, EXPIRY, SPOT, T0, market_table, oracle_table
from test_batch_circuit import BIG, funded, fut


def fails_at(shape, batch, public_input):
    """The first failing constraint (None if the batch satisfies the circuit); strict
    solving stops there."""
    cs = ConstraintSystem(strict=True)
    try:
        batch_circuit(cs, shape, batch, public_input)
    except UnsatisfiedConstraint as e:
        return str(e).split("'")[1]
    return None


def _liquidation_model():
    m = funded(4, 6)
    m.deposit(3, 3, 10 ** 8, ADDR[3])
    m.trade(fut(3, 1, 1, 1), fut(4, 0, 1, 1), 1, SPOT)
    m.finish()
    m.oracle = oracle_table(m.market, spot=SPOT * 3)
    return m


def _build(op: str):
    if op == "liquidate":
        m = _liquidation_model()
        m.liquidate(6, 3, T0 + DAY)
    elif op == "settle":
        m = funded()
        m.trade(Order(5, 0, 7, SPOT, 1, T0 + DAY, slot=0), Order(3, 1, 7, 0, 1, T0 + DAY, slot=0), 7,
                m.oracle.mark[0])
        m.finish()
        m.oracle = oracle_table(m.market, ts=EXPIRY, settle={0: SPOT + 123_456, 2: SPOT})
        m.settle(5, 0)
    else:
        m = funded(3, 4)
        if op == "deposit":
            m.deposit(9, 9, 777, ADDR[9])
        elif op == "refund":
            m.deposit(3, 5, 777, ADDR[3])
        elif op == "withdraw":
            m.withdraw(3, 100, 0xBEEF)
        elif op == "forced":
            m.forced(3, 50, ADDR[3])
        elif op == "forced_short":                     # asks for more than it holds: pays the allowance
            assert m.forced(3, 10 ** 14, ADDR[3]) == 10 ** 13
        elif op == "trade":
            m.trade(fut(3, 0, 10, 1, max_fee=5), fut(4, 1, 6, 1, max_fee=5), 4, SPOT, 5, 3)
        elif op == "cancel":
            m.trade(fut(3, 0, 10, 1), fut(4, 1, 6, 1), 4, SPOT)
            m.finish()
            m.cancel(3, 1)
    batch, exp = m.finish(1)
    return m.shape(1), batch, exp["public_input"], m


_CACHE = {}


def valid(op: str):
    if op not in _CACHE:
        shape, batch, pub, m = _build(op)
        assert fails_at(shape, batch, pub) is None
        _CACHE[op] = (shape, batch, pub, m)
    shape, batch, pub, m = _CACHE[op]
    return shape, copy.deepcopy(batch), pub


def _slot(b):
    return b.slots[0]


def _bump_sib(port):
    port.siblings = (port.siblings[0] + 1,) + tuple(port.siblings[1:])


def _oracle(b, **kw):
    b.oracle = replace(b.oracle, **kw)


def _scen(b, k: int, s: int, delta: int = 1):
    """Slot k's value in scenario s (s = 0: the mark) moved by delta."""
    rows = [list(r) for r in b.oracle.scen]
    rows[k][s] += delta
    _oracle(b, scen=tuple(tuple(r) for r in rows))


def _set(obj, **kw):
    def f(b):
        target = obj(b)
        for k, v in kw.items():
            setattr(target, k, v(getattr(target, k)) if callable(v) else v)
    return f


S = _slot
A = lambda b: _slot(b).a                       # noqa: E731
B = lambda b: _slot(b).b                       # noqa: E731
A0 = lambda b: _slot(b).a.before               # noqa: E731
B0 = lambda b: _slot(b).b.before               # noqa: E731
OA = lambda b: _slot(b).order_a                # noqa: E731
OB = lambda b: _slot(b).order_b                # noqa: E731
PLUS1 = lambda v: v + 1                        # noqa: E731
SIG_A = "slot0.sig_a.verify.check.x"
OTHER_DID = deployment_id(1, 0xDEAD)

TAMPERS = {
    "deposit": [
        ("amount", _set(S, amount=PLUS1), "flush_fee.old_root"),
        ("deposit key", _set(S, pk=(1, 2)), "flush_fee.old_root"),
        ("depositor", _set(S, l1_address=PLUS1), "flush_fee.old_root"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf cash", _set(A0, cash=1), "slot0.a.empty_fields.f3"),
        ("old leaf owner", _set(A0, owner=ADDR[9]), "slot0.a.empty_fields.f8"),
        ("exists flag", _set(A, exists=1), "slot0.a.old_root"),
        ("oracle mark", lambda b: _scen(b, 0, 0), "public_input"),
        ("oracle vol", lambda b: _oracle(b, vol_bps=(b.oracle.vol_bps[0] + 1,) + b.oracle.vol_bps[1:]), "public_input"),
        ("oracle base move", lambda b: _oracle(b, move_bps=b.oracle.move_bps + 1), "public_input"),
        ("oracle lane beyond 48 bits", lambda b: _scen(b, 1, 2, 1 << 48), f"tables.oracle.lane{oracle_lane(4, 4, 'scen', 1, 2)}.sum"),
        ("selector", _set(S, op=2), "slot0.roles.a_exists"),
        # a fill outside a trade breaks the (vacuous) over-fill rule of an empty order ...
        ("unused fill", _set(S, fill=1), "slot0.order_a.fill.no_overfill.sum"),
        # ... and with sizes that allow it, the record's rule: the field is 0 outside trades
        ("unused fill, sizes set", lambda b: (_set(S, fill=1)(b), _set(OA, size=1)(b), _set(OB, size=1)(b)),
         "slot0.record.fill_unused"),
        ("unused taker", _set(B, account=5), "slot0.record.b_account_unused"),
    ],
    "refund": [
        # the refund is proven: the leaf exists and holds another key; claiming it is empty
        # or holds the deposit's key breaks the leaf's path
        ("claimed empty", _set(A, exists=0), "slot0.a.empty_fields.f0"),
        ("claimed same key", _set(A0, pk_x=lambda v: pk(5)[0], pk_y=lambda v: pk(5)[1]), "slot0.a.old_root"),
    ],
    "withdraw": [
        ("amount", _set(S, amount=PLUS1), SIG_A),
        ("l1 address", _set(S, l1_address=1), SIG_A),
        ("signature", _set(lambda b: _slot(b).sig, s=PLUS1), SIG_A),
        ("other deployment's signature",
         lambda b: setattr(_slot(b), "sig", sig_of(3, withdraw_message(3, 100, 1, 0xBEEF, OTHER_DID))), SIG_A),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf cash", _set(A0, cash=PLUS1), "slot0.a.old_root"),
        ("old leaf nonce", _set(A0, nonce=PLUS1), SIG_A),
        ("oracle scenario", lambda b: _scen(b, 0, 1), "public_input"),
        ("selector", _set(S, op=3), "flush_fee.old_root"),
        ("unused order id", _set(OA, order_id=5), SIG_A),
    ],
    "trade": [
        ("fill", _set(S, fill=PLUS1), "slot0.b.old_root"),
        ("price", _set(S, price=PLUS1), "slot0.order_a.limit_price.sum"),
        ("maker order size", _set(OA, size=11), SIG_A),
        ("taker fee rate above max", _set(OB, fee_rate=6), "slot0.order_b.fee_cap.sum"),
        ("maker fee rate", _set(OA, fee_rate=4), "slot0.b.old_root"),
        ("maker signature", _set(lambda b: _slot(b).order_a.sig, s=PLUS1), SIG_A),
        ("taker signature", _set(lambda b: _slot(b).order_b.sig, r8x=5), "slot0.sig_b.verify.r8_on_curve.curve"),
        ("path sibling", lambda b: _bump_sib(_slot(b).b), "slot0.b.old_root"),
        ("order-fill sibling", _set(lambda b: _slot(b).a.fill, siblings=lambda s: (7,) + s[1:]),
         "slot0.order_a.fill.old_root"),
        ("old leaf size", _set(B0, sizes=lambda s: (3,) + s[1:]), "slot0.b.old_root"),
        ("oracle timestamp", lambda b: _oracle(b, timestamp=T0 + 2 * DAY), "slot0.order_a.not_expired.sum"),
        ("instrument slot", _set(S, instrument=1), SIG_A),
        ("selector", _set(S, op=5), "slot0.order_a.not_expired.sum"),
    ],
    "liquidate": [
        ("signature", _set(lambda b: _slot(b).sig, s=PLUS1), SIG_A),
        ("valid until", _set(S, valid_until=T0 + 2 * DAY), SIG_A),
        ("path sibling", lambda b: _bump_sib(_slot(b).b), "slot0.b.old_root"),
        ("target old size", _set(B0, sizes=lambda s: s[:2] + (0,) + s[3:]), "slot0.liq_checks.fails_mm_range.sum"),
        ("oracle mark", lambda b: _scen(b, 2, 0), "slot0.b.old_root"),
        ("selector", _set(S, op=6), "slot0.roles.b_is_clearing"),
    ],
    "settle": [
        ("instrument slot", _set(S, instrument=2), "slot0.settle.has_position.inv"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf cash", _set(B0, cash=1), "slot0.b.old_root"),
        ("settlement value (the mark)", lambda b: _scen(b, 0, 0), "slot0.b.old_root"),
        ("selector", _set(S, op=0), "slot0.record.a_account_unused"),
    ],
    "forced": [
        # the request's fields are bound by the priority chain (in the public input)
        ("amount", _set(S, amount=49), "flush_fee.old_root"),
        ("another requester", _set(S, l1_address=ADDR[4]), "flush_fee.old_root"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf owner", _set(A0, owner=ADDR[4]), "slot0.a.old_root"),
        ("claimed empty", _set(A, exists=0), "slot0.a.empty_fields.f0"),
        # as a withdrawal it needs a signature, which the forced slot does not carry
        ("selector", _set(S, op=2), "slot0.sig_a.verify.r8_on_curve.curve"),
        ("unused price", lambda b: (_set(S, price=5)(b), _set(OA, limit_price=5)(b)), "slot0.record.price_unused"),
    ],
    "cancel": [
        ("order id", _set(S, order_id=5), SIG_A),
        ("stored leaf", _set(lambda b: _slot(b).a.fill, stored_id=9), "slot0.order_a.fill.old_root"),
        ("signature", _set(lambda b: _slot(b).sig, s=PLUS1), SIG_A),
        # a cancel changes nothing but the order's fill leaf: every other input is pinned
        ("amount", _set(S, amount=5), SIG_A),
        ("fill", lambda b: (_set(S, fill=3)(b), _set(OB, size=3)(b)), "slot0.record.fill_unused"),
        ("price", lambda b: (_set(S, price=3)(b), _set(OA, limit_price=3)(b)), "slot0.record.price_unused"),
        ("maker fee rate", _set(OA, fee_rate=1, max_fee=1), "slot0.record.rate_a_unused"),
        ("instrument", _set(S, instrument=1), "slot0.record.slot_unused"),
        ("counterparty", _set(B, account=4), SIG_A),
        ("selector", _set(S, op=2), "slot0.request.amount_range.nonzero.inv"),
    ],
}


@pytest.mark.parametrize("op,what,tamper,expect",
                         [(op, w, t, e) for op, rows in TAMPERS.items() for w, t, e in rows],
                         ids=[f"{op}-{w}" for op, rows in TAMPERS.items() for w, _, _ in rows])
def test_one_changed_input_fails_at_a_named_constraint(op, what, tamper, expect):
    shape, batch, pub = valid(op)
    tamper(batch)
    assert fails_at(shape, batch, pub) == expect


# --- operations the native rules refuse, forced into the circuit ----------------------------------

def _prove_unchecked(m):
    batch, exp = m.finish()
    return fails_at(m.shape(len(batch.slots)), batch, exp["public_input"])


def test_withdrawal_beyond_margin_fails_the_margin_check():
    m = funded(3)
    m.withdraw(3, BIG + 1, 0xBEEF, unchecked=True)
    assert _prove_unchecked(m).startswith("slot0.margin_a.check")


def test_a_signed_withdrawal_to_l1_address_zero_fails():
    """L1 pays nothing to address 0: proving it would debit the account and burn the cash."""
    m = funded(3)
    m.withdraw(3, 100, 0)
    assert _prove_unchecked(m) == "slot0.request.l1_nonzero.inv"
    m = funded(3)
    m.withdraw(3, 100, 1)                                     # the smallest payable address
    assert _prove_unchecked(m) is None


def test_withdrawal_signed_by_another_key_fails():
    m = funded(3)
    m.withdraw(3, 100, 0xBEEF, key=4)
    assert _prove_unchecked(m) == SIG_A


def test_withdrawal_with_a_stale_nonce_fails():
    m = funded(3)
    m.withdraw(3, 100, 0xBEEF)
    m.finish()
    m.withdraw(3, 100, 0xBEEF, nonce=0)                       # a replay of the first one
    assert _prove_unchecked(m) == SIG_A


@pytest.mark.parametrize("case,expect", [("over-fill", "no_overfill"), ("replay", "no_replay"),
                                          ("cancelled", "no_overfill")])
def test_over_fill_replay_and_a_cancelled_order_fail_the_fill_rule(case, expect):
    m = funded()
    sell = fut(4, 1, 6, 5)
    m.trade(fut(3, 0, 10, 1), sell, 4, SPOT)                  # the sell order: 4 of 6 filled
    if case == "replay":
        m.trade(fut(3, 0, 10, 2), fut(4, 1, 6, 9), 1, SPOT)   # id 9 takes fill slot 1 over
        sell = fut(4, 1, 6, 5)
        fill = 1
    elif case == "cancelled":
        m.cancel(4, 5)
        fill = 1
    else:
        fill = 3                                               # 4 + 3 > 6
    m.finish()
    m.trade(fut(3, 0, 10, 3), sell, fill, SPOT, unchecked=True)
    assert _prove_unchecked(m) == f"slot0.order_b.fill.{expect}.sum"


def test_a_replayed_cancel_fails_and_cannot_kill_a_newer_order():
    m = funded()
    m.trade(fut(3, 0, 10, 9), fut(4, 1, 10, 1), 1, SPOT)      # order 9 uses fill slot 1
    m.finish()
    m.cancel(3, 5, unchecked=True)                             # an old cancel of id 5 (slot 1)
    assert _prove_unchecked(m) == "slot0.order_a.fill.no_replay.sum"


def test_a_fee_rate_above_the_signed_maximum_fails():
    m = funded()
    m.trade(fut(3, 0, 10, 1, max_fee=2), fut(4, 1, 10, 1, max_fee=2), 1, SPOT, rate_a=3, unchecked=True)
    assert _prove_unchecked(m) == "slot0.order_a.fee_cap.sum"


def test_a_resting_order_cannot_fill_on_a_reused_slot():
    """An order signed for the instrument of slot 2 before the slot was relisted."""
    m = funded()
    old = market_table()
    new = replace(old, expiry=old.expiry[:2] + (EXPIRY + DAY,) + old.expiry[3:])
    m2 = Model(market=new)
    m2.accts, m2.tree = m.accts, m.tree
    m2.begin()
    stale = fut(3, 0, 10, 1, instrument_id=old.instrument_id(2))
    m2.trade(stale, fut(4, 1, 10, 1), 1, SPOT)
    assert _prove_unchecked(m2) == SIG_A
    m3 = Model(market=new)
    m3.accts, m3.tree = copy.deepcopy(m.accts), copy.deepcopy(m.tree)
    m3.begin()
    m3.trade(fut(3, 0, 10, 1), fut(4, 1, 10, 1), 1, SPOT)          # signed for the new instrument
    assert _prove_unchecked(m3) is None


def test_liquidating_a_healthy_account_fails():
    m = funded(4, 6)
    m.deposit(3, 3, 10 ** 8, ADDR[3])
    m.trade(fut(3, 1, 1, 1), fut(4, 0, 1, 1), 1, SPOT)
    m.finish()
    m.oracle = oracle_table(m.market, spot=SPOT * 3)
    healthy = copy.deepcopy(m.oracle)
    m.liquidate(6, 3, T0 + DAY)
    batch, exp = m.finish()
    batch.oracle = oracle_table(m.market)                      # at the old prices 3 is healthy
    assert healthy != batch.oracle
    assert fails_at(m.shape(1), batch, exp["public_input"]) == "slot0.liq_checks.fails_mm_range.sum"


def test_a_forced_withdrawal_paying_more_than_margin_allows_fails():
    m = funded(4)
    m.deposit(5, 5, 10 ** 8, ADDR[5])
    m.trade(fut(5, 1, 1, 1), fut(4, 0, 1, 1), 1, SPOT)
    m.finish()
    m.forced(5, 10 ** 9, ADDR[5])
    m.accts[5].cash -= 1                                       # the operator pays one unit more
    m._write(5)
    m.records[-1] = m.records[-1][:13] + (int.from_bytes(m.records[-1][13:21], "big") + 1).to_bytes(8, "big")
    m.records[-1] += bytes(42 - len(m.records[-1]))
    # the circuit pays the true maximum: its new root differs from the over-paid one
    assert _prove_unchecked(m) == "flush_fee.old_root"


def test_a_forced_withdrawal_by_someone_else_is_served_with_zero_and_cannot_be_paid():
    m = funded(3, 4)
    assert m.forced(3, 50, ADDR[4]) == 0
    batch, exp = m.finish()
    shape = m.shape(1)
    assert fails_at(shape, batch, exp["public_input"]) is None
    cs = ConstraintSystem()
    batch_circuit(cs, shape, batch, exp["public_input"])
    _overwrite(cs, "slot0.forced.paid", 50)
    assert cs.which_is_unsatisfied() == "slot0.forced.paid_only_valid"


# --- overwriting one hinted or computed witness ------------------------------------------------------

def _overwrite(cs, name, value):
    v = cs.variable(name)
    cs.set_value(v, value(cs.value(v)) if callable(value) else value)


@pytest.mark.parametrize("op,var,change,expect", [
    ("trade", "slot0.margin_a.rr", 1, "slot0.margin_a.rr_shrinks"),
    ("withdraw", "slot0.margin_a.rr", 1, "slot0.margin_a.rr_only_trade"),
    ("withdraw", "slot0.margin_a.j", PLUS1, "slot0.margin_a.j_sel.sel0"),
    ("forced", "slot0.forced.paid", PLUS1, "slot0.forced.paid_range.sum"),
    ("forced", "slot0.forced.pays_zero", 1, "slot0.forced.zero_pays_zero"),
    ("forced", "slot0.forced.short", 1, "slot0.margin_b.forced_max"),
    ("forced_short", "slot0.forced.short", 0, "slot0.forced.pays_amount"),
    ("forced_short", "slot0.forced.paid", lambda v: v - 1, "slot0.forced.paid_range.sum"),
    ("forced", "slot0.forced.valid", 0, "slot0.forced.valid"),
    ("refund", "slot0.deposit.refunded", 0, "slot0.deposit.refunded"),
    ("deposit", "slot0.deposit.refunded", 1, "slot0.deposit.refunded"),
    ("liquidate", "slot0.liq.now.bonus.divmod[0]", PLUS1, "slot0.liq.now.bonus.div"),
    ("liquidate", "slot0.liq.now.penalty.divmod[1]", PLUS1, "slot0.liq.now.penalty.div"),
    ("liquidate", "slot0.liq.at1.bonus.divmod[0]", PLUS1, "slot0.liq.at1.bonus.div"),
    ("liquidate", "slot0.liq.now.fraction.divmod2[0]", PLUS1, "slot0.liq.now.fraction.div2"),
    ("liquidate", "slot0.liq_checks.at1.i", PLUS1, "slot0.liq_checks.at1.i_sel.sel0"),
    ("deposit", "slot0.op.code", 2, "slot0.op.sel.sel1"),
])
def test_overwritten_witness_fails_at_a_named_constraint(op, var, change, expect):
    shape, batch, pub = valid(op)
    cs = ConstraintSystem()
    batch_circuit(cs, shape, batch, pub)
    assert cs.which_is_unsatisfied() is None
    _overwrite(cs, var, change)
    assert cs.which_is_unsatisfied() == expect


def test_a_forced_request_outside_the_tree_cannot_be_claimed_inside():
    m = funded(3)
    m.forced(40, 5, ADDR[3])
    batch, exp = m.finish()
    cs = ConstraintSystem()
    batch_circuit(cs, m.shape(1), batch, exp["public_input"])
    assert cs.which_is_unsatisfied() is None
    _overwrite(cs, "slot0.a.outside", 0)
    assert cs.which_is_unsatisfied() == "slot0.a.outside"


def test_orders_and_cancels_signed_for_another_deployment_fail():
    """The same market listed by another rollup contract: its users' signatures are worthless here."""
    m = funded()
    other = Model(market=market_table(did=OTHER_DID))
    other.accts, other.tree = copy.deepcopy(m.accts), copy.deepcopy(m.tree)
    other.begin()
    other.trade(fut(3, 0, 10, 1), fut(4, 1, 10, 1), 1, SPOT)
    other.cancel(4, 3)
    m.trade(fut(3, 0, 10, 1), fut(4, 1, 10, 1), 1, SPOT)
    m.cancel(4, 3)
    batch, exp = m.finish()
    replayed, _ = other.finish()
    for i in range(2):
        b = copy.deepcopy(batch)
        if i == 0:
            b.slots[0].order_b.sig = replayed.slots[0].order_b.sig
            want = "slot0.sig_b.verify.check.x"
        else:
            b.slots[1].sig = replayed.slots[1].sig
            want = "slot1.sig_a.verify.check.x"
        assert fails_at(m.shape(2), b, exp["public_input"]) == want
    assert fails_at(m.shape(2), batch, exp["public_input"]) is None
