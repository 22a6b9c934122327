"""is_zero, is_equal, nonzero, and order comparisons on bounded values."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import comparators as c

felt = st.integers(min_value=0, max_value=R - 1)
EDGE_FELTS = [0, 1, 2, (1 << 128) - 1, 1 << 128, R - 2, R - 1]


@pytest.mark.parametrize("x", EDGE_FELTS)
def test_is_zero_edges(x):
    cs = ConstraintSystem()
    out = c.is_zero(cs, cs.witness("x", x))
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == c.is_zero_native(x)
    assert cs.num_constraints == 2


@settings(max_examples=40, deadline=None)
@given(felt, felt, st.booleans())
def test_is_equal_matches_twin(a, b, same):
    b = a if same else b
    cs = ConstraintSystem()
    out = c.is_equal(cs, cs.witness("a", a), cs.witness("b", b))
    assert cs.which_is_unsatisfied() is None
    assert cs.value(out) == c.is_equal_native(a, b)


@pytest.mark.parametrize("x,flip,inv_value,where", [
    (0, 0, None, "is_zero.inv"), (0, 0, 7, "is_zero.inv"),
    (5, 1, None, "is_zero.inv"),   # honest inv = 1/5: x * inv = 1 != 1 - out
    (5, 1, 0, "is_zero.out"),      # inv = 0 passes the first, x * out = 5 != 0 fails
])
def test_is_zero_lying_output_fails(x, flip, inv_value, where):
    cs = ConstraintSystem()
    out = c.is_zero(cs, cs.witness("x", x))
    cs.set_value(out, flip)
    if inv_value is not None:
        cs.set_value(out.single_var() - 1, inv_value)  # the inv hint is allocated just before out
    assert cs.which_is_unsatisfied() == where


@pytest.mark.parametrize("x,ok", [(0, False), (1, True), (R - 1, True)])
def test_assert_nonzero_and_not_equal(x, ok):
    cs = ConstraintSystem()
    c.assert_nonzero(cs, cs.witness("x", x), name="nz")
    assert cs.which_is_unsatisfied() == (None if ok else "nz.inv")
    cs = ConstraintSystem()
    c.assert_not_equal(cs, cs.witness("a", x + 3), 3, name="ne")
    assert (cs.which_is_unsatisfied() is None) is ok and cs.num_constraints == 1


def _bounded(n):
    return st.integers(min_value=0, max_value=(1 << n) - 1)


ORDER = [
    (c.less_than, c.less_than_native),
    (c.less_or_equal, c.less_or_equal_native),
    (c.greater_than, c.greater_than_native),
    (c.greater_or_equal, c.greater_or_equal_native),
]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([1, 2, 8, 64, 128, 252]).flatmap(
    lambda n: st.tuples(st.just(n), _bounded(n), _bounded(n), st.booleans())))
def test_order_gadgets_match_twins(args):
    n, a, b, same = args
    b = a if same else b
    for gadget, twin in ORDER:
        cs = ConstraintSystem()
        out = gadget(cs, cs.witness("a", a), cs.witness("b", b), n)
        assert cs.which_is_unsatisfied() is None, gadget.__name__
        assert cs.value(out) == twin(a, b, n), gadget.__name__
        assert cs.num_constraints == n + 2


@pytest.mark.parametrize("n", [1, 8, 128, 252])
def test_order_edges(n):
    top = (1 << n) - 1
    for a, b in [(0, 0), (0, 1), (1, 0), (top, top), (0, top), (top, 0), (top - 1, top)]:
        for gadget, twin in ORDER:
            cs = ConstraintSystem()
            out = gadget(cs, cs.witness("a", a), cs.witness("b", b), n)
            assert cs.which_is_unsatisfied() is None and cs.value(out) == twin(a, b, n)


def test_less_than_lying_output_fails():
    cs = ConstraintSystem()
    out = c.less_than(cs, cs.witness("a", 3), cs.witness("b", 9), 8)
    assert cs.value(out) == 1
    bit_var = next(v for v in out.terms if v)  # out = 1 - top bit: flip the top bit
    cs.set_value(bit_var, 1)
    assert cs.which_is_unsatisfied() == "less_than.bits.sum"


def test_less_than_unchecked_operands_documented_failure():
    """An operand outside n bits violates the precondition: the circuit fails (here) or lies."""
    cs = ConstraintSystem()
    c.less_than(cs, cs.witness("a", 1 << 8), cs.witness("b", 0), 8)
    assert cs.which_is_unsatisfied() == "less_than.bits.sum"
    cs = ConstraintSystem()
    out = c.less_than(cs, cs.witness("a", R - 1), cs.witness("b", 5), 8)  # a = -1: "less"
    assert cs.which_is_unsatisfied() is None and cs.value(out) == 1      # the documented lie


@pytest.mark.parametrize("a,b,ok", [(0, 0, False), (3, 9, True), (9, 3, False), (0, 255, True),
                                    (255, 255, False), (254, 255, True), (R - 1, 0, False)])
def test_less_than_checked_and_asserts(a, b, ok):
    n = 8
    in_range = a < 256 and b < 256
    cs = ConstraintSystem()
    out = c.less_than_checked(cs, cs.witness("a", a), cs.witness("b", b), n)
    assert cs.num_constraints == 3 * n + 4
    if in_range:
        assert cs.which_is_unsatisfied() is None and cs.value(out) == int(ok)
    else:
        assert cs.which_is_unsatisfied() == "less_than.range_a.sum"
    if in_range:
        cs = ConstraintSystem()
        c.assert_less_than(cs, cs.witness("a", a), cs.witness("b", b), n, name="lt")
        assert cs.which_is_unsatisfied() == (None if ok else "lt.sum") and cs.num_constraints == n + 1
        cs = ConstraintSystem()
        c.assert_less_or_equal(cs, cs.witness("a", a), cs.witness("b", b), n, name="le")
        assert cs.which_is_unsatisfied() == (None if a <= b else "le.sum")


def test_128_bit_checked_comparison_cost():
    cs = ConstraintSystem(solve=False)
    c.less_than_checked(cs, cs.witness("a"), cs.witness("b"), 128)
    assert cs.num_constraints == 388


def test_order_widths_validated():
    cs = ConstraintSystem()
    with pytest.raises(ValueError):
        c.less_than(cs, 1, 2, 253)
    with pytest.raises(ValueError):
        c.less_than_native(256, 1, 8)
