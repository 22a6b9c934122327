"""Groth16 proving keys: one in-memory layout for our own keys and snarkjs `.zkey` files.

Both are held in the snarkjs layout, so one prover serves both:

* `A[j] = [A_j(tau)]_1`, `B1[j] = [B_j(tau)]_1`, `B2[j] = [B_j(tau)]_2` for every wire j;
* `C[j] = [(beta*A_j + alpha*B_j + C_j)(tau) / delta]_1` for the private wires
  j = n_public+1 .. n_vars-1 (stored from index 0);
* `H[i] = [L_{2i+1}(tau) / delta]_1` for i < n, where L_k is the k-th Lagrange polynomial of the
  2n-th roots of unity: the prover multiplies them by (a*b - c) evaluated on the odd 2n-th roots,
  which equals h(tau)*Z(tau)/delta without any division (see prover/qap.py);
* the QAP rows: the constraints' A and B rows plus, for every public wire p (0..n_public), a row
  `A[n_constraints + p] = {p: 1}` that makes the IC terms independent (snarkjs's convention);
  `qap_A` holds those extra rows explicitly, as a `.zkey` coefficient section does.

Points are affine, coordinates in Montgomery form as 4x64-bit limbs (Fq), G1 rows of 8
uint64 [x, y], G2 rows of 16 [x.c0, x.c1, y.c0, y.c1]; the point at infinity is all zeros
(as in `.zkey` files). The file format is msgpack with a format tag and version; arrays are
stored as raw little-endian bytes.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

import msgpack
import numpy as np

from circuits.binfile import MAX_FILE_BYTES, open_regular
from circuits.r1cs import R1CS, SparseMatrix


PK_FORMAT = "zkrollup-groth16-pk"
PK_VERSION = 1


class KeyFormatError(ValueError):
    """A proving-key file that is corrupt, truncated or of another format/version."""


@dataclass
class ProvingKey:
    n_vars: int                 # wires, including the constant wire 0
    n_public: int               # public inputs (wires 1..n_public)
    domain_size: int            # n, a power of two >= n_constraints + n_public + 1
    n_constraints: int
    alpha1: np.ndarray          # (8,) uint64
    beta1: np.ndarray           # (8,)
    beta2: np.ndarray           # (16,)
    gamma2: np.ndarray          # (16,)
    delta1: np.ndarray          # (8,)
    delta2: np.ndarray          # (16,)
    A: np.ndarray               # (n_vars, 8)
    B1: np.ndarray              # (n_vars, 8)
    B2: np.ndarray              # (n_vars, 16)
    C: np.ndarray               # (n_vars - n_public - 1, 8)
    H: np.ndarray               # (domain_size, 8)
    IC: np.ndarray              # (n_public + 1, 8)
    qap_A: SparseMatrix         # n_constraints + n_public + 1 rows: constraints, then {p: 1} rows
    qap_B: SparseMatrix         # n_constraints rows
    qap_C: Optional[SparseMatrix] = None  # present for our keys: lets us name an unsatisfied constraint
    source: str = "zkrollup"    # "zkrollup" or "zkey"
    meta: dict = field(default_factory=dict)

    def r1cs(self) -> Optional[R1CS]:
        """The constraint system, when the key carries C (our own keys)."""
        if self.qap_C is None:
            return None
        nc = self.n_constraints
        a = self.qap_A
        hi = int(a.indptr[nc])
        a_rows = SparseMatrix(a.indptr[:nc + 1].copy(), a.indices[:hi].copy(), a.coeffs[:hi].copy())
        return R1CS(self.n_vars, self.n_public, a_rows, self.qap_B, self.qap_C)

    def check_shapes(self) -> None:
        n, m = self.n_vars, self.domain_size
        want = {"alpha1": (8,), "beta1": (8,), "beta2": (16,), "gamma2": (16,), "delta1": (8,),
                "delta2": (16,), "A": (n, 8), "B1": (n, 8), "B2": (n, 16),
                "C": (n - self.n_public - 1, 8), "H": (m, 8), "IC": (self.n_public + 1, 8)}
        for name, shape in want.items():
            arr = getattr(self, name)
            if arr.shape != shape or arr.dtype != np.uint64:
                raise KeyFormatError(f"proving key field {name} has shape {arr.shape}, expected {shape}")
        if m & (m - 1) or m < self.n_constraints + self.n_public + 1:
            raise KeyFormatError(f"domain size {m} is not a power of two >= constraints + public + 1")
        rows = {"qap_A": self.n_constraints + self.n_public + 1, "qap_B": self.n_constraints,
                "qap_C": self.n_constraints}
        for name, mat in (("qap_A", self.qap_A), ("qap_B", self.qap_B), ("qap_C", self.qap_C)):
            if mat is None:
                continue
            if mat.n_rows != rows[name]:
                raise KeyFormatError(f"{name} has {mat.n_rows} rows, expected {rows[name]}")
            if mat.nnz and (int(mat.indices.min()) < 0 or int(mat.indices.max()) >= n):
                raise KeyFormatError(f"{name} refers to a wire outside 0..{n - 1}")

    def fingerprint(self) -> str:
        """SHA-256 over the verification-key points (identifies the circuit + ceremony)."""
        h = hashlib.sha256()
        for arr in (self.alpha1, self.beta2, self.gamma2, self.delta2, self.IC):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


# --- msgpack file format ------------------------------------------------------------------------

_ARRAYS = ("alpha1", "beta1", "beta2", "gamma2", "delta1", "delta2", "A", "B1", "B2", "C", "H", "IC")
_WIDTH = {"alpha1": 8, "beta1": 8, "beta2": 16, "gamma2": 16, "delta1": 8, "delta2": 16,
          "A": 8, "B1": 8, "B2": 16, "C": 8, "H": 8, "IC": 8}


def _unpack_matrix(d, name: str) -> Optional[SparseMatrix]:
    if d is None:
        return None
    try:
        indptr = np.frombuffer(d["indptr"], dtype="<i8").astype(np.int64)
        indices = np.frombuffer(d["indices"], dtype="<i8").astype(np.int64)
        coeffs = np.frombuffer(d["coeffs"], dtype="<u8").astype(np.uint64).reshape(-1, 4)
    except (KeyError, TypeError, ValueError) as e:
        raise KeyFormatError(f"proving key matrix {name} is malformed ({e})") from None
    if (len(indptr) < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0)
            or indptr[-1] != len(indices) or len(coeffs) != len(indices)):
        raise KeyFormatError(f"proving key matrix {name} is inconsistent")
    return SparseMatrix(indptr, indices, coeffs)


def _bin_header(n: int) -> bytes:
    """msgpack's bin 8/16/32 header for n bytes (msgpack's Packer has no streaming bin)."""
    if n < 1 << 8:
        return bytes((0xc4, n))
    if n < 1 << 16:
        return b"\xc5" + n.to_bytes(2, "big")
    if n < 1 << 32:
        return b"\xc6" + n.to_bytes(4, "big")
    raise ValueError(f"an array of {n} bytes does not fit a msgpack bin (< 4 GiB)")


def _write_bin(f, arr: np.ndarray, dtype: str) -> None:
    a = np.ascontiguousarray(arr, dtype=dtype)
    f.write(_bin_header(a.nbytes))
    if a.nbytes:                # an empty array (no private wires, no C entries) has no bytes
        f.write(memoryview(a).cast("B"))


def _write_matrix(f, packer, m: Optional[SparseMatrix]) -> None:
    if m is None:
        f.write(packer.pack(None))
        return
    f.write(packer.pack_map_header(3))
    for name, arr, dtype in (("indptr", m.indptr, "<i8"), ("indices", m.indices, "<i8"),
                             ("coeffs", m.coeffs, "<u8")):
        f.write(packer.pack(name))
        _write_bin(f, arr, dtype)


def save_proving_key(pk: ProvingKey, path: str) -> None:
    """Write `pk` as one msgpack map, every array streamed from memory to the file (no copy
    of the key is built in memory: a 4-million-constraint key is gigabytes)."""
    import os
    small = {"format": PK_FORMAT, "version": PK_VERSION, "curve": "bn128",
             "n_vars": pk.n_vars, "n_public": pk.n_public, "domain_size": pk.domain_size,
             "n_constraints": pk.n_constraints, "source": pk.source, "meta": pk.meta}
    packer = msgpack.Packer(use_bin_type=True)
    tmp = f"{path}.tmp"
    try:
        digest = _write_key(tmp, packer, small, pk)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    st = os.stat(tmp)
    os.replace(tmp, path)
    from .key_store import remember_digest
    remember_digest(path, digest, st)       # the prover pool names the key by it


class _Hashing:
    """A binary file that hashes (SHA-256) what is written to it."""

    def __init__(self, f):
        self.f, self.h = f, hashlib.sha256()

    def write(self, b) -> int:
        self.h.update(b)
        return self.f.write(b)


def _write_key(tmp: str, packer, small: dict, pk: ProvingKey) -> str:
    """Write the key to `tmp`; returns the SHA-256 of the bytes written."""
    with open(tmp, "wb") as raw:
        f = _Hashing(raw)
        f.write(packer.pack_map_header(len(small) + 3 + len(_ARRAYS)))
        for k, v in small.items():
            f.write(packer.pack(k))
            f.write(packer.pack(v))
        for name in ("qap_A", "qap_B", "qap_C"):
            f.write(packer.pack(name))
            _write_matrix(f, packer, getattr(pk, name))
        for name in _ARRAYS:
            f.write(packer.pack(name))
            _write_bin(f, getattr(pk, name), "<u8")
    return f.h.hexdigest()


def _read_doc(path: str) -> dict:
    """The key file's top-level map, read value by value (the peak is the key plus its
    largest array, not three copies of the whole file)."""
    f, size = open_regular(path, MAX_FILE_BYTES, KeyFormatError, "proving key")
    with f:
        u = msgpack.Unpacker(f, raw=False, strict_map_key=False, max_buffer_size=max(size, 1 << 22),
                             read_size=1 << 22)
        try:
            n = u.read_map_header()
        except Exception:       # empty, or another msgpack type at the top
            raise KeyFormatError(f"{path} is not a zkrollup Groth16 proving key") from None
        try:
            doc = {}
            for _ in range(n):
                k = u.unpack()
                doc[k] = u.unpack()
        except Exception as e:  # msgpack raises several unrelated types for corrupt input
            raise KeyFormatError(f"{path} is not a proving key (msgpack: {type(e).__name__})") from None
        if u.tell() != size:
            raise KeyFormatError(f"{path} is not a proving key ({size - u.tell()} bytes after its map)")
        return doc


def load_proving_key(path: str, *, validate: bool = True) -> ProvingKey:
    """Read a key written by `save_proving_key`; KeyFormatError for anything malformed.

    validate=False skips the point checks (one pass over every point): only for a file this
    process or `prover.key_store` validated before (a cache entry named by its content hash)."""
    doc = _read_doc(path)
    if not isinstance(doc, dict) or doc.get("format") != PK_FORMAT:
        raise KeyFormatError(f"{path} is not a zkrollup Groth16 proving key")
    if doc.get("version") != PK_VERSION:
        raise KeyFormatError(f"{path} has proving-key format version {doc.get('version')}, "
                             f"this build reads version {PK_VERSION}")
    if doc.get("curve") != "bn128":
        raise KeyFormatError(f"{path} is for curve {doc.get('curve')!r}, only bn128 is supported")
    try:
        arrays = {}
        for name in _ARRAYS:
            buf = doc.pop(name)
            if not isinstance(buf, bytes) or len(buf) % (8 * _WIDTH[name]):
                raise KeyFormatError(f"{path}: field {name} is truncated or malformed")
            a = np.frombuffer(buf, dtype="<u8").astype(np.uint64)
            del buf
            arrays[name] = a if name in ("alpha1", "beta1", "beta2", "gamma2", "delta1", "delta2") \
                else a.reshape(-1, _WIDTH[name])
        pk = ProvingKey(int(doc["n_vars"]), int(doc["n_public"]), int(doc["domain_size"]),
                        int(doc["n_constraints"]), **arrays,
                        qap_A=_unpack_matrix(doc["qap_A"], "A"), qap_B=_unpack_matrix(doc["qap_B"], "B"),
                        qap_C=_unpack_matrix(doc.get("qap_C"), "C"),
                        source=str(doc.get("source", "zkrollup")), meta=dict(doc.get("meta") or {}))
    except KeyError as e:
        raise KeyFormatError(f"{path}: proving key lacks field {e.args[0]}") from None
    except (TypeError, ValueError) as e:
        if isinstance(e, KeyFormatError):
            raise
        raise KeyFormatError(f"{path}: malformed proving key ({e})") from None
    pk.check_shapes()
    if validate:
        _check_points(pk, path)
    return pk


def _check_points(pk: ProvingKey, path: str) -> None:
    """Every point of the key has coordinates below q and lies on its curve (one Numba pass).
    The G2 subgroup of beta/gamma/delta is the verifier's to check (it does)."""
    from .group import first_invalid_point
    for name in _ARRAYS:
        arr = getattr(pk, name)
        arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
        if len(arr):
            bad = first_invalid_point(arr)
            if bad is not None:
                raise KeyFormatError(f"{path}: {name} point {bad[0]} {bad[1]}")
