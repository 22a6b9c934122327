"""In-circuit EdDSA-Poseidon verification: circomlibjs vectors (valid satisfy, invalid fail
at a named constraint, S + L included), our own signatures, the enabled flag, malformed and
small-order inputs, tampering, cost, and the S-range gadget."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from circuits import babyjub as bj
from circuits import eddsa
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets.eddsa import (bits_le_at_most, dummy_signature, eddsa_verify,
                                    eddsa_verify_native)

VEC = json.loads((Path(__file__).parent / "vectors" / "babyjub_eddsa_poseidon.json").read_text())
SIGS = VEC["signatures"]
COST = 3051
COST_VARIABLE_ENABLED = 3058


def _values(v):
    return [int(v["A"][0]), int(v["A"][1]), int(v["R8"][0]), int(v["R8"][1]), int(v["S"]), int(v["msg"])]


def _circuit(vals, enabled=1, variable_enabled=False):
    cs = ConstraintSystem()
    ins = [cs.witness(n, x) for n, x in zip(("ax", "ay", "r8x", "r8y", "s", "msg"), vals)]
    en = cs.witness("enabled", enabled) if variable_enabled else enabled
    eddsa_verify(cs, en, *ins)
    return cs


def _var(cs, name):
    assert cs.num_public == 0
    return cs.wire_names().index(name)


def _expected_failure(v):
    return "eddsa.s_range." if "malleab" in v["why"] else "eddsa.check."


@pytest.mark.parametrize("variable_enabled", [False, True], ids=["const_enabled", "var_enabled"])
@pytest.mark.parametrize("i", range(len(SIGS)), ids=lambda i: f"{i}-{SIGS[i].get('why', 'valid')}")
def test_circomlibjs_vector_in_circuit(i, variable_enabled):
    v = SIGS[i]
    vals = _values(v)
    cs = _circuit(vals, variable_enabled=variable_enabled)
    bad = cs.which_is_unsatisfied()
    if v["valid"]:
        assert bad is None
    else:
        assert bad is not None and bad.startswith(_expected_failure(v)), bad
    assert eddsa_verify_native(1, *vals) is v["valid"]
    assert cs.num_constraints == (COST_VARIABLE_ENABLED if variable_enabled else COST)


def test_malleability_case_fails_in_the_s_range_check():
    v = next(v for v in SIGS if "malleab" in v.get("why", ""))
    cs = _circuit(_values(v))
    assert cs.which_is_unsatisfied().startswith("eddsa.s_range.")
    # the same signature with S reduced is accepted: only the range check refuses S + L
    vals = _values(v)
    vals[4] -= bj.L
    assert _circuit(vals).which_is_unsatisfied() is None


def test_costs_and_shape_mode_agree():
    for en, expect in [(1, COST), (0, 0)]:
        cs = ConstraintSystem(solve=False)
        eddsa_verify(cs, en, *[cs.witness(str(i)) for i in range(6)])
        assert cs.num_constraints == expect
    cs = ConstraintSystem(solve=False)
    eddsa_verify(cs, cs.witness("en"), *[cs.witness(str(i)) for i in range(6)])
    assert cs.num_constraints == COST_VARIABLE_ENABLED
    solved = _circuit(_values(SIGS[0]), variable_enabled=True)
    assert solved.constraint_names() == cs.constraint_names()
    assert solved.to_r1cs().is_satisfied(solved.witness_values())


def test_measured_cost_is_below_circomlib():
    cs = ConstraintSystem(solve=False)
    eddsa_verify(cs, cs.witness("en"), *[cs.witness(str(i)) for i in range(6)])
    assert cs.num_constraints < 4200     # circomlib's EdDSAPoseidonVerifier: about 4,200


@settings(max_examples=6, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(min_value=0, max_value=R - 1))
def test_own_signatures_satisfy_and_tampered_fail(priv, msg):
    sig = eddsa.sign(priv, msg)
    a = eddsa.public_key(priv)
    vals = [a[0], a[1], sig.R8[0], sig.R8[1], sig.S, msg]
    assert _circuit(vals, variable_enabled=True).which_is_unsatisfied() is None
    vals[5] = (msg + 1) % R
    assert _circuit(vals, variable_enabled=True).which_is_unsatisfied().startswith("eddsa.check.")


@pytest.mark.parametrize("vals", [
    [0, 0, 0, 0, 0, 0],
    [1, 2, 3, 4, R - 1, R - 1],
    [bj.GENERATOR[0], bj.GENERATOR[1], bj.BASE8[0], bj.BASE8[1], bj.L, 5],
], ids=["zeros", "garbage", "bad_signature"])
def test_disabled_slot_accepts_anything(vals):
    cs = _circuit(vals, enabled=0, variable_enabled=True)
    assert cs.which_is_unsatisfied() is None
    assert eddsa_verify_native(0, *vals)
    # enabled as the constant 0 emits nothing at all
    cs0 = _circuit(vals, enabled=0)
    assert cs0.num_constraints == 0


def test_dummy_signature_is_valid():
    (ax, ay), msg, r8, s = dummy_signature()
    assert eddsa.verify((ax, ay), msg, eddsa.Signature(r8, s))


def test_enabled_must_be_boolean():
    cs = _circuit(_values(SIGS[0]), enabled=2, variable_enabled=True)
    assert cs.which_is_unsatisfied() == "eddsa.enabled"
    with pytest.raises(ValueError):
        _circuit(_values(SIGS[0]), enabled=2)


def test_points_off_the_curve_fail_at_on_curve_checks():
    vals = _values(SIGS[0])
    a_off = list(vals)
    a_off[1] = (a_off[1] + 1) % R
    assert _circuit(a_off).which_is_unsatisfied() == "eddsa.a_on_curve.curve"
    r_off = list(vals)
    r_off[3] = (r_off[3] + 1) % R
    assert _circuit(r_off).which_is_unsatisfied() == "eddsa.r8_on_curve.curve"
    assert not eddsa_verify_native(1, *a_off) and not eddsa_verify_native(1, *r_off)


@pytest.mark.parametrize("t", [0, 1, 2, 4])
def test_small_order_key_is_refused_even_when_the_equation_holds(t):
    torsion = bj.scalar_mul(t, bj.scalar_mul(bj.L, bj.GENERATOR))
    s = 4242
    r8 = bj.mul_base8(s)  # S B8 == R8 + 8h A because 8A is the identity
    vals = [torsion[0], torsion[1], r8[0], r8[1], s, 7]
    assert _circuit(vals).which_is_unsatisfied() == "eddsa.q_mont.u"
    assert not eddsa_verify_native(1, *vals)


def test_key_with_torsion_component_agrees_with_native():
    priv = bytes(range(32))
    a = eddsa.secret_scalar(priv)
    pub = bj.add(eddsa.public_key(priv), bj.scalar_mul(bj.L, bj.GENERATOR))
    r8 = bj.mul_base8(31)
    h = eddsa.signature_hash(r8, pub, 42)
    s = (31 + 8 * h * a) % bj.L
    vals = [pub[0], pub[1], r8[0], r8[1], s, 42]
    assert eddsa_verify_native(1, *vals)
    assert _circuit(vals).which_is_unsatisfied() is None


@pytest.mark.parametrize("name,where", [
    ("eddsa.var_base.step100.w[0]", "eddsa.var_base.step100.lambda1"),
    ("eddsa.var_base.step0.w[4]", "eddsa.var_base.step0.v"),
    ("eddsa.var_base.q1.lambda", "eddsa.var_base.q1.lambda"),
    ("eddsa.var_base.q4.v", "eddsa.var_base.q4.v"),
    ("eddsa.fixed_base.w40.add.lambda", "eddsa.fixed_base.w40.add.lambda"),
    ("eddsa.cofactor.dbl2.x", "eddsa.cofactor.dbl2.x"),
    ("eddsa.s_range.b[7]", "eddsa.s_range."),
    ("eddsa.h_bits.b[0]", "eddsa.h_bits."),
    ("eddsa.q_mont.v", "eddsa.q_mont.v"),
    ("eddsa.combine.diff.u", "eddsa.combine.diff.u"),
    ("eddsa.combine.plus_q.v", "eddsa.combine.plus_q.v"),
    ("eddsa.r8_torsion.x", "eddsa.r8_torsion.x"),
])
def test_tampered_witness_fails_at_named_constraint(name, where):
    cs = _circuit(_values(SIGS[0]))
    assert cs.which_is_unsatisfied() is None
    v = _var(cs, name)
    cs.set_value(v, (cs.witness_values()[v] + 1) % R)
    assert cs.which_is_unsatisfied().startswith(where)


# ---- S range: bits_le_at_most ----------------------------------------------------------

def _at_most(x, bound):
    cs = ConstraintSystem()
    bits = bits_le_at_most(cs, cs.witness("x", x), bound)
    return cs, bits


@pytest.mark.parametrize("bound", [1, 2, 5, 0b1011, 2 ** 64 - 1, 2 ** 64, bj.L - 1])
def test_bits_le_at_most_edges(bound):
    n = bound.bit_length()
    for x in {0, 1, bound - 1, bound, bound + 1, (1 << n) - 1, 1 << n, R - 1}:
        cs, bits = _at_most(x, bound)
        ok = x <= bound
        assert (cs.which_is_unsatisfied() is None) is ok, (bound, x)
        if ok:
            assert [cs.value(b) for b in bits] == [(x >> i) & 1 for i in range(n)]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=2 ** 252), st.integers(min_value=0, max_value=2 ** 253))
def test_bits_le_at_most_equals_comparison(bound, x):
    cs, _ = _at_most(x, bound)
    assert (cs.which_is_unsatisfied() is None) is (x <= bound)


def test_bits_le_at_most_cost_for_L():
    cs = ConstraintSystem(solve=False)
    bits_le_at_most(cs, cs.witness("x"), bj.L - 1)
    assert cs.num_constraints == 343


def test_bits_le_at_most_refuses_the_exact_bits_of_L():
    """The honest bits of x = L are boolean and sum to x: only the order check catches them."""
    cs, bits = _at_most(bj.L, bj.L - 1)
    assert [cs.value(b) for b in bits] == [(bj.L >> i) & 1 for i in range(251)]
    assert cs.which_is_unsatisfied().startswith("bits_at_most.le")
