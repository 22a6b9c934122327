"""SQLite persistence of the rollup state: one file, atomic per batch.

`StateStore(path).commit(state)` writes everything that changed since the last commit
(the accounts in `state.dirty`, and the small global part: market, oracle table, queues,
counters, roots) in one SQLite transaction, optionally with caller records (the
operator's batch data) in the same transaction. A crash at any point leaves the file at
the last completed commit: SQLite's journal (WAL by default, `journal="rollback"` for a
rollback journal) with `synchronous=FULL` makes each commit all-or-nothing and durable.

`load()` rebuilds the state (trees re-hashed from the stored accounts) and checks that
the recomputed root equals the root stored with the commit; a mismatch raises ValueError.

Values are stored as JSON text (Python's json keeps big integers exact).

Tables: `meta(key, value)`, `accounts(idx, data)`, `records(key, value)`.
"""
from __future__ import annotations

import json
import sqlite3
from collections import deque
from pathlib import Path
from typing import Callable, Iterator, Mapping

from circuits.spec.tables import OracleTable

from .account import Account
from .market import Market
from .ops import op_from_obj
from .smt import SparseMerkleTree
from .state import RollupState

SCHEMA_VERSION = 3
"""2: accounts with an owner, one L1 priority queue (v3 of the rollup); 3: the same
accounts in the 4-ary trees of `circuits.spec.tree` (the committed roots differ)."""

_SCALARS = ("collateral", "pending_deposits", "prio", "prio_served", "batch_number")


class StateStore:
    """A state file. `journal` is "wal" (default) or "rollback"."""

    def __init__(self, path: str | Path, *, journal: str = "wal"):
        if journal not in ("wal", "rollback"):
            raise ValueError("journal must be 'wal' or 'rollback'")
        self.path = Path(path)
        self._conn = sqlite3.connect(str(self.path), isolation_level=None)
        mode = "WAL" if journal == "wal" else "DELETE"
        self._conn.execute(f"PRAGMA journal_mode={mode}")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS accounts (idx INTEGER PRIMARY KEY, data TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value BLOB NOT NULL);")
        self.after_write: Callable[[], None] = lambda: None
        """Called after every statement inside a commit (the crash test kills the process here)."""

    # --- writing ------------------------------------------------------------------------

    def _exec(self, sql: str, args: tuple = ()) -> None:
        self._conn.execute(sql, args)
        self.after_write()

    def _put_meta(self, key: str, value) -> None:
        self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def commit(self, state: RollupState, records: Mapping[str, bytes] | None = None) -> None:
        """Write the state's changes (and `records`) in one transaction; all or nothing."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for idx in sorted(state.dirty):
                acc = state.accounts.get(idx)
                if acc is None:
                    self._exec("DELETE FROM accounts WHERE idx = ?", (idx,))
                else:
                    self._exec("INSERT OR REPLACE INTO accounts (idx, data) VALUES (?, ?)",
                               (idx, json.dumps(acc.to_obj())))
            self._put_meta("config", {"schema": SCHEMA_VERSION, "account_depth": state.account_depth,
                                      "order_depth": state.order_depth, "n_scenarios": state.n_scenarios})
            self._put_meta("market", state.market.to_obj())
            self._put_meta("oracle", None if state.oracle is None else state.oracle.to_obj())
            self._put_meta("oi", list(state.oi))
            self._put_meta("scalars", {name: getattr(state, name) for name in _SCALARS})
            self._put_meta("prio_queue", [e.to_obj() for e in state.prio_queue])
            self._put_meta("roots", {"root": state.root, "accounts_root": state.accounts_root})
            for key, value in (records or {}).items():
                self._exec("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", (key, bytes(value)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        state.dirty.clear()

    # --- reading ----------------------------------------------------------------------------

    def _meta(self, key: str):
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return json.loads(row[0])

    def exists(self) -> bool:
        """True once a state has been committed to this file."""
        return self._conn.execute("SELECT 1 FROM meta WHERE key = 'roots'").fetchone() is not None

    def load(self) -> RollupState:
        """The state of the last commit; ValueError if the file holds none or is inconsistent."""
        if not self.exists():
            raise ValueError(f"{self.path} holds no committed rollup state")
        cfg = self._meta("config")
        if cfg.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"{self.path}: unsupported state schema {cfg.get('schema')!r}")
        market = Market.from_obj(self._meta("market"))
        st = RollupState.__new__(RollupState)
        st.market = market
        st.account_depth, st.order_depth = cfg["account_depth"], cfg["order_depth"]
        st.n_scenarios = cfg["n_scenarios"]
        oracle = self._meta("oracle")
        st.oracle = None if oracle is None else OracleTable.from_obj(oracle)
        st.oi = list(self._meta("oi"))
        for name, value in self._meta("scalars").items():
            setattr(st, name, value)
        st.prio_queue = deque(op_from_obj(e) for e in self._meta("prio_queue"))
        st.accounts = {}
        for idx, data in self._conn.execute("SELECT idx, data FROM accounts ORDER BY idx"):
            st.accounts[idx] = Account.from_obj(json.loads(data), market.K, st.order_depth)
        st.tree = SparseMerkleTree(st.account_depth)
        st.tree.update_many({i: a.leaf for i, a in st.accounts.items()})
        st.dirty = set()
        roots = self._meta("roots")
        if st.root != roots["root"] or st.accounts_root != roots["accounts_root"]:
            raise ValueError(f"{self.path}: recomputed root differs from the committed root")
        return st

    def record(self, key: str) -> bytes | None:
        row = self._conn.execute("SELECT value FROM records WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def records(self, prefix: str = "") -> Iterator[tuple[str, bytes]]:
        for k, v in self._conn.execute("SELECT key, value FROM records WHERE key >= ? ORDER BY key",
                                       (prefix,)):
            if not k.startswith(prefix):
                break
            yield k, bytes(v)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
