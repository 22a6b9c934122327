"""A full Groth16 proof of a 2-slot batch (a withdrawal and a trade) at small depth: setup on
the compiled batch R1CS, prove with the solved witness, verify with the independent verifier
against the public input computed natively from the header and the records (as L1 does)."""
from circuits.batch.circuit import compile_batch, solve_batch
from prover.groth16 import prove
from prover.setup import setup
from verifier.groth16 import verify
from zkrollup.keyfiles import proof_for_verifier, vk_from_pk

from test_batch_circuit import funded, fut
from spec_fixtures import SPOT


def test_two_slot_batch_proves_and_verifies_against_the_native_public_input():
    m = funded(3, 4)
    m.withdraw(3, 100, 0xBEEF)
    m.trade(fut(3, 0, 10, 1, max_fee=5), fut(4, 1, 6, 1, max_fee=5), 4, SPOT, 5, 3)
    batch, exp = m.finish(2)
    shape = m.shape(2)
    r1cs = compile_batch(shape, cache=False)
    witness, _ = solve_batch(shape, batch)
    pk = setup(r1cs, seed=b"batch-groth16-test")
    proof = proof_for_verifier(prove(pk, witness))
    vk = vk_from_pk(pk)
    assert verify(vk, [exp["public_input"]], proof)
    assert not verify(vk, [exp["public_input"] + 1], proof)
