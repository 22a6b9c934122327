"""A full Groth16 proof of a 2-slot batch (a withdrawal and a trade) at small depth: setup on
the compiled batch R1CS, prove with the solved witness, verify with the independent verifier
against the public input computed natively (as the L1 contract does)."""
from circuits.batch.circuit import compile_batch, solve_batch
from prover.groth16 import prove
from prover.setup import setup
from verifier.groth16 import verify
from zkrollup.keyfiles import proof_for_verifier, vk_from_pk
from zkrollup.ops import BUY, SELL, Trade, Withdraw

from batch_native import BatchRecorder, shape_of
from rollup_helpers import DID, KEYS, USD, fund, make_state, order


def base_state():
    s = make_state(account_depth=4, order_depth=2, k=4)
    for i in (3, 4, 5, 6):
        fund(s, i, 1_000 * USD)
    return s


def test_two_slot_batch_proves_and_verifies_against_the_native_public_input():
    s = base_state()
    mark = s.oracle.mark[0]
    rec = BatchRecorder(s)
    rec.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF, DID))
    rec.apply(Trade(order(3, BUY, 10, mark, 1, max_fee=5), order(4, SELL, 6, mark, 1, max_fee=5),
                    4, mark, 5, 3))
    batch, exp = rec.finish(2)
    shape = shape_of(s, 2)
    r1cs = compile_batch(shape, cache=False)
    witness, _ = solve_batch(shape, batch)
    pk = setup(r1cs, seed=b"batch-groth16-test")
    proof = proof_for_verifier(prove(pk, witness))
    vk = vk_from_pk(pk)
    assert verify(vk, [exp.public_input()], proof)
    assert not verify(vk, [(exp.public_input() + 1)], proof)
