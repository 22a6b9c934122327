"""Proving keys from files, validated once and cached by content hash.

`load_key(path, r1cs_path)` reads our msgpack key (`prover.keys`) or a snarkjs `.zkey`
(`prover.zkey`, told apart by the magic bytes), with every check those readers make (sizes,
coordinates below q, points on their curves, G2 subgroup of the verification key, ...).
The first load of a file stores the validated key (one .npy file per array) under the cache
directory, named by the SHA-256 of the key file's bytes (and of the .r1cs's when one is
given); later loads of the same bytes read that entry without repeating the checks. An
entry is only ever written after validation, and a changed file has another hash, so a
cache hit is exactly "these bytes were validated before". A (size, mtime, inode) index
spares hashing an unchanged file again (hundreds of MB at 2^20).

With a .zkey, which carries no C matrix, `r1cs_path` (or CIRCUIT.r1cs beside CIRCUIT.zkey)
supplies the circuit: its A and B rows must be the key's (else `KeyCircuitMismatch`), and
its C is attached to the key, so that `prover.groth16.prove` checks the witness against
every constraint and names the first that fails. Without it the key has no C
(`pk.qap_C is None`) and only a verifier can tell a bad witness.

Cache directory: $ZKROLLUP_KEY_CACHE (the word "off" disables the cache), else
$ZKROLLUP_CACHE/validated-keys, else ~/.cache/zkrollup/validated-keys.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional

import numpy as np

from circuits.binfile import MAX_FILE_BYTES, open_regular
from circuits.r1cs import SparseMatrix

from .keys import KeyFormatError, ProvingKey, load_proving_key

CACHE_VERSION = 2
_POINTS = ("alpha1", "beta1", "beta2", "gamma2", "delta1", "delta2", "A", "B1", "B2", "C", "H", "IC")


class KeyCircuitMismatch(ValueError):
    """The .r1cs given for a .zkey is not the circuit the key was made for."""


def cache_dir() -> Optional[Path]:
    env = os.environ.get("ZKROLLUP_KEY_CACHE")
    if env:
        return None if env == "off" else Path(env)
    base = os.environ.get("ZKROLLUP_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "zkrollup") / "validated-keys"


def is_zkey(path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"zkey"


def _slot(path: str, index: Optional[Path], st: Optional[os.stat_result] = None) -> tuple[str, Optional[Path]]:
    st = st or os.stat(path)
    stamp = f"{os.path.realpath(path)}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}|{st.st_dev}"
    return stamp, index / (hashlib.sha256(stamp.encode()).hexdigest()[:32] + ".json") if index else None


def sha256_of_file(path) -> str:
    """SHA-256 of the file's bytes, read now."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    return h.hexdigest()


def _digest(path: str, index: Optional[Path]) -> str:
    """SHA-256 of the file's bytes, remembered per (path, size, mtime_ns, inode, device) in
    `index`."""
    stamp, slot = _slot(path, index)
    if slot is not None and slot.exists():
        try:
            rec = json.loads(slot.read_text())
            if rec.get("stamp") == stamp:
                return rec["sha256"]
        except (OSError, ValueError):
            pass
    digest = sha256_of_file(path)
    if slot is not None:
        _atomic_write(slot, json.dumps({"stamp": stamp, "sha256": digest}).encode())
    return digest


def file_digest(path) -> str:
    """SHA-256 of a file's bytes, remembered in the key cache's index per (path, size,
    mtime_ns, inode, device) like the validated keys (hashed again when the cache is off)."""
    root = cache_dir()
    return _digest(os.fspath(path), root / "index" if root is not None else None)


def remember_digest(path, digest: str, st: os.stat_result) -> None:
    """Record the SHA-256 of a file just written whole (its writer hashed the bytes on the
    way), so that `file_digest` need not read it again. `st`: the written file's stat taken
    before it was moved to `path` (a rename keeps size, times and inode; a stat after the move
    could see another writer's file)."""
    root = cache_dir()
    if root is not None:
        stamp, slot = _slot(os.fspath(path), root / "index", st)
        _atomic_write(slot, json.dumps({"stamp": stamp, "sha256": digest}).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass                     # a cache that cannot be written is only slower


def _sorted_entries(m: SparseMatrix, n_rows: int):
    """(rows, cols, coeffs) of the first n_rows rows, in (row, col) order, for comparison."""
    end = int(m.indptr[n_rows])
    rows = np.repeat(np.arange(n_rows), np.diff(m.indptr[:n_rows + 1]))
    cols = m.indices[:end]
    coeffs = np.asarray(m.coeffs, dtype=np.uint64).reshape(-1, 4)[:end]
    order = np.lexsort((cols, rows))
    return rows[order], cols[order], coeffs[order]


def _same_rows(a: SparseMatrix, b: SparseMatrix, n_rows: int) -> bool:
    x, y = _sorted_entries(a, n_rows), _sorted_entries(b, n_rows)
    return all(np.array_equal(u, v) for u, v in zip(x, y))


def attach_circuit(pk: ProvingKey, r1cs, key_path: str, r1cs_path: str) -> None:
    """Give a .zkey-derived key the circuit's C, after checking the circuit's A and B rows
    are the key's (KeyCircuitMismatch otherwise)."""
    nc = pk.n_constraints
    if (r1cs.n_wires, r1cs.n_public, r1cs.n_constraints) != (pk.n_vars, pk.n_public, nc) \
            or not _same_rows(r1cs.A, pk.qap_A, nc) or not _same_rows(r1cs.B, pk.qap_B, nc):
        raise KeyCircuitMismatch(f"{r1cs_path} ({r1cs.n_wires} wires, {r1cs.n_public} public, "
                                 f"{r1cs.n_constraints} constraints) is not the circuit of {key_path}")
    pk.qap_C = r1cs.C
    if r1cs.constraint_names:
        pk.meta = {**pk.meta, "constraint_names": list(r1cs.constraint_names)}


def _save_entry(pk: ProvingKey, entry: Path) -> None:
    """The validated key as one .npy per array plus meta.json, written to a temporary folder
    and renamed into place (np.load reads each array with a single copy: ~5x faster than
    unpacking our msgpack key, and half the peak memory)."""
    import shutil
    import tempfile
    tmp = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))
    try:
        arrays = {name: getattr(pk, name) for name in _POINTS}
        for m in ("A", "B", "C"):
            mat = getattr(pk, f"qap_{m}")
            if mat is not None:
                arrays.update({f"qap_{m}_indptr": mat.indptr, f"qap_{m}_indices": mat.indices,
                               f"qap_{m}_coeffs": np.asarray(mat.coeffs, dtype=np.uint64).reshape(-1, 4)})
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
        meta = {"n_vars": pk.n_vars, "n_public": pk.n_public, "domain_size": pk.domain_size,
                "n_constraints": pk.n_constraints, "source": pk.source, "meta": pk.meta,
                "arrays": sorted(arrays)}
        (tmp / "meta.json").write_text(json.dumps(meta))
        os.replace(tmp, entry)
    except (OSError, TypeError, ValueError):    # unwritable, or meta JSON cannot hold: no entry
        shutil.rmtree(tmp, ignore_errors=True)


def _load_entry(entry: Path) -> ProvingKey:
    """A cache entry back as a ProvingKey (KeyFormatError for a damaged one)."""
    try:
        meta = json.loads((entry / "meta.json").read_text())
        arr = {name: np.load(entry / f"{name}.npy", allow_pickle=False) for name in meta["arrays"]}
        mats = {}
        for m in ("A", "B", "C"):
            mats[m] = (SparseMatrix(arr[f"qap_{m}_indptr"], arr[f"qap_{m}_indices"], arr[f"qap_{m}_coeffs"])
                       if f"qap_{m}_indptr" in arr else None)
        pk = ProvingKey(meta["n_vars"], meta["n_public"], meta["domain_size"], meta["n_constraints"],
                        **{name: arr[name] for name in _POINTS}, qap_A=mats["A"], qap_B=mats["B"],
                        qap_C=mats["C"], source=meta["source"], meta=dict(meta["meta"]))
        pk.check_shapes()
        return pk
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise KeyFormatError(f"damaged cache entry {entry} ({type(e).__name__})") from None


def _validate(path: str, r1cs_path: Optional[str]) -> ProvingKey:
    if is_zkey(path):
        from .zkey import read_zkey
        pk = read_zkey(path).to_proving_key()
        if r1cs_path is not None:
            from circuits.circom_io import read_r1cs
            attach_circuit(pk, read_r1cs(r1cs_path), path, r1cs_path)
        return pk
    return load_proving_key(path)


def _regular(path: str, what: str) -> None:
    """KeyFormatError unless `path` is a regular file (`circuits.binfile.open_regular`)."""
    f, _ = open_regular(path, MAX_FILE_BYTES, KeyFormatError, what)
    f.close()


def load_key(path: str, r1cs_path: Optional[str] = None) -> ProvingKey:
    """The validated proving key of `path` (see the module docstring). An r1cs_path is used
    for .zkey files only (our own keys carry their circuit); for a .zkey without one,
    CIRCUIT.r1cs beside CIRCUIT.zkey is used when present. `pk.meta["validated"]` says
    whether this call validated the file ("now") or found it in the cache ("cached")."""
    path = os.fspath(path)
    _regular(path, "proving key")           # before opening: a FIFO would block, /dev/zero never end
    try:
        zkey = is_zkey(path)
    except OSError as e:
        raise KeyFormatError(f"cannot read proving key {path}: {e.strerror}") from None
    if not zkey:
        r1cs_path = None
    elif r1cs_path is None and path.endswith(".zkey") and os.path.isfile(path[:-5] + ".r1cs"):
        r1cs_path = path[:-5] + ".r1cs"
    if r1cs_path is not None:
        _regular(os.fspath(r1cs_path), "circuit (.r1cs)")
    root = cache_dir()
    if root is None:
        pk = _validate(path, r1cs_path)
        pk.meta = {**pk.meta, "validated": "now"}
        return pk
    name = _digest(path, root / "index")
    if r1cs_path is not None:
        name += "-" + _digest(r1cs_path, root / "index")[:32]
    entry = root / f"v{CACHE_VERSION}-{name}"
    if entry.exists():
        try:
            pk = _load_entry(entry)
            pk.meta = {**pk.meta, "validated": "cached"}
            return pk
        except KeyFormatError:
            import shutil    # a damaged entry: validate again and replace it
            shutil.rmtree(entry, ignore_errors=True)
    pk = _validate(path, r1cs_path)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _save_entry(pk, entry)
    except OSError:
        pass
    pk.meta = {**pk.meta, "validated": "now"}
    return pk
