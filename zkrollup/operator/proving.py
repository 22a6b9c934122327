"""Proving: a sealed batch in, a Groth16 proof out.

`prove_circuit_input(shape, pk, circuit_input, expected)` is the one proving function, run
in this process (`BatchProver.prove`, with the cached key of the batch shape,
`zkrollup.keycache`; made once: compile + setup) and on the prover pool's workers
(`zkrollup.operator.pool_worker`): it solves the batch circuit on the batch's circuit input
(`circuits.batch.circuit.solve_batch`), checks that the circuit computes the public input,
records and new root the native state did (`Expected`), and proves with the key. It reads
nothing but the circuit input and the key and changes nothing, so independent batches can
be proved in any order or at once; submission alone keeps batch order.

A batch the circuit refuses (a constraint fails, or the circuit computes another
public input than the native state) raises `UnprovableBatch`, naming the first failing
constraint (`circuits.batch.circuit.first_failure`) and, when the name lies inside a slot
(`slot<i>.`), that slot; the operator refuses the slot's operation and rebuilds the
batch without it (`zkrollup.operator.pipeline`). `UnprovableBatch` pickles with its
fields, so a pool worker's verdict reaches the operator as raised.
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
        self.detail = detail
        m = _SLOT_NAME.match(constraint or "")
        self.slot = int(m.group(1)) if m else None
        what = f"constraint '{constraint}' fails" if constraint else detail
        super().__init__(f"batch {batch_number} cannot be proved: {what}")

    def __reduce__(self):
        # rebuilt from its fields (the default would call __init__ with the message alone):
        # how it travels back from a pool worker
        return type(self), (self.batch_number, self.constraint, self.detail)


@dataclass(frozen=True)
class Expected:
    """What the native state computed for a batch, which the circuit must compute too."""

    batch_number: int
    public_input: int
    records: tuple
    new_root: int

    @classmethod
    def of(cls, sb: SealedBatch) -> "Expected":
        return cls(sb.batch_number, sb.public_input(), tuple(sb.records), sb.fields.new_root)


@dataclass
class ProvedBatch:
    """A proof of a sealed batch, with what it cost."""

    proof: object                   # prover.groth16.Proof; public == [public input]
    solve_s: float
    prove_s: float
    n_constraints: int
    worker: str = ""                # where it was proved ("" in this process)
    started_at: float = 0.0         # wall-clock time (time.time()) of the start and end
    finished_at: float = 0.0


def solve_circuit_input(shape: BatchShape, circuit_input, expected: Expected):
    """(witness, outputs) of the batch circuit on `circuit_input`; UnprovableBatch if the
    circuit refuses it or computes other outputs than `expected`."""
    try:
        wit, out = solve_batch(shape, circuit_input)
    except UnsatisfiedConstraint:
        raise UnprovableBatch(expected.batch_number, first_failure(shape, circuit_input)) from None
    if out.public_input != expected.public_input or tuple(out.records) != expected.records \
            or out.new_root != expected.new_root:
        raise UnprovableBatch(expected.batch_number, None, "the circuit computes another public input "
                                                          "than the native state")
    return wit, out


def prove_circuit_input(shape: BatchShape, pk, circuit_input, expected: Expected,
                        progress: Optional[Callable[[str, float], None]] = None) -> ProvedBatch:
    """Solve (`solve_circuit_input`) and prove with `pk`: the one proving function."""
    from prover.groth16 import prove as groth16_prove
    started = time.time()
    t0 = time.perf_counter()
    wit, out = solve_circuit_input(shape, circuit_input, expected)
    solve_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    proof = groth16_prove(pk, wit, progress=progress)
    prove_s = time.perf_counter() - t0
    if proof.public != [out.public_input]:
        raise OperatorError(f"batch {expected.batch_number}: the proof's public input is not the batch's")
    return ProvedBatch(proof, solve_s, prove_s, pk.n_constraints, started_at=started, finished_at=time.time())


class BatchProver:
    """Proves sealed batches of one shape in this process. `progress(stage, fraction)` is
    passed to the key setup and the prover; `setup_seed` makes a missing key reproducibly
    (INSECURE, tests)."""

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
        return solve_circuit_input(self.shape, sb.circuit_input, Expected.of(sb))

    def prove(self, sb: SealedBatch) -> ProvedBatch:
        return prove_circuit_input(self.shape, self.proving_key(), sb.circuit_input, Expected.of(sb),
                                   progress=self.progress)
