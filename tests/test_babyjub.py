"""Native Baby Jubjub: circomlibjs known answers, group laws, fast path vs affine reference,
subgroup and small-order points, packing, Montgomery form."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from circuits import babyjub as bj
from circuits.field import R

VEC = json.loads((Path(__file__).parent / "vectors" / "babyjub_eddsa_poseidon.json").read_text())
POINTS = VEC["points"]

# the 8 points of order dividing 8: multiples of T8 = L * GENERATOR
T8 = bj.scalar_mul(bj.L, bj.GENERATOR)
TORSION = [bj.scalar_mul(i, T8) for i in range(8)]

scalar = st.integers(min_value=0, max_value=bj.ORDER - 1)
sub_scalar = st.integers(min_value=0, max_value=bj.L - 1)


@st.composite
def points(draw):
    """Any point on the curve: a subgroup point plus a torsion point (identity included)."""
    return bj.add(bj.mul_base8(draw(sub_scalar)), TORSION[draw(st.integers(0, 7))])


def test_constants_match_vector_file_and_eip2494():
    assert bj.L == int(VEC["subOrder"])
    assert bj.BASE8 == bj.point_from_ints(VEC["Base8"])
    assert bj.GENERATOR == bj.point_from_ints(VEC["Generator"])
    assert bj.ORDER == 21888242871839275222246405745257275088614511777268538073601725287587578984328


def test_addition_law_is_complete_a_square_d_not():
    assert pow(bj.A, (R - 1) // 2, R) == 1
    assert pow(bj.D, (R - 1) // 2, R) == R - 1


def test_base8_is_eight_times_generator_and_has_order_L():
    assert bj.is_on_curve(bj.GENERATOR) and bj.is_on_curve(bj.BASE8)
    assert bj.scalar_mul(8, bj.GENERATOR) == bj.BASE8
    assert bj.scalar_mul(bj.L, bj.BASE8) == bj.IDENTITY
    assert bj.is_in_subgroup(bj.BASE8) and not bj.is_in_subgroup(bj.GENERATOR)
    assert bj.scalar_mul(bj.ORDER, bj.GENERATOR) == bj.IDENTITY


@pytest.mark.parametrize("i", range(len(POINTS)))
def test_circomlibjs_points_sums_and_packing(i):
    v = POINTS[i]
    k1, k2 = int(v["k1"]), int(v["k2"])
    p, q, s = (bj.point_from_ints(v[k]) for k in ("P", "Q", "sum"))
    assert bj.mul_base8(k1) == p == bj.scalar_mul(k1, bj.BASE8)
    assert bj.mul_base8(k2) == q
    assert bj.add(p, q) == s == bj.add_reference(p, q)
    assert bj.pack_point(p).hex() == v["packedP"]
    assert bj.unpack_point(bytes.fromhex(v["packedP"])) == p


def test_scalar_mul_matches_reference_on_a_vector():
    v = POINTS[0]
    assert bj.scalar_mul_reference(int(v["k1"]), bj.BASE8) == bj.point_from_ints(v["P"])


@settings(max_examples=40, deadline=None)
@given(points(), points())
def test_fast_add_equals_affine_reference(p, q):
    assert bj.add(p, q) == bj.add_reference(p, q) == bj.add(q, p)


@settings(max_examples=30, deadline=None)
@given(points(), points(), points())
def test_addition_is_associative(p, q, s):
    assert bj.add(bj.add(p, q), s) == bj.add(p, bj.add(q, s))


@settings(max_examples=30, deadline=None)
@given(points())
def test_identity_inverse_and_double(p):
    assert bj.add(p, bj.IDENTITY) == p
    assert bj.add(p, bj.neg(p)) == bj.IDENTITY
    assert bj.double(p) == bj.add(p, p) == bj.add_reference(p, p)


@settings(max_examples=15, deadline=None)
@given(scalar, points())
def test_scalar_mul_equals_reference(k, p):
    assert bj.scalar_mul(k, p) == bj.scalar_mul_reference(k, p)


@settings(max_examples=30, deadline=None)
@given(scalar, scalar, points())
def test_scalar_mul_is_linear(a, b, p):
    assert bj.scalar_mul(a + b, p) == bj.add(bj.scalar_mul(a, p), bj.scalar_mul(b, p))
    assert bj.scalar_mul(-a, p) == bj.neg(bj.scalar_mul(a, p))


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=-(2 ** 300), max_value=2 ** 300))
def test_fixed_base_table_equals_generic_mul(k):
    assert bj.mul_base8(k) == bj.scalar_mul(k, bj.BASE8)
    assert bj.mul_fixed(k, bj.GENERATOR) == bj.scalar_mul(k, bj.GENERATOR)


@pytest.mark.parametrize("k", [0, 1, 2, bj.L - 1, bj.L, bj.L + 1, bj.ORDER - 1, bj.ORDER, 2 ** 256 - 1, -1])
def test_scalar_edges(k):
    expect = bj.scalar_mul_reference(k, bj.GENERATOR)
    assert bj.scalar_mul(k, bj.GENERATOR) == expect
    assert bj.mul_base8(k) == bj.scalar_mul_reference(k % bj.L, bj.BASE8)
    assert bj.scalar_mul(k, bj.IDENTITY) == bj.IDENTITY


def test_small_order_points():
    assert len(set(TORSION)) == 8 and TORSION[0] == bj.IDENTITY
    assert (0, R - 1) in TORSION  # the point of order 2
    for t in TORSION:
        assert bj.is_on_curve(t) and bj.has_small_order(t)
        assert bj.mul_cofactor(t) == bj.IDENTITY
        assert bj.is_in_subgroup(t) is (t == bj.IDENTITY)
    assert not bj.has_small_order(bj.BASE8) and not bj.has_small_order(bj.GENERATOR)


def test_torsion_points_are_the_multiples_of_torsion_8():
    assert bj.TORSION_8 == bj.scalar_mul_reference(bj.L, bj.GENERATOR)
    assert [bj.torsion(k) for k in range(8)] == [bj.scalar_mul_reference(k, bj.TORSION_8) for k in range(8)]
    assert set(bj.torsion(k) for k in range(8)) == set(TORSION)
    assert bj.torsion(4) == (0, R - 1) and bj.torsion(2)[1] == 0 and bj.torsion(-1) == bj.torsion(7)
    x4 = bj.torsion(2)[0]
    assert bj.A * x4 * x4 % R == 1 and bj.torsion(6) == ((-x4) % R, 0)


@settings(max_examples=30, deadline=None)
@given(points())
def test_cofactor_clearing_lands_in_subgroup(p):
    q = bj.mul_cofactor(p)
    assert q == bj.scalar_mul(8, p) and bj.is_in_subgroup(q)


def test_validation_errors_and_never_raising_predicates():
    off = (1, 2)
    for bad in [off, (R, 1), (-1, 1), (1,), "xy", None, (1.0, 1)]:
        assert not bj.is_on_curve(bad)
        assert not bj.is_in_subgroup(bad)
        with pytest.raises(ValueError):
            bj.check_point(bad)
        with pytest.raises(ValueError):
            bj.add(bad, bj.BASE8)
        with pytest.raises(ValueError):
            bj.scalar_mul(3, bad)
    with pytest.raises(ValueError):
        bj.scalar_mul(1.5, bj.BASE8)


@settings(max_examples=40, deadline=None)
@given(points())
def test_pack_unpack_roundtrip(p):
    packed = bj.pack_point(p)
    assert len(packed) == 32 and bj.unpack_point(packed) == p


def test_unpack_rejects_malformed():
    with pytest.raises(ValueError):
        bj.unpack_point(b"\x00" * 31)
    with pytest.raises(ValueError):  # y = r
        bj.unpack_point(R.to_bytes(32, "little"))
    with pytest.raises(ValueError):  # sign bit set on x = 0 (identity)
        bj.unpack_point(bytes(bytearray(bj.pack_point(bj.IDENTITY))[:31]) + b"\x80")
    # some y has no point: find one and check it is refused
    y = 2
    while True:
        yy = y * y % R
        x2 = (1 - yy) * pow(bj.A - bj.D * yy, -1, R) % R
        if pow(x2, (R - 1) // 2, R) == R - 1:
            break
        y += 1
    with pytest.raises(ValueError):
        bj.unpack_point(y.to_bytes(32, "little"))


@settings(max_examples=30, deadline=None)
@given(points(), points())
def test_montgomery_form_matches_edwards(p, q):
    if p[0] == 0 or q[0] == 0:
        return
    mp, mq = bj.to_montgomery(p), bj.to_montgomery(q)
    assert bj.montgomery_on_curve(mp) and bj.from_montgomery(mp) == p
    if bj.double(p)[0] != 0:  # 2p = (0, -1) maps to (0, 0), which has no Edwards x from u/v
        assert bj.from_montgomery(bj.montgomery_double(mp)) == bj.double(p)
    s = bj.add(p, q)
    if mp[0] != mq[0] and s[0] != 0:
        assert bj.from_montgomery(bj.montgomery_add(mp, mq)) == s


def test_montgomery_refuses_points_without_affine_image():
    for p in [bj.IDENTITY, (0, R - 1)]:
        with pytest.raises(ValueError):
            bj.to_montgomery(p)
