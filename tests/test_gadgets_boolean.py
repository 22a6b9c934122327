"""Boolean gadgets: truth tables against the twins, costs, tampering, select and swap."""
import itertools

import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import boolean as g

felt = st.integers(min_value=0, max_value=R - 1)

BINARY = [(g.and_, g.and_native), (g.or_, g.or_native), (g.xor, g.xor_native)]


@pytest.mark.parametrize("gadget,twin", BINARY)
def test_binary_ops_truth_table_and_cost(gadget, twin):
    for a, b in itertools.product((0, 1), repeat=2):
        cs = ConstraintSystem()
        out = gadget(cs, cs.witness("a", a), cs.witness("b", b))
        assert cs.which_is_unsatisfied() is None
        assert cs.value(out) == twin(a, b)
        assert cs.num_constraints == 1


@pytest.mark.parametrize("gadget,name", [(g.and_, "and"), (g.or_, "or"), (g.xor, "xor")])
def test_binary_ops_tampered_product_fails_at_named_constraint(gadget, name):
    cs = ConstraintSystem()
    a, b = cs.witness("a", 1), cs.witness("b", 1)
    out = gadget(cs, a, b)
    # the only new variable is the product a*b (the output is linear in it)
    prod = cs.num_variables - 1
    cs.set_value(prod, 0)
    assert cs.which_is_unsatisfied() == name
    assert out is not None


def test_not_is_free():
    cs = ConstraintSystem()
    for a in (0, 1):
        assert cs.value(g.not_(cs.witness("a", a))) == g.not_native(a)
    assert cs.num_constraints == 0


@pytest.mark.parametrize("x,ok", [(0, True), (1, True), (2, False), (R - 1, False)])
def test_assert_bool_edges(x, ok):
    cs = ConstraintSystem()
    g.assert_bool(cs, cs.witness("b", x), name="flag")
    assert cs.which_is_unsatisfied() == (None if ok else "flag")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=0, max_size=7))
def test_all_any_match_twins_and_costs(bits):
    for gadget, twin in ((g.all_, g.all_native), (g.any_, g.any_native)):
        cs = ConstraintSystem()
        out = gadget(cs, [cs.witness(f"b{i}", b) for i, b in enumerate(bits)])
        assert cs.which_is_unsatisfied() is None
        assert cs.value(out) == twin(bits)
        assert cs.num_constraints == {0: 0, 1: 0, 2: 1}.get(len(bits), 2)


def test_all_tampered_output_fails():
    cs = ConstraintSystem()
    bits = [cs.witness(f"b{i}", 1) for i in range(4)]
    bits[2] = cs.witness("b2x", 0)
    out = g.all_(cs, bits, name="all4")
    assert cs.value(out) == 0
    cs.set_value(out, 1)  # claims all ones: x * inv == 1 - out breaks for x = 4 - sum != 0
    assert cs.which_is_unsatisfied() == "all4.inv"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 1), felt, felt)
def test_select_and_swap_match_twins(bit, a, b):
    cs = ConstraintSystem()
    bv, av, bbv = cs.witness("s", bit), cs.witness("a", a), cs.witness("b", b)
    out = g.select(cs, bv, av, bbv)
    left, right = g.cond_swap(cs, bv, av, bbv)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == g.select_native(bit, a, b)
    assert (cs.value(left), cs.value(right)) == g.cond_swap_native(bit, a, b)
    assert cs.num_constraints == 2


def test_select_tampered_fails_and_constants_are_free():
    cs = ConstraintSystem()
    s = cs.witness("s", 1)
    out = g.select(cs, s, cs.witness("t", 7), cs.witness("f", 9), name="pick")
    assert cs.value(out) == 7
    cs.set_value(cs.num_variables - 1, 5)
    assert cs.which_is_unsatisfied() == "pick"
    cs2 = ConstraintSystem()
    out = g.select(cs2, cs2.witness("s", 1), 7, 9)  # constant branches: linear
    assert cs2.value(out) == 7 and cs2.num_constraints == 0


def test_cond_swap_tampered_fails():
    cs = ConstraintSystem()
    l, r = g.cond_swap(cs, cs.witness("s", 1), cs.witness("a", 3), cs.witness("b", 4), name="sw")
    assert (cs.value(l), cs.value(r)) == (4, 3)
    cs.set_value(cs.num_variables - 1, 0)
    assert cs.which_is_unsatisfied() == "sw"


def test_native_twins_reject_non_bits():
    with pytest.raises(ValueError):
        g.and_native(2, 1)
    with pytest.raises(ValueError):
        g.select_native(R - 1, 1, 2)
