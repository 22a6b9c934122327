"""Prover pools: where sealed batches are proved, several at once when the pool allows.

The operator keeps up to `capacity()` of its oldest sealed batches in a pool (`fill`) and
takes the results strictly in batch order (`ready`, `result`); submission alone touches L1.
Work is identified by (batch number, public input), so a batch rebuilt differently after a
rollback is never answered with the proof of its previous contents, and a batch proved
twice is harmless: the first proof taken is used, the other dropped.

Every proof is checked with the fast Groth16 verifier (`verifier.fast_groth16`, the EVM
precompiles) against the batch's public input (`SealedBatch.public_input()`, the SHA-256
of its header and records) before the pool hands it out, so a faulty or malicious worker
cannot get a bad proof submitted. Every pool proves with `proving.prove_circuit_input`, so
a batch the circuit refuses raises `proving.UnprovableBatch` (with its slot) from
`result`, whichever pool proved it: the operator's drop-and-rebuild works with any pool.

- `InProcessPool`: proves in this process when the result is asked for (the operator's
  behaviour before pools; `capacity()` 1). The default, and what the tests use.
- `zkrollup.operator.dask_pool.DaskProverPool`: Dask distributed workers, an embedded
  LocalCluster or an existing scheduler.

`make_pool(provers, scheduler)` is the command line's choice between them.
"""
from __future__ import annotations

import os
from typing import Callable, Iterable, Optional

from ..batch_builder import SealedBatch
from ..errors import OperatorError
from .proving import BatchProver, ProvedBatch

Echo = Optional[Callable[[str], None]]


def work_id(sb: SealedBatch) -> tuple[int, int]:
    """What identifies a proving job: the batch number and the batch's public input."""
    return sb.batch_number, sb.public_input()


def proof_problem(sb: SealedBatch, proved: ProvedBatch, vk) -> Optional[str]:
    """Why `proved` is not a valid proof of `sb` under `vk` (None when it is): its public
    input must be the batch's and it must pass the fast Groth16 verifier."""
    from verifier import fast_groth16
    from verifier.errors import VerifierInputError
    from ..keyfiles import proof_for_verifier
    public_input = sb.public_input()
    proof = getattr(proved, "proof", None)
    if proof is None or getattr(proof, "public", None) != [public_input]:
        return "its public input is not the batch's"
    try:
        ok = fast_groth16.verify(vk, [public_input], proof_for_verifier(proof))
    except VerifierInputError as e:
        return f"malformed proof ({e})"
    return None if ok else "the proof does not verify"


class ProverPool:
    """Interface of the prover pools (see the module docstring). `attach(prover)` binds the
    pool to the operator's shape and key before any batch is started."""

    def attach(self, prover: BatchProver) -> None:
        raise NotImplementedError

    def capacity(self) -> int:
        """How many sealed batches the operator should keep in the pool."""
        raise NotImplementedError

    def start(self, sb: SealedBatch) -> None:
        """Begin proving `sb` unless the same work is already under way or done."""
        raise NotImplementedError

    def ready(self, sb: SealedBatch) -> bool:
        """Whether `result(sb)` would return without waiting for a proof."""
        raise NotImplementedError

    def result(self, sb: SealedBatch) -> ProvedBatch:
        """The checked proof of `sb` (waits for it; starts it if needed). UnprovableBatch
        when the circuit refuses the batch; OperatorError when no valid proof can be had."""
        raise NotImplementedError

    def forget(self, sb: Optional[SealedBatch] = None) -> None:
        """Drop the work of `sb` (of every batch when None): taken, or no longer wanted."""
        raise NotImplementedError

    def close(self) -> None:
        self.forget()

    def fill(self, batches: Iterable[SealedBatch]) -> None:
        """Start the first `capacity()` of `batches` (oldest first)."""
        n = self.capacity()
        for i, sb in enumerate(batches):
            if i >= n:
                break
            self.start(sb)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcessPool(ProverPool):
    """Proves one batch at a time in this process, when its result is asked for."""

    def __init__(self):
        self.prover: Optional[BatchProver] = None
        self._vk = None

    def attach(self, prover: BatchProver) -> None:
        self.prover = prover
        self._vk = None

    def capacity(self) -> int:
        return 1

    def start(self, sb: SealedBatch) -> None:
        pass

    def ready(self, sb: SealedBatch) -> bool:
        return True

    def result(self, sb: SealedBatch) -> ProvedBatch:
        if self.prover is None:
            raise OperatorError("the prover pool is not attached to an operator")
        proved = self.prover.prove(sb)
        if self._vk is None:
            from ..keyfiles import vk_from_pk
            self._vk = vk_from_pk(self.prover.proving_key())
        problem = proof_problem(sb, proved, self._vk)
        if problem is not None:
            raise OperatorError(f"batch {sb.batch_number}: the prover made a bad proof: {problem}")
        return proved

    def forget(self, sb: Optional[SealedBatch] = None) -> None:
        pass


def default_provers() -> int:
    """Worker processes of the embedded cluster when none is asked for: one per two cores
    (each prover's MSMs use Numba threads, the witness solver one core), at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def make_pool(provers: Optional[int] = None, scheduler: Optional[str] = None, *, echo: Echo = None,
              **kw) -> ProverPool:
    """The command line's pool: `scheduler` given, the Dask cluster at that address;
    `provers` 0, in-process proving; otherwise an embedded LocalCluster of `provers` worker
    processes (default `default_provers()`)."""
    if scheduler is not None and provers is not None:
        raise ValueError("give --provers (an embedded cluster) or --scheduler (an existing one), not both")
    if provers is not None and provers < 0:
        raise ValueError(f"--provers must be 0 (in-process) or more, got {provers}")
    if scheduler is None and provers == 0:
        return InProcessPool()
    from .dask_pool import DaskProverPool
    if scheduler is not None:
        return DaskProverPool(scheduler=scheduler, echo=echo, **kw)
    return DaskProverPool(provers or default_provers(), echo=echo, **kw)
