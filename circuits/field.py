"""The scalar field Fr of BN254: the field every circuit and witness lives in.

Values are plain Python ints in [0, R). Bulk conversions to and from 4x64-bit
little-endian limb arrays (the layout the prover's kernels and circom's binary
files use) go through bytes, which is far faster than per-limb arithmetic.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
"""Order of BN254's G1/G2 subgroups; the prime of every circuit."""

R_BITS = 254
FIELD_BYTES = 32


def fr(x: int) -> int:
    """Reduce any integer (including negatives) into [0, R)."""
    return x % R


def inv(x: int) -> int:
    """Multiplicative inverse in Fr; raises ZeroDivisionError for 0."""
    x %= R
    if x == 0:
        raise ZeroDivisionError("inverse of 0 in Fr")
    return pow(x, R - 2, R)


def to_signed(x: int) -> int:
    """Read a field element as a signed integer in (-R/2, R/2]."""
    x %= R
    return x - R if x > R // 2 else x


def ints_to_limbs(values: Iterable[int]) -> np.ndarray:
    """Canonical ints in [0, 2^256) to a (n, 4) uint64 array, little-endian limbs."""
    buf = b"".join(int(v).to_bytes(FIELD_BYTES, "little") for v in values)
    return np.frombuffer(buf, dtype="<u8").reshape(-1, 4).astype(np.uint64)


def limbs_to_ints(limbs: np.ndarray) -> list[int]:
    """A (n, 4) uint64 array of little-endian limbs back to Python ints."""
    raw = np.ascontiguousarray(limbs, dtype="<u8").tobytes()
    return [int.from_bytes(raw[i:i + FIELD_BYTES], "little")
            for i in range(0, len(raw), FIELD_BYTES)]


def check_elements(values: Sequence[int], what: str = "value") -> None:
    """Raise ValueError unless every value is an int in [0, R)."""
    for i, v in enumerate(values):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
            raise ValueError(f"{what} {i} is not a field element below r: {v!r}")
