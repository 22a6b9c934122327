"""bits_le, bits_le_strict, range_check, from_bits: honest, tampered, edges, twins."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import bits as bits_mod
from circuits.gadgets.bits import (bits_le, bits_le_native, bits_le_strict, bits_le_strict_native,
                                   from_bits, from_bits_native, in_range_native, range_check)

felt = st.integers(min_value=0, max_value=R - 1)


def _bits(x, n):
    cs = ConstraintSystem()
    xv = cs.witness("x", x)
    out = bits_le(cs, xv, n)
    return cs, out


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=253).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=(1 << n) - 1))))
def test_bits_le_honest_matches_twin(nx):
    n, x = nx
    cs, out = _bits(x, n)
    assert cs.which_is_unsatisfied() is None
    assert [cs.value(b) for b in out] == bits_le_native(x, n)
    assert cs.value(from_bits(out)) == x == from_bits_native(bits_le_native(x, n))
    assert cs.num_constraints == n + 1


@pytest.mark.parametrize("n", [1, 8, 64, 253])
def test_bits_le_edges(n):
    for x, ok in [(0, True), (1, True), ((1 << n) - 1, True), (1 << n, False), (R - 1, False)]:
        cs, _ = _bits(x, n)
        assert (cs.which_is_unsatisfied() is None) is ok, (n, x)
        assert in_range_native(x, n) is ok
        if not ok:
            assert cs.which_is_unsatisfied() == "bits.sum"


def test_bits_le_zero_width_accepts_only_zero():
    for x, ok in [(0, True), (1, False)]:
        cs = ConstraintSystem()
        assert bits_le(cs, cs.witness("x", x), 0) == []
        assert (cs.which_is_unsatisfied() is None) is ok and cs.num_constraints == 1


def test_bits_le_rejects_widths_that_could_wrap():
    cs = ConstraintSystem()
    with pytest.raises(ValueError):
        bits_le(cs, cs.witness("x", 1), 254)
    with pytest.raises(ValueError):
        bits_le_native(16, 4)


def test_bits_le_tampered_bit_fails_booleanity_or_sum():
    cs, out = _bits(5, 8)
    cs.set_value(out[3], 2)
    assert cs.which_is_unsatisfied() == "bits.bool3"
    cs, out = _bits(5, 8)
    cs.set_value(out[1], 1)  # boolean, but the sum no longer matches
    assert cs.which_is_unsatisfied() == "bits.sum"


def test_bits_le_non_boolean_cheat_with_right_sum_is_caught():
    """'Bits' (-2, 1, 0, 0) sum to 0 modulo r; booleanity must reject them."""
    cs, out = _bits(0, 4)
    cs.set_value(out[0], R - 2)
    cs.set_value(out[1], 1)
    assert cs.which_is_unsatisfied() == "bits.bool0"


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=253), felt)
def test_range_check_agrees_with_twin(n, x):
    cs = ConstraintSystem()
    range_check(cs, cs.witness("x", x), n, name="rc")
    assert (cs.which_is_unsatisfied() is None) == in_range_native(x, n)
    assert cs.num_constraints == n + 1


def _strict(x):
    cs = ConstraintSystem()
    out = bits_le_strict(cs, cs.witness("x", x))
    return cs, out


@settings(max_examples=25, deadline=None)
@given(felt)
def test_bits_le_strict_honest_matches_twin(x):
    cs, out = _strict(x)
    assert cs.which_is_unsatisfied() is None
    assert [cs.value(b) for b in out] == bits_le_strict_native(x)
    assert cs.num_constraints == 332


@pytest.mark.parametrize("x", [0, 1, 2, (1 << 253) - 1, 1 << 253, R - 2, R - 1])
def test_bits_le_strict_edges_all_satisfy(x):
    cs, out = _strict(x)
    assert cs.which_is_unsatisfied() is None
    assert from_bits_native([cs.value(b) for b in out]) == x


@pytest.mark.parametrize("x", [0, 1, 5, (1 << 254) - R - 1])
def test_bits_le_strict_rejects_the_alias_x_plus_r(x, monkeypatch):
    """A cheating prover who decomposes x + r (< 2^254) instead of x: the sum still matches
    modulo r, every bit is boolean, and all later hints are computed consistently from the
    cheating bits; only the order check against r - 1 can catch it."""
    real = bits_mod._low_bits
    monkeypatch.setattr(bits_mod, "_low_bits", lambda v, n: real(v + R, n))
    cs, out = _strict(x)
    bad = cs.which_is_unsatisfied()
    assert bad is not None and bad.startswith("bits_strict.lt_r"), bad
    assert from_bits_native([cs.value(b) for b in out]) == x + R


def test_bits_le_strict_tampered_bit_fails():
    cs, out = _strict(12345)
    cs.set_value(out[0], 0)
    assert cs.which_is_unsatisfied() == "bits_strict.sum"


def test_shape_does_not_depend_on_values():
    for build in (lambda cs, x: bits_le(cs, x, 17), lambda cs, x: bits_le_strict(cs, x)):
        shapes = []
        for solve in (False, True):
            cs = ConstraintSystem(solve=solve)
            build(cs, cs.witness("x", 99))
            r = cs.to_r1cs()
            shapes.append((r.n_wires, [m.rows() for m in (r.A, r.B, r.C)], r.constraint_names))
        assert shapes[0] == shapes[1]
