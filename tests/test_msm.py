"""MSM: prover.msm (Pippenger, Numba) and its twin prover.ref.msm (naive), one set of tests over
both, == sum_i s_i * P_i computed with py_ecc; then the twins against each other."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from py_ecc import optimized_bn128 as ob

from circuits.field import R, ints_to_limbs
from prover import convert, fixed_base, msm as fast
from prover.msm import window_bits
from prover.ref import msm as ref
from point_helpers import g1_arr, g2_arr

# A pool of points with known discrete logs; -1 stands for the point at infinity.
_LOGS = [1, 2, 3, 5, 8, 13, 21, R - 1, R - 2, 123456789, (1 << 130) + 7, (1 << 250) + 3]
_P1 = [ob.multiply(ob.G1, k) for k in _LOGS]
_P2 = [ob.multiply(ob.G2, k) for k in _LOGS[:6]]
_A1 = g1_arr(_P1)
_A2 = g2_arr(_P2)

scalars = st.one_of(st.sampled_from([0, 1, 2, 3, R - 1, R - 2, (R - 1) // 2, (1 << 64) - 1, 1 << 64]),
                    st.integers(0, R - 1), st.integers(0, 1 << 20))


def _naive(points, ks):
    """The reference twin: sum of py_ecc double-and-add products."""
    acc = None
    for p, k in zip(points, ks):
        acc = ob.add(acc, ob.multiply(p, k)) if acc is not None else ob.multiply(p, k)
    return acc


def _rows(arr_pool, idx, cols):
    return np.array([arr_pool[i] if i >= 0 else np.zeros(cols, np.uint64) for i in idx],
                    dtype=np.uint64).reshape(len(idx), cols)


def _py(pool, idx, inf):
    return [pool[i] if i >= 0 else inf for i in idx]


def _eq1(row, pt):
    return convert.g1_point(row) == convert.g1_to_ints(g1_arr([pt]))[0]


def _eq2(row, pt):
    return convert.g2_point(row) == convert.g2_to_ints(g2_arr([pt]))[0]


@pytest.fixture(scope="module", params=[fast, ref], ids=["numba", "ref"])
def M(request):
    return request.param


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, len(_P1) - 1), scalars), min_size=1, max_size=14),
       st.sampled_from([None, 1, 2, 3, 5, 8]))
def test_msm_g1_equals_naive_sum(M, terms, window):
    idx = [i for i, _ in terms]
    ks = [k for _, k in terms]
    got = M.msm_g1(_rows(_A1, idx, 8), ints_to_limbs(ks), window=window)
    assert _eq1(got, _naive(_py(_P1, idx, ob.Z1), ks))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, len(_P2) - 1), scalars), min_size=1, max_size=8),
       st.sampled_from([None, 2, 4]))
def test_msm_g2_equals_naive_sum(M, terms, window):
    idx = [i for i, _ in terms]
    ks = [k for _, k in terms]
    got = M.msm_g2(_rows(_A2, idx, 16), ints_to_limbs(ks), window=window)
    assert _eq2(got, _naive(_py(_P2, idx, ob.Z2), ks))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 6), st.booleans()), min_size=2, max_size=24),
       st.sampled_from([2, 3, 4]))
def test_equal_and_opposite_points_in_one_bucket(M, terms, window):
    # few distinct points and tiny scalars with small windows: buckets get P + P (doubling)
    # and P + (-P) (cancellation) inside the batch-affine tree
    pts, ks = [], []
    for i, k, neg in terms:
        pts.append(ob.neg(_P1[i]) if neg else _P1[i])
        ks.append(k)
    got = M.msm_g1(g1_arr(pts), ints_to_limbs(ks), window=window)
    assert _eq1(got, _naive(pts, ks))
    pts2 = [ob.neg(_P2[i % 2]) if neg else _P2[i % 2] for i, _, neg in terms[:8]]
    got2 = M.msm_g2(g2_arr(pts2), ints_to_limbs(ks[:8]), window=window)
    assert _eq2(got2, _naive(pts2, ks[:8]))


def test_empty_input_is_infinity(M):
    assert (M.msm_g1(np.zeros((0, 8), np.uint64), np.zeros((0, 4), np.uint64)) == 0).all()
    assert (M.msm_g2(np.zeros((0, 16), np.uint64), np.zeros((0, 4), np.uint64)) == 0).all()


def test_all_zero_scalars_and_all_infinite_points_give_infinity(M):
    assert (M.msm_g1(_A1, np.zeros((len(_P1), 4), np.uint64)) == 0).all()
    assert (M.msm_g1(np.zeros((5, 8), np.uint64), ints_to_limbs([1, 2, 3, R - 1, 7])) == 0).all()
    assert (M.msm_g2(_A2, np.zeros((len(_P2), 4), np.uint64)) == 0).all()


def test_scalar_one_points_only_take_the_batch_sum_path(M):
    ks = [1] * len(_P1)
    assert _eq1(M.msm_g1(_A1, ints_to_limbs(ks)), _naive(_P1, ks))
    # a point and its negation with scalar 1 cancel; equal points double
    pts = [_P1[0], ob.neg(_P1[0]), _P1[3], _P1[3]]
    assert _eq1(M.msm_g1(g1_arr(pts), ints_to_limbs([1, 1, 1, 1])), ob.double(_P1[3]))
    assert _eq2(M.msm_g2(_A2, ints_to_limbs([1] * len(_P2))), _naive(_P2, [1] * len(_P2)))


def test_scalar_r_minus_one_negates(M):
    got = M.msm_g1(_A1[:1], ints_to_limbs([R - 1]))
    assert _eq1(got, ob.neg(_P1[0]))
    assert _eq1(M.msm_g1(_A1[:2], ints_to_limbs([R - 1, 1])), ob.add(ob.neg(_P1[0]), _P1[1]))


def test_circom_like_mix_of_zero_one_and_large_scalars_many_points():
    # n not a multiple of anything, many windows over both threads; checked by linearity:
    # sum_i s_i (k_i G) == (sum_i s_i k_i) G, with the points made by the fixed-base kernel
    rng = np.random.default_rng(11)
    n = 1237
    logs = [int.from_bytes(rng.bytes(32), "little") % R for _ in range(n)]
    pts = fixed_base.g1_batch_mul(g1_arr([ob.G1])[0], ints_to_limbs(logs))
    kind = rng.integers(0, 4, size=n)
    ks = [0 if t == 0 else 1 if t == 1 else int.from_bytes(rng.bytes(32), "little") % R for t in kind]
    want = ob.multiply(ob.G1, sum(s * k for s, k in zip(ks, logs)) % R)
    for window in (None, 7, 11):
        assert _eq1(fast.msm_g1(pts, ints_to_limbs(ks), window=window), want)
    pts2 = fixed_base.g2_batch_mul(g2_arr([ob.G2])[0], ints_to_limbs(logs[:301]))
    want2 = ob.multiply(ob.G2, sum(s * k for s, k in zip(ks[:301], logs[:301])) % R)
    for window in (None, 9):       # 9: 256 buckets, several buckets per reduction segment
        assert _eq2(fast.msm_g2(pts2, ints_to_limbs(ks[:301]), window=window), want2)


def test_small_scalars_use_fewer_windows_and_stay_correct(M):
    ks = [3, 255, 256, 65535, 2, 1, 0, 9, 1 << 16]
    pts = _P1[:len(ks)]
    assert _eq1(M.msm_g1(_A1[:len(ks)], ints_to_limbs(ks)), _naive(pts, ks))


def test_window_model_grows_with_n():
    cs = [window_bits(1 << k, 254, 2) for k in range(4, 21, 2)]
    assert cs == sorted(cs) and cs[0] < cs[-1] and 1 <= cs[0] and cs[-1] <= 20


def test_python_int_scalars_are_accepted_and_checked(M):
    ks = [5, 0, 1, R - 1]
    assert (M.msm_g1(_A1[:4], ks) == M.msm_g1(_A1[:4], ints_to_limbs(ks))).all()
    with pytest.raises(ValueError, match=r"\[1\] is not an integer in \[0, r\)"):
        M.msm_g1(_A1[:2], [3, R])
    with pytest.raises(ValueError, match="not an integer"):
        M.msm_g1(_A1[:2], [3, -1])


def test_bad_inputs_raise_clear_value_errors(M):
    with pytest.raises(ValueError, match="shape"):
        M.msm_g1(_A1, ints_to_limbs([1, 2]))
    with pytest.raises(ValueError, match="shape"):
        M.msm_g1(_A2, ints_to_limbs([1] * len(_P2)))
    with pytest.raises(ValueError, match="dtype"):
        M.msm_g1(_A1.astype(np.int64), ints_to_limbs([1] * len(_P1)))
    with pytest.raises(ValueError, match="below r"):
        M.msm_g1(_A1[:1], ints_to_limbs([R]))
    with pytest.raises(ValueError, match="point 0 is not on the G1 curve"):
        M.msm_g1(convert.g1_from_ints([(1, 3)]), ints_to_limbs([5]), check=True)
    with pytest.raises(ValueError, match="window"):
        M.msm_g1(_A1[:2], ints_to_limbs([5, 7]), window=40)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, len(_P1) - 1), scalars), min_size=1, max_size=14),
       st.sampled_from([None, 2, 5]))
def test_numba_and_reference_agree(terms, window):
    pts = _rows(_A1, [i for i, _ in terms], 8)
    ks = ints_to_limbs([k for _, k in terms])
    assert (fast.msm_g1(pts, ks, window=window) == ref.msm_g1(pts, ks)).all()
