"""Proving keys of the batch circuit, one per shape, cached on disk.

`KeyCache(directory)` keeps `<directory>/<BatchShape.key()>.pk` (msgpack,
`prover.keys.save_proving_key`). `get(shape)` loads a cached key; `ensure(shape)` makes it
first when missing: compile the batch circuit (`circuits.batch.circuit.compile_batch`,
itself cached), run the Groth16 setup (toxic waste from the OS CSPRNG, thrown away), and
save. The key's `meta` records the shape and the circuit's size so a stale file (a
circuit that changed without a new shape key) is refused with a clear message instead
of producing proofs that fail.

Default directory: `$ZKROLLUP_CACHE/keys`, else `~/.cache/zkrollup/keys`; the CLI passes
`<dir>/keys` of its working directory.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Optional

from circuits.batch.shape import BatchShape
from prover.keys import ProvingKey, load_proving_key, save_proving_key
from verifier.groth16 import VerifyingKey

from .keyfiles import vk_from_pk

Progress = Optional[Callable[[str, float], None]]


def default_key_dir() -> Path:
    base = os.environ.get("ZKROLLUP_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "zkrollup"
    return root / "keys"


class KeyCache:
    """Proving keys by batch shape (see the module docstring)."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.dir = Path(directory) if directory is not None else default_key_dir()
        self._memo: dict[str, ProvingKey] = {}
        self.last_setup_s: Optional[float] = None

    def path(self, shape: BatchShape) -> Path:
        return self.dir / f"{shape.key()}.pk"

    def has(self, shape: BatchShape) -> bool:
        return shape.key() in self._memo or self.path(shape).exists()

    def get(self, shape: BatchShape) -> Optional[ProvingKey]:
        """The cached key of `shape`, or None. ValueError for a file made for another circuit."""
        key = shape.key()
        if key in self._memo:
            return self._memo[key]
        p = self.path(shape)
        if not p.exists():
            return None
        pk = load_proving_key(str(p))
        meta = pk.meta or {}
        if meta.get("shape_key") != key or pk.n_public != 1:
            raise ValueError(f"{p} is not the proving key of batch shape {key}; delete it and run "
                             f"`zkrollup setup` again")
        self._memo[key] = pk
        return pk

    def ensure(self, shape: BatchShape, progress: Progress = None, seed: Optional[bytes] = None,
               on_compiled: Optional[Callable[[int], None]] = None) -> ProvingKey:
        """The key of `shape`, made (compile + setup + save) when not cached. `seed` makes the
        setup reproducible (INSECURE, tests only)."""
        pk = self.get(shape)
        if pk is not None:
            return pk
        from circuits.batch.circuit import compile_batch
        from prover.setup import setup
        t0 = time.perf_counter()
        r1cs = compile_batch(shape)
        if on_compiled is not None:
            on_compiled(r1cs.n_constraints)
        pk = setup(r1cs, seed=seed, progress=progress)
        pk.meta = {**(pk.meta or {}), "shape_key": shape.key(), "shape": shape.as_dict(),
                   "n_constraints": r1cs.n_constraints, "n_wires": r1cs.n_wires}
        self.dir.mkdir(parents=True, exist_ok=True)
        save_proving_key(pk, str(self.path(shape)))
        self.last_setup_s = time.perf_counter() - t0
        self._memo[shape.key()] = pk
        return pk

    def verifying_key(self, shape: BatchShape) -> VerifyingKey:
        pk = self.get(shape)
        if pk is None:
            raise ValueError(f"no proving key for batch shape {shape.key()} in {self.dir}; run "
                             f"`zkrollup setup --batch-size {shape.n_slots} --acc-depth {shape.acc_depth} "
                             f"--ord-depth {shape.ord_depth}` first")
        return vk_from_pk(pk)
