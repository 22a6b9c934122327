"""The whole path with real Groth16 proofs (prover.setup + prover.ref.groth16.prove,
verified by the contract with verifier.groth16.verify through py_ecc).

The circuit is a stand-in for the batch circuit with the same public interface: its only
public input is the batch commitment (circuits.batch.public.batch_commitment, computed by
the operator from its native state), and the proof shows knowledge of a witness w = the
commitment (w * 1 = commitment, w * w = w^2). The real batch circuit proves far more,
but the contract's side is identical: it recomputes the commitment from the calldata and
its own state, and a proof made for any other value fails.
"""
import dataclasses

import pytest

from circuits.batch.public import EFFECT_WITHDRAWAL, Effect
from circuits.cs import ConstraintSystem
from circuits.field import R
from prover.ref.groth16 import prove as prove_reference
from prover.setup import setup
from verifier.contract import BatchRejected, Reason
from verifier.groth16 import Proof
from zkrollup.keyfiles import vk_from_pk
from zkrollup.ops import Withdraw
from zkrollup.risk import build_oracle_table

from contract_helpers import (ALICE, BOB, CAROL, DAY, KEYS, T0, USD, Rig, exit_args, expected_value,
                              signed_forced)
from rollup_helpers import SPOT, VOL


def commitment_circuit(c: int):
    cs = ConstraintSystem(solve=True)
    pub = cs.public("commitment", c)
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
    r.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, CAROL))
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
    r.apply(Withdraw.create(KEYS[4], 4, 300 * USD, 0, CAROL))
    cd, proof, commitment = r.close_batch(real_prover(key[0]))
    rc = c.submit_batch(cd, proof, now=T0 + 60)
    assert rc.commitment == commitment and c.state_root == r.st.root == cd.new_root
    assert c.batch_number == 2 and c.l1_balance(CAROL) == 300 * USD and r.conserved()
    assert c.accepted_batches()[-1]["proof"] == {"a": list(proof.a), "b": [list(x) for x in proof.b],
                                                 "c": list(proof.c)}
    # then the operator ignores a forced withdrawal: exodus, and the exit is paid against
    # the root the real proof moved the contract to
    c.request_forced_withdrawal(4, BOB, 1, T0 + 60, **signed_forced(4, BOB, 1)[1])
    assert c.tick(T0 + 60 + 7 * DAY + 1)
    paid = c.exit(4, *exit_args(r, 4, BOB))
    assert paid == expected_value(r, 4) == 700 * USD


def test_wrong_proof_is_rejected(pending, key):
    r, cd, proof, c, _ = pending
    other = real_prover(key[0])(c + 1)                   # a valid proof of another commitment
    rejected(r, cd, other, Reason.INVALID_PROOF)


def test_malformed_proof_is_rejected(pending):
    r, cd, proof, c, _ = pending
    rejected(r, cd, dataclasses.replace(proof, a=(1, 1)), Reason.MALFORMED_PROOF)   # not on the curve


def test_altered_calldata_is_rejected(pending):
    r, cd, proof, c, _ = pending
    bad = dataclasses.replace(cd, effects=(Effect(EFFECT_WITHDRAWAL, 3, ALICE, 100 * USD), None))
    rejected(r, bad, proof, Reason.INVALID_PROOF)


def test_wrong_old_root_is_rejected(pending):
    r, cd, proof, c, _ = pending
    rejected(r, dataclasses.replace(cd, old_root=cd.new_root), proof, Reason.WRONG_OLD_ROOT)


def test_replayed_batch_is_rejected(pending):
    r, cd, proof, c, first = pending
    rejected(r, first["calldata"], _proof(first["proof"]), Reason.REPLAYED)


def _proof(obj):
    return Proof(a=tuple(obj["a"]), b=tuple(tuple(x) for x in obj["b"]), c=tuple(obj["c"]))


def test_oracle_tables_differing_from_the_published_ones_are_rejected(key):
    r = real_rig(key)
    # the operator's circuit hashes tables the oracle never published (a doubled spot)
    forged = build_oracle_table(r.st.market, T0, 2 * SPOT, VOL)
    r.apply(Withdraw.create(KEYS[3], 3, 100 * USD, 0, CAROL))
    cd, proof, _ = r.close_batch(real_prover(key[0]), oracle_table=forged)
    rejected(r, cd, proof, Reason.INVALID_PROOF)


@pytest.mark.slow
def test_commitment_computed_inside_the_circuit_is_accepted_too():
    """The same path with the commitment hashed in the circuit (batch_commitment_gadget over
    the ten private inputs): 676 constraints, slow with the reference prover."""
    from circuits.batch.public import COMMITMENT_FIELDS, batch_commitment, batch_commitment_gadget

    def circuit(vals):
        cs = ConstraintSystem(solve=True)
        pub = cs.public("commitment", batch_commitment(**vals))
        h = batch_commitment_gadget(cs, **{k: cs.witness(k, v) for k, v in vals.items()})
        cs.enforce(h, 1, pub, name="binds")
        return cs

    zero = dict.fromkeys(COMMITMENT_FIELDS, 0)
    pk = setup(circuit(zero).to_r1cs(), seed=b"zkrollup contract test, hashed")
    r = Rig(verifier=None, vk=vk_from_pk(pk))
    r.mint(ALICE, 10 * USD)
    r.apply(r.deposit(ALICE, 3, 10 * USD))

    def prove(c):
        cs = circuit(r.last_fields)
        assert cs.which_is_unsatisfied() is None
        p = prove_reference(pk, cs.witness_values())
        assert p.public == [c]
        return Proof(a=p.a, b=p.b, c=p.c)

    cd, proof, _ = r.close_batch(prove)
    r.contract.submit_batch(cd, proof, now=T0)
    assert r.contract.state_root == r.st.root and r.contract.deposits_consumed == 1
    rejected(r, cd, proof, Reason.REPLAYED)
