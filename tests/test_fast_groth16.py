"""verifier.fast_groth16 (EVM precompiles) against its reference twin verifier.groth16 (py_ecc):
the same verdicts on random valid and invalid proofs, the same errors for malformed input,
and batch verification that finds the invalid proofs."""
import dataclasses
import os

import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from prover.ref import curves as C
from verifier import fast_groth16 as fast
from verifier import groth16 as slow
from verifier.curve import Q
from verifier.errors import VerifierInputError
from verifier.groth16 import Proof
from verifier.snarkjs_json import read_proof, read_public, read_vk

from groth16_forge import forge, trapdoor_key

CIRCOM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors", "circom")
KEYS = {n: trapdoor_key(n, seed=100 + n) for n in (1, 2, 3)}


def twist_point_outside_g2():
    i = 0
    while True:
        p = C.g2_lift_x((i, 1))
        if p is not None and not C.g2_in_subgroup(p):
            return p
        i += 1


OUTSIDE = twist_point_outside_g2()


def outcome(verify, vk, pub, proof):
    """(True/False) or the error message's field part."""
    try:
        return verify(vk, pub, proof)
    except VerifierInputError as e:
        return ("error", str(e).split(":")[0])


def fresh(p: Proof) -> Proof:
    return Proof(a=p.a, b=p.b, c=p.c)        # no cached validation


scalars = st.integers(1, R - 1)
field = st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1))


@st.composite
def cases(draw):
    n = draw(st.sampled_from(sorted(KEYS)))
    vk, t = KEYS[n]
    pub = draw(st.lists(field, min_size=n, max_size=n))
    a, b = draw(scalars), draw(scalars)
    proof = forge(t, pub, a, b)
    kind = draw(st.sampled_from(["valid", "other inputs", "other c", "swap a c", "a off curve",
                                 "b outside G2", "b off twist", "input >= r", "count", "a = inf"]))
    if kind == "other inputs":
        pub = [(x + 1) % R for x in pub]
    elif kind == "other c":
        proof = dataclasses.replace(proof, c=forge(t, pub, a, (b + 1) % R).c)
    elif kind == "swap a c":
        proof = dataclasses.replace(proof, a=proof.c, c=proof.a)
    elif kind == "a off curve":
        proof = dataclasses.replace(proof, a=(proof.a[0], (proof.a[1] + 1) % Q))
    elif kind == "b outside G2":
        proof = dataclasses.replace(proof, b=OUTSIDE)
    elif kind == "b off twist":
        (x0, x1), (y0, y1) = proof.b
        proof = dataclasses.replace(proof, b=((x0, x1), (y0, (y1 + 1) % Q)))
    elif kind == "input >= r":
        pub = [R + x for x in pub]
    elif kind == "count":
        pub = pub + [1]
    elif kind == "a = inf":
        proof = dataclasses.replace(proof, a=None)
    return vk, pub, proof, kind


@settings(max_examples=20, deadline=None)
@given(cases())
def test_same_verdicts_and_errors_as_py_ecc(case):
    vk, pub, proof, kind = case
    want = outcome(slow.verify, vk, pub, fresh(proof))
    got = outcome(fast.verify, vk, pub, fresh(proof))
    assert got == want, kind
    assert (want is True) == (kind == "valid")


def test_the_snarkjs_fixture_through_the_file_readers():
    vk = read_vk(os.path.join(CIRCOM, "verification_key.json"), check=fast.check_vk)
    proof = read_proof(os.path.join(CIRCOM, "proof.json"), check=fast.check_proof)
    pub = read_public(os.path.join(CIRCOM, "public.json"))
    assert fast.verify(vk, pub, proof)
    assert not fast.verify(vk, [pub[0], pub[1] + 1], proof)


def test_a_key_with_a_g2_point_outside_the_subgroup_is_refused_by_name(tmp_path):
    vk, _ = KEYS[1]
    bad = dataclasses.replace(vk, gamma2=OUTSIDE)
    with pytest.raises(VerifierInputError, match="vk.gamma2: point is on the twist but not in"):
        fast.check_vk(bad)
    with pytest.raises(VerifierInputError, match="vk_gamma_2: point is on the twist but not in"):
        fast.check_vk(dataclasses.replace(vk, gamma2=OUTSIDE), {"gamma2": "vk_gamma_2"})


def test_malformed_arguments_raise():
    vk, t = KEYS[1]
    proof = forge(t, [5], 2, 3)
    with pytest.raises(VerifierInputError, match="expected a VerifyingKey"):
        fast.verify("vk", [5], proof)
    with pytest.raises(VerifierInputError, match="expected a Proof"):
        fast.verify(vk, [5], (1, 2))
    with pytest.raises(VerifierInputError, match="proof.b: point is on the twist but not in"):
        fast.verify(vk, [5], dataclasses.replace(proof, b=OUTSIDE))


def test_batch_accepts_valid_proofs_and_finds_the_invalid_one():
    vk, t = KEYS[2]
    items = [([i, i * 7 % R], forge(t, [i, i * 7 % R], 3 + i, 5 + i)) for i in range(5)]
    assert fast.verify_batch(vk, items) == [True] * 5
    bad = list(items)
    bad[3] = ([3, 22], items[3][1])                      # a wrong public input
    assert fast.verify_batch(vk, bad) == [True, True, True, False, True]
    assert fast.verify_batch(vk, items[:1]) == [True] and fast.verify_batch(vk, []) == []


def test_batch_reports_a_malformed_item_by_index():
    vk, t = KEYS[1]
    items = [([1], forge(t, [1], 2, 3)), ([2], dataclasses.replace(forge(t, [2], 2, 3), b=OUTSIDE))]
    with pytest.raises(VerifierInputError, match="item 1: proof.b"):
        fast.verify_batch(vk, items)
    with pytest.raises(VerifierInputError, match="item 0: public input 0"):
        fast.verify_batch(vk, [([R], items[0][1])])
