"""Data availability (v3): the posted data is the batch's records, inside the calldata the
public input hashes. The accepting call stores them with the batch record; a rejected
batch stores nothing; what is stored is exactly what the proof proved (the public input
recomputed from the stored records and roots is the accepted one); the records are
charged as calldata (EIP-2028) and hashed with the SHA-256 precompile."""
import sqlite3

import pytest

from circuits.spec.public_input import HEADER_BYTES, batch_public_input
from verifier import gas
from verifier.contract import BatchRejected, ContractError, Reason, RollupContract
from zkrollup.ops import Withdraw

from contract_helpers import ALICE, DID, KEYS, USD, FakeProof, fake_verify, funded_rig


def stored_public_input(rec) -> int:
    return batch_public_input(rec["calldata"].records, old_root=rec["old_root"], new_root=rec["new_root"],
                              oracle_hash=rec["oracle_hash"], prio_old=rec["prio_old"], prio_new=rec["prio_new"])


def test_accepted_batches_store_their_records_and_they_are_what_was_proved():
    r = funded_rig()
    c = r.contract
    w = r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, pub = r.close_batch()
    c.submit_batch(cd, proof)
    assert c.batch_records(2) == list(cd.records) and c.batch_records(2)[0] == w.record
    for rec in c.accepted_batches():
        assert stored_public_input(rec) == rec["public_input"]
    with pytest.raises(ContractError):
        c.batch_records(3)


def test_a_rejected_batch_stores_nothing():
    r = funded_rig()
    c = r.contract
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, pub = r.close_batch()
    before = c.snapshot()
    with pytest.raises(BatchRejected) as e:
        c.submit_batch(cd, FakeProof(pub + 1))
    assert e.value.reason == Reason.INVALID_PROOF and c.snapshot() == before


def test_records_are_charged_as_calldata_and_hashed_once():
    r = funded_rig()
    c = r.contract
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, _ = r.close_batch()
    rc = c.submit_batch(cd, proof)
    rep = gas.batch_gas(cd)
    raw = gas.abi_submit_bytes(cd.to_bytes())
    assert rep.items["calldata"] == gas.calldata_gas(raw) and raw[-(len(raw) - 4 - 9 * 32 - 32):].startswith(
        cd.to_bytes())
    assert rep.items["public_input_sha256"] == 60 + 12 * (-(-(HEADER_BYTES + 2 * 42) // 32))
    assert rep.items["payouts"] == gas.ERC20_TRANSFER                  # the withdrawal
    assert rc.gas == rep.total == c.accepted_batches()[1]["gas"]


def test_stored_records_survive_reopening_and_altered_ones_no_longer_match_the_proof(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    r = funded_rig(path=path)
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    r.contract.close()
    c2 = RollupContract(path, verifier=fake_verify)
    assert c2.batch_records(2) == list(cd.records)
    c2.close()
    db = sqlite3.connect(path)
    forged = bytearray(cd.to_bytes())
    forged[-84 + 32] ^= 1                             # slot 0: the withdrawal's L1 address
    db.execute("UPDATE batches SET calldata = ? WHERE batch_number = 2", (bytes(forged),))
    db.commit()
    db.close()
    c3 = RollupContract(path, verifier=fake_verify)
    rec = c3.accepted_batches()[1]
    assert stored_public_input(rec) != rec["public_input"]
    c3.close()
