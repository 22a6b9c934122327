"""The textbook reference Groth16 (prover.ref.textbook): its proofs verify with verifier.groth16.verify."""
import dataclasses

import pytest

from circuits.r1cs import R1CS
from prover.ref import textbook as ref
from prover.ref.fields import R
from verifier import groth16 as V


def cubic_circuit():
    """x^3 + x + 5 = out; wires: 1, out (public), x, x^2, x^3."""
    r1cs = R1CS.from_rows(
        5, 1,
        a_rows=[{2: 1}, {3: 1}, {4: 1, 2: 1, 0: 5}],
        b_rows=[{2: 1}, {2: 1}, {0: 1}],
        c_rows=[{3: 1}, {4: 1}, {1: 1}])
    x = 3
    return r1cs, [1, x ** 3 + x + 5, x, x * x, x ** 3]


def many_publics_circuit(n_pub=6, s=7):
    """p_i = s + i for i = 1..n_pub (public p_i, private s) and t = s * s: n_pub public inputs."""
    m = n_pub + 3                      # 1, p_1..p_n, s, t
    S, T = n_pub + 1, n_pub + 2
    a = [{S: 1, 0: i} for i in range(1, n_pub + 1)] + [{S: 1}]
    b = [{0: 1}] * n_pub + [{S: 1}]
    c = [{i: 1} for i in range(1, n_pub + 1)] + [{T: 1}]
    wit = [1] + [(s + i) % R for i in range(1, n_pub + 1)] + [s, s * s % R]
    return R1CS.from_rows(m, n_pub, a, b, c), wit


def no_public_circuit():
    """x * x = y with both private: the verifying key has IC_0 only."""
    return R1CS.from_rows(3, 0, [{1: 1}], [{1: 1}], [{2: 1}]), [1, R - 4, 16]


def to_verifier(pk_or_vk, proof=None):
    vk = pk_or_vk.vk if isinstance(pk_or_vk, ref.ProvingKey) else pk_or_vk
    v = V.VerifyingKey(**dataclasses.asdict(vk))
    return v if proof is None else (v, V.Proof(**dataclasses.asdict(proof)))


TOXIC = ref.ToxicWaste(tau=1234567, alpha=89, beta=1011, gamma=1213, delta=1415)


@pytest.fixture(scope="module")
def cubic():
    r1cs, wit = cubic_circuit()
    return r1cs, wit, ref.setup(r1cs, TOXIC)


def test_domain_and_key_shapes(cubic):
    r1cs, wit, pk = cubic
    assert pk.domain_size == 8                     # 3 constraints + 1 public + 1 -> 8
    assert ref.domain_size(3, 1) == 8 and ref.domain_size(2, 1) == 4 and ref.domain_size(0, 0) == 1
    assert len(pk.a_query) == len(pk.b1_query) == len(pk.b2_query) == 5
    assert len(pk.c_query) == 3 and len(pk.h_query) == 7 and len(pk.vk.ic) == 2


def test_qap_rows_append_one_row_per_public_wire(cubic):
    r1cs, _, _ = cubic
    a, b, c, N = ref.qap_rows(r1cs)
    assert N == 8 and len(a) == len(b) == len(c) == 8
    assert a[3] == [(0, 1)] and a[4] == [(1, 1)] and a[5:] == [[], [], []]
    assert b[3:] == [[]] * 5 and c[3:] == [[]] * 5


def test_quotient_times_vanishing_polynomial_is_ab_minus_c(cubic):
    r1cs, wit, pk = cubic
    h = ref.quotient(r1cs, wit)
    N = pk.domain_size
    tau = 987654321
    u, v, w = ref.qap_at(r1cs, tau)
    a = sum(x * y for x, y in zip(u, wit)) % R
    b = sum(x * y for x, y in zip(v, wit)) % R
    c = sum(x * y for x, y in zip(w, wit)) % R
    h_tau = sum(hk * pow(tau, k, R) for k, hk in enumerate(h)) % R
    assert (a * b - c) % R == h_tau * (pow(tau, N, R) - 1) % R


def test_proof_verifies_and_changed_public_input_fails(cubic):
    r1cs, wit, pk = cubic
    proof = ref.prove(pk, r1cs, wit)
    vk, p = to_verifier(pk, proof)
    assert V.verify(vk, ref.public_inputs(r1cs, wit), p)
    assert not V.verify(vk, [(wit[1] + 1) % R], p)


def test_same_randomisers_give_the_same_proof(cubic):
    r1cs, wit, pk = cubic
    assert ref.prove(pk, r1cs, wit, r=5, s=6) == ref.prove(pk, r1cs, wit, r=5, s=6)
    assert ref.prove(pk, r1cs, wit, r=5, s=6) != ref.prove(pk, r1cs, wit, r=5, s=7)


def test_many_public_inputs_and_random_toxic_waste():
    r1cs, wit = many_publics_circuit()
    pk = ref.setup(r1cs, ref.ToxicWaste.random())
    assert pk.domain_size == 16 and len(pk.vk.ic) == 7
    vk, p = to_verifier(pk, ref.prove(pk, r1cs, wit))
    xs = ref.public_inputs(r1cs, wit)
    assert V.verify(vk, xs, p)
    swapped = xs[1:2] + xs[0:1] + xs[2:]      # the IC rows make the inputs' order matter
    assert not V.verify(vk, swapped, p)


def test_circuit_without_public_inputs():
    r1cs, wit = no_public_circuit()
    pk = ref.setup(r1cs, TOXIC)
    vk, p = to_verifier(pk, ref.prove(pk, r1cs, wit, r=0, s=0))   # r = s = 0 is still a proof
    assert V.verify(vk, [], p)


def test_unsatisfying_witness_is_refused_with_the_constraint_named(cubic):
    r1cs, wit, pk = cubic
    bad = list(wit)
    bad[4] += 1
    with pytest.raises(ValueError, match="#1"):
        ref.prove(pk, r1cs, bad)


def test_key_for_another_circuit_is_refused(cubic):
    _, _, pk = cubic
    r1cs, wit = no_public_circuit()
    with pytest.raises(ValueError, match="another circuit"):
        ref.prove(pk, r1cs, wit)


def test_toxic_waste_on_the_domain_is_refused():
    r1cs, _ = cubic_circuit()
    with pytest.raises(ValueError):
        ref.setup(r1cs, dataclasses.replace(TOXIC, tau=1))
    with pytest.raises(ValueError):
        ref.setup(r1cs, dataclasses.replace(TOXIC, delta=0))
