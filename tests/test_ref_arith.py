"""prover.ref (plain-int reference arithmetic) against py_ecc and against the field/group laws."""
import pytest
from hypothesis import given, settings, strategies as st
from py_ecc import bn128 as pb
from py_ecc import optimized_bn128 as ob

from prover.ref import curves as C
from prover.ref import fields as F
from prover.ref.fields import Q, R
from prover.ref.msm import g1_msm_ints as msm_g1, g2_msm_ints as msm_g2


def elements(p):
    return st.one_of(st.sampled_from([0, 1, 2, p - 1, p - 2, (p - 1) // 2, (p + 1) // 2]),
                     st.integers(0, p - 1))


fq_el, fr_el = elements(Q), elements(R)
fq2_el = st.tuples(fq_el, fq_el)
scalars = st.one_of(st.sampled_from([0, 1, 2, 3, R - 1, R - 2, R, R + 1, (R - 1) // 2]),
                    st.integers(0, R - 1))

G1_SMALL = [C.g1_mul(C.G1_GEN, k) for k in (1, 2, 3, 5)]
FAST = settings(max_examples=50, deadline=None)
SLOW = settings(max_examples=20, deadline=None)


def ob_fq2(a):
    return ob.FQ2(list(a))


def from_ob_fq2(x):
    return tuple(int(c) % Q for c in x.coeffs)


# --- fields -------------------------------------------------------------------------------------

@FAST
@given(fq_el, fq_el, fq_el)
def test_fq_field_laws(a, b, c):
    assert F.fq_add(a, b) == F.fq_add(b, a)
    assert F.fq_mul(a, F.fq_mul(b, c)) == F.fq_mul(F.fq_mul(a, b), c)
    assert F.fq_mul(a, F.fq_add(b, c)) == F.fq_add(F.fq_mul(a, b), F.fq_mul(a, c))
    assert F.fq_sub(F.fq_add(a, b), b) == a
    assert F.fq_add(a, F.fq_neg(a)) == 0
    assert F.fq_sqr(a) == F.fq_mul(a, a) == int(ob.FQ(a) * ob.FQ(a))
    if a:
        assert F.fq_mul(a, F.fq_inv(a)) == 1
        assert F.fq_inv(a) == int(ob.FQ(1) / ob.FQ(a))


@FAST
@given(fr_el, fr_el, fr_el)
def test_fr_field_laws(a, b, c):
    assert F.fr_mul(a, F.fr_add(b, c)) == F.fr_add(F.fr_mul(a, b), F.fr_mul(a, c))
    assert F.fr_sub(F.fr_add(a, b), b) == a
    assert F.fr_sqr(a) == a * a % R
    if a:
        assert F.fr_mul(a, F.fr_inv(a)) == 1


@pytest.mark.parametrize("inv", [F.fq_inv, F.fr_inv])
def test_inverse_of_zero_raises(inv):
    with pytest.raises(ZeroDivisionError):
        inv(0)
    with pytest.raises(ZeroDivisionError):
        F.fq2_inv((0, 0))


@FAST
@given(fq_el)
def test_fq_sqrt_and_legendre(a):
    s = F.fq_sqrt(a)
    leg = F.fq_legendre(a)
    assert leg == (0 if a == 0 else 1 if pow(a, (Q - 1) // 2, Q) == 1 else -1)
    if leg == -1:
        assert s is None
    else:
        assert s is not None and s * s % Q == a and s <= Q - s
    # the square of anything has a root
    assert F.fq_sqrt(a * a % Q) in (a, Q - a)


@FAST
@given(fr_el)
def test_fr_sqrt_tonelli_shanks(a):
    s = F.fr_sqrt(a)
    if F.fr_legendre(a) == -1:
        assert s is None
    else:
        assert s * s % R == a
    assert F.fr_sqrt(a * a % R) in (a, R - a)


@FAST
@given(fq2_el, fq2_el)
def test_fq2_against_py_ecc(a, b):
    A, B = ob_fq2(a), ob_fq2(b)
    assert F.fq2_add(a, b) == from_ob_fq2(A + B)
    assert F.fq2_sub(a, b) == from_ob_fq2(A - B)
    assert F.fq2_mul(a, b) == from_ob_fq2(A * B)
    assert F.fq2_sqr(a) == from_ob_fq2(A * A)
    assert F.fq2_neg(a) == from_ob_fq2(-A)
    assert F.fq2_mul_by_xi(a) == from_ob_fq2(A * ob.FQ2([9, 1]))
    assert F.fq2_mul_fq(a, b[0]) == from_ob_fq2(A * b[0])
    if a != (0, 0):
        assert F.fq2_inv(a) == from_ob_fq2(ob.FQ2.one() / A)
        assert F.fq2_mul(a, F.fq2_inv(a)) == F.FQ2_ONE


@SLOW
@given(fq2_el)
def test_fq2_conjugate_is_frobenius_and_pow(a):
    assert F.fq2_pow(a, Q) == F.fq2_conj(a)
    assert F.fq2_pow(a, 5) == from_ob_fq2(ob_fq2(a) ** 5)
    assert F.fq2_pow(a, 0) == F.FQ2_ONE


@FAST
@given(fq2_el)
def test_fq2_sqrt(a):
    s = F.fq2_sqrt(a)
    if F.fq2_legendre(a) == -1:
        assert s is None
    else:
        assert s is not None and F.fq2_sqr(s) == a
    sq = F.fq2_sqr(a)
    root = F.fq2_sqrt(sq)
    assert root is not None and root in (a, F.fq2_neg(a))


def test_fq2_sqrt_of_pure_fq_values():
    # a1 = 0: either a0 or -a0 is a square in Fq (u^2 = -1)
    for a0 in (0, 1, 2, 3, 5, Q - 1, Q - 3):
        s = F.fq2_sqrt((a0, 0))
        assert s is not None and F.fq2_sqr(s) == (a0, 0)


def test_xi_is_a_non_residue():
    assert F.fq2_legendre(F.XI) == -1
    assert F.fq2_pow(F.XI, (Q * Q - 1) // 3) != F.FQ2_ONE   # nor a cube


# --- curves -------------------------------------------------------------------------------------

def test_generators_and_constants_match_py_ecc():
    assert C.g1_to_py_ecc(C.G1_GEN) == ob.G1
    assert ob.eq(C.g2_to_py_ecc(C.G2_GEN), ob.G2)
    assert C.g2_from_py_ecc(pb.G2) == C.G2_GEN
    assert C.B2 == from_ob_fq2(ob.b2)
    assert C.g1_is_on_curve(C.G1_GEN) and C.g2_is_on_curve(C.G2_GEN)
    assert C.g1_mul(C.G1_GEN, R) is None and C.g2_mul(C.G2_GEN, R) is None


@SLOW
@given(scalars, scalars)
def test_g1_add_double_mul_match_py_ecc(k1, k2):
    p, q = C.g1_mul(C.G1_GEN, k1), C.g1_mul(C.G1_GEN, k2)
    P, Qp = ob.multiply(ob.G1, k1), ob.multiply(ob.G1, k2)
    assert p == C.g1_from_py_ecc(P)
    assert C.g1_add(p, q) == C.g1_from_py_ecc(ob.add(P, Qp))
    assert C.g1_double(p) == C.g1_from_py_ecc(ob.double(P))
    assert C.g1_sub(p, q) == C.g1_mul(C.G1_GEN, (k1 - k2) % R)
    assert C.g1_is_on_curve(p)


@SLOW
@given(scalars, scalars)
def test_g2_add_double_mul_match_py_ecc(k1, k2):
    p, q = C.g2_mul(C.G2_GEN, k1), C.g2_mul(C.G2_GEN, k2)
    P, Qp = ob.multiply(ob.G2, k1), ob.multiply(ob.G2, k2)
    assert p == C.g2_from_py_ecc(P)
    assert C.g2_add(p, q) == C.g2_from_py_ecc(ob.add(P, Qp))
    assert C.g2_double(p) == C.g2_from_py_ecc(ob.double(P))
    assert C.g2_is_on_curve(p) and C.g2_in_subgroup(p)


@pytest.mark.parametrize("g, gen", [("g1", C.G1_GEN), ("g2", C.G2_GEN)])
def test_infinity_and_equal_point_edge_cases(g, gen):
    add, neg, dbl, mul = (getattr(C, f"{g}_{op}") for op in ("add", "neg", "double", "mul"))
    p = mul(gen, 7)
    assert add(p, None) == p and add(None, p) == p and add(None, None) is None
    assert add(p, p) == dbl(p) == mul(gen, 14)          # P + P through add
    assert add(p, neg(p)) is None                       # P + (-P)
    assert dbl(None) is None and neg(None) is None
    assert mul(p, 0) is None and mul(None, 5) is None
    assert mul(p, 1) == p and mul(p, -1) == neg(p)
    assert mul(p, R - 1) == neg(p)
    assert mul(p, R) is None and mul(p, R + 1) == p


def _scale(curve, p, z):
    """The affine point p as Jacobian with an arbitrary non-zero Z."""
    jp = curve.to_jac(p)
    if p is None:
        return jp
    z2 = curve.fsqr(z)
    return (curve.fmul(p[0], z2), curve.fmul(p[1], curve.fmul(z2, z)), z)


@pytest.mark.parametrize("name", ["G1", "G2"])
@SLOW
@given(data=st.data())
def test_jacobian_ops_match_affine(name, data):
    curve = C.G1C if name == "G1" else C.G2C
    gen = curve.generator
    k1 = data.draw(scalars)
    # the second point is often equal or opposite to the first, to hit the special cases
    k2 = data.draw(st.one_of(st.just(k1), st.just(-k1 % R), st.just(0), scalars))
    z1 = data.draw(fq_el.filter(bool)) if name == "G1" else data.draw(fq2_el.filter(lambda z: z != (0, 0)))
    z2 = data.draw(fq_el.filter(bool)) if name == "G1" else data.draw(fq2_el.filter(lambda z: z != (0, 0)))
    p, q = curve.mul(gen, k1), curve.mul(gen, k2)
    jp, jq = _scale(curve, p, z1), _scale(curve, q, z2)
    assert curve.jac_is_on_curve(jp) and curve.jac_is_on_curve(jq)
    assert curve.from_jac(jp) == p
    assert curve.from_jac(curve.jac_add(jp, jq)) == curve.add(p, q)
    assert curve.from_jac(curve.jac_add_mixed(jp, q)) == curve.add(p, q)
    assert curve.from_jac(curve.jac_double(jp)) == curve.double(p)
    assert curve.jac_eq(curve.jac_add(jp, jq), curve.to_jac(curve.add(p, q)))
    assert curve.jac_eq(jp, jq) == (p == q)


def test_off_curve_and_non_canonical_points_rejected():
    x, y = C.G1_GEN
    assert not C.g1_is_on_curve((x, y + 1))
    assert not C.g1_is_on_curve((x + Q, y))              # same point mod q, not canonical
    assert not C.g1_is_on_curve((x, -y))
    (x0, x1), (y0, y1) = C.G2_GEN
    assert not C.g2_is_on_curve(((x0, x1), (y0, y1 + 1)))
    assert not C.g2_is_on_curve(((x0 + Q, x1), (y0, y1)))
    assert not C.g2_in_subgroup(((x0, x1), (y0, y1 + 1)))


def _twist_points_outside_g2(count):
    out, i = [], 0
    while len(out) < count:
        p = C.g2_lift_x((i, 1))
        i += 1
        if p is not None:
            out.append(p)
    return out


def test_g2_subgroup_checks_agree_and_reject_cofactor_points():
    outside = _twist_points_outside_g2(8)
    for p in outside:
        assert C.g2_is_on_curve(p)
        assert not C.g2_in_subgroup(p)      # on the twist but not killed by r
        assert not C.g2_in_subgroup_fast(p)
        # clearing the cofactor (order of the twist / r = 2q - r) lands in G2
        h = C.g2_mul(p, 2 * Q - R)
        assert C.g2_in_subgroup(h) and C.g2_in_subgroup_fast(h)
        assert ob.is_on_curve(C.g2_to_py_ecc(p), ob.b2)
    assert C.g2_in_subgroup(None) and C.g2_in_subgroup_fast(None)


@SLOW
@given(scalars)
def test_g2_fast_subgroup_check_and_psi_on_g2(k):
    p = C.g2_mul(C.G2_GEN, k)
    assert C.g2_in_subgroup_fast(p)
    assert C.g2_psi(p) == C.g2_mul(p, Q % R)    # psi acts as multiplication by q on G2


def test_py_ecc_conversions_round_trip():
    for k in (0, 1, 12345, R - 1):
        p1, p2 = C.g1_mul(C.G1_GEN, k), C.g2_mul(C.G2_GEN, k)
        for opt in (True, False):
            assert C.g1_from_py_ecc(C.g1_to_py_ecc(p1, optimized=opt)) == p1
            assert C.g2_from_py_ecc(C.g2_to_py_ecc(p2, optimized=opt)) == p2
        assert C.g1_from_py_ecc(pb.multiply(pb.G1, k)) == p1
        assert C.g2_from_py_ecc(pb.multiply(pb.G2, k)) == p2


# --- msm ----------------------------------------------------------------------------------------

@SLOW
@given(st.lists(st.tuples(st.integers(0, 6), scalars), min_size=0, max_size=6))
def test_msm_g1_is_sum_of_products(terms):
    # point index 0 is infinity; repeated indices put equal points in the sum
    pts = [None if i == 0 else G1_SMALL[i % 4] for i, _ in terms]
    ss = [s for _, s in terms]
    want = ob.Z1
    for p, s in zip(pts, ss):
        want = ob.add(want, ob.multiply(C.g1_to_py_ecc(p), s))
    assert msm_g1(pts, ss) == C.g1_from_py_ecc(want)


@SLOW
@given(st.lists(st.tuples(st.integers(0, 3), scalars), min_size=0, max_size=4))
def test_msm_g2_is_sum_of_products(terms):
    base = [None, C.G2_GEN, C.g2_mul(C.G2_GEN, 2), C.g2_mul(C.G2_GEN, 3)]
    pts = [base[i] for i, _ in terms]
    ss = [s for _, s in terms]
    want = ob.Z2
    for p, s in zip(pts, ss):
        want = ob.add(want, ob.multiply(C.g2_to_py_ecc(p), s))
    assert msm_g2(pts, ss) == C.g2_from_py_ecc(want)


def test_msm_length_mismatch_raises():
    with pytest.raises(ValueError):
        msm_g1([C.G1_GEN], [1, 2])
    assert msm_g1([], []) is None
