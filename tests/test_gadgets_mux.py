"""Multiplexers: one-hot from an index, dot-product mux, row mux, binary-tree mux."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import mux as m

felt = st.integers(min_value=0, max_value=R - 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(felt, min_size=1, max_size=9).flatmap(
    lambda t: st.tuples(st.just(t), st.integers(0, len(t) - 1))), st.booleans())
def test_mux_matches_twin(args, constant_table):
    table, idx = args
    n = len(table)
    cs = ConstraintSystem()
    i = cs.witness("i", idx)
    tab = table if constant_table else [cs.witness(f"t{k}", v) for k, v in enumerate(table)]
    out = m.mux(cs, i, tab)
    sel = [cs.value(x) for x in m.one_hot(cs, i, n)]
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == m.mux_native(idx, table)
    assert sel == m.one_hot_native(idx, n)
    nonconst = sum(1 for v in table if v) if constant_table else n  # zero constants are dropped too
    assert cs.num_constraints == (n + 1) + (0 if constant_table else nonconst) + (n + 1)


@pytest.mark.parametrize("idx", [4, 5, R - 1])
def test_mux_index_out_of_range_fails(idx):
    cs = ConstraintSystem()
    m.mux(cs, cs.witness("i", idx), [10, 11, 12, 13])
    assert cs.which_is_unsatisfied() == "mux.one_hot.sum"


def test_one_hot_cheats_fail():
    cs = ConstraintSystem()
    sel = m.one_hot(cs, cs.witness("i", 2), 4)
    cs.set_value(sel[2], 0)
    cs.set_value(sel[1], 1)  # points at the wrong entry
    assert cs.which_is_unsatisfied() == "one_hot.sel1"
    cs = ConstraintSystem()
    sel = m.one_hot(cs, cs.witness("i", 2), 4)
    cs.set_value(sel[2], 2)  # non-boolean at the right place: sum breaks
    assert cs.which_is_unsatisfied() == "one_hot.sum"


def test_assert_one_hot():
    for bits, ok, where in [([0, 1, 0], True, None), ([0, 0, 0], False, "oh.sum"),
                            ([1, 1, 0], False, "oh.sum"), ([2, R - 1, 0], False, "oh.bool0")]:
        cs = ConstraintSystem()
        m.assert_one_hot(cs, [cs.witness(f"b{i}", b) for i, b in enumerate(bits)], name="oh")
        assert cs.which_is_unsatisfied() == where and cs.num_constraints == 4


def test_mux_rows_and_tampered_term():
    rows = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    cs = ConstraintSystem()
    i = cs.witness("i", 1)
    out = m.mux_rows(cs, i, rows)
    assert [cs.value(x) for x in out] == rows[1] and cs.num_constraints == 4
    cs = ConstraintSystem()
    out = m.mux(cs, cs.witness("i", 1), [cs.witness("a", 5), cs.witness("b", 6)])
    cs.set_value(cs.num_variables - 1, 9)  # the last product sel1 * b
    assert cs.which_is_unsatisfied() == "mux.dot.term1"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 4).flatmap(lambda k: st.tuples(
    st.lists(st.integers(0, 1), min_size=k, max_size=k),
    st.lists(felt, min_size=1 << k, max_size=1 << k))), st.booleans())
def test_mux_bits_matches_twin(args, constant_table):
    bits, table = args
    k = len(bits)
    cs = ConstraintSystem()
    bv = [cs.witness(f"b{i}", b) for i, b in enumerate(bits)]
    tab = table if constant_table else [cs.witness(f"t{i}", v) for i, v in enumerate(table)]
    out = m.mux_bits(cs, bv, tab)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == m.mux_bits_native(bits, table)
    if not constant_table:
        assert cs.num_constraints == (1 << k) - 1
    else:
        assert cs.num_constraints <= max((1 << k) // 2 - 1, 0)


def test_mux_bits_tampered_fails_and_sizes_checked():
    cs = ConstraintSystem()
    bv = [cs.witness("b0", 1), cs.witness("b1", 1)]
    m.mux_bits(cs, bv, [cs.witness(f"t{i}", 10 + i) for i in range(4)], name="mb")
    cs.set_value(cs.num_variables - 1, 0)
    assert cs.which_is_unsatisfied() == "mb.l1s0"
    with pytest.raises(ValueError):
        m.mux_bits(cs, bv, [1, 2, 3])
    with pytest.raises(ValueError):
        m.mux_native(3, [1, 2, 3])
