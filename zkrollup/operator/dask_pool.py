"""`DaskProverPool`: sealed batches proved by Dask distributed workers.

    DaskProverPool(n)                    an embedded LocalCluster of n worker processes
    DaskProverPool(scheduler="tcp://host:8786")    an existing cluster (`dask scheduler`,
                                                   `dask worker ADDRESS --nthreads 1`)

`attach(prover)` identifies the proving key by its path and SHA-256 and registers a worker
plugin that loads it once per worker process and warms the prover up (`prover.groth16.prepare`),
on the workers present and on every worker that joins later
(`zkrollup.operator.pool_worker`). Workers that do not see the operator's key file need
`ship_key=True`: the key's bytes then travel inside the plugin, once per worker (the
scheduler keeps a copy: ~160 MB at N = 4, depth 16). A task carries the batch's circuit
input and is solved and proved on the worker.

A job is a Dask future keyed by (batch number, public input); its Dask key names the key
file's hash, the batch number, the public input and the attempt, so an operator restarted
on the same cluster may be answered by a task its previous run left running. A worker that dies mid-proof
costs nothing but time: the scheduler runs the task again on another worker (and the nanny
of an embedded cluster restarts the dead one); a task Dask gives up on (`KilledWorker`,
after `distributed.scheduler.allowed-failures` deaths) or that fails for another reason
outside our code is submitted again, up to `max_attempts`. A proof that fails the fast
verifier is proved again, preferably on another worker. Errors of the proving code itself
are deterministic and raised at once: a batch the circuit refuses (a constraint fails, or
it computes another public input than the native state) as the worker's `UnprovableBatch`,
with its slot, so the operator drops the operation and rebuilds as with in-process
proving; anything else (a key no worker can read) as OperatorError.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..batch_builder import SealedBatch
from ..errors import OperatorError
from .pool import Echo, ProverPool, proof_problem, work_id
from .pool_worker import EVENT_TOPIC, ProverWorkerPlugin, key_ref, prove_task
from .proving import BatchProver, Expected, ProvedBatch, UnprovableBatch

_DASK_LOGGERS = ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker",
                 "distributed.core", "distributed.comm", "distributed.batched", "tornado", "bokeh")


def quiet_dask(level: int = logging.ERROR) -> None:
    """Keep Dask's own logging (cluster start and stop, worker restarts) off the command line."""
    for name in _DASK_LOGGERS:
        logging.getLogger(name).setLevel(level)


@dataclass
class _Job:
    future: object
    attempt: int
    bad_workers: set = field(default_factory=set)


class DaskProverPool(ProverPool):
    """See the module docstring. `max_in_flight`: batches kept in the pool (default twice
    the workers' threads); `echo(line)` receives one line when the workers are ready and one
    per batch proved again; `task`: the function the workers run (`pool_worker.prove_task`;
    tests substitute a faulty worker's)."""

    def __init__(self, n_workers: Optional[int] = None, *, scheduler: Optional[str] = None,
                 max_in_flight: Optional[int] = None, ship_key: bool = False, max_attempts: int = 3,
                 warm: bool = True, echo: Echo = None, connect_timeout_s: float = 30.0,
                 task=prove_task):
        from distributed import Client, LocalCluster
        quiet_dask()
        self.echo = echo or (lambda line: None)
        self.max_in_flight, self.ship_key, self.max_attempts, self.warm = max_in_flight, ship_key, max_attempts, warm
        if scheduler is not None:
            self.cluster = None
            try:
                self.client = Client(scheduler, timeout=connect_timeout_s, set_as_default=False)
            except (OSError, TimeoutError) as e:
                raise OperatorError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
            self.numba_threads = None               # the worker's own configuration
            self.where = f"scheduler {scheduler}"
        else:
            if not isinstance(n_workers, int) or n_workers < 1:
                raise ValueError(f"an embedded cluster needs at least one worker, got {n_workers!r}")
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)
            self.numba_threads = max(1, (os.cpu_count() or 1) // n_workers)
            self.where = "embedded LocalCluster"
        self.task = task
        self._jobs: dict[tuple[int, int], _Job] = {}
        self._ref = None
        self._shape = None
        self._vk = None
        self._plugin_name = ""

    # --- the key --------------------------------------------------------------------------

    def attach(self, prover: BatchProver) -> None:
        """Load the operator's key on every worker (once per worker process) and warm up."""
        from ..keyfiles import vk_from_pk
        pk = prover.proving_key()
        path = prover.keys.path(prover.shape)
        ref = key_ref(path, prover.shape.key())
        if ref == self._ref:
            return
        self.forget()
        self._shape, self._vk = prover.shape, vk_from_pk(pk)
        name = f"zkrollup-prover-{ref.sha256[:16]}"
        payload = Path(path).read_bytes() if self.ship_key else None
        t0 = time.perf_counter()
        try:
            self.client.register_plugin(ProverWorkerPlugin(ref, payload, self.numba_threads, self.warm), name=name)
        except OperatorError as e:
            raise OperatorError(f"prover pool: {e}") from None
        self._ref, self._plugin_name = ref, name
        n = len(self.client.scheduler_info().get("workers", {}))
        self.echo(f"[provers] {n} worker process{'es' if n != 1 else ''} ({self.where}): proving key "
                  f"loaded once per worker{' and the prover warmed up' if self.warm else ''} "
                  f"in {time.perf_counter() - t0:.1f} s")

    # --- jobs -----------------------------------------------------------------------------

    def capacity(self) -> int:
        if self.max_in_flight:
            return self.max_in_flight
        return max(1, 2 * sum(self.client.nthreads().values()))

    def start(self, sb: SealedBatch) -> None:
        if work_id(sb) not in self._jobs:
            self._submit(sb, 1, set())

    def _submit(self, sb: SealedBatch, attempt: int, bad_workers: set) -> None:
        if self._ref is None:
            raise OperatorError("the prover pool is not attached to an operator")
        bn, public_input = work_id(sb)
        workers = None
        if bad_workers:
            workers = [w for w in self.client.scheduler_info().get("workers", {}) if w not in bad_workers] or None
        fut = self.client.submit(self.task, self._ref, self._plugin_name, self._shape, sb.circuit_input,
                                 Expected.of(sb), self.numba_threads,
                                 key=f"zkrollup-prove-{self._ref.sha256[:12]}-{bn:08d}-{public_input:064x}-{attempt}",
                                 pure=False, workers=workers, allow_other_workers=workers is not None)
        self._jobs[(bn, public_input)] = _Job(fut, attempt, bad_workers)

    def ready(self, sb: SealedBatch) -> bool:
        job = self._jobs.get(work_id(sb))
        if job is None:
            self.start(sb)
            return False
        return job.future.done()

    def result(self, sb: SealedBatch) -> ProvedBatch:
        """The checked proof of `sb`; the job is dropped once its proof is handed out."""
        self.start(sb)
        wid = work_id(sb)
        while True:
            job = self._jobs[wid]
            try:
                proved = job.future.result()
            except UnprovableBatch:                         # the circuit's verdict, for the operator
                self.forget(sb)
                raise
            except (OperatorError, ValueError) as e:        # the proving code's own verdict
                self.forget(sb)
                raise OperatorError(f"batch {sb.batch_number} cannot be proved: {e}") from None
            except Exception as e:                          # the cluster's: a lost worker, a cancelled task
                self._retry(sb, job, f"{type(e).__name__}: {e}", set())
                continue
            problem = proof_problem(sb, proved, self._vk)
            if problem is None:
                del self._jobs[wid]
                return proved
            self._retry(sb, job, f"worker {proved.worker} returned a bad proof ({problem})", {proved.worker})

    def _retry(self, sb: SealedBatch, job: _Job, why: str, bad: set) -> None:
        if job.attempt >= self.max_attempts:
            self.forget(sb)
            raise OperatorError(f"batch {sb.batch_number}: no valid proof after {job.attempt} attempts; last: {why}")
        self.echo(f"[provers] batch {sb.batch_number}: {why}; proving it again")
        self._submit(sb, job.attempt + 1, job.bad_workers | bad)

    def forget(self, sb: Optional[SealedBatch] = None) -> None:
        ids = [work_id(sb)] if sb is not None else list(self._jobs)
        futures = [self._jobs.pop(w).future for w in ids if w in self._jobs]
        if futures:
            try:
                self.client.cancel(futures)
            except Exception:           # the cluster is gone: nothing left to cancel
                pass

    def in_flight(self) -> list[int]:
        """Batch numbers with a job in the pool (oldest first)."""
        return sorted(bn for bn, _ in self._jobs)

    # --- the cluster ----------------------------------------------------------------------

    def worker_pids(self) -> dict[str, int]:
        """{worker address: process id} of the connected workers."""
        return self.client.run(os.getpid)

    def worker_events(self) -> list[dict]:
        """The workers' events, oldest first: {"event": "ready" | "start", "worker", "pid", ...}."""
        return [msg for _, msg in self.client.get_events(EVENT_TOPIC)]

    def close(self) -> None:
        self.forget()
        quiet_dask(logging.CRITICAL)            # closing logs lost connections of its own making
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            quiet_dask()
