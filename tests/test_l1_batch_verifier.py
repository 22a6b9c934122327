"""The batch verifier contract (verifier/contracts/batch_verifier.vy: one public input, the
key given at deployment): it agrees with verifier.groth16 (py_ecc) on valid, tampered and
random proofs, answers False for malformed points, reverts with too little gas, returns its
key, and costs what the inlined verifiers cost."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from verifier.curve import Q
from verifier.evm import Chain, ExecutionFailed, address_of
from verifier.groth16 import verify
from verifier.l1_deploy import deploy_batch_verifier, vk_from_words, vk_words

from groth16_forge import forge, snarkjs_calldata, trapdoor_key
from test_evm_groth16_verifier import check_rejections, deploy_vyper

USER = address_of("batch verifier user")


@pytest.fixture(scope="module")
def forged():
    vk, t = trapdoor_key(1, seed=77)
    with Chain() as chain:
        yield chain, vk, t, deploy_batch_verifier(chain, vk, USER), deploy_vyper(chain, vk)


def test_valid_proofs_pass_and_every_tampering_fails(forged):
    chain, vk, t, v, _ = forged
    pub = [123456789]
    check_rejections(v, pub, forge(t, pub, 11, 22))
    check_rejections(v, [0], forge(t, [0], 3, 4))          # a zero input skips its ecMul


@settings(max_examples=8, deadline=None)
@given(x=st.integers(0, R - 1), y=st.integers(0, R - 1), a=st.integers(1, R - 1), b=st.integers(1, R - 1))
def test_verdicts_equal_py_ecc(forged, x, y, a, b):
    chain, vk, t, v, _ = forged
    proof = forge(t, [x], a, b)
    for pub in ([x], [y]):
        assert v.call("verifyProof", *snarkjs_calldata(proof), pub) is verify(vk, pub, proof)


def test_malformed_points_false_and_too_little_gas_reverts(forged):
    chain, vk, t, v, _ = forged
    a, b, c = snarkjs_calldata(forge(t, [5], 7, 9))
    assert v.call("verifyProof", [a[0], (a[1] + 1) % Q], b, c, [5]) is False
    assert v.call("verifyProof", a, b, [c[0], Q], [5]) is False
    with pytest.raises(ExecutionFailed, match="verifier: out of gas"):
        v.transact("verifyProof", a, b, c, [5], sender=USER, gas=150_000)


def test_the_key_reads_back_and_costs_match_the_inlined_verifier(forged):
    chain, vk, t, v, inlined = forged
    assert vk_from_words(v.call("key")) == vk and vk_words(vk) == list(v.call("key"))
    args = (*snarkjs_calldata(forge(t, [R - 5], 7, 9)), [R - 5])
    g_ours = v.transact("verifyProof", *args, sender=USER).gas_used
    g_inlined = inlined.transact("verifyProof", *args, sender=USER).gas_used
    assert abs(g_ours - g_inlined) < 1_000 and g_ours <= 230_000


def test_a_key_with_another_number_of_inputs_is_refused():
    vk, _ = trapdoor_key(2, seed=3)
    with pytest.raises(ValueError, match="one public input"):
        vk_words(vk)
