"""The H scalars of Groth16 (snarkjs and classic conventions): prover.qap and its twin
prover.ref.qap, one set of tests over both, against the plain-int routes of prover.ref.qap."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuits.r1cs import R1CS
from prover import fr_vec as fv
from prover import ntt, qap
from prover.ref import ntt as rntt
from prover.ref import qap as ref


@pytest.fixture(scope="module", params=[qap, ref], ids=["numba", "ref"])
def Q(request):
    return request.param

R = rntt.R
elem = st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1))


def abc_lists(max_log=5, satisfying=True):
    def build(k):
        n = 1 << k
        vec = st.lists(elem, min_size=n, max_size=n)
        if satisfying:
            return st.tuples(vec, vec).map(lambda ab: (ab[0], ab[1], [x * y % R for x, y in zip(*ab)]))
        return st.tuples(vec, vec, vec)
    return st.integers(1, max_log).flatmap(build)


@settings(max_examples=30, deadline=None)
@given(abc_lists(satisfying=False))
def test_snarkjs_h_matches_reference_for_any_abc(Q, abc):
    a, b, c = abc
    want = ref.h_snarkjs_ref(a, b, c)
    h = Q.h_snarkjs(fv.from_ints(a), fv.from_ints(b), fv.from_ints(c))
    assert fv.to_ints(h) == want
    hc = Q.h_snarkjs(fv.from_ints(a), fv.from_ints(b), fv.from_ints(c), canonical=True)
    assert fv.limbs_from_ints(want).tolist() == hc.tolist()


@settings(max_examples=20, deadline=None)
@given(abc_lists())
def test_snarkjs_h_with_c_derived_as_a_times_b(Q, abc):
    a, b, c = abc
    ma, mb = fv.from_ints(a), fv.from_ints(b)
    assert fv.to_ints(Q.h_snarkjs(ma, mb, None)) == ref.h_snarkjs_ref(a, b, c)
    assert fv.to_ints(ma) == a and fv.to_ints(mb) == b  # inputs untouched


@settings(max_examples=30, deadline=None)
@given(abc_lists(), st.sampled_from([ntt.GENERATOR, 7, 3]))
def test_classic_h_matches_polynomial_division(Q, abc, shift):
    a, b, c = abc
    want = ref.h_classic_ref(a, b, c)
    assert want[-1] == 0
    args = [fv.from_ints(v) for v in (a, b, c)]
    assert fv.to_ints(Q.h_classic(*args, shift=shift)) == want
    hc = Q.h_classic(*args, shift=shift, canonical=True)
    assert hc.tolist() == fv.limbs_from_ints(want).tolist()
    hb = Q.h_classic(*args, shift=shift, order="bitrev")
    assert fv.to_ints(hb) == rntt.bitrev_list(want)


@settings(max_examples=15, deadline=None)
@given(abc_lists(), st.integers(2, R - 1))
def test_classic_h_times_vanishing_is_ab_minus_c_at_a_random_point(Q, abc, tau):
    a, b, c = abc
    n = len(a)
    h = fv.to_ints(Q.h_classic(*[fv.from_ints(v) for v in (a, b, c)]))
    ev = lambda vals: rntt.evaluate(rntt.ifft(vals), tau)
    lhs = rntt.evaluate(h, tau) * (pow(tau, n, R) - 1) % R
    assert lhs == (ev(a) * ev(b) - ev(c)) % R


def test_overwrite_reuses_the_inputs(Q):
    a, b = [3, 5, 7, 11], [2, 4, 6, 8]
    c = [x * y % R for x, y in zip(a, b)]
    ma, mb, mc = fv.from_ints(a), fv.from_ints(b), fv.from_ints(c)
    h = Q.h_snarkjs(ma, mb, mc, overwrite=True)
    assert h is mc and fv.to_ints(h) == ref.h_snarkjs_ref(a, b, c)


def test_snarkjs_shift_is_the_primitive_2n_th_root(Q):
    for n in (2, 4, 1 << 10):
        s = Q.snarkjs_shift(n)
        assert pow(s, n, R) == R - 1 and s * s % R == ntt.root_of_unity(n)


def test_domain_size_is_snarkjs_formula():
    def snarkjs(m, npub):  # cirPower = log2(m + npub + 1 - 1) + 1, log2 = floor
        return 1 << ((m + npub).bit_length() - 1 + 1)
    for m in range(1, 300):
        for npub in (0, 1, 2, 5, 17):
            assert qap.domain_size_for(m, npub) == snarkjs(m, npub)


def test_bad_inputs_are_rejected(Q):
    with pytest.raises(ValueError, match="same length"):
        Q.h_snarkjs(fv.zeros(4), fv.zeros(4), fv.zeros(8))
    with pytest.raises(ValueError, match=">= 2"):
        Q.h_snarkjs(fv.zeros(1), fv.zeros(1))
    with pytest.raises(ValueError, match="power of two"):
        Q.h_snarkjs(fv.zeros(6), fv.zeros(6))
    with pytest.raises(ValueError, match="coset shift"):
        Q.h_classic(fv.zeros(4), fv.zeros(4), fv.zeros(4), shift=ntt.root_of_unity(4))
    with pytest.raises(ValueError, match="order"):
        Q.h_classic(fv.zeros(4), fv.zeros(4), fv.zeros(4), order="reversed")


# --- from an R1CS and a witness ----------------------------------------------------------------

def _random_circuit(rng, n_constraints, n_public, n_private):
    """x_{k+1} = (c1*x_k + 1) * (x_j - x_k) style chain: every constraint a*b = out."""
    n_wires = 1 + n_public + n_private
    w = [1] + [int(v) for v in rng.integers(0, 1 << 62, size=n_public)]
    a_rows, b_rows, c_rows = [], [], []
    for i in range(n_constraints):
        ka, kb = (int(v) for v in rng.integers(0, len(w), size=2))
        coef = [1, R - 1, int(rng.integers(2, 1 << 62))][i % 3]
        a_row = {ka: coef, 0: 1} if ka else {0: coef + 1}
        b_row = {kb: 1}
        av = sum(k * w[j] for j, k in a_row.items()) % R
        bv = sum(k * w[j] for j, k in b_row.items()) % R
        if len(w) < n_wires:  # allocate a new private wire for the product
            w.append(av * bv % R)
            c_rows.append({len(w) - 1: 1})
        else:  # all wires used: constrain against a combination of existing ones
            c_rows.append({0: av * bv % R})
        a_rows.append(a_row)
        b_rows.append(b_row)
    return R1CS.from_rows(n_wires, n_public, a_rows, b_rows, c_rows), w


@pytest.mark.parametrize("m,npub,npriv", [(1, 0, 1), (5, 2, 5), (20, 7, 10), (60, 3, 40)])
def test_qap_evaluations_and_h_from_an_r1cs(m, npub, npriv):
    rng = np.random.default_rng(m)
    r1cs, w = _random_circuit(rng, m, npub, npriv)
    assert r1cs.is_satisfied(w)
    ev = qap.QapEvaluator.from_r1cs(r1cs)
    n = ev.n
    assert n == qap.domain_size_for(m, npub) and n >= m + npub + 1
    a, b, c = ev.evaluations(fv.from_ints(w))
    pad = [0] * (n - m - npub - 1)
    want_a = r1cs.A.evaluate(w) + w[:npub + 1] + pad  # public rows: A = {p: 1}
    want_b = r1cs.B.evaluate(w) + [0] * (npub + 1) + pad
    want_c = r1cs.C.evaluate(w) + [0] * (npub + 1) + pad
    assert (fv.to_ints(a), fv.to_ints(b), fv.to_ints(c)) == (want_a, want_b, want_c)
    assert fv.to_ints(c) == [x * y % R for x, y in zip(want_a, want_b)]  # satisfied on H_n
    hs = fv.to_ints(qap.h_snarkjs(a, b, c))
    assert hs == ref.h_snarkjs_ref(want_a, want_b, want_c)
    assert hs == fv.to_ints(qap.h_snarkjs(a, b, None))
    assert fv.to_ints(qap.h_classic(a, b, c)) == ref.h_classic_ref(want_a, want_b, want_c)
    # the matrices-with-public-rows route (prover.setup's qap_A, a zkey's coefficients)
    from circuits.r1cs import SparseMatrix
    qa = SparseMatrix(*qap.QapEvaluator.public_rows(r1cs.A, npub))
    ev2 = qap.QapEvaluator.from_matrices(qa, r1cs.B, None, m, npub, r1cs.n_wires)
    a2, b2, c2 = ev2.evaluations(fv.from_ints(w))
    assert c2 is None and np.array_equal(a2, a) and np.array_equal(b2, b)


def test_evaluator_checks_witness_length_and_row_counts():
    rng = np.random.default_rng(0)
    r1cs, w = _random_circuit(rng, 4, 1, 3)
    ev = qap.QapEvaluator.from_r1cs(r1cs)
    with pytest.raises(ValueError, match="witness has 4 values"):
        ev.evaluations(fv.from_ints(w[:4]))
    with pytest.raises(ValueError, match="A has 4 rows"):
        qap.QapEvaluator.from_matrices(r1cs.A, r1cs.B, r1cs.C, 4, 1, r1cs.n_wires)
