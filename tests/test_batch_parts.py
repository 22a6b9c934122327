"""Pieces of the batch circuit against their native twins: range checks, account leaf (with
owner), order-fill rule with cancels; the shape's validation and key; the slot's parts and
their documented costs."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.batch.account_leaf import AccountVars, account_leaf_gadget
from circuits.batch.costs import FIRST_SLOT_SAVING, batch_cost, slot_cost, slot_part_costs
from circuits.batch.circuit import batch_circuit
from circuits.batch.orders import order_fill, order_fill_cost
from circuits.batch.ranges import in_positive, in_signed, in_unsigned, positive, signed, unsigned
from circuits.batch.shape import BatchShape
from circuits.batch.slot import SLOT_PARTS
from circuits.batch.witness import N_OPS
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets.bits import bits_le
from circuits.gadgets.eddsa import eddsa_verify
from circuits.gadgets.merkle4 import path_cost
from circuits.gadgets.poseidon import cost as poseidon_cost
from circuits.spec import tree as spec_tree
from circuits.spec.accounts import account_leaf_of
from circuits.spec.liquidation import LIQ_STEP_BITS, LIQ_STEP_SHIFT, LIQ_STEPS as L
from circuits.spec.orders import CANCELLED, OrderRefused, apply_cancel, apply_fill, order_leaf

from batch_model import Tree

# --- ranges ------------------------------------------------------------------------------------

EDGE = [0, 1, 2 ** 8 - 1, 2 ** 8, -1, -(2 ** 8) + 1, -(2 ** 8), R - 1, R // 2]


@pytest.mark.parametrize("v", EDGE)
def test_range_gadgets_equal_their_twins_on_edge_values(v):
    v = v if v <= R // 2 else v - R          # read r - 1 as -1
    for kind, gadget, twin in (("u", unsigned, in_unsigned), ("p", positive, in_positive),
                               ("s", signed, in_signed)):
        cs = ConstraintSystem()
        out = gadget(cs, cs.witness("x", v % R), 8, name="r")
        ok = cs.which_is_unsatisfied() is None
        assert ok == twin(v, 8), (kind, v)
        if kind == "s" and ok:
            assert cs.value(out.neg) == int(v < 0)
            assert cs.value(out.abs) == abs(v) and cs.value(out.pos) == max(v, 0)
        if kind == "p" and ok:
            assert sum(cs.value(b) << i for i, b in enumerate(out)) == v


def test_signed_excludes_minus_two_to_the_bits_by_name():
    cs = ConstraintSystem()
    signed(cs, cs.witness("x", -(2 ** 8) % R), 8, name="r")
    assert cs.which_is_unsatisfied() == "r.not_min.inv"


# --- account leaf, order leaves, empty roots ----------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.integers(-(2 ** 96) + 1, 2 ** 96 - 1),
       st.lists(st.integers(-(2 ** 40) + 1, 2 ** 40 - 1), min_size=4, max_size=4), st.integers(0, 2 ** 160 - 1))
def test_account_leaf_gadget_equals_the_native_leaf(nonce, cash, sizes, owner):
    pk = (12345, 67890)
    native = account_leaf_of(*pk, nonce, cash, sizes, 777, owner)
    cs = ConstraintSystem()
    w = cs.witness
    acct = AccountVars(w("x", pk[0]), w("y", pk[1]), w("n", nonce), w("c", cash % R),
                       [w("s", s % R) for s in sizes], w("o", 777), w("owner", owner))
    assert cs.value(account_leaf_gadget(cs, acct)) == native


def _fill_circuit(order_id, size, fill, stored, depth=3, fill_on=1, cancel_on=0, other=()):
    tree = Tree(depth)
    slot = order_id % (1 << depth)
    for s, (i, f) in other:
        tree.set(s, order_leaf(i, f))
    if stored != (0, 0):
        tree.set(slot, order_leaf(*stored))
    cs = ConstraintSystem()
    w = cs.witness
    oid = w("oid", order_id)
    bits = bits_le(cs, oid, 48, name="oid_bits")
    res = order_fill(cs, w("fill_on", fill_on), w("cancel_on", cancel_on), bits[:depth], oid, w("size", size),
                     w("fill", fill), w("sid", stored[0]), w("sf", stored[1]), [w("sib", s) for s in tree.path(slot)],
                     w("root", tree.root), 48, 40, name="f")
    return cs, res, tree, slot


@pytest.mark.parametrize("order_id,size,fill,stored,expect", [
    (9, 10, 4, (0, 0), 4),          # empty slot
    (9, 10, 4, (9, 5), 9),          # same order: accumulates
    (9, 10, 6, (9, 5), "no_overfill"),
    (9, 10, 4, (1, 10), 4),         # newer order takes the slot over
    (1, 10, 4, (9, 0), "no_replay"),
    (9, 10, 11, (0, 0), "no_overfill"),
    (9, 2 ** 40 - 1, 1, (9, CANCELLED), "no_overfill"),   # a cancelled order, even of the largest size
    (17, 10, 1, (9, CANCELLED), 1),                        # a newer order is unaffected
])
def test_order_fill_rule_equals_native(order_id, size, fill, stored, expect):
    cs, res, tree, slot = _fill_circuit(order_id, size, fill, stored, other=[(3, (11, 2))])
    bad = cs.which_is_unsatisfied()
    if isinstance(expect, str):
        with pytest.raises(OrderRefused):
            apply_fill(order_id, size, fill, *stored)
        assert bad == f"f.{expect}.sum"
        return
    assert bad is None
    assert cs.value(res.filled_after) == expect == apply_fill(order_id, size, fill, *stored)
    tree.set(slot, order_leaf(order_id, expect))
    assert cs.value(res.orders_root) == tree.root


@pytest.mark.parametrize("order_id,stored,ok", [
    (9, (0, 0), True), (9, (9, 5), True), (9, (1, 10), True), (9, (9, CANCELLED), True),
    (1, (9, 0), False),
])
def test_cancel_writes_the_sentinel_under_the_replay_rule(order_id, stored, ok):
    cs, res, tree, slot = _fill_circuit(order_id, 0, 0, stored, fill_on=0, cancel_on=1)
    bad = cs.which_is_unsatisfied()
    if not ok:
        with pytest.raises(OrderRefused, match="replayed cancel"):
            apply_cancel(order_id, stored[0])
        assert bad == "f.no_replay.sum"
        return
    assert bad is None
    tree.set(slot, order_leaf(*apply_cancel(order_id, stored[0])))
    assert cs.value(res.orders_root) == tree.root


def test_order_fill_cost_formula():
    cs, *_ = _fill_circuit(9, 10, 4, (0, 0))
    assert cs.num_constraints - 49 == order_fill_cost(3, 48, 40, can_cancel=True)   # less the order-id split
    cs = ConstraintSystem(solve=False)
    w = cs.witness
    order_fill(cs, w("on"), 0, [w(f"b{i}") for i in range(3)], w("o"), w("s"), w("f"), w("si"), w("sf"),
               [w(f"x{i}") for i in range(spec_tree.path_length(3))], w("r"), 48, 40)
    assert cs.num_constraints == order_fill_cost(3, 48, 40)


def test_order_fill_wrong_stored_leaf_fails_at_old_root_only_when_enabled():
    cs, res, tree, slot = _fill_circuit(9, 10, 1, (0, 0), other=[(1, (9, 5))])  # slot 1 holds (9, 5)
    assert cs.which_is_unsatisfied() == "f.old_root"
    cs, res, tree, slot = _fill_circuit(9, 10, 1, (0, 0), other=[(1, (9, 5))], fill_on=0)
    assert cs.which_is_unsatisfied() is None and cs.value(res.orders_root) == tree.root
    cs, res, tree, slot = _fill_circuit(9, 0, 0, (0, 0), other=[(1, (9, 5))], fill_on=0, cancel_on=1)
    assert cs.which_is_unsatisfied() == "f.old_root"


# --- shape, Merkle convention ------------------------------------------------------------------

def test_shape_key_is_stable_and_differs_between_shapes():
    assert BatchShape(1, 24, 8, 8, 35).key() == BatchShape(1, 24, 8, 8, 35).key()
    assert BatchShape(1, 24, 8, 8, 35).key() != BatchShape(2, 24, 8, 8, 35).key()
    assert BatchShape(1, 24, 8, 8, 35).key() != BatchShape(1, 24, 8, 8, 16).key()


@pytest.mark.parametrize("kw,msg", [
    (dict(n_slots=0), "slot"), (dict(acc_depth=33), "depth"), (dict(n_instruments=17), "16"),
    (dict(n_scenarios=36), "n_scenarios"), (dict(n_scenarios=0), "n_scenarios"), (dict(cash_bits=80), "cash_bits"),
    (dict(size_bits=True), "int"),
])
def test_bad_shapes_raise_clear_errors(kw, msg):
    base = dict(n_slots=1, acc_depth=8, ord_depth=4, n_instruments=4, n_scenarios=16)
    base.update(kw)
    with pytest.raises(ValueError, match=msg):
        BatchShape(**base)


def test_widths_beyond_the_packings_are_refused_when_building_a_slot():
    shape = BatchShape(1, 8, 4, 4, 4, amount_bits=65, cash_bits=120, equity_bits=121)
    with pytest.raises(ValueError, match="amount_bits <= 64"):
        slot_cost(shape)


@pytest.mark.parametrize("depth", [3, 4])
def test_the_models_tree_is_the_specs(depth):
    tree = Tree(depth)
    tree.set(5, 99)
    tree.set(2, 7)
    assert len(tree.path(5)) == spec_tree.path_length(depth)
    assert spec_tree.root_from_path(99, 5, tree.path(5), depth) == tree.root
    assert Tree(depth).root == spec_tree.empty_root(depth)


# --- the slot's sub-gadgets and the batch's parts ---------------------------------------------------

def _eddsa_cost() -> int:
    cs = ConstraintSystem(solve=False)
    eddsa_verify(cs, cs.witness("en"), *[cs.witness(n) for n in ("Ax", "Ay", "R8x", "R8y", "S", "msg")])
    return cs.num_constraints


@pytest.mark.parametrize("shape", [BatchShape(1, 16, 8, 8, 35), BatchShape(1, 32, 3, 3, 5)])
def test_slot_parts_add_up_to_the_slot_and_cost_what_their_docstrings_say(shape):
    parts = slot_part_costs(shape)
    assert list(parts) == list(SLOT_PARTS) and sum(parts.values()) == slot_cost(shape)
    K, S, D, sh = shape.K, shape.S, shape.acc_depth, shape
    leaf = poseidon_cost(K) + poseidon_cost(7)
    assert parts == {
        "selectors": N_OPS + 1 + K + 1,
        "ports": sh.index_bits + D + K + 21 + 4 * (sh.index_bits > D), "flush_on_touch": 8,
        "request": sh.amount_bits + sh.l1_address_bits + 25, "roles": 12,
        "old_sizes": 2 * K * (sh.size_bits + 3),
        "trade_terms": sh.size_bits + sh.price_bits + sh.time_bits + 3 * K + 8,
        "orders": 2 * (sh.size_bits + 2 * sh.price_bits + 3 * sh.fee_rate_bits + sh.order_id_bits
                       + 2 * sh.time_bits + 16 + poseidon_cost(3)) + 1,
        "order_fills": order_fill_cost(sh.ord_depth, sh.order_id_bits, sh.size_bits, can_cancel=True)
        + order_fill_cost(sh.ord_depth, sh.order_id_bits, sh.size_bits),
        "settlement": 3 * K + 4,
        "liquidation": L * K * (sh.size_bits + LIQ_STEP_SHIFT + 6) + K + 4 * L * (sh.bps_bits + 2)
        + 2 * (L - 1) * (sh.gross_bits + sh.bps_bits + 1) + sh.equity_bits + 3 * LIQ_STEP_BITS + 10,
        "positions": K * (sh.size_bits + 13) + 2 * sh.size_bits + 11,
        "forced_payout": 2 * sh.amount_bits + 3, "new_cash": 2 * sh.cash_bits + 13,
        "margin_equities": 4 * K * S + 6 * S + 12,
        "liquidation_checks": (L - 1) * ((K + 2) * S + K + sh.im_bits + 4) + S + sh.im_bits + L + 5,
        "forced_outcome": 6, "margin_checks": S * (2 * sh.im_bits + 6) + 3,
        "signatures": 4 + poseidon_cost(5) + 1 + 2 * _eddsa_cost(),
        "leaves": 2 * (2 * leaf + 2 * path_cost(D) + 2) + 2, "record": 11, "priority": 1,
        "pending_totals": 2,
    }


@pytest.mark.parametrize("n", [1, 2, 3])
def test_batch_cost_equals_the_built_circuit(n):
    shape = BatchShape(n, 4, 2, 4, 4)
    cs = ConstraintSystem(solve=False)
    batch_circuit(cs, shape)
    assert cs.num_constraints == batch_cost(shape)["total"]
    assert FIRST_SLOT_SAVING == 4
