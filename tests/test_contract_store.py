"""The contract's SQLite state: reopening gives the same state; a rejected or crashed call
leaves the last committed state."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.contract import BatchRejected, ContractConfig, RollupContract
from verifier.contract_store import ContractStore, StoreError
from zkrollup.ops import Withdraw

from contract_helpers import ALICE, DID, KEYS, USD, FakeProof, fake_verify, funded_rig

TESTS = Path(__file__).resolve().parent


def test_reopening_the_store_gives_the_same_state_and_keeps_working(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    r = funded_rig(path=path)
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof)
    snap = r.contract.snapshot()
    r.contract.close()
    c2 = RollupContract(path, verifier=fake_verify)
    assert c2.snapshot() == snap
    assert c2.config == r.contract.config and c2.verifying_key(2) == r.contract.verifying_key(2)
    # the reopened contract accepts the next batch of the same operator
    r.contract = c2
    r.apply(Withdraw.create(KEYS[4], 4, 5 * USD, 0, ALICE, DID))
    cd, proof, _ = r.close_batch()
    c2.submit_batch(cd, proof)
    assert c2.batch_number == 3 and c2.state_root == r.st.root and r.conserved()


def test_a_rejected_batch_leaves_the_file_unchanged(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    r = funded_rig(path=path)
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, c = r.close_batch()
    snap = r.contract.snapshot()
    with pytest.raises(BatchRejected):
        r.contract.submit_batch(cd, FakeProof(c + 1))
    r.contract.close()
    assert RollupContract(path, verifier=fake_verify).snapshot() == snap


def test_reopening_with_another_genesis_or_config_is_refused(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    RollupContract(path, genesis_root=5).close()
    with pytest.raises(StoreError):
        RollupContract(path, genesis_root=6)
    with pytest.raises(StoreError):
        RollupContract(path, config=ContractConfig(queue_deadline_s=1))
    with pytest.raises(StoreError):
        RollupContract(str(tmp_path / "new.sqlite"))            # a new state needs a genesis root
    assert RollupContract(path).state_root == 5


def test_writes_outside_a_transaction_are_refused():
    s = ContractStore()
    with pytest.raises(StoreError):
        s.set_meta("x", 1)


def test_an_exception_mid_call_rolls_back_every_write(monkeypatch):
    r = funded_rig()
    r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
    cd, proof, _ = r.close_batch()
    snap = r.contract.snapshot()

    def boom(*a, **k):
        raise RuntimeError("disk on fire")
    # the payout comes after the root, batch number and deposit pointer were written
    monkeypatch.setattr(r.contract.store, "set_balance", boom)
    with pytest.raises(RuntimeError):
        r.contract.submit_batch(cd, proof)
    assert r.contract.snapshot() == snap


CHILD = r"""
import os, sys
sys.path[:0] = [{tests!r}]
from contract_helpers import ALICE, DID, KEYS, USD, funded_rig
from zkrollup.ops import Withdraw
r = funded_rig(path={path!r})
r.apply(Withdraw.create(KEYS[3], 3, 10 * USD, 0, ALICE, DID))
cd, proof, _ = r.close_batch()
open({marker!r}, "w").write(str(r.contract.state_root))
store = r.contract.store
real = store.set_balance
def die(*a, **k):
    real(*a, **k)          # the payout is written inside the open transaction ...
    os._exit(3)            # ... and the process dies before COMMIT
store.set_balance = die
r.contract.submit_batch(cd, proof)
"""


def test_a_process_killed_inside_submit_batch_leaves_the_last_committed_state(tmp_path):
    path, marker = str(tmp_path / "l1.sqlite"), str(tmp_path / "root.txt")
    code = CHILD.format(tests=str(TESTS), path=path, marker=marker)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 3, res.stderr
    c = RollupContract(path, verifier=fake_verify)
    assert c.state_root == int(open(marker).read())
    assert c.batch_number == 1 and c.l1_balance(ALICE) == 4_000 * USD
    assert len(c.accepted_batches()) == 1
