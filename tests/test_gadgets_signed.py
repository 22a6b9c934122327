"""Signed n-bit values by offset: range checks, sign, abs, comparison, encode/decode."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import signed as s


def _signed(n):
    return st.integers(min_value=-(1 << (n - 1)), max_value=(1 << (n - 1)) - 1)


widths = st.sampled_from([1, 2, 8, 64, 128, 252])


@settings(max_examples=40, deadline=None)
@given(widths.flatmap(lambda n: st.tuples(st.just(n), _signed(n), _signed(n))))
def test_signed_gadgets_match_twins(args):
    n, a, b = args
    cs = ConstraintSystem()
    av, bv = cs.witness("a", s.encode_signed(a)), cs.witness("b", s.encode_signed(b))
    neg = s.is_negative(cs, av, n)
    absv, neg2 = s.abs_signed(cs, av, n)
    s.range_check_signed(cs, bv, n)
    lt = s.signed_less_than(cs, av, bv, n)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(neg) == cs.value(neg2) == s.is_negative_native(a, n)
    assert (cs.value(absv), cs.value(neg2)) == s.abs_native(a, n)
    assert cs.value(lt) == s.signed_less_than_native(a, b, n)
    assert s.decode_signed(cs.value(av), n) == a
    assert cs.num_constraints == (n + 1) + (n + 2) + (n + 1) + (n + 2)


@pytest.mark.parametrize("n", [1, 8, 64, 252])
def test_signed_range_edges(n):
    half = 1 << (n - 1)
    for v, ok in [(0, True), (1, n > 1), (-1, True), (half - 1, True), (-half, True),
                  (half, False), (-half - 1, False), (R - 1, True), (1 << n, False)]:
        # R - 1 as a field element is -1
        cs = ConstraintSystem()
        s.range_check_signed(cs, cs.witness("x", v % R), n, name="cash")
        assert cs.which_is_unsatisfied() == (None if ok else "cash.sum"), (n, v)
        assert s.in_signed_range_native(-1 if v == R - 1 else v, n) is ok


def test_abs_of_most_negative_is_two_to_n_minus_one():
    cs = ConstraintSystem()
    absv, neg = s.abs_signed(cs, cs.witness("x", s.encode_signed(-128)), 8)
    assert cs.which_is_unsatisfied() is None and cs.value(absv) == 128 and cs.value(neg) == 1


def test_is_negative_lying_sign_fails():
    cs = ConstraintSystem()
    neg = s.is_negative(cs, cs.witness("x", s.encode_signed(-5)), 16, name="sign")
    assert cs.value(neg) == 1
    top = next(v for v in neg.terms if v)
    cs.set_value(top, 1)  # claim x >= 0
    assert cs.which_is_unsatisfied() == "sign.sum"


def test_abs_tampered_product_fails():
    cs = ConstraintSystem()
    s.abs_signed(cs, cs.witness("x", s.encode_signed(-5)), 16)
    cs.set_value(cs.num_variables - 1, 0)  # neg * x
    assert cs.which_is_unsatisfied() == "abs.neg_x"


def test_decode_and_widths_validated():
    assert s.decode_signed(R - 3, 8) == -3
    with pytest.raises(ValueError):
        s.decode_signed(200, 8)
    with pytest.raises(ValueError):
        s.range_check_signed(ConstraintSystem(), 0, 253)
    with pytest.raises(ValueError):
        s.is_negative_native(128, 8)
