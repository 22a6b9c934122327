"""The plain twin of `prover.fr_vec`, same API: Fr vectors as (n, 4) uint64 Montgomery arrays,
computed with Python ints (each function converts in, computes with `%`, converts out)."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from circuits.field import R, limbs_to_ints
from prover.convert import from_mont, to_mont
from prover.mont import FR


def check_array(a, name: str = "array") -> np.ndarray:
    if not isinstance(a, np.ndarray) or a.dtype != np.uint64 or a.ndim != 2 or a.shape[1] != 4:
        got = f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(f"{name} must be a (n, 4) uint64 array of Fr limbs, got {got}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (use np.ascontiguousarray)")
    return a


def _ints(a: np.ndarray, name: str) -> list[int]:
    return from_mont(check_array(a, name), FR)


def _put(vals: Sequence[int], out: Optional[np.ndarray]) -> np.ndarray:
    arr = to_mont(vals, FR) if len(vals) else np.zeros((0, 4), dtype=np.uint64)
    if out is None:
        return arr
    check_array(out, "out")
    if out.shape[0] != len(vals):
        raise ValueError(f"out has {out.shape[0]} rows, expected {len(vals)}")
    out[...] = arr
    return out


def _pair(a, b) -> tuple[list[int], list[int]]:
    x, y = _ints(a, "a"), _ints(b, "b")
    if len(x) != len(y):
        raise ValueError(f"length mismatch: {len(x)} vs {len(y)}")
    return x, y


def mul(a, b, out=None):
    x, y = _pair(a, b)
    return _put([u * v % R for u, v in zip(x, y)], out)


def add(a, b, out=None):
    x, y = _pair(a, b)
    return _put([(u + v) % R for u, v in zip(x, y)], out)


def sub(a, b, out=None):
    x, y = _pair(a, b)
    return _put([(u - v) % R for u, v in zip(x, y)], out)


def scale(a, c: int, out=None):
    return _put([u * int(c) % R for u in _ints(a, "a")], out)


def power(a, e: int, out=None):
    e = int(e)
    if not 0 <= e < 1 << 256:
        raise ValueError("exponent must be in [0, 2^256); reduce it mod r-1 first")
    return _put([pow(u, e, R) for u in _ints(a, "a")], out)


def batch_inverse(a):
    return _put([pow(u, -1, R) if u else 0 for u in _ints(a, "a")], None)


def inverse(x: int) -> int:
    x %= R
    if x == 0:
        raise ZeroDivisionError("inverse of 0 in Fr")
    return pow(x, R - 2, R)


def _canonical_ints(a: np.ndarray, what: str) -> list[int]:
    vals = limbs_to_ints(check_array(a, "a"))
    for i, v in enumerate(vals):
        if v >= R:
            raise ValueError(f"{what} {i} is not a field element below r: {v}")
    return vals


def to_montgomery(a, out=None, *, check: bool = True):
    vals = _canonical_ints(a, "element") if check else [v % R for v in limbs_to_ints(check_array(a, "a"))]
    return _put(vals, out)


def from_montgomery(a, out=None):
    vals = _ints(a, "a")
    arr = np.array([[(v >> (64 * i)) & ((1 << 64) - 1) for i in range(4)] for v in vals],
                   dtype=np.uint64).reshape(-1, 4)
    if out is None:
        return arr
    out[...] = arr
    return out


def limbs_from_ints(values: Sequence[int]) -> np.ndarray:
    for i, v in enumerate(values):
        if not isinstance(v, int) or not 0 <= v < R:
            raise ValueError(f"value {i} is not a field element below r: {v!r}")
    return np.array([[(v >> (64 * i)) & ((1 << 64) - 1) for i in range(4)] for v in values],
                    dtype=np.uint64).reshape(-1, 4)


def from_ints(values: Sequence[int]) -> np.ndarray:
    return _put(list(limbs_to_ints(limbs_from_ints(values))), None)


def to_ints(a) -> list[int]:
    return _ints(a, "a")


def limbs_from_bytes(buf, n: Optional[int] = None) -> np.ndarray:
    raw = bytes(memoryview(buf).cast("B"))
    if n is None:
        if len(raw) % 32:
            raise ValueError(f"byte length {len(raw)} is not a multiple of 32")
        n = len(raw) // 32
    elif len(raw) < 32 * n:
        raise ValueError(f"need {32 * n} bytes for {n} elements, got {len(raw)}")
    vals = [int.from_bytes(raw[32 * i:32 * i + 32], "little") for i in range(n)]
    for i, v in enumerate(vals):
        if v >= R:
            raise ValueError(f"element {i} is not a field element below r: {v}")
    return limbs_from_ints(vals)


def from_bytes(buf, n: Optional[int] = None) -> np.ndarray:
    return _put(limbs_to_ints(limbs_from_bytes(buf, n)), None)


def zeros(n: int) -> np.ndarray:
    return np.zeros((n, 4), dtype=np.uint64)


class MontCSR:
    """Twin of `prover.fr_vec.MontCSR`: the same constructors, `matvec` with Python ints."""

    def __init__(self, indptr, indices, coeffs_ints: list[int]):
        self.indptr = [int(x) for x in indptr]
        self.indices = [int(x) for x in indices]
        self.coeffs = coeffs_ints
        self.n_rows = len(self.indptr) - 1
        self.nnz = len(self.indices)
        self.n_cols_min = max(self.indices) + 1 if self.indices else 0

    @classmethod
    def from_sparse(cls, m) -> "MontCSR":
        coeffs = np.ascontiguousarray(m.coeffs, dtype=np.uint64).reshape(-1, 4)
        return cls(m.indptr, m.indices, _canonical_ints(coeffs, "coefficient") if len(coeffs) else [])

    @classmethod
    def from_montgomery(cls, indptr, indices, coeffs_mont) -> "MontCSR":
        coeffs = np.ascontiguousarray(coeffs_mont, dtype=np.uint64)
        _canonical_ints(coeffs, "coefficient")
        return cls(indptr, indices, from_mont(coeffs, FR) if len(coeffs) else [])

    def matvec(self, w, out=None):
        ws = _ints(w, "w")
        if len(ws) < self.n_cols_min:
            raise ValueError(f"w has {len(ws)} entries, the matrix refers to wire {self.n_cols_min - 1}")
        vals = [sum(self.coeffs[k] * ws[self.indices[k]] for k in range(self.indptr[i], self.indptr[i + 1])) % R
                for i in range(self.n_rows)]
        if out is None:
            return _put(vals, None)
        check_array(out, "out")
        if out.shape[0] < self.n_rows:
            raise ValueError(f"out has {out.shape[0]} rows, the matrix has {self.n_rows}")
        out[:self.n_rows] = _put(vals, None)
        return out
