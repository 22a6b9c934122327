"""G1/G2 array operations: prover.group (Numba) and its twin prover.ref.group, one set of
tests over both, against py_ecc; then the twins against each other on Hypothesis inputs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from py_ecc import optimized_bn128 as ob

from circuits.field import ints_to_limbs
from prover import convert, group as fast
from prover.convert import to_mont
from prover.mont import FQ, FR
from prover.ref import group as ref
from point_helpers import g1_arr, g2_arr, same_g1, same_g2

Q, R = FQ.p, FR.p
scalars = st.one_of(st.sampled_from([0, 1, 2, 3, R - 1, R - 2, (1 << 128) - 1, 1 << 200]),
                    st.integers(0, R - 1))
_K = [3, 5, 7, 11, 12345, R - 1, R - 5, (1 << 200) + 17]
_P1 = [ob.multiply(ob.G1, k) for k in _K]
_P2 = [ob.multiply(ob.G2, k) for k in _K[:5]]
point_idx1 = st.integers(-1, len(_P1) - 1)     # -1: infinity
point_idx2 = st.integers(-1, len(_P2) - 1)


@pytest.fixture(scope="module", params=[fast, ref], ids=["numba", "ref"])
def G(request):
    return request.param


def _p1(i):
    return ob.Z1 if i < 0 else _P1[i]


def _p2(i):
    return ob.Z2 if i < 0 else _P2[i]


def _pairs(triples, pick):
    ps, qs = [], []
    for i, j, how in triples:
        p = pick(i)
        ps.append(p)
        qs.append(p if how == "equal" else ob.neg(p) if how == "negated" else pick(j))
    return ps, qs


how = st.sampled_from(["any", "equal", "negated"])


@settings(max_examples=25, deadline=None)
@given(triples=st.lists(st.tuples(point_idx1, point_idx1, how), min_size=1, max_size=8))
def test_g1_add_mixed_batch_double_neg_match_py_ecc(G, triples):
    ps, qs = _pairs(triples, _p1)
    a, b = g1_arr(ps), g1_arr(qs)
    want = [ob.add(p, q) for p, q in zip(ps, qs)]
    assert same_g1(G.g1_add(a, b), want)
    assert same_g1(G.g1_add_mixed(a, b), want)
    assert same_g1(G.g1_add_batch_affine(a, b), want)
    assert same_g1(G.g1_double(a), [ob.double(p) for p in ps])
    assert same_g1(G.g1_neg(a), [ob.neg(p) for p in ps])


@settings(max_examples=15, deadline=None)
@given(triples=st.lists(st.tuples(point_idx2, point_idx2, how), min_size=1, max_size=5))
def test_g2_add_mixed_batch_double_neg_match_py_ecc(G, triples):
    ps, qs = _pairs(triples, _p2)
    a, b = g2_arr(ps), g2_arr(qs)
    want = [ob.add(p, q) for p, q in zip(ps, qs)]
    assert same_g2(G.g2_add(a, b), want)
    assert same_g2(G.g2_add_mixed(a, b), want)
    assert same_g2(G.g2_add_batch_affine(a, b), want)
    assert same_g2(G.g2_double(a), [ob.double(p) for p in ps])
    assert same_g2(G.g2_neg(a), [ob.neg(p) for p in ps])


@settings(max_examples=20, deadline=None)
@given(items=st.lists(st.tuples(point_idx1, scalars), min_size=1, max_size=6))
def test_g1_scalar_mul_matches_py_ecc(G, items):
    pts = [_p1(i) for i, _ in items]
    ks = [k for _, k in items]
    assert same_g1(G.g1_mul(g1_arr(pts), ints_to_limbs(ks)), [ob.multiply(p, k) for p, k in zip(pts, ks)])


@settings(max_examples=10, deadline=None)
@given(items=st.lists(st.tuples(point_idx2, scalars), min_size=1, max_size=4))
def test_g2_scalar_mul_matches_py_ecc(G, items):
    pts = [_p2(i) for i, _ in items]
    ks = [k for _, k in items]
    assert same_g2(G.g2_mul(g2_arr(pts), ints_to_limbs(ks)), [ob.multiply(p, k) for p, k in zip(pts, ks)])


def test_batch_to_affine_matches_per_point_normalisation(G):
    rng = np.random.default_rng(3)
    pts = _P1[:4] + [ob.Z1]
    zs = [int(z) % Q or 1 for z in rng.integers(1, 2**62, size=5)]
    jac = []
    for p, z in zip(pts, zs):
        if ob.is_inf(p):
            jac.append([1, 1, 0])
        else:
            x, y = (int(c) for c in ob.normalize(p))
            jac.append([x * z * z % Q, y * z * z * z % Q, z])
    rows = to_mont([c for row in jac for c in row], FQ).reshape(5, 12)
    assert same_g1(G.g1_batch_to_affine(rows), pts)
    pts2 = _P2[:2] + [ob.Z2]
    jac2 = []
    for p in pts2:
        if ob.is_inf(p):
            jac2.append(ob.FQ2.one().coeffs + ob.FQ2.one().coeffs + ob.FQ2.zero().coeffs)
        else:
            x, y = ob.normalize(p)
            z = ob.FQ2([5, 9])
            jac2.append((x * z * z).coeffs + (y * z * z * z).coeffs + z.coeffs)
    rows2 = to_mont([int(c) for row in jac2 for c in row], FQ).reshape(3, 24)
    assert same_g2(G.g2_batch_to_affine(rows2), pts2)


def test_on_curve_accepts_group_points_and_infinity_and_rejects_others(G):
    assert G.g1_on_curve(g1_arr(_P1 + [ob.Z1])).all()
    assert not G.g1_on_curve(convert.g1_from_ints([(1, 3), (0, 1)])).any()
    # the generator with x's Montgomery limbs replaced by x + q (same value mod q): not canonical
    g = g1_arr([ob.G1])
    xq = int.from_bytes(g[0, :4].tobytes(), "little") + Q
    g[0, :4] = np.frombuffer(xq.to_bytes(32, "little"), dtype="<u8")
    assert not G.g1_on_curve(g).any()
    assert G.first_invalid_point(g) == (0, "has a coordinate not below q")
    b = g2_arr(_P2 + [ob.Z2])
    assert G.g2_on_curve(b).all() and G.first_invalid_point(b) is None
    x, y = convert.g2_to_ints(b[:1])[0]
    off = convert.g2_from_ints([(x, (y[0], (y[1] + 1) % Q))])
    assert not G.g2_on_curve(off).any()
    assert G.first_invalid_point(np.concatenate([b, off])) == (len(b), "is not on the G2 curve")


def test_bad_inputs_raise_clear_value_errors(G):
    with pytest.raises(ValueError, match="shape"):
        G.g1_add(np.zeros((2, 8), np.uint64), np.zeros((2, 16), np.uint64))
    with pytest.raises(ValueError, match="dtype"):
        G.g1_neg(np.zeros((2, 8), np.int64))
    with pytest.raises(ValueError, match="below r"):
        G.g1_mul(g1_arr([ob.G1]), ints_to_limbs([R]))
    with pytest.raises(ValueError, match=r"scalars\[1\] is not an integer in \[0, r\)"):
        G.check_scalars([1, R])


# --- the twins against each other -----------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(items=st.lists(st.tuples(point_idx1, point_idx1, scalars), min_size=1, max_size=6))
def test_numba_and_reference_agree_on_g1(items):
    a = g1_arr([_p1(i) for i, _, _ in items])
    b = g1_arr([_p1(j) for _, j, _ in items])
    s = ints_to_limbs([k for _, _, k in items])
    for name in ("g1_add", "g1_add_batch_affine"):
        assert (getattr(fast, name)(a, b) == getattr(ref, name)(a, b)).all(), name
    assert (fast.g1_mul(a, s) == ref.g1_mul(a, s)).all()
