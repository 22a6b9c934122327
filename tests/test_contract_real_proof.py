"""The whole path with real Groth16 proofs (prover.setup + prover.groth16.prove_reference,
verified by the contract with verifier.groth16.verify through py_ecc).

The circuit is a stand-in for the batch circuit with the same public interface: its only
public input is the batch's public input (`circuits.spec.public_input`, SHA-256 of the
header and the records, computed by the operator from its native state), and the proof
shows knowledge of a witness w = that value (w * 1 = public input, w * w = w^2). The real
batch circuit proves far more, but the contract's side is identical: it recomputes the
public input from the calldata and its own state, and a proof made for any other value
fails.
"""
import dataclasses

import pytest

from circuits.cs import ConstraintSystem
from circuits.spec.ops import OP_WITHDRAW
from circuits.spec.records import encode_record
from circuits.field import R
from prover.groth16 import prove_reference
from prover.setup import setup
from verifier.contract import BatchRejected, Reason
from verifier.groth16 import Proof
from zkrollup.keyfiles import vk_from_pk
from zkrollup.ops import Withdraw
from zkrollup.risk import build_oracle_table

from contract_helpers import ALICE, BOB, CAROL, DAY, DID, KEYS, T0, USD, Rig, exit_args, expected_value
from rollup_helpers import SPOT, VOL


def commitment_circuit(c: int):
    cs = ConstraintSystem(solve=True)
    pub = cs.public("public_input", c)
    w = cs.witness("w", c)
    cs.enforce(w, 1, pub, name="binds")
    cs.enforce(w, w, cs.witness("w2", c * c % R), name="square")
    return cs


@pytest.fixture(scope="module")
def key():
    pk = setup(commitment_circuit(0).to_r1cs(), seed=b"zkrollup contract test")
    return pk, vk_from_pk(pk)


def real_prover(pk):
    def prove(c: int) -> Proof:
        p = prove_reference(pk, commitment_circuit(c).witness_values())
        assert p.public == [c]
        return Proof(a=p.a, b=p.b, c=p.c)
    return prove


def real_rig(key, **kw) -> Rig:
    pk, vk = key
    r = Rig(verifier=None, vk=vk, **kw)                   # None: verifier.groth16.verify
    r.mint(ALICE, 5_000 * USD)
    r.mint(BOB, 5_000 * USD)
    r.apply(r.deposit(ALICE, 3, 1_000 * USD))
    r.apply(r.deposit(BOB, 4, 1_000 * USD))
    cd, proof, _ = r.close_batch(real_prover(pk))
    r.contract.submit_batch(cd, proof, now=T0)
    return r


@pytest.fixture(scope="module")
def pending(key):
    """A rig with one accepted batch and the next one (a withdrawal) proved, not submitted."""
    r = real_rig(key)
    first = r.contract.accepted_batches()[0]
    r.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, CAROL, DID))
    cd, proof, c = r.close_batch(real_prover(key[0]))
    return r, cd, proof, c, first


def rejected(r, cd, proof, reason):
    before = r.contract.snapshot()
    with pytest.raises(BatchRejected) as e:
        r.contract.submit_batch(cd, proof)
    assert e.value.reason == reason, str(e.value)
    assert r.contract.snapshot() == before


def test_accepted_batch_moves_the_root_and_pays_the_withdrawal_in_the_same_call(key):
    r = real_rig(key)
    c = r.contract
    assert c.batch_number == 1 and c.state_root == r.st.root
    r.apply(Withdraw.create(KEYS[4], 4, 300 * USD, 0, CAROL, DID))
    cd, proof, pub = r.close_batch(real_prover(key[0]))
    rc = c.submit_batch(cd, proof, now=T0 + 60)
    assert rc.public_input == pub and c.state_root == r.st.root == cd.new_root
    assert c.batch_number == 2 and c.l1_balance(CAROL) == 300 * USD and r.conserved()
    assert c.accepted_batches()[-1]["proof"] == {"a": list(proof.a), "b": [list(x) for x in proof.b],
                                                 "c": list(proof.c)}
    # then the operator ignores a forced withdrawal: exodus, and the exit is paid against
    # the root the real proof moved the contract to
    c.request_forced_withdrawal(4, BOB, 1, T0 + 60)
    assert c.tick(T0 + 60 + 7 * DAY + 1)
    before = c.l1_balance(BOB)
    paid = c.exit(4, *exit_args(r, 4))
    assert paid == expected_value(r, 4) == 700 * USD and c.l1_balance(BOB) == before + paid


def test_wrong_proof_is_rejected(pending, key):
    r, cd, proof, c, _ = pending
    other = real_prover(key[0])(c + 1)                   # a valid proof of another commitment
    rejected(r, cd, other, Reason.INVALID_PROOF)


def test_malformed_proof_is_rejected(pending):
    r, cd, proof, c, _ = pending
    rejected(r, cd, dataclasses.replace(proof, a=(1, 1)), Reason.MALFORMED_PROOF)   # not on the curve


def test_altered_calldata_is_rejected(pending):
    r, cd, proof, c, _ = pending
    to_alice = encode_record(OP_WITHDRAW, account=3, amount=100 * USD, l1_address=ALICE)
    rejected(r, dataclasses.replace(cd, records=(to_alice,) + cd.records[1:]), proof, Reason.INVALID_PROOF)
    rejected(r, dataclasses.replace(cd, new_root=cd.new_root ^ 1), proof, Reason.INVALID_PROOF)


def test_replayed_batch_is_rejected(pending):
    r, cd, proof, c, first = pending
    rejected(r, first["calldata"], _proof(first["proof"]), Reason.REPLAYED)


def _proof(obj):
    return Proof(a=tuple(obj["a"]), b=tuple(tuple(x) for x in obj["b"]), c=tuple(obj["c"]))


def test_oracle_tables_differing_from_the_published_ones_are_rejected(key):
    r = real_rig(key)
    # the operator's circuit hashes tables the oracle never published (a doubled spot)
    forged = build_oracle_table(r.st.market, T0, 2 * SPOT, VOL)
    r.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, CAROL, DID))
    cd, proof, _ = r.close_batch(real_prover(key[0]), oracle_table=forged)
    rejected(r, cd, proof, Reason.INVALID_PROOF)
