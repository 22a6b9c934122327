"""Fr vectors: prover.fr_vec (batched Numba kernels, conversions, sparse mat-vec) and its twin
prover.ref.fr_vec, one set of tests over both, against Python ints."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuits.r1cs import SparseMatrix
from prover import fr_vec as fast
from prover.ref import fr_vec as ref

R = fast.R


@pytest.fixture(scope="module", params=[fast, ref], ids=["numba", "ref"])
def fv(request):
    return request.param
EDGES = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, 1 << 64, (1 << 64) - 1, (1 << 128), (1 << 253)]
elem = st.one_of(st.sampled_from(EDGES), st.integers(0, R - 1))
vec = st.lists(elem, min_size=0, max_size=40)
pairs = st.lists(st.tuples(elem, elem), min_size=0, max_size=40)


def test_round_trip_of_edge_values_is_identity(fv):
    assert fv.to_ints(fv.from_ints(EDGES)) == EDGES


@settings(max_examples=40, deadline=None)
@given(pairs)
def test_elementwise_ops_match_int_arithmetic(fv, ps):
    xs, ys = [p[0] for p in ps], [p[1] for p in ps]
    a, b = fv.from_ints(xs), fv.from_ints(ys)
    assert fv.to_ints(fv.mul(a, b)) == [x * y % R for x, y in zip(xs, ys)]
    assert fv.to_ints(fv.add(a, b)) == [(x + y) % R for x, y in zip(xs, ys)]
    assert fv.to_ints(fv.sub(a, b)) == [(x - y) % R for x, y in zip(xs, ys)]


@settings(max_examples=30, deadline=None)
@given(vec, st.one_of(st.sampled_from([0, 1, R - 1, R, -1, 2 * R + 3]), st.integers(-R, 2 * R)))
def test_scale_multiplies_by_the_reduced_constant(fv, xs, c):
    assert fv.to_ints(fv.scale(fv.from_ints(xs), c)) == [x * c % R for x in xs]


@settings(max_examples=25, deadline=None)
@given(vec, st.one_of(st.sampled_from([0, 1, 2, 5, R - 1, R - 2, R, (1 << 256) - 1]), st.integers(0, (1 << 256) - 1)))
def test_power_matches_builtin_pow(fv, xs, e):
    assert fv.to_ints(fv.power(fv.from_ints(xs), e)) == [pow(x, e, R) for x in xs]


def test_power_rejects_negative_or_huge_exponent(fv):
    a = fv.from_ints([3])
    with pytest.raises(ValueError):
        fv.power(a, -1)
    with pytest.raises(ValueError):
        fv.power(a, 1 << 256)


def test_results_are_fully_reduced(fv):
    a = fv.from_ints([R - 1] * 5)
    for out in (fv.add(a, a), fv.mul(a, a), fv.sub(fv.zeros(5), a)):
        assert all(int.from_bytes(row.tobytes(), "little") < R for row in out)


def test_out_may_alias_an_input(fv):
    xs, ys = [5, R - 1, 0], [7, 3, R - 1]
    a, b = fv.from_ints(xs), fv.from_ints(ys)
    fv.mul(a, b, out=a)
    assert fv.to_ints(a) == [x * y % R for x, y in zip(xs, ys)]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.just(0), elem), min_size=0, max_size=60))
def test_batch_inverse_inverts_nonzeros_and_maps_zero_to_zero(fv, xs):
    inv = fv.to_ints(fv.batch_inverse(fv.from_ints(xs)))
    assert inv == [pow(x, -1, R) if x else 0 for x in xs]


def test_batch_inverse_over_many_parallel_chunks(fv):
    rng = np.random.default_rng(7)
    xs = [int(v) for v in rng.integers(0, 1 << 62, size=9000)]
    xs[0] = xs[4500] = xs[-1] = 0
    xs[1], xs[2] = 1, R - 1
    inv = fv.to_ints(fv.batch_inverse(fv.from_ints(xs)))
    assert inv == [pow(x, -1, R) if x else 0 for x in xs]


def test_scalar_inverse(fv):
    assert fv.inverse(R - 1) == R - 1
    assert fv.inverse(2) * 2 % R == 1
    with pytest.raises(ZeroDivisionError):
        fv.inverse(R)


@settings(max_examples=30, deadline=None)
@given(vec)
def test_montgomery_conversion_kernels_match_the_reference(fv, xs):
    canon = fv.limbs_from_ints(xs)
    mont = fv.to_montgomery(canon)
    from prover.convert import to_mont
    from prover.mont import FR
    assert np.array_equal(mont, to_mont(xs, FR).reshape(-1, 4))
    assert np.array_equal(fv.from_montgomery(mont), canon)


@pytest.mark.parametrize("bad", [R, R + 1, (1 << 256) - 1, (R | ((1 << 64) - 1))])
def test_conversions_reject_values_not_below_r(fv, bad):
    with pytest.raises(ValueError, match="element 1 is not a field element below r"):
        fv.to_montgomery(np.array([[1, 0, 0, 0]] + [[(bad >> (64 * i)) & ((1 << 64) - 1) for i in range(4)]],
                                  dtype=np.uint64))
    with pytest.raises(ValueError, match="value 2"):
        fv.from_ints([0, 1, bad])
    with pytest.raises(ValueError, match="element 0"):
        fv.from_bytes(bad.to_bytes(32, "little"))


@pytest.mark.parametrize("bad", [-1, 1 << 256, 1.5, "7", None])
def test_from_ints_rejects_non_field_values(fv, bad):
    with pytest.raises(ValueError, match="value 1"):
        fv.from_ints([3, bad])


@settings(max_examples=25, deadline=None)
@given(vec)
def test_from_bytes_reads_circom_little_endian_elements(fv, xs):
    raw = b"".join(x.to_bytes(32, "little") for x in xs)
    assert fv.to_ints(fv.from_bytes(raw)) == xs
    assert fv.to_ints(fv.from_bytes(bytearray(raw))) == xs
    assert fv.limbs_from_bytes(raw).tolist() == fv.limbs_from_ints(xs).tolist()


def test_from_bytes_checks_lengths(fv):
    with pytest.raises(ValueError, match="multiple of 32"):
        fv.from_bytes(b"\x00" * 33)
    with pytest.raises(ValueError, match="need 64 bytes"):
        fv.from_bytes(b"\x00" * 32, n=2)
    assert fv.to_ints(fv.from_bytes(b"\x01" + b"\x00" * 40, n=1)) == [1]


def test_shape_and_dtype_are_validated(fv):
    with pytest.raises(ValueError, match=r"\(n, 4\) uint64"):
        fv.mul(np.zeros((3, 4), dtype=np.int64), fv.zeros(3))
    with pytest.raises(ValueError, match="length mismatch"):
        fv.add(fv.zeros(3), fv.zeros(4))
    with pytest.raises(ValueError, match="C-contiguous"):
        fv.add(np.zeros((4, 8), dtype=np.uint64)[:, ::2], fv.zeros(4))


# --- sparse matrix-vector product ----------------------------------------------------------

coef = st.one_of(st.sampled_from([1, R - 1, 2, 0]), st.integers(0, R - 1))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12).flatmap(lambda nw: st.tuples(
    st.just(nw),
    st.lists(st.lists(st.tuples(st.integers(0, nw - 1), coef), max_size=6), min_size=0, max_size=10),
    st.lists(st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1)), min_size=nw, max_size=nw))))
def test_matvec_matches_the_int_reference(fv, case):
    n_wires, rows, w = case
    m = SparseMatrix.from_rows(rows)
    csr = fv.MontCSR.from_sparse(m)
    wm = fv.from_ints(w)
    assert fv.to_ints(csr.matvec(wm)) == m.evaluate(w)
    # the same through already-Montgomery coefficients (the zkey route)
    csr2 = fv.MontCSR.from_montgomery(m.indptr, m.indices, fv.to_montgomery(m.coeffs) if m.nnz else m.coeffs)
    if fv is fast:
        assert np.array_equal(csr2.kinds, csr.kinds)
    assert fv.to_ints(csr2.matvec(wm)) == m.evaluate(w)


def test_matvec_special_cases_one_and_minus_one_coefficients():
    m = SparseMatrix.from_rows([{0: 1, 1: R - 1, 2: 5}, {2: 1}, {}])
    csr = fast.MontCSR.from_sparse(m)
    assert csr.kinds.tolist() == [fast.KIND_ONE, fast.KIND_MINUS_ONE, fast.KIND_GENERAL, fast.KIND_ONE]
    w = [1, 10, 20]
    out = fast.zeros(5) + np.uint64(9)  # longer out: only the first n_rows rows are written
    csr.matvec(fast.from_ints(w), out)
    assert fast.to_ints(out[:3]) == [(1 - 10 + 100) % R, 20, 0]
    assert out[3:].tolist() == [[9] * 4] * 2


def test_matvec_rejects_a_short_witness(fv):
    csr = fv.MontCSR.from_sparse(SparseMatrix.from_rows([{3: 1}]))
    with pytest.raises(ValueError, match="refers to wire 3"):
        csr.matvec(fv.zeros(3))


def test_matvec_from_a_sparse_matrix_shares_its_coefficients_and_refuses_unreduced_ones():
    m = SparseMatrix.from_rows([{0: 3, 1: 1}, {1: R - 1, 0: 7}])
    csr = fast.MontCSR.from_sparse(m)
    assert csr.canonical and np.shares_memory(csr.coeffs, m.coeffs)     # no copy of a big circuit
    assert fast.to_ints(csr.matvec(fast.from_ints([5, 11]))) == [(15 + 11) % R, (35 - 11) % R]
    bad = SparseMatrix(m.indptr, m.indices, m.coeffs.copy())
    bad.coeffs[0] = np.array([(R >> (64 * i)) & (2**64 - 1) for i in range(4)], dtype=np.uint64)
    with pytest.raises(ValueError, match="coefficient 0"):
        fast.MontCSR.from_sparse(bad)
