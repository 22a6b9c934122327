"""Child process of the crash test: applies deterministic batches and commits each to a store.

    python crash_child.py DB N_BATCHES KILL_AFTER_WRITES

KILL_AFTER_WRITES >= 0 makes the process SIGKILL itself right after that many SQL writes
inside commits (a crash between two writes of one transaction); -1 never does (the parent
may kill it at a random time instead). After each commit it prints "committed B".
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rollup_helpers import DAY, DID, KEYS, T0, fund, make_state, order, reprice  # noqa: E402
from zkrollup.ops import BUY, SELL, Trade, Withdraw  # noqa: E402

USERS = (3, 4, 5)


def genesis():
    st = make_state(account_depth=5, order_depth=3)
    for u in USERS:
        fund(st, u, 10 ** 9)
    st.end_batch()
    return st


def run_batch(st, b: int) -> None:
    """Batch number b (1-based): reprice, deposit, trade, withdraw, then close the batch."""
    reprice(st, 60_000_000 + 250_000 * (b % 7), ts=T0 + b * 3600)
    fund(st, USERS[b % 3], 1_000 + b)
    mark = st.oracle.mark[b % 3]
    buyer, seller = USERS[b % 3], USERS[(b + 1) % 3]
    st.apply(Trade(order(buyer, BUY, 5, mark, b, slot=b % 3, valid_until=T0 + 40 * DAY),
                   order(seller, SELL, 5, mark, b, slot=b % 3, valid_until=T0 + 40 * DAY), 1 + b % 5, mark))
    w = USERS[(b + 2) % 3]
    st.apply(Withdraw.create(KEYS[w], w, 100 + b, st.account(w).nonce, 0xc0ffee, DID))
    st.end_batch()


def expected_state(n_batches: int):
    st = genesis()
    for b in range(1, n_batches + 1):
        run_batch(st, b)
    return st


def main() -> None:
    from zkrollup.store import StateStore
    db, n_batches, kill_after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = StateStore(db)
    writes = [0]

    def after_write():
        writes[0] += 1
        if writes[0] == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    store.after_write = after_write
    st = genesis()
    store.commit(st)
    print("committed", st.batch_number, flush=True)
    for b in range(1, n_batches + 1):
        run_batch(st, b)
        store.commit(st, records={f"batch/{b:06d}": str(st.root).encode()})
        print("committed", st.batch_number, flush=True)
    print("writes", writes[0], flush=True)


if __name__ == "__main__":
    main()
