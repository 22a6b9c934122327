"""NTTs: prover.ntt (radix-2, no bit-reversal passes) and its twin prover.ref.ntt, one set of
tests over both, against the plain-int transforms (prover.ref.ntt.fft, dft)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from prover import fr_vec as fv
from prover import ntt
from prover.ref import ntt as ref


@pytest.fixture(scope="module", params=[ntt, ref], ids=["numba", "ref"])
def N(request):
    return request.param

R = ref.R
elem = st.one_of(st.sampled_from([0, 1, R - 1, 2, (1 << 64) - 1]), st.integers(0, R - 1))


def sized(max_log=10):
    return st.integers(0, max_log).flatmap(lambda k: st.lists(elem, min_size=1 << k, max_size=1 << k))


def test_reference_fft_agrees_with_direct_evaluation():
    rng = np.random.default_rng(1)
    for k in range(5):
        xs = [int(v) for v in rng.integers(0, 1 << 62, size=1 << k)]
        assert ref.fft(xs) == ref.dft(xs)
        assert ref.coset_fft(xs, 7) == ref.dft(xs, shift=7)
        assert ref.ifft(ref.fft(xs)) == xs


def test_roots_are_snarkjs_roots_of_unity():
    # ffjavascript: w[28] = nqr^t with nqr = 5, the value arkworks also uses
    from prover.domain import _ROOT_2_28
    assert _ROOT_2_28 == 0x2a3c09f0a58a7e8500e0a7eb8ef62abc402d111e41112ed49bd61b6e725b19f0
    for k in range(0, 29):
        w = ntt.root_of_unity(1 << k)
        assert pow(w, 1 << k, R) == 1
        if k:
            assert pow(w, 1 << (k - 1), R) == R - 1  # primitive
    assert pow(ntt.GENERATOR, (R - 1) // 2, R) == R - 1  # non-residue: 5^n != 1 for every 2-power n


@settings(max_examples=40, deadline=None)
@given(sized())
def test_intt_of_ntt_is_identity(N, xs):
    a = fv.from_ints(xs)
    assert fv.to_ints(N.intt(N.ntt(a))) == xs
    # the permutation-free pairs compose to the identity too
    assert fv.to_ints(N.intt_rn(N.ntt_nr(a))) == xs
    assert fv.to_ints(N.ntt_rn(N.intt_nr(a))) == xs


@settings(max_examples=30, deadline=None)
@given(sized())
def test_ntt_matches_reference(N, xs):
    a = fv.from_ints(xs)
    want = ref.fft(xs)
    assert fv.to_ints(N.ntt(a)) == want
    assert fv.to_ints(N.ntt_nr(a)) == ref.bitrev_list(want)
    assert fv.to_ints(N.ntt_rn(fv.from_ints(ref.bitrev_list(xs)))) == want
    assert fv.to_ints(N.intt(fv.from_ints(want))) == xs


@settings(max_examples=30, deadline=None)
@given(sized(8), st.one_of(st.sampled_from([ntt.GENERATOR, 1, R - 1, 25]), st.integers(2, R - 1)))
def test_coset_ntt_matches_reference_and_inverts(N, xs, shift):
    a = fv.from_ints(xs)
    want = ref.coset_fft(xs, shift)
    assert fv.to_ints(N.coset_ntt(a, shift)) == want
    assert fv.to_ints(N.coset_ntt_nr(a, shift)) == ref.bitrev_list(want)
    assert fv.to_ints(N.coset_intt(fv.from_ints(want), shift)) == xs
    assert fv.to_ints(N.coset_intt_rn(N.coset_ntt_nr(a, shift), shift)) == xs
    assert ref.coset_ifft(want, shift) == xs


@pytest.mark.parametrize("k", [0, 1, 2, 5, 10])
def test_edges_all_zero_all_minus_one_and_impulse(N, k):
    n = 1 << k
    assert fv.to_ints(N.ntt(fv.zeros(n))) == [0] * n
    # the constant polynomial -1 evaluates to -1 everywhere; -1 everywhere interpolates to it
    minus = [R - 1] * n
    assert fv.to_ints(N.intt(fv.from_ints(minus))) == [R - 1] + [0] * (n - 1)
    assert fv.to_ints(N.ntt(fv.from_ints([R - 1] + [0] * (n - 1)))) == minus
    assert fv.to_ints(N.ntt(fv.from_ints(minus))) == ref.fft(minus)
    if n > 1:  # x -> the powers of omega
        w = N.root_of_unity(n)
        assert fv.to_ints(N.ntt(fv.from_ints([0, 1] + [0] * (n - 2)))) == [pow(w, i, R) for i in range(n)]


def test_column_and_block_phases_match_reference(monkeypatch):
    # sizes above 2^BLOCK_LOG run the wide stages as residue-column tasks first
    rng = np.random.default_rng(3)
    xs = [int(v) for v in rng.integers(0, 1 << 63, size=1 << 13)]
    a = fv.from_ints(xs)
    want = ref.fft(xs)
    assert fv.to_ints(ntt.ntt(a)) == want
    monkeypatch.setattr(ntt, "BLOCK_LOG", 3)
    assert fv.to_ints(ntt.ntt(a)) == want
    assert fv.to_ints(ntt.intt_rn(ntt.ntt_nr(a))) == xs
    assert fv.to_ints(ntt.coset_intt(ntt.coset_ntt(a))) == xs


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3).flatmap(lambda k: st.lists(sized(7), min_size=k, max_size=k)
                                 .filter(lambda v: len({len(x) for x in v}) == 1)),
       st.integers(1, 5))
def test_stacks_block_sizes_and_premultiply_do_not_change_results(vectors, block_log):
    n = len(vectors[0])
    d = ntt.domain(n)
    xs = np.stack([fv.from_ints(v) for v in vectors])
    want = [fv.to_ints(ntt.ntt_nr(fv.from_ints(v))) for v in vectors]
    saved = ntt.BLOCK_LOG
    ntt.BLOCK_LOG = block_log
    try:
        ntt.dif(xs, d.tw)
        assert [fv.to_ints(x) for x in xs] == want
        # DIT with the 1/n constant pre-multiplied: back to the inputs
        ntt.dit(xs, d.tw_inv, ntt._mont(d.n_inv).reshape(1, 4))
        assert [fv.to_ints(x) for x in xs] == vectors
        # DIF with an elementwise pre-multiply = coset transform
        ntt.dif(xs, d.tw, d.powers(7))
        assert [fv.to_ints(x) for x in xs] == [ref.bitrev_list(ref.coset_fft(v, 7)) for v in vectors]
    finally:
        ntt.BLOCK_LOG = saved


def test_inplace_transforms_overwrite_their_input_and_others_do_not(N):
    a = fv.from_ints([1, 2, 3, 4])
    keep = a.copy()
    N.ntt_nr(a)
    assert np.array_equal(a, keep)
    out = N.ntt_nr(a, inplace=True)
    assert out is a and not np.array_equal(a, keep)


def test_bad_sizes_and_arrays_are_rejected(N):
    with pytest.raises(ValueError, match="power of two"):
        N.ntt(fv.zeros(3))
    with pytest.raises(ValueError, match="power of two"):
        N.ntt(fv.zeros(0))
    with pytest.raises(ValueError, match="2-adicity"):
        ntt.root_of_unity(1 << 29)
    with pytest.raises(ValueError, match="uint64"):
        N.ntt(np.zeros((4, 4), dtype=np.float64))
