"""The R1CS container shared by the circuit builder, the circom readers and the prover.

A rank-1 constraint system over Fr with wires w[0..n_wires): for every constraint i,

    <A_i, w> * <B_i, w> = <C_i, w>

Wire layout follows circom: w[0] is the constant 1, w[1..n_public] are the public
inputs (circom's public outputs then public inputs), the rest are private.

Each of A, B, C is a `SparseMatrix` in CSR form with coefficients as canonical
4x64-bit little-endian limbs, so a circuit of a million constraints stays compact
and the prover can hand the arrays straight to its kernels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence

import numpy as np

from .field import R, ints_to_limbs, limbs_to_ints


@dataclass
class SparseMatrix:
    """CSR matrix over Fr: row i holds (indices[k], coeffs[k]) for k in indptr[i]:indptr[i+1]."""

    indptr: np.ndarray   # int64, (n_rows + 1,)
    indices: np.ndarray  # int64, (nnz,)  wire numbers
    coeffs: np.ndarray   # uint64, (nnz, 4) canonical limbs < R

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[int, int] | Sequence[tuple[int, int]]]) -> "SparseMatrix":
        """Build from rows given as {wire: coeff} or [(wire, coeff), ...]; zero coeffs dropped."""
        indptr = [0]
        indices: list[int] = []
        values: list[int] = []
        for row in rows:
            items = row.items() if isinstance(row, Mapping) else row
            for wire, coeff in items:
                c = coeff % R
                if c:
                    indices.append(int(wire))
                    values.append(c)
            indptr.append(len(indices))
        return cls(np.asarray(indptr, dtype=np.int64),
                   np.asarray(indices, dtype=np.int64),
                   ints_to_limbs(values) if values else np.zeros((0, 4), dtype=np.uint64))

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return len(self.indices)

    def coeff_ints(self) -> list[int]:
        return limbs_to_ints(self.coeffs)

    def rows(self) -> list[list[tuple[int, int]]]:
        """All rows as lists of (wire, coeff) with Python-int coefficients."""
        vals = self.coeff_ints()
        ptr = self.indptr.tolist()
        idx = self.indices.tolist()
        return [list(zip(idx[ptr[i]:ptr[i + 1]], vals[ptr[i]:ptr[i + 1]])) for i in range(self.n_rows)]

    def row(self, i: int) -> list[tuple[int, int]]:
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return list(zip(self.indices[lo:hi].tolist(), limbs_to_ints(self.coeffs[lo:hi])))

    def evaluate(self, witness: Sequence[int]) -> list[int]:
        """<row_i, w> mod R for every row (Python ints; the reference for the prover's kernel)."""
        vals = self.coeff_ints()
        ptr = self.indptr.tolist()
        idx = self.indices.tolist()
        out = []
        for i in range(self.n_rows):
            acc = 0
            for k in range(ptr[i], ptr[i + 1]):
                acc += vals[k] * witness[idx[k]]
            out.append(acc % R)
        return out


@dataclass
class R1CS:
    """A rank-1 constraint system; see the module docstring for the wire layout."""

    n_wires: int
    n_public: int
    A: SparseMatrix
    B: SparseMatrix
    C: SparseMatrix
    wire_names: Optional[list[str]] = None
    constraint_names: Optional[list[str]] = None
    prime: int = R
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.prime != R:
            raise ValueError(f"R1CS over an unsupported prime {self.prime}; only BN254's r is supported")
        n = self.A.n_rows
        if self.B.n_rows != n or self.C.n_rows != n:
            raise ValueError("A, B and C must have the same number of constraints")
        if not 0 <= self.n_public < self.n_wires:
            raise ValueError(f"n_public={self.n_public} must be below n_wires={self.n_wires}")
        for name, m in (("A", self.A), ("B", self.B), ("C", self.C)):
            if m.nnz and (int(m.indices.min()) < 0 or int(m.indices.max()) >= self.n_wires):
                raise ValueError(f"matrix {name} refers to a wire outside 0..{self.n_wires - 1}")

    @property
    def n_constraints(self) -> int:
        return self.A.n_rows

    @classmethod
    def from_rows(cls, n_wires: int, n_public: int, a_rows, b_rows, c_rows, **kw) -> "R1CS":
        return cls(n_wires, n_public, SparseMatrix.from_rows(a_rows),
                   SparseMatrix.from_rows(b_rows), SparseMatrix.from_rows(c_rows), **kw)

    def constraint_name(self, i: int) -> str:
        if self.constraint_names and i < len(self.constraint_names) and self.constraint_names[i]:
            return f"#{i} {self.constraint_names[i]}"
        return f"#{i}"

    def check_witness_shape(self, witness: Sequence[int]) -> None:
        if len(witness) != self.n_wires:
            raise ValueError(f"witness has {len(witness)} values, the circuit has {self.n_wires} wires")
        if witness[0] % R != 1:
            raise ValueError("witness[0] must be 1 (the constant wire)")

    def first_unsatisfied(self, witness: Sequence[int]) -> Optional[int]:
        """Index of the first constraint the witness violates, or None if all hold."""
        self.check_witness_shape(witness)
        a = self.A.evaluate(witness)
        b = self.B.evaluate(witness)
        c = self.C.evaluate(witness)
        for i in range(self.n_constraints):
            if (a[i] * b[i] - c[i]) % R:
                return i
        return None

    def is_satisfied(self, witness: Sequence[int]) -> bool:
        return self.first_unsatisfied(witness) is None

    def which_is_unsatisfied(self, witness: Sequence[int]) -> Optional[str]:
        """Name of the first failing constraint (e.g. '#12 poseidon.round3.sbox'), or None."""
        i = self.first_unsatisfied(witness)
        return None if i is None else self.constraint_name(i)

    def public_inputs(self, witness: Sequence[int]) -> list[int]:
        return [int(x) % R for x in witness[1:1 + self.n_public]]
