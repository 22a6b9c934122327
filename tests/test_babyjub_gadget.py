"""In-circuit Baby Jubjub points: each gadget equals its native twin, edges, costs,
tampering, and the conversions refuse exactly the points their native twins refuse.
(Scalar multiplications: test_babyjub_mul.py.)"""
import pytest
from hypothesis import example, given, settings, strategies as st

from circuits import babyjub as bj
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import babyjub as g

TORSION = [bj.torsion(i) for i in range(8)]
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
    assert cs.which_is_unsatisfied() is None and cs.num_constraints == 6
    assert _val(cs, m) == bj.to_montgomery(p) and _val(cs, e) == p
    cs = ConstraintSystem()  # with x_nonzero (a subgroup point), the u constraint refuses it
    g.to_montgomery(cs, _wpoint(cs, bj.IDENTITY, "p"), x_nonzero=True)
    assert cs.which_is_unsatisfied() == "to_mont.u"


@settings(max_examples=20, deadline=None)
@given(points())
def test_montgomery_conversions_refuse_exactly_what_native_refuses(p):
    """Both directions, every torsion class: satisfiable iff the native map is defined,
    and then equal to it (x = 0 has no affine Montgomery image; v = 0 no Edwards image)."""
    cs = ConstraintSystem()
    m = g.to_montgomery(cs, _wpoint(cs, p, "p"))
    try:
        expect = bj.to_montgomery(p)
    except ValueError:
        expect = None
    assert (cs.which_is_unsatisfied() is None) is (expect is not None)
    if expect is not None:
        assert _val(cs, m) == expect
        cs2 = ConstraintSystem()
        e = g.to_edwards(cs2, _wpoint(cs2, expect, "m"))
        assert cs2.which_is_unsatisfied() is None and _val(cs2, e) == p


@pytest.mark.parametrize("p,where", [(bj.IDENTITY, "to_mont.x_nonzero.inv"),
                                     ((0, R - 1), "to_mont.x_nonzero.inv")])
def test_to_montgomery_refuses_both_points_with_x_zero(p, where):
    cs = ConstraintSystem()
    g.to_montgomery(cs, _wpoint(cs, p, "p"))
    assert cs.which_is_unsatisfied() == where
    with pytest.raises(ValueError):
        bj.to_montgomery(p)


def test_to_montgomery_without_the_check_leaves_v_free_at_0_minus_1():
    """Why the x != 0 check exists: at (0, -1), v x == u reads 0 == 0."""
    cs = ConstraintSystem()
    m = g.to_montgomery(cs, _wpoint(cs, (0, R - 1), "p"), x_nonzero=True)
    cs.set_value(_var(cs, "to_mont.v"), 12345)
    assert cs.which_is_unsatisfied() is None and cs.value(m[1]) == 12345


def test_to_edwards_refuses_the_point_0_0():
    cs = ConstraintSystem()
    g.to_edwards(cs, (cs.witness("u", 0), cs.witness("v", 0)))
    assert cs.which_is_unsatisfied() == "to_edwards.v_nonzero.inv"
    with pytest.raises(ValueError):
        bj.from_montgomery((0, 0))


@settings(max_examples=20, deadline=None)
@given(points(), st.sampled_from([0, 2, 4, 6]))
def test_add_torsion_is_the_linear_translation(p, k):
    cs = ConstraintSystem()
    out = g.add_torsion(_wpoint(cs, p, "p"), k)
    assert cs.num_constraints == 0 and _val(cs, out) == bj.add(p, bj.torsion(k))


def test_add_torsion_refuses_order_8_points():
    with pytest.raises(ValueError):
        g.add_torsion((1, 2), 3)


@settings(max_examples=20, deadline=None)
@given(points(), points())
@example(bj.torsion(1), bj.torsion(3))       # p + q has x = 0: no affine Montgomery image (found by review)
def test_mont_add_equals_native_when_u_differ(p, q):
    try:
        mp, mq = bj.to_montgomery(p), bj.to_montgomery(q)
        expect = bj.montgomery_add(mp, mq)
        native = bj.to_montgomery(bj.add(p, q))
    except ValueError:
        return  # x = 0 or equal u (or a sum with x = 0): outside mont_add's precondition
    cs = ConstraintSystem()
    out = g.mont_add(cs, _wpoint(cs, mp, "p"), _wpoint(cs, mq, "q"))
    assert cs.which_is_unsatisfied() is None and cs.num_constraints == 3
    assert _val(cs, out) == expect == native


def test_mont_add_tampered_slope_fails_at_named_constraint():
    mp, mq = bj.to_montgomery(bj.mul_base8(3)), bj.to_montgomery(bj.mul_base8(4))
    cs = ConstraintSystem()
    g.mont_add(cs, _wpoint(cs, mp, "p"), _wpoint(cs, mq, "q"))
    cs.set_value(_var(cs, "mont_add.lambda"), 7)
    assert cs.which_is_unsatisfied() == "mont_add.lambda"


def test_mul_cofactor_returns_a_subgroup_point():
    p = bj.add(bj.mul_base8(5), TORSION[3])
    cs = ConstraintSystem()
    q = g.mul_cofactor(cs, _wpoint(cs, p, "p"))
    assert isinstance(q, g.SubgroupPoint) and _val(cs, q) == bj.mul_cofactor(p)
    assert bj.is_in_subgroup(_val(cs, q))


def test_subgroup_constant_checks_natively():
    assert g.subgroup_constant(bj.BASE8).x.constant_value() == bj.BASE8[0]
    for bad in [bj.GENERATOR, TORSION[4], (1, 2)]:
        with pytest.raises(ValueError):
            g.subgroup_constant(bad)


def test_shape_mode_has_the_same_constraints():
    def build(cs, solve):
        p = (cs.witness("x", bj.GENERATOR[0] if solve else None), cs.witness("y", bj.GENERATOR[1] if solve else None))
        q = g.mul_cofactor(cs, p)
        m = g.to_montgomery(cs, q)
        g.to_edwards(cs, g.mont_add(cs, m, bj.to_montgomery(TORSION[1])))
        g.point_add(cs, p, q)
    a, b = ConstraintSystem(solve=True), ConstraintSystem(solve=False)
    build(a, True)
    build(b, False)
    assert a.constraint_names() == b.constraint_names()
    r1cs = a.to_r1cs()
    assert r1cs.is_satisfied(a.witness_values())
