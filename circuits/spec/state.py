"""The committed state root: what a batch moves from `old_root` to `new_root`.

    oi_hash = Poseidon(oi[0], ..., oi[K-1])
    root    = Poseidon(accounts_root, oi_hash)

`accounts_root` is the account tree's root (exits prove leaves against it); oi[k] is the
open interest of instrument slot k (the sum of the positive sizes of slot k). Committing
open interest lets the circuit and L1 check that a reused slot is empty.

``hash_fn`` as in `circuits.spec.accounts`. The in-circuit twin is
`circuits.batch.circuit.state_root_gadget`.
"""
from __future__ import annotations

from typing import Sequence

from ..poseidon import poseidon
from . import HashFn


def oi_hash(oi: Sequence[int], hash_fn: HashFn = poseidon) -> int:
    return hash_fn(list(oi))


def state_root(accounts_root: int, oi_hash: int, hash_fn: HashFn = poseidon) -> int:
    return hash_fn([accounts_root, oi_hash])
