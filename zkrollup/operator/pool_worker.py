"""What runs on the Dask workers of a prover pool (zkrollup.operator.dask_pool).

- The proving key travels as a `KeyRef` (the operator's path, the file's SHA-256, the batch
  shape's key): a worker loads it once, from that path when it sees the same file there,
  or else from the bytes the pool's plugin carries (`ship_key`), written once to a local
  cache file named by the hash. `load_proving_key` validates every point; the shape key in
  the key's metadata must be the expected one. Keys stay cached in the worker process by
  hash (`key_for`), so a task carries only the batch's circuit input (~50 KB at N = 16),
  never the key.
- `ProverWorkerPlugin` does that loading when the plugin is registered and whenever a
  worker joins later (a worker restarted after a crash included), then warms the prover
  up (`prover.groth16.prepare`: the kernels loaded on tiny inputs, the key's QAP rows and
  its domain's tables; 0.4 s for the demo's key where a throwaway proof took 2.5 s), so
  that none of it is paid by the first batch.
- `prove_task` solves the batch circuit on the worker (`proving.prove_circuit_input`) and
  proves. Solving here rather than in the operator keeps the operator's one core for
  sequencing, and the input is ~500 times smaller than the witness (N = 16, depth 24:
  51,544 bytes against 26.6 MB of witness limbs; solving takes 6 to 15 s).

One proof at a time per worker process (a lock): the prover's parallel Numba kernels use
the process's thread pool, and `numba_threads` divides the machine's cores between the
workers of an embedded cluster.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from distributed import WorkerPlugin, get_worker

from ..errors import OperatorError
from .proving import Expected, ProvedBatch, prove_circuit_input

EVENT_TOPIC = "zkrollup-prover"          # worker events: ready (key loaded, warmed up), start of a proof


class KeyUnavailable(OperatorError):
    """A worker can read neither the key's path nor bytes with the right hash."""


@dataclass(frozen=True)
class KeyRef:
    path: str           # the key file as the operator sees it
    sha256: str         # hex SHA-256 of the file's bytes: the key's identity
    shape_key: str      # BatchShape.key() the key must have been made for
    size: int


def file_sha256(path) -> str:
    """The SHA-256 of the file's bytes, read now: what a worker checks the key file it is
    about to load against (never a remembered value: a file rewritten in place keeping its
    size and times must not pass for the operator's key)."""
    from prover.key_store import sha256_of_file
    return sha256_of_file(path)


def key_ref(path, shape_key: str) -> KeyRef:
    """The reference of the key file at `path`, made for batch shape `shape_key`."""
    p = Path(path).resolve()
    from prover.key_store import file_digest        # remembered: the worker checks the bytes
    return KeyRef(str(p), file_digest(p), shape_key, p.stat().st_size)


_KEYS: dict = {}                        # sha256 -> ProvingKey, this process's cache
_KEY_LOCK = threading.Lock()
_PROVE_LOCK = threading.Lock()          # one proof (or warm-up) at a time in this process
_WARMED: set = set()                    # sha256 of the keys this process has warmed up with


def key_for(ref: KeyRef, payload: Optional[bytes] = None):
    """The proving key `ref` names, loaded (and validated) once per process."""
    with _KEY_LOCK:
        pk = _KEYS.get(ref.sha256)
        if pk is None:
            pk = _KEYS[ref.sha256] = _load(ref, payload)
        return pk


def _load(ref: KeyRef, payload: Optional[bytes]):
    from prover.keys import load_proving_key
    path = ref.path if os.path.isfile(ref.path) and file_sha256(ref.path) == ref.sha256 else None
    if path is None and payload is not None:
        if hashlib.sha256(payload).hexdigest() != ref.sha256:
            raise KeyUnavailable("the proving key bytes sent to this worker do not have the expected SHA-256")
        path = _cached_copy(ref.sha256, payload)
    if path is None:
        raise KeyUnavailable(f"worker on {os.uname().nodename} cannot read the proving key {ref.path} "
                             f"(SHA-256 {ref.sha256[:16]}...): give every worker that file at that path, "
                             f"or let the pool send it (ship_key)")
    pk = load_proving_key(path)
    if (pk.meta or {}).get("shape_key") != ref.shape_key:
        raise KeyUnavailable(f"{path} is not the proving key of batch shape {ref.shape_key}")
    return pk


def _cached_copy(sha: str, payload: bytes) -> str:
    """A local file holding `payload` (named by its hash; written once, atomically)."""
    d = Path(tempfile.gettempdir()) / "zkrollup-worker-keys"
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{sha}.pk"
    if not (p.is_file() and file_sha256(p) == sha):
        tmp = d / f"{sha}.{os.getpid()}.tmp"
        tmp.write_bytes(payload)
        os.replace(tmp, p)
    return str(p)


def _set_threads(n: Optional[int]) -> None:
    """Numba's thread count for parallel kernels launched from this thread (thread-local)."""
    if n:
        import numba
        numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


def warm_up(pk, numba_threads: Optional[int] = None) -> None:
    """Load every prover kernel and the key's QAP rows (`prover.groth16.prepare`), so the
    first real batch pays neither."""
    from prover.groth16 import prepare
    with _PROVE_LOCK:
        _set_threads(numba_threads)
        prepare(pk)


class ProverWorkerPlugin(WorkerPlugin):
    """Loads the key and warms the prover on every worker, present and future."""

    def __init__(self, ref: KeyRef, payload: Optional[bytes] = None, numba_threads: Optional[int] = None,
                 warm: bool = True):
        self.ref, self.payload, self.numba_threads, self.warm = ref, payload, numba_threads, warm

    async def setup(self, worker) -> None:
        t0 = time.perf_counter()
        await asyncio.get_running_loop().run_in_executor(None, self._prepare)
        worker.log_event(EVENT_TOPIC, {"event": "ready", "worker": worker.address, "pid": os.getpid(),
                                       "seconds": time.perf_counter() - t0})

    def _prepare(self) -> None:
        pk = key_for(self.ref, self.payload)
        if self.warm and self.ref.sha256 not in _WARMED:      # once per process and key (another
            warm_up(pk, self.numba_threads)                   # client registering it again)
            _WARMED.add(self.ref.sha256)


def prove_task(ref: KeyRef, plugin_name: str, shape, circuit_input, expected: Expected,
               numba_threads: Optional[int] = None) -> ProvedBatch:
    """A Dask task: the proof of one batch (see the module docstring), checked against what
    the native state computed (`expected`). The key comes from this process's cache, else
    as the plugin `plugin_name` loads it (its bytes when sent). A batch the circuit refuses
    raises `UnprovableBatch`, which reaches the operator as raised."""
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    pk = key_for(ref, getattr(plugin, "payload", None))
    with _PROVE_LOCK:
        _set_threads(numba_threads)
        worker.log_event(EVENT_TOPIC, {"event": "start", "batch": expected.batch_number, "worker": worker.address,
                                       "pid": os.getpid()})
        proved = prove_circuit_input(shape, pk, circuit_input, expected)
    proved.worker = worker.address
    return proved
