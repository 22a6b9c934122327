"""Groth16 end to end: setup, prover.groth16 and its twin prover.ref.groth16 (one set of tests
over both, plus proof-for-proof agreement), and the verifier's rejections (changed public
input, tampered proof, another key, bad points, inputs >= r)."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import solve_circuit
from circuits.field import R
from prover import groth16 as fast_groth16
from prover.groth16 import WitnessError, prove
from prover.ref import groth16 as ref_groth16
from prover.ref.groth16 import prove as prove_reference
from prover.keys import load_proving_key, save_proving_key
from prover.setup import setup
from verifier.errors import VerifierInputError
from verifier.groth16 import Proof, verify
from zkrollup.keyfiles import proof_for_verifier, vk_from_pk


def product_circuit(cs, xs=None, n_pub=1):
    """Publics p_i; private x; enforce chained products so the witness is full of big values."""
    vals = xs or [None] * (n_pub + 1)
    pubs = [cs.public(f"p{i}", None if xs is None else vals[i] * vals[-1] % R) for i in range(n_pub)]
    x = cs.witness("x", None if xs is None else vals[-1])
    acc = x
    for i, p in enumerate(pubs):
        y = cs.witness(f"y{i}", None if xs is None else vals[i])
        cs.enforce(y, x, p, name=f"prod{i}")
        acc = cs.mul(acc, acc + y, name=f"sq{i}")
    cs.enforce(acc, 1, cs.witness("out", None if xs is None else cs.value(acc)), name="out")


def _circuit(n_pub, seed=1):
    rnd = random.Random(seed)
    xs = [rnd.randrange(R) for _ in range(n_pub + 1)]
    return solve_circuit(product_circuit, xs, n_pub)


@pytest.fixture(scope="module")
def small():
    r1cs, wit = _circuit(3)
    pk = setup(r1cs, seed=b"small")
    return r1cs, wit, pk


def test_fast_prover_equals_reference_for_fixed_randomisers(small):
    r1cs, wit, pk = small
    fast = prove(pk, wit, rs=(11, 22))
    ref = prove_reference(pk, wit, rs=(11, 22))
    assert (fast.a, fast.b, fast.c) == (ref.a, ref.b, ref.c)
    assert fast.public == ref.public == wit[1:4]


def test_prepare_builds_the_key_rows_and_domain_tables_and_changes_no_proof():
    r1cs, wit = _circuit(2, seed=7)
    pk = setup(r1cs, seed=b"prepare")
    from prover.ntt import domain
    from prover.qap import snarkjs_shift
    fast_groth16.prepare(pk)
    q = pk.__dict__["_qap"]
    fast_groth16.prepare(pk)                        # idempotent: the same rows, not rebuilt
    assert pk.__dict__["_qap"] is q
    d = domain(pk.domain_size)
    assert (snarkjs_shift(d.n) % R, d.n_inv % R, True, False) in d._tables
    fast = prove(pk, wit, rs=(5, 6))
    ref = prove_reference(pk, wit, rs=(5, 6))
    assert (fast.a, fast.b, fast.c) == (ref.a, ref.b, ref.c)


@pytest.fixture(scope="module", params=[fast_groth16, ref_groth16], ids=["numba", "ref"])
def P(request):
    return request.param


def test_round_trip_verifies_and_rejects_changed_public_input(P, small):
    r1cs, wit, pk = small
    pf = P.prove(pk, wit)
    vk = vk_from_pk(pk)
    assert verify(vk, pf.public, proof_for_verifier(pf))
    bad = list(pf.public)
    bad[1] = (bad[1] + 1) % R
    assert not verify(vk, bad, proof_for_verifier(pf))


def test_proofs_are_randomised(P, small):
    _, wit, pk = small
    assert P.prove(pk, wit).a != P.prove(pk, wit).a


def test_tampered_proof_and_other_key_are_rejected(small):
    r1cs, wit, pk = small
    pf = proof_for_verifier(prove(pk, wit))
    vk = vk_from_pk(pk)
    other = vk_from_pk(setup(r1cs, seed=b"other"))
    assert not verify(other, wit[1:4], pf)
    # swap A and C (both valid G1 points): must fail
    assert not verify(vk, wit[1:4], Proof(a=pf.c, b=pf.b, c=pf.a))
    from py_ecc import optimized_bn128 as ob
    a2 = ob.normalize(ob.add((ob.FQ(pf.a[0]), ob.FQ(pf.a[1]), ob.FQ.one()), ob.G1))
    assert not verify(vk, wit[1:4], Proof(a=(int(a2[0]), int(a2[1])), b=pf.b, c=pf.c))


def test_off_curve_point_and_public_input_above_r_are_input_errors(small):
    r1cs, wit, pk = small
    pf = proof_for_verifier(prove(pk, wit))
    vk = vk_from_pk(pk)
    with pytest.raises(VerifierInputError):
        verify(vk, wit[1:4], Proof(a=(pf.a[0], pf.a[1] + 1), b=pf.b, c=pf.c))
    with pytest.raises(VerifierInputError):
        verify(vk, [wit[1] + R] + wit[2:4], pf)
    with pytest.raises(VerifierInputError):
        verify(vk, wit[1:3], pf)


def test_many_public_inputs_round_trip():
    r1cs, wit = _circuit(12, seed=5)
    pk = setup(r1cs, seed=b"many")
    pf = prove(pk, wit)
    assert verify(vk_from_pk(pk), wit[1:13], proof_for_verifier(pf))


def test_unsatisfying_witness_is_refused_before_proving_naming_the_constraint(P, small):
    r1cs, wit, pk = small
    bad = list(wit)
    bad[-1] = (bad[-1] + 1) % R
    with pytest.raises(WitnessError, match="does not satisfy the circuit: constraint #"):
        P.prove(pk, bad)
    with pytest.raises(WitnessError, match="wires"):
        P.prove(pk, wit[:-1])
    with pytest.raises(WitnessError, match="constant wire"):
        P.prove(pk, [2] + wit[1:])


@pytest.mark.parametrize("names", [5, {0: "x"}, [7, None], "abc"])
def test_malformed_constraint_names_in_a_key_only_drop_the_name(small, names):
    import dataclasses
    r1cs, wit, pk = small
    odd = dataclasses.replace(pk, meta={**(pk.meta or {}), "constraint_names": names})
    bad = list(wit)
    bad[-1] = (bad[-1] + 1) % R
    with pytest.raises(WitnessError, match=r"constraint #\d+ fails"):
        fast_groth16.prove(odd, bad)


def test_proving_key_file_round_trip(tmp_path, small):
    r1cs, wit, pk = small
    path = tmp_path / "pk.bin"
    save_proving_key(pk, str(path))
    pk2 = load_proving_key(str(path))
    for name in ("A", "B1", "B2", "C", "H", "IC", "alpha1", "delta2"):
        assert np.array_equal(getattr(pk, name), getattr(pk2, name))
    assert (prove(pk2, wit, rs=(3, 4)).c == prove(pk, wit, rs=(3, 4)).c)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(0, R - 1), min_size=3, max_size=3), st.integers(0, R - 1), st.integers(0, R - 1))
def test_fast_and_reference_agree_on_random_witnesses_and_randomisers(xs, r, s):
    r1cs, wit = solve_circuit(product_circuit, xs, 2)
    pk = _PK_2
    fast = prove(pk, wit, rs=(r, s))
    ref = prove_reference(pk, wit, rs=(r, s))
    assert (fast.a, fast.b, fast.c) == (ref.a, ref.b, ref.c)


_PK_2 = setup(_circuit(2)[0], seed=b"two")


def test_a_key_file_with_a_point_off_the_curve_is_refused(tmp_path, small):
    from prover.keys import KeyFormatError
    r1cs, wit, pk = small
    path = tmp_path / "pk.bin"
    save_proving_key(pk, str(path))
    good = load_proving_key(str(path))
    good.H[3, 0] ^= np.uint64(1)   # flip one bit of one H point
    save_proving_key(good, str(path))
    with pytest.raises(KeyFormatError, match="H point 3 is not on the G1 curve"):
        load_proving_key(str(path))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, R - 1), min_size=4, max_size=4), st.integers(0, 11), st.integers(1, R - 1))
def test_fast_witness_check_names_the_same_constraint_as_the_reference(xs, pos, delta):
    from prover.groth16 import first_unsatisfied_r1cs
    r1cs, wit = solve_circuit(product_circuit, xs, 3)
    bad = list(wit)
    i = 1 + pos % (len(wit) - 1)
    bad[i] = (bad[i] + delta) % R
    assert first_unsatisfied_r1cs(r1cs, bad) == r1cs.first_unsatisfied(bad)
    assert first_unsatisfied_r1cs(r1cs, wit) is None


def _all_public_key():
    """A circuit whose wires are all public and whose C matrix has no entries: the key has
    empty arrays (no C points, an empty qap_C)."""
    from circuits.cs import compile_circuit

    def circ(cs):
        x = cs.public("x", 3)
        cs.enforce(x, 0, 0, name="zero")

    return setup(compile_circuit(circ), seed=b"empty")


def test_a_key_with_empty_arrays_round_trips_through_its_file(tmp_path):
    pk = _all_public_key()
    assert pk.C.shape[0] == 0 and pk.qap_C.nnz == 0
    path = tmp_path / "pk.bin"
    save_proving_key(pk, str(path))
    back = load_proving_key(str(path))
    assert back.C.shape == (0, 8) and back.qap_C.nnz == 0
    for name in ("A", "B1", "B2", "H", "IC"):
        assert np.array_equal(getattr(pk, name), getattr(back, name))
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("tail", [b"\xc4", b"\xc6\xff\xff\xff\xff", b"\x00", b"\x81\xa1a\x01"])
def test_a_key_file_with_bytes_after_its_map_is_refused(tmp_path, small, tail):
    from prover.keys import KeyFormatError
    path = tmp_path / "pk.bin"
    save_proving_key(small[2], str(path))
    with open(path, "ab") as f:
        f.write(tail)
    with pytest.raises(KeyFormatError, match="not a proving key"):
        load_proving_key(str(path))


@pytest.mark.parametrize("doc", [b"\x93\x01\x02\x03", b"\xa3abc", b""])
def test_a_file_that_is_not_a_msgpack_map_is_not_a_proving_key(tmp_path, doc):
    from prover.keys import KeyFormatError
    path = tmp_path / "pk.bin"
    path.write_bytes(doc)
    with pytest.raises(KeyFormatError, match="not a .*proving key"):
        load_proving_key(str(path))
