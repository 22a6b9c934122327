"""Proving: a sealed batch in, a Groth16 proof out.

`BatchProver.prove(sb)` solves the batch circuit on the batch's circuit input
(`circuits.batch.circuit.solve_batch`), checks that the circuit computes the public
input, records and new root the native state did, and proves with the cached key of the batch shape
(`zkrollup.keycache`; made once: compile + setup). It reads nothing but the sealed batch
and the key and changes nothing, so independent batches can be proved in any order or
at once; submission alone keeps batch order.

A batch the circuit refuses (a constraint fails, or the circuit computes another
public input than the native state) raises `UnprovableBatch`, naming the first failing
constraint (`circuits.batch.circuit.first_failure`) and, when the name lies inside a slot
(`slot<i>.`), that slot; the operator refuses the slot's operation and rebuilds the
batch without it (`zkrollup.operator.pipeline`).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Optional

from circuits.batch.circuit import first_failure, solve_batch
from circuits.batch.shape import BatchShape
from circuits.cs import UnsatisfiedConstraint

from ..batch_builder import SealedBatch
from ..errors import OperatorError
from ..keycache import KeyCache


_SLOT_NAME = re.compile(r"^slot(\d+)\.")


class UnprovableBatch(OperatorError):
    """The circuit refuses a sealed batch. `constraint`: the first failing constraint's name
    (None when every constraint holds but the circuit's outputs differ from the native
    ones); `slot`: the slot that name lies in (None outside the slots)."""

    def __init__(self, batch_number: int, constraint, detail: str = ""):
        self.batch_number = batch_number
        self.constraint = constraint
        m = _SLOT_NAME.match(constraint or "")
        self.slot = int(m.group(1)) if m else None
        what = f"constraint '{constraint}' fails" if constraint else detail
        super().__init__(f"batch {batch_number} cannot be proved: {what}")


@dataclass
class ProvedBatch:
    """A proof of a sealed batch, with what it cost."""

    proof: object                   # prover.groth16.Proof; public == [public input]
    solve_s: float
    prove_s: float
    n_constraints: int


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

    def solve(self, sb: SealedBatch):
        """(witness, outputs) of a sealed batch; UnprovableBatch if the circuit refuses it."""
        try:
            wit, out = solve_batch(self.shape, sb.circuit_input)
        except UnsatisfiedConstraint:
            raise UnprovableBatch(sb.batch_number, first_failure(self.shape, sb.circuit_input)) from None
        if out.public_input != sb.public_input() or out.records != sb.records or out.new_root != sb.fields.new_root:
            raise UnprovableBatch(sb.batch_number, None, "the circuit computes another public input "
                                                       "than the native state")
        return wit, out

    def prove(self, sb: SealedBatch) -> ProvedBatch:
        from prover.groth16 import prove as groth16_prove
        pk = self.proving_key()
        t0 = time.perf_counter()
        wit, out = self.solve(sb)
        solve_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        proof = groth16_prove(pk, wit, progress=self.progress)
        prove_s = time.perf_counter() - t0
        if proof.public != [out.public_input]:
            raise OperatorError(f"batch {sb.batch_number}: the proof's public input is not the batch's")
        return ProvedBatch(proof, solve_s, prove_s, pk.n_constraints)
