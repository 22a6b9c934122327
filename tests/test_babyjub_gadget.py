"""In-circuit Baby Jubjub: each gadget equals its native twin, edges, costs, tampering,
and the exceptional cases of the Montgomery formulas leave the circuit unsatisfiable."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits import babyjub as bj
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import babyjub as g
from circuits.gadgets.bits import bits_le, bits_le_strict

T8 = bj.scalar_mul(bj.L, bj.GENERATOR)
TORSION = [bj.scalar_mul(i, T8) for i in range(8)]
sub_scalar = st.integers(min_value=0, max_value=bj.L - 1)


@st.composite
def points(draw):
    return bj.add(bj.mul_base8(draw(sub_scalar)), TORSION[draw(st.integers(0, 7))])


def _wpoint(cs, p, tag):
    return (cs.witness(f"{tag}x", p[0]), cs.witness(f"{tag}y", p[1]))


def _val(cs, p):
    return (cs.value(p[0]), cs.value(p[1]))


def _var(cs, name):
    assert cs.num_public == 0
    return cs.wire_names().index(name)


# ---- on curve, add, double --------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(points())
def test_on_curve_accepts_curve_points(p):
    cs = ConstraintSystem()
    g.assert_on_curve(cs, _wpoint(cs, p, "p"))
    assert cs.which_is_unsatisfied() is None and cs.num_constraints == 3


@pytest.mark.parametrize("p", [(1, 2), (0, 0), (bj.BASE8[0], bj.BASE8[1] + 1), (R - 1, R - 1)])
def test_on_curve_rejects_points_off_the_curve(p):
    cs = ConstraintSystem()
    g.assert_on_curve(cs, _wpoint(cs, p, "p"))
    assert cs.which_is_unsatisfied() == "on_curve.curve"


@settings(max_examples=25, deadline=None)
@given(points(), points())
def test_point_add_equals_native(p, q):
    cs = ConstraintSystem()
    s = g.point_add(cs, _wpoint(cs, p, "p"), _wpoint(cs, q, "q"))
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, s) == bj.add(p, q)
    assert cs.num_constraints == 6


@pytest.mark.parametrize("case", ["identity", "equal", "opposite", "order2", "torsion"])
def test_point_add_edges(case):
    p = bj.mul_base8(12345)
    q = {"identity": bj.IDENTITY, "equal": p, "opposite": bj.neg(p),
         "order2": (0, R - 1), "torsion": TORSION[3]}[case]
    cs = ConstraintSystem()
    s = g.point_add(cs, _wpoint(cs, p, "p"), _wpoint(cs, q, "q"))
    assert cs.which_is_unsatisfied() is None and _val(cs, s) == bj.add(p, q)


def test_point_add_with_a_constant_point_costs_3_and_constants_cost_0():
    p = bj.mul_base8(5)
    cs = ConstraintSystem()
    s = g.point_add(cs, _wpoint(cs, p, "p"), bj.BASE8)
    assert cs.num_constraints == 3 and _val(cs, s) == bj.add(p, bj.BASE8)
    s2 = g.point_add(cs, bj.BASE8, bj.BASE8)
    assert cs.num_constraints == 3 and _val(cs, s2) == bj.double(bj.BASE8)


def test_point_add_tampered_output_fails_at_named_constraint():
    p, q = bj.mul_base8(3), bj.mul_base8(4)
    cs = ConstraintSystem()
    s = g.point_add(cs, _wpoint(cs, p, "p"), _wpoint(cs, q, "q"))
    cs.set_value(s[1], cs.value(s[1]) + 1)
    assert cs.which_is_unsatisfied() == "add.y"


def test_assert_sum_accepts_the_sum_and_names_the_failure():
    p, q = bj.mul_base8(3), bj.mul_base8(4)
    for out, bad in [(bj.add(p, q), None), (bj.add(p, p), "sum.x")]:
        cs = ConstraintSystem()
        g.assert_sum(cs, _wpoint(cs, p, "p"), _wpoint(cs, q, "q"), _wpoint(cs, out, "o"))
        assert cs.which_is_unsatisfied() == bad and cs.num_constraints == 6


@settings(max_examples=25, deadline=None)
@given(points())
def test_doublings_equal_native(p):
    cs = ConstraintSystem()
    pv = _wpoint(cs, p, "p")
    d1 = g.point_double(cs, pv)
    d2 = g.double_on_curve(cs, pv, name="d2")
    sq = g.assert_on_curve(cs, pv)
    d3 = g.double_on_curve(cs, pv, squares=sq, name="d3")
    c8 = g.mul_cofactor(cs, pv)
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, d1) == _val(cs, d2) == _val(cs, d3) == bj.double(p)
    assert _val(cs, c8) == bj.mul_cofactor(p)


def test_doubling_costs():
    cs = ConstraintSystem(solve=False)
    p = (cs.witness("x"), cs.witness("y"))
    g.point_double(cs, p)
    assert cs.num_constraints == 5
    g.double_on_curve(cs, p, name="d2")
    assert cs.num_constraints == 10
    sq = g.assert_on_curve(cs, p)
    g.double_on_curve(cs, p, squares=sq, name="d3")
    assert cs.num_constraints == 16
    g.mul_cofactor(cs, p)
    assert cs.num_constraints == 32


def test_mul_cofactor_rejects_off_curve_point():
    cs = ConstraintSystem()
    g.mul_cofactor(cs, _wpoint(cs, (1, 2), "p"))
    assert cs.which_is_unsatisfied() == "cofactor.on_curve.curve"


def test_montgomery_conversions_roundtrip_and_refuse_identity():
    p = bj.mul_base8(77)
    cs = ConstraintSystem()
    m = g.to_montgomery(cs, _wpoint(cs, p, "p"))
    e = g.to_edwards(cs, m)
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, m) == bj.to_montgomery(p) and _val(cs, e) == p
    cs = ConstraintSystem()
    g.to_montgomery(cs, _wpoint(cs, bj.IDENTITY, "p"))
    assert cs.which_is_unsatisfied() == "to_mont.u"


# ---- fixed base ------------------------------------------------------------------------

def _fixed(k, n, base=bj.BASE8):
    cs = ConstraintSystem()
    bits = bits_le(cs, cs.witness("k", k), n)
    c0 = cs.num_constraints
    out = g.fixed_base_mul(cs, bits, base)
    return cs, out, cs.num_constraints - c0


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=2 ** 251 - 1))
def test_fixed_base_mul_equals_native(k):
    cs, out, cost = _fixed(k, 251)
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, out) == bj.mul_base8(k)
    assert cost == 507


@pytest.mark.parametrize("k", [0, 1, 7, 8, bj.L - 1, bj.L, bj.L + 1, 2 ** 249, 2 ** 251 - 1,
                               int("110" * 83 + "11", 2) & (2 ** 251 - 1),
                               sum(7 << (3 * w) for w in range(83))])
def test_fixed_base_mul_edges(k):
    cs, out, _ = _fixed(k, 251)
    assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.mul_base8(k)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 10, 64, 253])
def test_fixed_base_mul_widths(n):
    for k in {0, 1, (1 << n) - 1, ((1 << n) - 1) // 3}:
        cs, out, _ = _fixed(k, n)
        assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.mul_base8(k)


def test_fixed_base_mul_other_base_and_bad_base():
    base = bj.mul_base8(987654321)
    cs, out, _ = _fixed(123456789, 40, base)
    assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.scalar_mul(123456789, base)
    cs = ConstraintSystem()
    bits = bits_le(cs, cs.witness("k", 3), 4)
    for bad in [bj.GENERATOR, bj.IDENTITY, (1, 2)]:
        with pytest.raises(ValueError):
            g.fixed_base_mul(cs, bits, bad)


def test_fixed_base_plan_has_no_exceptional_case_independent_check():
    """Re-derive, with plain integers, that no Montgomery window addition can hit
    acc = +-entry or a zero sum, for every scalar of 251 bits."""
    plan = g._fixed_base_plan(bj.BASE8, 251)
    assert plan.n_mont == 83 and len(plan.windows) == 84
    e = bj.L // 2
    acc_lo = e                      # K_1 = e + d_0
    for w in range(1, plan.n_mont):
        s, c = plan.windows[w]
        acc_hi = acc_lo + (1 << s) - 1
        assert acc_hi < bj.L        # no wrap: plain integer intervals
        for d in range(1 << c):
            t = (d + 1) << s
            assert t < bj.L
            for bad in (t, bj.L - t, bj.L):  # acc == t, acc == -t, acc == 0 (mod L)
                assert not acc_lo <= bad <= acc_hi
        acc_lo += 1 << s
    assert acc_lo + (1 << 249) - 1 < bj.L and plan.offset == acc_lo
    # the entries really are the offset multiples
    assert bj.from_montgomery((plan.mont_tables[0][0][0], plan.mont_tables[0][1][0])) == bj.mul_base8(e)
    u, v = plan.mont_tables[5][0][2], plan.mont_tables[5][1][2]
    assert bj.from_montgomery((u, v)) == bj.mul_base8(3 << 15)


def test_fixed_base_tampered_window_fails_at_named_constraint():
    cs, out, _ = _fixed(123456789, 251)
    cs.set_value(_var(cs, "fixed_base.w10.lambda"), 5)
    assert cs.which_is_unsatisfied() == "fixed_base.w10.lambda"


# ---- variable base ------------------------------------------------------------------------

def _var_mul(k, p, n=254):
    cs = ConstraintSystem()
    kv = cs.witness("k", k)
    bits = bits_le_strict(cs, kv) if n == 254 else bits_le(cs, kv, n)
    c0 = cs.num_constraints
    out = g.var_base_mul(cs, bits, _wpoint(cs, p, "p"))
    return cs, out, cs.num_constraints - c0


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=0, max_value=R - 1), points())
def test_var_base_mul_equals_native(k, p):
    if p[0] == 0:
        return  # refused, see test_var_base_mul_refuses_x_zero
    cs, out, cost = _var_mul(k, p)
    assert cs.which_is_unsatisfied() is None
    assert _val(cs, out) == bj.scalar_mul(k, p)
    assert cost == 7 * 254 + 14 == 1792


@pytest.mark.parametrize("k", [0, 1, 2, 3, bj.L - 1, bj.L, bj.L + 1, R - 1, 2 ** 253])
def test_var_base_mul_edges(k):
    for p in [bj.BASE8, bj.GENERATOR, TORSION[1], bj.add(bj.BASE8, TORSION[4])]:
        cs, out, _ = _var_mul(k, p)
        assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.scalar_mul(k, p)


@pytest.mark.parametrize("n", [2, 3, 16])
def test_var_base_mul_short_scalars(n):
    p = bj.mul_base8(31337)
    for k in range(0, 1 << n, max(1, (1 << n) // 7)):
        cs, out, _ = _var_mul(k, p, n)
        assert cs.which_is_unsatisfied() is None and _val(cs, out) == bj.scalar_mul(k, p)


@pytest.mark.parametrize("p,where", [(bj.IDENTITY, "var_base.x_nonzero.inv"),
                                     ((0, R - 1), "var_base.x_nonzero.inv")])
def test_var_base_mul_refuses_x_zero(p, where):
    cs, _, _ = _var_mul(5, p)
    assert cs.which_is_unsatisfied() == where


def test_var_base_tampered_step_fails_at_named_constraint():
    cs, out, _ = _var_mul(2 ** 200 + 12345, bj.mul_base8(99))
    assert cs.which_is_unsatisfied() is None
    cs.set_value(_var(cs, "var_base.step100.w[1]"), 1)  # the first slope
    assert cs.which_is_unsatisfied() == "var_base.step100.lambda1"


def test_double_add_step_exceptional_case_is_unsatisfiable_not_free():
    """acc == T (equal u and v) would free the slope in lambda1 * (u_q - u_acc) == v_T - v_acc;
    the 'distinct' constraint (u_q - u_acc) * inv == 1 holds for no inv then."""
    q = bj.to_montgomery(bj.mul_base8(5))
    for inv in (0, 1, 12345):
        cs = ConstraintSystem()
        acc = (cs.witness("ua", q[0]), cs.witness("va", q[1]))
        qq = (cs.witness("uq", q[0]), cs.witness("vq", q[1]))
        bit = cs.witness("b", 1)
        g._double_add_step(cs, acc, qq, bit)
        cs.set_value(_var(cs, "w[0]"), inv)
        assert cs.which_is_unsatisfied() == "distinct"


def test_double_add_step_equals_native():
    acc_e, q_e = bj.mul_base8(1000), bj.mul_base8(7)
    for b in (0, 1):
        cs = ConstraintSystem()
        acc = tuple(cs.witness(f"a{i}", v) for i, v in enumerate(bj.to_montgomery(acc_e)))
        q = tuple(cs.witness(f"q{i}", v) for i, v in enumerate(bj.to_montgomery(q_e)))
        out = g._double_add_step(cs, acc, q, cs.witness("b", b))
        assert cs.which_is_unsatisfied() is None and cs.num_constraints == 7
        expect = bj.add(bj.double(acc_e), q_e if b else bj.neg(q_e))
        assert _val(cs, out) == bj.to_montgomery(expect)


def test_shape_mode_has_the_same_constraints():
    def build(cs, solve):
        k = cs.witness("k", 99 if solve else None)
        p = (cs.witness("x", bj.BASE8[0] if solve else None), cs.witness("y", bj.BASE8[1] if solve else None))
        bits = bits_le(cs, k, 20)
        g.var_base_mul(cs, bits, p)
        g.fixed_base_mul(cs, bits, bj.BASE8)
    a, b = ConstraintSystem(solve=True), ConstraintSystem(solve=False)
    build(a, True)
    build(b, False)
    assert a.constraint_names() == b.constraint_names()
    r1cs = a.to_r1cs()
    assert r1cs.is_satisfied(a.witness_values())
