"""snarkjs Groth16 `.zkey` files, read into arrays the prover uses directly.

Container: iden3 binfile (see `circuits.binfile`), magic "zkey", version 1. Sections:

  1  header: protocol id u32 (1 Groth16; 2 PLONK and 10 FFLONK are refused)
  2  Groth16 header: n8q u32 | q | n8r u32 | r | nVars u32 | nPublic u32 | domainSize u32 |
     alpha1 G1 | beta1 G1 | beta2 G2 | gamma2 G2 | delta1 G1 | delta2 G2
  3  IC: nPublic + 1 G1 points
  4  coefficients: n u32, then n x (matrix u32 (0 = A, 1 = B) | constraint u32 | signal u32 |
     value: 32 bytes, little-endian, equal to v * R^2 mod r where v is the matrix entry and
     R = 2^256 mod r). The A rows include, after the circuit's nConstraints rows, one row
     per public signal s = 0..nPublic: A[nConstraints + s] = {s: 1}. C is not stored.
  5  A: nVars G1        6  B1: nVars G1        7  B2: nVars G2
  8  C: nVars - nPublic - 1 G1 (signals nPublic+1 .. nVars-1)
  9  H: domainSize G1 (the odd-index Lagrange points of the 2*domainSize domain, over delta)
  10 contributions: csHash (64 bytes) | n u32 | n contributions (optional here)

Points are affine, each coordinate 32 bytes little-endian in Montgomery form (x * 2^256 mod q);
G2 coordinates are (c0, c1) pairs; (0, 0) is the point at infinity. That is exactly the
prover's array layout, so a point section becomes its array with one `np.frombuffer`.

Enforced: the container; Groth16 on bn128 (other protocols and curves are named in the
error); every section's size against nVars / nPublic / domainSize; coordinates below q,
every point on its curve (G1: y^2 = x^3 + 3; G2: y^2 = x^3 + 3/(9+u)), the verification
key's G2 points in the r-torsion subgroup (the bulk B2 section is checked on the curve only:
a bad B2 point can only spoil our own proof); coefficients below r, matrix ids 0/1,
constraint < domainSize, signal < nVars; the contributions section's structure.
Every problem raises `ZKeyFormatError`, one line naming the file and the fault.
"""
from __future__ import annotations

import os
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from circuits.binfile import BinFileError, BinFile, build_binfile, load_bytes, parse_binfile
from circuits.r1cs import SparseMatrix

from .convert import first_not_below, g2_point
from .group import first_invalid_point
from .mont import FQ, FR

Q = FQ.p
R = FR.p
N8 = 32
G1_BYTES, G2_BYTES = 2 * N8, 4 * N8
_COEF_BYTES = 12 + N8
MAX_DOMAIN_LOG = 28                      # Fr's 2-adicity: no larger radix-2 domain exists

PROTOCOLS = {1: "groth16", 2: "plonk", 10: "fflonk"}
KNOWN_CURVES_BY_Q = {
    Q: "bn128",
    0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab:
        "bls12381",
}
SEC_HEADER, SEC_GROTH, SEC_IC, SEC_COEFS, SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_H, SEC_CONTRIB = range(1, 11)


class ZKeyFormatError(BinFileError):
    """A .zkey file that is malformed or not Groth16 over bn128 (a ValueError)."""


def fr_mont_reduce(vals: np.ndarray) -> np.ndarray:
    """(n, 4) uint64 limbs x (each < r) -> x * 2^-256 mod r (one Montgomery reduction each)."""
    from .fr_vec import from_montgomery
    vals = np.ascontiguousarray(vals, dtype=np.uint64)
    return from_montgomery(vals) if len(vals) else vals.copy()


# --- the key ------------------------------------------------------------------------------------

@dataclass
class ZKey:
    """A parsed Groth16 zkey. Point arrays: uint64 Montgomery limbs, G1 (n, 8), G2 (n, 16).

    Coefficients (COO, in file order): `a_rows`/`a_cols` (int64: constraint, signal) and
    `a_vals` (nnz, 4) canonical limbs of the entry v; `a_vals_mont` holds v * 2^256 mod r
    (Montgomery form), the form the prover multiplies by Montgomery witness values.
    Same for B. The A rows include the public-signal rows (see the module docstring).
    """

    n_vars: int
    n_public: int
    domain_size: int
    alpha1: np.ndarray
    beta1: np.ndarray
    beta2: np.ndarray
    gamma2: np.ndarray
    delta1: np.ndarray
    delta2: np.ndarray
    IC: np.ndarray        # (n_public + 1, 8)
    A: np.ndarray         # (n_vars, 8)
    B1: np.ndarray        # (n_vars, 8)
    B2: np.ndarray        # (n_vars, 16)
    C: np.ndarray         # (n_vars - n_public - 1, 8): signals n_public+1 .. n_vars-1
    H: np.ndarray         # (domain_size, 8)
    a_rows: np.ndarray
    a_cols: np.ndarray
    a_vals: np.ndarray
    a_vals_mont: np.ndarray
    b_rows: np.ndarray
    b_cols: np.ndarray
    b_vals: np.ndarray
    b_vals_mont: np.ndarray
    cs_hash: Optional[bytes] = None
    n_contributions: int = 0
    source: str = "<zkey>"
    meta: dict = field(default_factory=dict)

    @property
    def power(self) -> int:
        return self.domain_size.bit_length() - 1

    @property
    def n_constraints(self) -> Optional[int]:
        """The circuit's constraint count, read off snarkjs's layout (the public-signal rows of A
        follow the constraints), or None when the coefficients do not have that layout."""
        if not len(self.a_rows):
            return None
        nc = int(self.a_rows.max()) - self.n_public
        if nc < 0 or (len(self.b_rows) and int(self.b_rows.max()) >= nc):
            return None
        tail = self.a_rows >= nc
        if int(tail.sum()) != self.n_public + 1:
            return None
        rows, cols = self.a_rows[tail], self.a_cols[tail]
        if not np.array_equal(rows - nc, cols):
            return None
        one = np.array([1, 0, 0, 0], dtype=np.uint64)
        if not np.all(self.a_vals[tail] == one):
            return None
        return nc

    def matrix(self, which: str, n_rows: Optional[int] = None) -> SparseMatrix:
        """A or B as a CSR `SparseMatrix` over Fr (canonical), `n_rows` rows (default domain_size)."""
        rows, cols, vals = {"A": (self.a_rows, self.a_cols, self.a_vals),
                            "B": (self.b_rows, self.b_cols, self.b_vals)}[which]
        n_rows = self.domain_size if n_rows is None else n_rows
        if len(rows) and int(rows.max()) >= n_rows:
            raise ValueError(f"matrix {which} has a row {int(rows.max())} beyond n_rows = {n_rows}")
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        return SparseMatrix(indptr, cols[order].astype(np.int64), vals[order].copy())

    def to_proving_key(self):
        """This key as a `prover.keys.ProvingKey` (snarkjs layout, qap_C absent)."""
        from .keys import ProvingKey  # the shared in-memory key of the prover
        nc = self.n_constraints
        if nc is None:
            raise ZKeyFormatError(f"{self.source}: coefficient section does not have snarkjs's layout "
                                  "(constraints, then one A row per public signal)")
        return ProvingKey(n_vars=self.n_vars, n_public=self.n_public, domain_size=self.domain_size,
                          n_constraints=nc, alpha1=self.alpha1, beta1=self.beta1, beta2=self.beta2,
                          gamma2=self.gamma2, delta1=self.delta1, delta2=self.delta2, A=self.A,
                          B1=self.B1, B2=self.B2, C=self.C, H=self.H, IC=self.IC,
                          qap_A=self.matrix("A", nc + self.n_public + 1),
                          qap_B=self.matrix("B", nc), qap_C=None, source="zkey",
                          meta={"zkey": self.source})


# --- reading ------------------------------------------------------------------------------------

def _points(bf: BinFile, kind: int, what: str, n: int, width: int) -> np.ndarray:
    """Section `kind` as an (n, width) uint64 array; size, coordinates < q and curve checked."""
    off, size = bf.section(kind, what)
    if size != n * width * 8:
        bf.fail(f"section {kind} ({what}) has {size} bytes, expected {n} points x {width * 8} = {n * width * 8}")
    arr = np.frombuffer(bf.data, dtype="<u8", count=n * width, offset=off).reshape(n, width).astype(np.uint64)
    _check_points(bf, arr, what)
    return arr


def _check_points(bf: BinFile, arr: np.ndarray, what: str) -> None:
    if len(arr):
        bad = first_invalid_point(arr)
        if bad is not None:
            bf.fail(f"{what}: point {bad[0]} {bad[1]}")


@lru_cache(maxsize=64)
def _g2_in_subgroup(raw: bytes) -> bool:
    """Subgroup membership of an on-curve G2 point given as 128 Montgomery bytes (plain ints,
    psi(P) == [6x^2]P; the cache spares re-checking the same key's points)."""
    from .ref.curves import g2_in_subgroup_fast
    row = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
    return g2_in_subgroup_fast(g2_point(row))


def _check_g2_subgroup(bf: BinFile, row: np.ndarray, what: str) -> None:
    if not _g2_in_subgroup(np.ascontiguousarray(row, dtype="<u8").tobytes()):
        bf.fail(f"{what} is not in the G2 subgroup of order r")


def _read_header(bf: BinFile) -> dict:
    h = bf.reader(SEC_HEADER, "header")
    proto = h.u32("protocol id")
    h.done()
    if proto != 1:
        name = PROTOCOLS.get(proto)
        bf.fail(f"is a {name} key (protocol id {proto}); only groth16 is supported" if name
                else f"unknown protocol id {proto}; only groth16 (id 1) is supported")

    g = bf.reader(SEC_GROTH, "groth16 header")
    n8q = g.u32("n8q")
    if n8q == 0 or n8q % 8 or n8q > 128:
        g.fail(f"implausible base field size n8q = {n8q}")
    q = g.bigint(n8q, "q")
    if q != Q:
        curve = KNOWN_CURVES_BY_Q.get(q)
        bf.fail(f"key is for curve {curve}; only bn128 (BN254) is supported" if curve
                else f"key is for an unknown curve (q = {q:#x}); only bn128 (BN254) is supported")
    if n8q != N8:
        bf.fail(f"n8q = {n8q}, expected {N8} for bn128")
    n8r = g.u32("n8r")
    if n8r != N8:
        bf.fail(f"n8r = {n8r}, expected {N8} for bn128")
    r = g.bigint(n8r, "r")
    if r != R:
        bf.fail(f"scalar field r = {r:#x} is not bn128's")
    n_vars = g.u32("nVars")
    n_public = g.u32("nPublic")
    domain = g.u32("domainSize")
    if domain == 0 or domain & (domain - 1) or domain > 1 << MAX_DOMAIN_LOG:
        bf.fail(f"domainSize {domain} is not a power of two up to 2^{MAX_DOMAIN_LOG}")
    if n_public + 1 > n_vars:
        bf.fail(f"nPublic {n_public} + 1 exceeds nVars {n_vars}")
    if n_public + 1 > domain:
        bf.fail(f"domainSize {domain} is too small for nPublic {n_public}")
    pts = {}
    for name, width in (("alpha1", 8), ("beta1", 8), ("beta2", 16), ("gamma2", 16),
                        ("delta1", 8), ("delta2", 16)):
        raw = g.raw(width * 8, name)
        pts[name] = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
    g.done()
    for name, arr in pts.items():
        if not arr.any():
            bf.fail(f"{name} is the point at infinity")
        _check_points(bf, arr.reshape(1, -1), name)
    for name in ("beta2", "gamma2", "delta2"):
        _check_g2_subgroup(bf, pts[name], name)
    return dict(n_vars=n_vars, n_public=n_public, domain_size=domain, **pts)


def _read_coefficients(bf: BinFile, n_vars: int, domain: int) -> dict:
    off, size = bf.section(SEC_COEFS, "coefficients")
    if size < 4:
        bf.fail(f"section {SEC_COEFS} (coefficients) is truncated ({size} bytes)")
    n = int(np.frombuffer(bf.data, dtype="<u4", count=1, offset=off)[0])
    if size != 4 + n * _COEF_BYTES:
        bf.fail(f"section {SEC_COEFS} (coefficients) has {size} bytes, expected 4 + {n} x {_COEF_BYTES} "
                f"= {4 + n * _COEF_BYTES} for the {n} coefficients it declares")
    rec = np.frombuffer(bf.data, dtype=np.dtype([("m", "<u4"), ("c", "<u4"), ("s", "<u4"), ("v", "<u8", (4,))]),
                        count=n, offset=off + 4)
    m, c, s = rec["m"], rec["c"], rec["s"]
    raw = rec["v"].astype(np.uint64)
    for what, bad_mask in (("matrix id (not 0 = A or 1 = B)", m > 1),
                           (f"constraint index (>= domainSize {domain})", c >= domain),
                           (f"signal index (>= nVars {n_vars})", s >= n_vars)):
        bad = np.flatnonzero(bad_mask)
        if len(bad):
            bf.fail(f"coefficient {int(bad[0])} has an invalid {what}")
    bad = first_not_below(raw, R)
    if bad >= 0:
        bf.fail(f"coefficient {bad} has a value not below r")
    mont = fr_mont_reduce(raw)          # v*R^2 -> v*R (Montgomery form of v)
    canon = fr_mont_reduce(mont)        # -> v
    out = {}
    for k, tag in ((0, "a"), (1, "b")):
        sel = m == k
        out[f"{tag}_rows"] = c[sel].astype(np.int64)
        out[f"{tag}_cols"] = s[sel].astype(np.int64)
        out[f"{tag}_vals"] = canon[sel]
        out[f"{tag}_vals_mont"] = mont[sel]
    return out


def _read_contributions(bf: BinFile) -> tuple[Optional[bytes], int]:
    if not bf.has(SEC_CONTRIB):
        return None, 0
    rd = bf.reader(SEC_CONTRIB, "contributions")
    cs_hash = rd.raw(64, "circuit hash")
    n = rd.u32("contribution count")
    for i in range(n):
        rd.skip(3 * G1_BYTES + G2_BYTES + 64 + 4, f"contribution {i}")
        plen = rd.u32(f"contribution {i} parameter length")
        rd.skip(plen, f"contribution {i} parameters")
    rd.done()
    return bytes(cs_hash), n


def parse_zkey(data: bytes, name: str = "<zkey>") -> ZKey:
    """Parse the bytes of a snarkjs Groth16 .zkey (see the module docstring for what is checked)."""
    bf = parse_binfile(data, name=name, magic=b"zkey", versions=(1,), error=ZKeyFormatError)
    hdr = _read_header(bf)
    n_vars, n_public, domain = hdr["n_vars"], hdr["n_public"], hdr["domain_size"]
    coefs = _read_coefficients(bf, n_vars, domain)
    IC = _points(bf, SEC_IC, "IC", n_public + 1, 8)
    A = _points(bf, SEC_A, "A points", n_vars, 8)
    B1 = _points(bf, SEC_B1, "B1 points", n_vars, 8)
    B2 = _points(bf, SEC_B2, "B2 points", n_vars, 16)
    C = _points(bf, SEC_C, "C points", n_vars - n_public - 1, 8)
    H = _points(bf, SEC_H, "H points", domain, 8)
    cs_hash, n_contrib = _read_contributions(bf)
    return ZKey(IC=IC, A=A, B1=B1, B2=B2, C=C, H=H, cs_hash=cs_hash, n_contributions=n_contrib,
                source=name, **hdr, **coefs)


def read_zkey(path) -> ZKey:
    """Read a snarkjs Groth16 .zkey file (raises ZKeyFormatError on any fault)."""
    return parse_zkey(load_bytes(path, ZKeyFormatError), os.fspath(path))


# --- writing ------------------------------------------------------------------------------------

_COEF_DTYPE = np.dtype([("m", "<u4"), ("c", "<u4"), ("s", "<u4"), ("v", "<u8", (4,))])


def _coef_records(which: int, m: SparseMatrix) -> np.ndarray:
    """One matrix's entries as section-4 records; values v * R^2 mod r (see the docstring)."""
    from .fr_vec import to_montgomery
    rows = np.repeat(np.arange(m.n_rows, dtype=np.uint32), np.diff(m.indptr))
    coeffs = np.ascontiguousarray(np.asarray(m.coeffs, dtype=np.uint64).reshape(-1, 4))
    rec = np.empty(len(rows), dtype=_COEF_DTYPE)
    rec["m"], rec["c"], rec["s"] = which, rows, m.indices
    rec["v"] = to_montgomery(to_montgomery(coeffs)) if len(coeffs) else coeffs
    return rec


def zkey_bytes(pk) -> bytes:
    """A `prover.keys.ProvingKey` as a snarkjs Groth16 .zkey (sections 1-9; no contributions
    section, so snarkjs proves with it but `snarkjs zkey verify` has no ceremony to check)."""
    import struct
    pk.check_shapes()

    def le(*arrays):
        return b"".join(np.ascontiguousarray(a, dtype="<u8").tobytes() for a in arrays)

    groth = (struct.pack("<I", N8) + Q.to_bytes(N8, "little") + struct.pack("<I", N8) + R.to_bytes(N8, "little")
             + struct.pack("<III", pk.n_vars, pk.n_public, pk.domain_size)
             + le(pk.alpha1, pk.beta1, pk.beta2, pk.gamma2, pk.delta1, pk.delta2))
    recs = np.concatenate([_coef_records(0, pk.qap_A), _coef_records(1, pk.qap_B)])
    coefs = [struct.pack("<I", len(recs)), recs.tobytes()]
    return build_binfile(b"zkey", 1, [
        (SEC_HEADER, struct.pack("<I", 1)), (SEC_GROTH, groth), (SEC_IC, le(pk.IC)), (SEC_COEFS, coefs),
        (SEC_A, le(pk.A)), (SEC_B1, le(pk.B1)), (SEC_B2, le(pk.B2)), (SEC_C, le(pk.C)), (SEC_H, le(pk.H))])


def write_zkey(pk, path) -> None:
    """Write `pk` (our setup's key, snarkjs layout) as a .zkey file, atomically."""
    data = zkey_bytes(pk)
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
