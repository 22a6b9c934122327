"""The signature check of the native state and the operator: `verify`, one function.

`verify(pub, msg, sig)` returns exactly `circuits.eddsa.verify(pub, msg, sig)` (the
definition), computed by its Numba twin `zkrollup.eddsa_fast`. Signatures that verified
are remembered (the six ints the verdict depends on, `eddsa_fast.inputs`; at most
`CACHE_SIZE`, oldest dropped first), because the same signature is checked again and
again: an order at admission, then as maker or taker of every fill it makes. A verdict
is a pure function of those ints, so a remembered one is exact; refusals are not kept.

`verify_many(items)` checks a burst of (pub, msg, sig) in one kernel call and remembers
the valid ones, so the checks that follow, one at a time, find them.
"""
from __future__ import annotations

from typing import Sequence

from . import eddsa_fast

CACHE_SIZE = 1 << 14

_valid: dict[tuple, None] = {}


def _remember(key: tuple) -> None:
    if key in _valid:
        return
    if len(_valid) >= CACHE_SIZE:
        del _valid[next(iter(_valid))]
    _valid[key] = None


def verify(pub: object, msg: object, sig: object) -> bool:
    """circuits.eddsa.verify(pub, msg, sig), through the fast verifier and the cache."""
    key = eddsa_fast.inputs(pub, msg, sig)
    if key is None:
        return False
    if key in _valid:
        return True
    ok = eddsa_fast.verify(pub, msg, sig)
    if ok:
        _remember(key)
    return ok


def verify_many(items: Sequence[tuple[object, object, object]]) -> list[bool]:
    """[verify(pub, msg, sig) for pub, msg, sig in items], the new ones in one kernel call."""
    keys = [eddsa_fast.inputs(*it) if isinstance(it, tuple) and len(it) == 3 else None for it in items]
    first: dict[tuple, int] = {}                    # each new key once, in order
    for i, k in enumerate(keys):
        if k is not None and k not in _valid and k not in first:
            first[k] = i
    fresh = dict(zip(first, eddsa_fast.verify_many([items[i] for i in first.values()])))   # once per key
    for k, ok in fresh.items():
        if ok:
            _remember(k)
    return [k is not None and fresh.get(k, True) for k in keys]


def forget() -> None:
    """Drop every remembered verdict (tests; a process never needs to)."""
    _valid.clear()
