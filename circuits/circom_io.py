"""circom's binary `.r1cs` and `.wtns` files, read into and written from our own types.

`.r1cs` (magic "r1cs", version 1), sections by type:
  1 header:      field size n8 u32 | prime (n8 bytes) | nWires u32 | nPubOut u32 | nPubIn u32 |
                 nPrvIn u32 | nLabels u64 | mConstraints u32
  2 constraints: per constraint, for A, B, C in turn: nTerms u32, then nTerms x
                 (wire u32 | coefficient n8 bytes, canonical little-endian)
  3 wire->label: nWires x u64 (optional)
  4, 5 custom gates list / uses (PLONK only): accepted only when empty.
Wires: 0 is the constant 1, then public outputs, public inputs, private inputs,
intermediates; so `R1CS.n_public = nPubOut + nPubIn`, and the three counts are kept in
`R1CS.meta` ("n_pub_out", "n_pub_in", "n_prv_in", plus "n_labels", "wire_to_label").

`.wtns` (magic "wtns", version 2; version 1 has the same layout and is accepted):
  1 header: n8 u32 | prime (n8 bytes) | nWitness u32
  2 values: nWitness x n8 bytes, canonical little-endian.

Enforced on reading: the container (see `circuits.binfile`), the prime is BN254's r (other
curves are named in the error), a 32-byte field, header sizes, counts consistent with the
section sizes, every value below the prime, every wire index below nWires, no custom
gates. Each problem raises `CircomFormatError`: one line naming the file and the fault.

Speed: the constraints section is variable-length, so it is walked by a Numba kernel
(`_scan_constraints`, then `_fill_constraints`) rather than per-term Python code; the
range checks and the witness values are vectorised numpy. `_parse_constraints_ref` and
`_emit_constraints_ref` are the plain-Python twins the tests compare against.
"""
from __future__ import annotations

import os
import struct
from typing import Sequence

import numpy as np
from numba import njit

from .binfile import BinFileError, BinFile, build_binfile, load_bytes, parse_binfile
from .field import FIELD_BYTES, R, ints_to_limbs, limbs_to_ints
from .r1cs import R1CS, SparseMatrix

R1CS_VERSION = 1
WTNS_VERSION = 2
SEC_HEADER, SEC_CONSTRAINTS, SEC_WIRE2LABEL, SEC_CUSTOM_LIST, SEC_CUSTOM_USES = 1, 2, 3, 4, 5
_TERM = 4 + FIELD_BYTES          # one (wire, coefficient) term in the constraints section
_R1CS_HEADER_SIZE = 4 + FIELD_BYTES + 4 * 4 + 8 + 4

KNOWN_PRIMES = {
    R: "bn128 (BN254)",
    21888242871839275222246405745257275088696311157297823662689037894645226208583: "grumpkin (BN254's base field)",
    52435875175126190479447740508185965837690552500527637822603658699938581184513: "bls12381",
    8444461749428370424248824938781546531375899335154063827935233455917409239041: "bls12377",
    18446744069414584321: "goldilocks",
    28948022309329048855892746252171976963363056481941560715954676764349967630337: "pallas",
    28948022309329048855892746252171976963363056481941647379679742748393362948097: "vesta",
    115792089210356248762697446949407573530086143415290314195533631308867097853951: "secq256r1",
}


class CircomFormatError(BinFileError):
    """A malformed or unsupported .r1cs / .wtns file (a ValueError)."""


def describe_prime(p: int) -> str:
    """A human name for a circuit prime, e.g. 'bls12381', or its hex value if unknown."""
    name = KNOWN_PRIMES.get(p)
    return f"the {name} prime" if name else f"an unknown prime {p:#x}"


def _check_prime(fail, n8: int, prime: int, what: str) -> None:
    if prime != R:
        fail(f"{what} is over {describe_prime(prime)}; only bn128 (BN254, prime r = {R}) is supported")
    if n8 != FIELD_BYTES:
        fail(f"field size {n8} bytes, expected {FIELD_BYTES} for bn128")


# --- vectorised checks ----------------------------------------------------------------

_R_LIMBS = tuple(np.uint64((R >> (64 * i)) & ((1 << 64) - 1)) for i in range(4))


def limbs_below_r(limbs: np.ndarray) -> np.ndarray:
    """Boolean mask: which rows of a (n, 4) little-endian limb array are < r."""
    lt = np.zeros(len(limbs), dtype=bool)
    eq = np.ones(len(limbs), dtype=bool)
    for j in (3, 2, 1, 0):
        col = limbs[:, j]
        lt |= eq & (col < _R_LIMBS[j])
        eq &= col == _R_LIMBS[j]
    return lt


def _first_not_below_r(limbs: np.ndarray) -> int:
    """Index of the first value >= r, or -1."""
    bad = np.flatnonzero(~limbs_below_r(limbs))
    return int(bad[0]) if len(bad) else -1


def _bytes_to_limbs(raw: np.ndarray) -> np.ndarray:
    """(n, 32) uint8 little-endian -> (n, 4) native uint64."""
    return np.ascontiguousarray(raw).view("<u8").reshape(-1, 4).astype(np.uint64, copy=False)


# --- constraints section: Numba kernels -------------------------------------------------

_OK, _E_COUNT, _E_TERMS, _E_TRAILING = 0, 1, 2, 3


@njit(cache=True)
def _u32(buf, p):
    return (np.int64(buf[p]) | (np.int64(buf[p + 1]) << 8)
            | (np.int64(buf[p + 2]) << 16) | (np.int64(buf[p + 3]) << 24))


@njit(cache=True)
def _scan_constraints(buf, start, end, m, term, counts):
    """Walk m constraints in buf[start:end], storing each LC's term count in counts (m, 3).

    Returns (offset, code): code 0 when the walk ends exactly at `end`; otherwise the
    offset of the fault and 1 (count cut off), 2 (terms cut off) or 3 (bytes left over).
    """
    pos = start
    for c in range(m):
        for k in range(3):
            if end - pos < 4:
                return pos, 1
            n = _u32(buf, pos)
            pos += 4
            if n > (end - pos) // term:
                return pos, 2
            counts[c, k] = n
            pos += n * term
    if pos != end:
        return pos, 3
    return pos, 0


@njit(cache=True)
def _copy_lc(buf, pos, n8, first, n, wires, coefs):
    for t in range(n):
        wires[first + t] = _u32(buf, pos)
        pos += 4
        for b in range(n8):
            coefs[first + t, b] = buf[pos + b]
        pos += n8
    return pos


@njit(cache=True)
def _fill_constraints(buf, start, m, n8, pa, wa, ca, pb, wb, cb, pc, wc, cc):
    """Second walk (counts already validated): copy wires and coefficient bytes out."""
    pos = start
    for c in range(m):
        pos = _copy_lc(buf, pos + 4, n8, pa[c], pa[c + 1] - pa[c], wa, ca)
        pos = _copy_lc(buf, pos + 4, n8, pb[c], pb[c + 1] - pb[c], wb, cb)
        pos = _copy_lc(buf, pos + 4, n8, pc[c], pc[c + 1] - pc[c], wc, cc)
    return pos


@njit(cache=True)
def _put_u32(out, pos, v):
    out[pos] = v & 0xFF
    out[pos + 1] = (v >> 8) & 0xFF
    out[pos + 2] = (v >> 16) & 0xFF
    out[pos + 3] = (v >> 24) & 0xFF


@njit(cache=True)
def _emit_lc(out, pos, lo, hi, wires, coefs):
    _put_u32(out, pos, hi - lo)
    pos += 4
    for k in range(lo, hi):
        _put_u32(out, pos, wires[k])
        pos += 4
        for b in range(32):
            out[pos + b] = coefs[k, b]
        pos += 32
    return pos


@njit(cache=True)
def _emit_constraints(out, m, pa, wa, ca, pb, wb, cb, pc, wc, cc):
    """Write m constraints (A, B, C rows in CSR, coefficients as (nnz, 32) uint8) into out."""
    pos = 0
    for c in range(m):
        pos = _emit_lc(out, pos, pa[c], pa[c + 1], wa, ca)
        pos = _emit_lc(out, pos, pb[c], pb[c + 1], wb, cb)
        pos = _emit_lc(out, pos, pc[c], pc[c + 1], wc, cc)
    return pos


# --- constraints section: plain-Python twins (reference for the tests) --------------------

def _parse_constraints_ref(data: bytes, start: int, end: int, m: int, n8: int = FIELD_BYTES):
    """Reference parser: returns [(indptr, wires, coefficient ints)] for A, B, C, or raises
    ValueError on the same faults `_scan_constraints` reports."""
    mats = [([0], [], []) for _ in range(3)]
    pos = start
    for _ in range(m):
        for ptr, wires, vals in mats:
            if end - pos < 4:
                raise ValueError("term count cut off")
            (n,) = struct.unpack_from("<I", data, pos)
            pos += 4
            if pos + n * (4 + n8) > end:
                raise ValueError("terms cut off")
            for _t in range(n):
                (w,) = struct.unpack_from("<I", data, pos)
                wires.append(w)
                vals.append(int.from_bytes(data[pos + 4:pos + 4 + n8], "little"))
                pos += 4 + n8
            ptr.append(len(wires))
    if pos != end:
        raise ValueError("bytes left over")
    return mats


def _emit_constraints_ref(A: SparseMatrix, B: SparseMatrix, C: SparseMatrix) -> bytes:
    """Reference writer of the constraints section payload."""
    out = bytearray()
    rows = [A.rows(), B.rows(), C.rows()]
    for i in range(A.n_rows):
        for mat in rows:
            out += struct.pack("<I", len(mat[i]))
            for w, v in mat[i]:
                out += struct.pack("<I", w) + v.to_bytes(FIELD_BYTES, "little")
    return bytes(out)


# --- .r1cs ------------------------------------------------------------------------------

def _check_custom_gates(bf: BinFile) -> None:
    for kind, what in ((SEC_CUSTOM_LIST, "custom gates list"), (SEC_CUSTOM_USES, "custom gates uses")):
        if bf.has(kind):
            n = bf.reader(kind, what).u32("count")
            if n:
                bf.fail(f"uses {n} custom gate {'templates' if kind == SEC_CUSTOM_LIST else 'applications'} "
                        "(PLONK custom gates); only plain R1CS is supported")


def _read_constraints(bf: BinFile, m: int, n_wires: int):
    off, size = bf.section(SEC_CONSTRAINTS, "constraints")
    if m * 12 > size:
        bf.fail(f"header says {m} constraints, the constraints section ({size} bytes) "
                f"cannot hold more than {size // 12}")
    buf = np.frombuffer(bf.data, dtype=np.uint8)
    counts = np.zeros((m, 3), dtype=np.int64)
    pos, code = _scan_constraints(buf, off, off + size, m, _TERM, counts)
    if code == _E_COUNT:
        bf.fail(f"section 2 (constraints): truncated: a term count at offset {pos} is cut off "
                f"(the header says {m} constraints)")
    if code == _E_TERMS:
        bf.fail(f"section 2 (constraints): truncated: the terms after offset {pos} run past the section end")
    if code == _E_TRAILING:
        bf.fail(f"section 2 (constraints): {off + size - pos} bytes left after the {m} constraints "
                "the header declares")
    mats = []
    for k in range(3):
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(counts[:, k], out=indptr[1:])
        nnz = int(indptr[-1])
        mats.append((indptr, np.empty(nnz, dtype=np.int64), np.empty((nnz, FIELD_BYTES), dtype=np.uint8)))
    (pa, wa, ca), (pb, wb, cb), (pc, wc, cc) = mats
    _fill_constraints(buf, off, m, FIELD_BYTES, pa, wa, ca, pb, wb, cb, pc, wc, cc)
    out = []
    for name, (indptr, wires, raw) in zip("ABC", mats):
        coefs = _bytes_to_limbs(raw)
        bad = _first_not_below_r(coefs)
        if bad >= 0:
            row = int(np.searchsorted(indptr, bad, side="right")) - 1
            bf.fail(f"constraint {row}: a coefficient of {name} is not below the prime")
        if len(wires) and int(wires.max()) >= n_wires:
            k = int(np.argmax(wires >= n_wires))
            row = int(np.searchsorted(indptr, k, side="right")) - 1
            bf.fail(f"constraint {row}: {name} refers to wire {int(wires[k])}, but nWires = {n_wires}")
        out.append(SparseMatrix(indptr, wires, coefs))
    return out


def parse_r1cs(data: bytes, name: str = "<r1cs>") -> R1CS:
    """Parse the bytes of a circom .r1cs file (see the module docstring for what is checked)."""
    bf = parse_binfile(data, name=name, magic=b"r1cs", versions=(R1CS_VERSION,), error=CircomFormatError)
    h = bf.reader(SEC_HEADER, "header")
    n8 = h.u32("field size")
    if n8 == 0 or n8 % 8 or n8 > 64:
        h.fail(f"implausible field size {n8} bytes")
    prime = h.bigint(n8, "prime")
    _check_prime(bf.fail, n8, prime, "circuit")
    n_wires = h.u32("nWires")
    n_pub_out = h.u32("nPubOut")
    n_pub_in = h.u32("nPubIn")
    n_prv_in = h.u32("nPrvIn")
    n_labels = h.u64("nLabels")
    m = h.u32("mConstraints")
    h.done()
    if n_wires < 1:
        bf.fail("nWires is 0 (wire 0, the constant 1, always exists)")
    if 1 + n_pub_out + n_pub_in + n_prv_in > n_wires:
        bf.fail(f"1 + nPubOut {n_pub_out} + nPubIn {n_pub_in} + nPrvIn {n_prv_in} exceeds nWires {n_wires}")
    _check_custom_gates(bf)
    A, B, C = _read_constraints(bf, m, n_wires)

    wire_to_label = None
    if bf.has(SEC_WIRE2LABEL):
        off, size = bf.section(SEC_WIRE2LABEL, "wire-to-label map")
        if size != 8 * n_wires:
            bf.fail(f"section 3 (wire-to-label map) has {size} bytes, expected 8 x nWires = {8 * n_wires}")
        wire_to_label = np.frombuffer(data, dtype="<u8", count=n_wires, offset=off).astype(np.uint64)
        if n_wires and int(wire_to_label.max()) >= n_labels:
            bf.fail(f"section 3 (wire-to-label map) refers to label {int(wire_to_label.max())}, "
                    f"but nLabels = {n_labels}")
    meta = {"n_pub_out": n_pub_out, "n_pub_in": n_pub_in, "n_prv_in": n_prv_in,
            "n_labels": n_labels, "wire_to_label": wire_to_label, "source": name}
    try:
        return R1CS(n_wires, n_pub_out + n_pub_in, A, B, C, prime=prime, meta=meta)
    except ValueError as e:  # R1CS's own checks; ours above should already have caught them
        bf.fail(str(e))


def read_r1cs(path) -> R1CS:
    """Read a circom .r1cs file into an `R1CS` (raises CircomFormatError on any fault)."""
    return parse_r1cs(load_bytes(path, CircomFormatError), os.fspath(path))


def _header_counts(r1cs: R1CS) -> tuple[int, int, int]:
    """(nPubOut, nPubIn, nPrvIn): from meta when consistent, else all publics as inputs."""
    meta = r1cs.meta or {}
    out, pin, prv = (meta.get(k) for k in ("n_pub_out", "n_pub_in", "n_prv_in"))
    if (isinstance(out, int) and isinstance(pin, int) and isinstance(prv, int) and out >= 0 and pin >= 0
            and prv >= 0 and out + pin == r1cs.n_public and 1 + out + pin + prv <= r1cs.n_wires):
        return out, pin, prv
    return 0, r1cs.n_public, 0


def _wire_labels(r1cs: R1CS) -> tuple[np.ndarray, int]:
    meta = r1cs.meta or {}
    w2l, n_labels = meta.get("wire_to_label"), meta.get("n_labels")
    if (isinstance(w2l, np.ndarray) and w2l.shape == (r1cs.n_wires,) and isinstance(n_labels, int)
            and (r1cs.n_wires == 0 or int(w2l.max()) < n_labels)):
        return w2l.astype("<u8"), n_labels
    return np.arange(r1cs.n_wires, dtype="<u8"), r1cs.n_wires


def _matrix_parts(mat: SparseMatrix):
    indptr = np.ascontiguousarray(mat.indptr, dtype=np.int64)
    wires = np.ascontiguousarray(mat.indices, dtype=np.int64)
    coefs = np.ascontiguousarray(mat.coeffs, dtype="<u8").view(np.uint8).reshape(-1, FIELD_BYTES)
    return indptr, wires, coefs


def constraints_payload(r1cs: R1CS) -> np.ndarray:
    """The constraints section payload of `r1cs` as a uint8 array (Numba writer)."""
    parts = [_matrix_parts(m) for m in (r1cs.A, r1cs.B, r1cs.C)]
    m = r1cs.n_constraints
    nnz = sum(len(p[1]) for p in parts)
    for name, (_, wires, _c), mat in zip("ABC", parts, (r1cs.A, r1cs.B, r1cs.C)):
        if len(wires) and (int(wires.min()) < 0 or int(wires.max()) >= r1cs.n_wires):
            raise ValueError(f"matrix {name} refers to a wire outside 0..{r1cs.n_wires - 1}")
        if _first_not_below_r(np.asarray(mat.coeffs, dtype=np.uint64)) >= 0:
            raise ValueError(f"matrix {name} has a coefficient that is not below r")
    out = np.empty(12 * m + _TERM * nnz, dtype=np.uint8)
    end = _emit_constraints(out, m, *parts[0], *parts[1], *parts[2])
    assert end == len(out)
    return out


def r1cs_to_bytes(r1cs: R1CS) -> bytes:
    """Encode an `R1CS` as a circom .r1cs file (header, constraints, wire-to-label map)."""
    if r1cs.n_wires >= 1 << 32 or r1cs.n_constraints >= 1 << 32:
        raise ValueError("the .r1cs format holds at most 2^32 - 1 wires and constraints")
    n_out, n_in, n_prv = _header_counts(r1cs)
    labels, n_labels = _wire_labels(r1cs)
    header = (struct.pack("<I", FIELD_BYTES) + R.to_bytes(FIELD_BYTES, "little")
              + struct.pack("<IIIIQI", r1cs.n_wires, n_out, n_in, n_prv, n_labels, r1cs.n_constraints))
    return build_binfile(b"r1cs", R1CS_VERSION, [
        (SEC_HEADER, header),
        (SEC_CONSTRAINTS, constraints_payload(r1cs)),
        (SEC_WIRE2LABEL, labels),
    ])


def write_r1cs(r1cs: R1CS, path) -> None:
    """Write `r1cs` as a circom .r1cs file that snarkjs can set up."""
    data = r1cs_to_bytes(r1cs)
    with open(path, "wb") as f:
        f.write(data)


# --- .wtns ------------------------------------------------------------------------------

def parse_wtns_limbs(data: bytes, name: str = "<wtns>") -> np.ndarray:
    """Witness values of a .wtns file as a (n, 4) uint64 array of canonical limbs."""
    bf = parse_binfile(data, name=name, magic=b"wtns", versions=(1, WTNS_VERSION), error=CircomFormatError)
    h = bf.reader(1, "header")
    n8 = h.u32("field size")
    if n8 == 0 or n8 % 8 or n8 > 64:
        h.fail(f"implausible field size {n8} bytes")
    prime = h.bigint(n8, "prime")
    _check_prime(bf.fail, n8, prime, "witness")
    n = h.u32("nWitness")
    h.done()
    off, size = bf.section(2, "witness values")
    if size != n * n8:
        bf.fail(f"section 2 (witness values) has {size} bytes, expected nWitness {n} x {n8} = {n * n8}")
    if n == 0:
        bf.fail("the witness is empty (it must at least hold wire 0 = 1)")
    limbs = np.frombuffer(data, dtype="<u8", count=4 * n, offset=off).reshape(n, 4).astype(np.uint64)
    bad = _first_not_below_r(limbs)
    if bad >= 0:
        bf.fail(f"witness value {bad} is not below the prime")
    return limbs


def read_wtns_limbs(path) -> np.ndarray:
    """Fast path: a .wtns file's values as a (n, 4) uint64 canonical-limb array."""
    return parse_wtns_limbs(load_bytes(path, CircomFormatError), os.fspath(path))


def parse_wtns(data: bytes, name: str = "<wtns>") -> list[int]:
    return limbs_to_ints(parse_wtns_limbs(data, name))


def read_wtns(path) -> list[int]:
    """A .wtns file's values as Python ints in [0, r)."""
    return limbs_to_ints(read_wtns_limbs(path))


def wtns_to_bytes(values: Sequence[int] | np.ndarray) -> bytes:
    """Encode witness values (ints in [0, r), or a (n, 4) uint64 canonical-limb array)."""
    if isinstance(values, np.ndarray):
        if values.ndim != 2 or values.shape[1] != 4:
            raise ValueError(f"witness limb array must have shape (n, 4), got {values.shape}")
        limbs = np.ascontiguousarray(values, dtype="<u8")
        bad = _first_not_below_r(limbs.astype(np.uint64))
        if bad >= 0:
            raise ValueError(f"witness value {bad} is not below r")
    else:
        for i, v in enumerate(values):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not 0 <= int(v) < R:
                raise ValueError(f"witness value {i} is not a field element below r: {v!r}")
        limbs = ints_to_limbs(values) if len(values) else np.zeros((0, 4), dtype=np.uint64)
        limbs = np.ascontiguousarray(limbs, dtype="<u8")
    n = len(limbs)
    if n == 0 or n >= 1 << 32:
        raise ValueError(f"a .wtns file holds 1 to 2^32 - 1 values, got {n}")
    header = struct.pack("<I", FIELD_BYTES) + R.to_bytes(FIELD_BYTES, "little") + struct.pack("<I", n)
    return build_binfile(b"wtns", WTNS_VERSION, [(1, header), (2, limbs)])


def write_wtns(values: Sequence[int] | np.ndarray, path) -> None:
    """Write a witness as a circom .wtns file (version 2) that snarkjs reads."""
    data = wtns_to_bytes(values)
    with open(path, "wb") as f:
        f.write(data)
