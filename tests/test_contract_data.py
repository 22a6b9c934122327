"""Batch data (data availability) in the L1 contract model: the accepting call stores the
bytes with the batch record and the SHA-256 the contract computed of them; a rejected batch
stores nothing; the bytes are charged as calldata (EIP-2028); the store keeps them across
reopening and detects data altered afterwards."""
import hashlib
import sqlite3

import pytest

from verifier import gas
from verifier.contract import BatchRejected, ContractError, Reason, RollupContract, data_hash
from verifier.contract_store import StoreError
from zkrollup.ops import Withdraw

from contract_helpers import ALICE, KEYS, USD, FakeProof, fake_verify, funded_rig

DATA = b"\x00\x01batch ops\x00\x00\xff" * 7          # zero and non-zero bytes, not a multiple of 32


def test_accepted_batch_stores_its_data_and_the_hash_the_contract_computed():
    r = funded_rig()
    c = r.contract
    assert c.batch_data(1) == b"" and c.accepted_batches()[0]["data_hash"] == hashlib.sha256(b"").digest()
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE))
    cd, proof, _ = r.close_batch()
    rc = c.submit_batch(cd, proof, data=DATA)
    assert rc.data_bytes == len(DATA) and rc.data_hash == hashlib.sha256(DATA).digest() == data_hash(DATA)
    rec = c.accepted_batches()[1]
    assert rec["data"] == DATA == c.batch_data(2) and rec["data_hash"] == rc.data_hash
    with pytest.raises(ContractError):
        c.batch_data(3)


def test_a_rejected_batch_stores_no_data():
    r = funded_rig()
    c = r.contract
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE))
    cd, proof, commitment = r.close_batch()
    before = c.snapshot()
    with pytest.raises(BatchRejected) as e:
        c.submit_batch(cd, FakeProof(commitment + 1), data=DATA)
    assert e.value.reason == Reason.INVALID_PROOF
    assert c.snapshot() == before and [b["data"] for b in c.accepted_batches()] == [b""]
    with pytest.raises(BatchRejected) as e:
        c.submit_batch(cd, proof, data="not bytes")
    assert e.value.reason == Reason.MALFORMED_CALLDATA and c.snapshot() == before
    # the same batch with its data is then accepted, once
    c.submit_batch(cd, proof, data=bytearray(DATA))
    assert c.batch_data(2) == DATA
    with pytest.raises(BatchRejected):
        c.submit_batch(cd, proof, data=b"other")
    assert c.batch_data(2) == DATA


def test_data_bytes_are_charged_as_calldata_gas():
    r = funded_rig()
    c = r.contract
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE))
    cd, proof, _ = r.close_batch()
    rc = c.submit_batch(cd, proof, data=DATA)
    zeros = DATA.count(0)
    pad = -len(DATA) % 32
    data_part = 16 * (len(DATA) - zeros) + 4 * zeros + 4 * pad        # EIP-2028, padded to 32
    data_part += 16 - 4                                                # the length word's non-zero byte
    with_data, without = gas.batch_gas(cd, data=DATA), gas.batch_gas(cd)
    assert with_data.items["data_calldata"] == data_part and without.items["data_calldata"] == 0
    assert with_data.items["data_hash"] == 60 + 12 * (-(-len(DATA) // 32))
    assert with_data.items["calldata"] == without.items["calldata"]    # the rest of the transaction
    assert with_data.total - without.total == data_part + 12 * (-(-len(DATA) // 32))
    assert rc.gas == with_data.total == c.accepted_batches()[1]["gas"]
    # the whole ABI transaction data is priced, data included
    raw = gas.abi_submit_bytes(cd.to_bytes(), data=DATA)
    assert with_data.items["calldata"] + with_data.items["data_calldata"] == gas.calldata_gas(raw)
    assert raw.endswith(DATA + b"\x00" * pad)


def test_stored_data_survives_reopening_and_altered_data_is_detected(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    r = funded_rig(path=path)
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof, data=DATA)
    r.contract.close()
    c2 = RollupContract(path, verifier=fake_verify)
    assert c2.batch_data(2) == DATA
    c2.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE batches SET data = ? WHERE batch_number = 2", (b"forged",))
    db.commit()
    db.close()
    c3 = RollupContract(path, verifier=fake_verify)
    with pytest.raises(StoreError, match="hash"):
        c3.batch_data(2)
    c3.close()


def test_a_version_1_store_is_upgraded_with_empty_data_for_its_old_batches(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    r = funded_rig(path=path)
    r.contract.close()
    # make it look like a version-1 file: the batches table without the data columns
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE b1 AS SELECT batch_number, calldata, proof, commitment, accepted_at, old_root,
            new_root, market_hash, oracle_hash, deposit_hash_old, deposit_hash_new, first_deposit, gas
            FROM batches;
        DROP TABLE batches;
        ALTER TABLE b1 RENAME TO batches;
        UPDATE meta SET value = '1' WHERE key = 'schema_version';
    """)
    db.close()
    c = RollupContract(path, verifier=fake_verify)
    assert c.batch_data(1) == b"" and c.store.get_meta("schema_version") == 2
    r.contract = c
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE))
    cd, proof, _ = r.close_batch()
    c.submit_batch(cd, proof, data=DATA)
    assert c.batch_data(2) == DATA
    c.close()
