"""SQLite persistence: reopen gives the same state and roots; a crash loses only the open batch."""
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zkrollup.store import StateStore

import crash_child
from rollup_helpers import fund, make_state

CHILD = Path(__file__).with_name("crash_child.py")
N_BATCHES = 4


@pytest.fixture(scope="module")
def expected():
    """State after each batch, computed in-process (the child is deterministic)."""
    st = crash_child.genesis()
    states = {st.batch_number: st.fingerprint()}
    for b in range(1, N_BATCHES + 1):
        crash_child.run_batch(st, b)
        states[st.batch_number] = st.fingerprint()
    return states


@pytest.mark.parametrize("journal", ["wal", "rollback"])
def test_reopen_gives_the_same_state_and_roots(tmp_path, journal):
    st = make_state()
    fund(st, 3, 1234)
    path = tmp_path / "state.db"
    with StateStore(path, journal=journal) as store:
        store.commit(st, records={"batch/1": b"abc"})
    with StateStore(path, journal=journal) as store:
        again = store.load()
        assert store.record("batch/1") == b"abc"
        assert list(store.records("batch/")) == [("batch/1", b"abc")]
    assert again.fingerprint() == st.fingerprint()
    assert (again.root, again.accounts_root) == (st.root, st.accounts_root)


def test_incremental_commits_write_only_changes_and_reload_equal(tmp_path):
    st = make_state()
    store = StateStore(tmp_path / "s.db")
    store.commit(st)
    assert st.dirty == set()
    fund(st, 4, 99)
    assert st.dirty == {4}
    store.commit(st)
    assert store.load().fingerprint() == st.fingerprint()


def test_tampered_file_is_detected_on_load(tmp_path):
    st = make_state()
    fund(st, 3, 1234)
    path = tmp_path / "s.db"
    StateStore(path).commit(st)
    con = sqlite3.connect(path)
    data = json.loads(con.execute("SELECT data FROM accounts WHERE idx = 3").fetchone()[0])
    data["cash"] += 1
    con.execute("UPDATE accounts SET data = ? WHERE idx = 3", (json.dumps(data),))
    con.commit()
    con.close()
    with pytest.raises(ValueError, match="root"):
        StateStore(path).load()


def test_empty_file_has_no_state(tmp_path):
    with pytest.raises(ValueError, match="no committed"):
        StateStore(tmp_path / "none.db").load()


def _run_child(db, kill_after, kill_delay=None):
    """Run the child; with kill_delay, SIGKILL it that many seconds after its first commit."""
    proc = subprocess.Popen([sys.executable, str(CHILD), str(db), str(N_BATCHES), str(kill_after)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    if kill_delay is not None:
        for line in proc.stdout:          # wait for the genesis commit, then kill mid-run
            lines.append(line)
            if line.startswith("committed"):
                break
        time.sleep(kill_delay)
        proc.send_signal(signal.SIGKILL)
        # read the rest through the same text wrapper: communicate() would read the raw
        # pipe and lose lines already buffered here (the child may have finished by now)
        lines += proc.stdout.read().splitlines()
        err = proc.stderr.read()
        proc.wait(timeout=300)
    else:
        out, err = proc.communicate(timeout=300)
        lines += out.splitlines()
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]
    writes = [int(line.split()[1]) for line in lines if line.startswith("writes")]
    return proc.returncode, committed, writes, err


def _check_reopened(db, expected, committed):
    st = StateStore(db).load()
    b = st.batch_number
    # every batch printed is durable; the next one may have committed just before the kill
    lo = committed[-1] if committed else min(expected)
    assert lo <= b <= lo + 1
    assert st.fingerprint() == expected[b]
    assert st.check_invariants() == []
    return b


def test_kill_between_writes_of_a_commit_keeps_the_last_committed_batch(tmp_path, expected):
    rc, committed, writes, err = _run_child(tmp_path / "full.db", -1)
    assert rc == 0, err
    assert committed[-1] == max(expected)
    assert StateStore(tmp_path / "full.db").load().fingerprint() == expected[max(expected)]
    # SIGKILL right after write number k (inside a commit transaction), for random k
    for i, kill_after in enumerate(random.Random(1234).sample(range(1, writes[0]), 2)):
        db = tmp_path / f"crash{i}.db"
        rc, committed, _, err = _run_child(db, kill_after)
        assert rc == -signal.SIGKILL, err
        if committed:     # the genesis commit itself may be the one interrupted
            b = _check_reopened(db, expected, committed)
            assert b < max(expected)
        else:
            assert not StateStore(db).exists()


def test_kill_at_a_random_time_keeps_the_last_committed_batch(tmp_path, expected):
    db = tmp_path / "random.db"
    rc, committed, _, err = _run_child(db, -1, kill_delay=random.Random(7).uniform(0.0, 0.6))
    assert committed, err
    if rc == 0:   # finished before the kill: the whole run must be there
        assert committed[-1] == max(expected)
    _check_reopened(db, expected, committed)



def test_priority_chain_owners_and_cancels_survive_a_reopen(tmp_path):
    """The priority chain, pending queue entries, account owners and cancelled fill slots
    are committed state: none of them may come back different after a restart."""
    from rollup_helpers import DID, KEYS, addr, pk
    from zkrollup.ops import Cancel
    st = make_state()
    fund(st, 3, 1000)
    st.apply(st.enqueue_forced_withdraw(3, 100, addr(3)))
    st.apply(Cancel.create(KEYS[3], 3, 5, DID))
    st.enqueue_deposit(4, pk(4), 7, addr(4))                      # still queued
    assert st.prio != 0 and st.account(3).owner == addr(3)
    with StateStore(tmp_path / "s.db") as store:
        store.commit(st)
    with StateStore(tmp_path / "s.db") as store:
        again = store.load()
    assert (again.prio, again.prio_served, again.account(3).owner) == (st.prio, st.prio_served, addr(3))
    assert again.fingerprint() == st.fingerprint()
