"""Proving: a sealed batch in, a Groth16 proof out.

`prove_circuit_input(shape, pk, circuit_input, ...)` solves the batch circuit on a batch's
circuit input (`circuits.batch.circuit.solve_batch`), checks that the circuit computes the
commitment and new root the native state did, and proves with the key. `BatchProver.prove(sb)`
does it in this process with the cached key of the batch shape (`zkrollup.keycache`; made
once: compile + setup); the prover pool's workers call the same function
(`zkrollup.operator.pool`). It reads nothing but the batch and the key and changes nothing,
so independent batches can be proved in any order or at once; submission alone keeps batch
order.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

from circuits.batch.circuit import solve_batch
from circuits.batch.shape import BatchShape

from ..batch_builder import SealedBatch
from ..errors import OperatorError
from ..keycache import KeyCache


@dataclass
class ProvedBatch:
    """A proof of a sealed batch, with what it cost."""

    proof: object                   # prover.groth16.Proof; public == [commitment]
    solve_s: float
    prove_s: float
    n_constraints: int
    worker: str = ""                # where it was proved ("" in this process)
    started_at: float = 0.0         # wall-clock time (time.time()) of the start and end
    finished_at: float = 0.0


def prove_circuit_input(shape: BatchShape, pk, circuit_input, batch_number: int, commitment: int,
                        new_root: int, progress: Optional[Callable[[str, float], None]] = None) -> ProvedBatch:
    """Solve the batch circuit on `circuit_input`, check it computes the native `commitment`
    and `new_root` (OperatorError otherwise), and prove with `pk`."""
    from prover.groth16 import prove as groth16_prove
    started = time.time()
    t0 = time.perf_counter()
    wit, out = solve_batch(shape, circuit_input)
    solve_s = time.perf_counter() - t0
    if out.commitment != commitment or out.new_root != new_root:
        raise OperatorError(f"batch {batch_number}: the circuit's commitment differs from the native one")
    t0 = time.perf_counter()
    proof = groth16_prove(pk, wit, progress=progress)
    prove_s = time.perf_counter() - t0
    if proof.public != [out.commitment]:
        raise OperatorError(f"batch {batch_number}: the proof's public input is not the commitment")
    return ProvedBatch(proof, solve_s, prove_s, pk.n_constraints, started_at=started, finished_at=time.time())


class BatchProver:
    """Proves sealed batches of one shape. `progress(stage, fraction)` is passed to the key
    setup and the prover; `setup_seed` makes a missing key reproducibly (INSECURE, tests)."""

    def __init__(self, shape: BatchShape, keys: KeyCache, *, setup_seed: Optional[bytes] = None,
                 progress: Optional[Callable[[str, float], None]] = None):
        self.shape = shape
        self.keys = keys
        self.setup_seed = setup_seed
        self.progress = progress

    def proving_key(self):
        return self.keys.ensure(self.shape, progress=self.progress, seed=self.setup_seed)

    def n_constraints(self) -> int:
        """The circuit's size when its key is cached (0 otherwise: nothing is made for it)."""
        return self.keys.get(self.shape).n_constraints if self.keys.has(self.shape) else 0

    def prove(self, sb: SealedBatch) -> ProvedBatch:
        return prove_circuit_input(self.shape, self.proving_key(), sb.circuit_input, sb.batch_number,
                                   sb.fields.commitment(), sb.fields.new_root, progress=self.progress)
