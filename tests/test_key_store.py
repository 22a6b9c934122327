"""prover.key_store: keys validated once, cached by content hash, .zkey + .r1cs checked."""
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from circuits.circom_io import read_r1cs, write_r1cs
from circuits.r1cs import R1CS
from prover import key_store
from prover.keys import KeyFormatError

V = Path(__file__).parent / "vectors" / "circom"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZKROLLUP_KEY_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def zkey(tmp_path):
    shutil.copy(V / "demo.zkey", tmp_path / "demo.zkey")
    return tmp_path / "demo.zkey"


def test_second_load_comes_from_the_cache_without_validating(cache, zkey, monkeypatch):
    pk = key_store.load_key(zkey)
    assert pk.meta["validated"] == "now" and pk.qap_C is None
    calls = []
    monkeypatch.setattr(key_store, "_validate", lambda *a: calls.append(a))
    pk2 = key_store.load_key(zkey)
    assert pk2.meta["validated"] == "cached" and calls == []
    for name in ("A", "B2", "H", "IC", "delta2"):
        assert np.array_equal(getattr(pk, name), getattr(pk2, name))


def test_changed_bytes_are_validated_again_and_a_bad_point_is_refused(cache, zkey):
    key_store.load_key(zkey)
    from prover.zkey import read_zkey
    data = bytearray(zkey.read_bytes())
    i = bytes(data).find(read_zkey(zkey).H[5].astype("<u8").tobytes())
    data[i + 3] ^= 0x10                      # a bit of H point 5
    zkey.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="H points: point 5 is not on the G1 curve"):
        key_store.load_key(zkey)


def test_damaged_cache_entry_is_replaced(cache, zkey):
    key_store.load_key(zkey)
    (entry,) = cache.glob("v*-*")
    (entry / "H.npy").write_bytes(b"garbage")
    assert key_store.load_key(zkey).meta["validated"] == "now"
    assert key_store.load_key(zkey).meta["validated"] == "cached"


def test_r1cs_beside_the_zkey_attaches_c_after_checking_a_and_b(cache, zkey):
    shutil.copy(V / "demo.r1cs", zkey.with_suffix(".r1cs"))
    pk = key_store.load_key(zkey)
    assert pk.qap_C is not None and pk.r1cs().n_constraints == 961
    assert key_store.load_key(zkey).qap_C is not None          # cached with C


def test_r1cs_of_another_circuit_is_refused(cache, zkey, tmp_path):
    r = read_r1cs(V / "demo.r1cs")
    coeffs = r.A.coeffs.copy()
    c0 = coeffs.reshape(-1, 4)
    c0[0] = [3, 0, 0, 0] if c0[0].tolist() == [2, 0, 0, 0] else [2, 0, 0, 0]   # one A coefficient differs
    other = R1CS(r.n_wires, r.n_public, type(r.A)(r.A.indptr, r.A.indices, coeffs), r.B, r.C)
    write_r1cs(other, tmp_path / "other.r1cs")
    with pytest.raises(key_store.KeyCircuitMismatch, match="is not the circuit of"):
        key_store.load_key(zkey, str(tmp_path / "other.r1cs"))


def test_cache_off_and_unreadable_file(zkey, monkeypatch, tmp_path):
    monkeypatch.setenv("ZKROLLUP_KEY_CACHE", "off")
    assert key_store.load_key(zkey).meta["validated"] == "now"
    assert key_store.load_key(zkey).meta["validated"] == "now"
    with pytest.raises(KeyFormatError, match="cannot read"):
        key_store.load_key(tmp_path / "missing.zkey")


def test_digest_index_follows_the_file_not_its_name(cache, zkey):
    d1 = key_store._digest(str(zkey), cache / "index")
    assert key_store._digest(str(zkey), cache / "index") == d1
    os.utime(zkey, ns=(1, 1))
    assert key_store._digest(str(zkey), cache / "index") == d1      # same bytes, new stamp


def test_a_saved_key_is_hashed_on_the_way_and_named_without_reading_it_again(cache, tmp_path, monkeypatch):
    import builtins
    import hashlib
    from prover.keys import save_proving_key
    from prover.setup import setup
    r1cs = read_r1cs(str(V / "demo.r1cs"))
    pk = setup(r1cs, seed=b"digest")
    path = str(tmp_path / "k.pk")
    save_proving_key(pk, path)
    with open(path, "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    real_open = builtins.open

    def no_reading(p, *a, **kw):
        if os.fspath(p) == path:
            raise AssertionError("the key file was read again")
        return real_open(p, *a, **kw)

    monkeypatch.setattr(builtins, "open", no_reading)
    assert key_store.file_digest(path) == want
    monkeypatch.setattr(builtins, "open", real_open)
    os.utime(path, ns=(1, 1))                       # another version of the file: hashed again
    assert key_store.file_digest(path) == want


def test_a_worker_checks_the_key_bytes_not_a_remembered_hash(cache, tmp_path):
    """The operator names its key by a remembered hash; a worker reads the bytes: a file
    rewritten in place with its size and times kept is refused, not loaded under the old
    key's name (found by an adversarial review)."""
    from zkrollup.operator.pool_worker import KeyUnavailable, _load, key_ref
    path = tmp_path / "k.pk"
    path.write_bytes(b"A" * 4096)
    st = os.stat(path)
    ref = key_ref(path, "shape")
    with open(path, "r+b") as f:                    # same inode, same size
        f.write(b"B" * 4096)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert key_ref(path, "shape").sha256 == ref.sha256      # the remembered name is stale ...
    with pytest.raises(KeyUnavailable):
        _load(ref, None)                                    # ... the worker sees through it
