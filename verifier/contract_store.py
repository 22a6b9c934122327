"""SQLite storage of the L1 contract model's state: one file, one transaction per call.

The contract (verifier/contract.py) reads and writes its whole state through this store
and wraps every public call in `transaction()`: the call's writes become durable
together at COMMIT, or not at all (an exception, a rejected batch, or a crash before
COMMIT leaves the last committed state; SQLite's rollback journal with
synchronous=FULL makes that hold across power loss too). Path ":memory:" keeps the state
in memory only.

Tables (integers that may exceed 64 bits, such as roots, hashes, keys, addresses and
amounts, are stored as decimal TEXT; structured values as JSON, whose integers are exact):

    meta(key, value)                    scalars: root, batch number, collateral, flags, config
    vks(batch_size, vk)                 verifying keys (points as JSON)
    l1_balances(address, amount)        the token balances of L1 users
    markets(market_id, hash, encoded, registered_at)
    oracle_tables(table_id, hash, encoded, published_at)
    queue(idx, kind, account, amount, pk_x, pk_y, l1_address, chain, queued_at, deadline,
          served_batch, paid, reclaimed)
                                        the L1 priority queue (deposits kind 1, forced
                                        withdrawals kind 2), chain = the priority chain
                                        value after this entry; paid = what the serving
                                        batch paid on L1 for it (a refund, a forced payout)
    batches(batch_number, calldata, proof, public_input, accepted_at, old_root, new_root,
            market_hash, oracle_hash, prio_old, prio_new, first_entry, gas)
                                        the published record of every accepted batch (its
                                        calldata holds the records: the posted data)
    exits(account, l1_address, amount, exited_at)
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator, Optional

SCHEMA_VERSION = 3
"""3: one priority queue, records as posted data (v3 of the rollup)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vks (batch_size INTEGER PRIMARY KEY, vk TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS l1_balances (address TEXT PRIMARY KEY, amount TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS markets (market_id INTEGER PRIMARY KEY, hash TEXT NOT NULL,
    encoded TEXT NOT NULL, registered_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oracle_tables (table_id INTEGER PRIMARY KEY, hash TEXT NOT NULL,
    encoded TEXT NOT NULL, published_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queue (idx INTEGER PRIMARY KEY, kind INTEGER NOT NULL, account INTEGER NOT NULL,
    amount TEXT NOT NULL, pk_x TEXT NOT NULL, pk_y TEXT NOT NULL, l1_address TEXT NOT NULL, chain TEXT NOT NULL,
    queued_at INTEGER NOT NULL, deadline INTEGER NOT NULL, served_batch INTEGER, paid TEXT,
    reclaimed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS batches (batch_number INTEGER PRIMARY KEY, calldata BLOB NOT NULL,
    proof TEXT NOT NULL, public_input TEXT NOT NULL, accepted_at INTEGER NOT NULL,
    old_root TEXT NOT NULL, new_root TEXT NOT NULL, market_hash TEXT NOT NULL,
    oracle_hash TEXT NOT NULL, prio_old TEXT NOT NULL, prio_new TEXT NOT NULL,
    first_entry INTEGER NOT NULL, gas INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS exits (account INTEGER PRIMARY KEY, l1_address TEXT NOT NULL,
    amount TEXT NOT NULL, exited_at INTEGER NOT NULL);
"""


class StoreError(RuntimeError):
    """The state file is not a contract store of this version, or is being used wrongly."""


class ContractStore:
    """Typed access to the contract's SQLite state. Every write must happen inside
    `transaction()`; reads may happen anywhere."""

    def __init__(self, path: str = ":memory:"):
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA synchronous=FULL")
        self._in_tx = False
        with self.transaction():
            # statement by statement: executescript() would COMMIT behind our back
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            v = self.get_meta("schema_version")
            if v is None:
                self.set_meta("schema_version", SCHEMA_VERSION)
            elif v != SCHEMA_VERSION:
                raise StoreError(f"{path}: contract store schema {v}, this code reads {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (re-raised). Nested
        use joins the outer transaction."""
        if self._in_tx:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._in_tx = False
            self._db.execute("ROLLBACK")
            raise
        else:
            self._in_tx = False
            self._db.execute("COMMIT")

    def _w(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        if not self._in_tx:
            raise StoreError("contract state written outside a transaction")
        return self._db.execute(sql, args)

    def _r(self, sql: str, args: tuple = ()) -> list:
        return self._db.execute(sql, args).fetchall()

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self._r("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_meta(self, key: str, value: Any) -> None:
        self._w("INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    # -- verifying keys ----------------------------------------------------------------------
    def set_vk(self, batch_size: int, vk_obj: dict) -> None:
        self._w("INSERT INTO vks (batch_size, vk) VALUES (?, ?) "
                "ON CONFLICT(batch_size) DO UPDATE SET vk = excluded.vk", (batch_size, json.dumps(vk_obj)))

    def get_vk(self, batch_size: int) -> Optional[dict]:
        rows = self._r("SELECT vk FROM vks WHERE batch_size = ?", (batch_size,))
        return json.loads(rows[0][0]) if rows else None

    def vk_sizes(self) -> list[int]:
        return [r[0] for r in self._r("SELECT batch_size FROM vks ORDER BY batch_size")]

    # -- L1 token balances -----------------------------------------------------------------
    def balance(self, address: int) -> int:
        rows = self._r("SELECT amount FROM l1_balances WHERE address = ?", (str(address),))
        return int(rows[0][0]) if rows else 0

    def set_balance(self, address: int, amount: int) -> None:
        if amount < 0:
            raise StoreError(f"negative L1 balance for {address:#x}")
        self._w("INSERT INTO l1_balances (address, amount) VALUES (?, ?) "
                "ON CONFLICT(address) DO UPDATE SET amount = excluded.amount", (str(address), str(amount)))

    def balances(self) -> dict[int, int]:
        return {int(a): int(v) for a, v in self._r("SELECT address, amount FROM l1_balances")}

    # -- markets and oracle tables -----------------------------------------------------------
    def add_market(self, h: int, encoded: list[int], at: int) -> int:
        cur = self._w("INSERT INTO markets (hash, encoded, registered_at) VALUES (?, ?, ?)",
                      (str(h), json.dumps(encoded), at))
        return int(cur.lastrowid)

    def current_market(self) -> Optional[tuple[int, int, list[int]]]:
        rows = self._r("SELECT market_id, hash, encoded FROM markets ORDER BY market_id DESC LIMIT 1")
        return (rows[0][0], int(rows[0][1]), json.loads(rows[0][2])) if rows else None

    def add_oracle_table(self, h: int, encoded: list[int], at: int) -> int:
        cur = self._w("INSERT INTO oracle_tables (hash, encoded, published_at) VALUES (?, ?, ?)",
                      (str(h), json.dumps(encoded), at))
        return int(cur.lastrowid)

    def oracle_table(self, table_id: int) -> Optional[tuple[int, list[int], int]]:
        """(hash, encoded table, published_at) of a published table, or None."""
        rows = self._r("SELECT hash, encoded, published_at FROM oracle_tables WHERE table_id = ?", (table_id,))
        return (int(rows[0][0]), json.loads(rows[0][1]), rows[0][2]) if rows else None

    def latest_oracle_table_id(self) -> int:
        rows = self._r("SELECT MAX(table_id) FROM oracle_tables")
        return rows[0][0] or 0

    # -- the priority queue ------------------------------------------------------------------
    _Q = ("idx", "kind", "account", "amount", "pk_x", "pk_y", "l1_address", "chain", "queued_at", "deadline",
          "served_batch", "paid", "reclaimed")

    def add_entry(self, kind: int, account: int, amount: int, pk: tuple[int, int], l1_address: int,
                  chain: int, at: int, deadline: int) -> int:
        idx = self.queue_length()
        self._w("INSERT INTO queue (idx, kind, account, amount, pk_x, pk_y, l1_address, chain, queued_at, deadline) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (idx, kind, account, str(amount), str(pk[0]), str(pk[1]), str(l1_address), str(chain), at, deadline))
        return idx

    def queue_length(self) -> int:
        return self._r("SELECT COUNT(*) FROM queue")[0][0]

    def entries(self, start: int = 0, stop: Optional[int] = None, kind: Optional[int] = None) -> list[dict]:
        """Queue entries with start <= idx < stop (of one kind, when given), in order."""
        stop = self.queue_length() if stop is None else stop
        sql = f"SELECT {', '.join(self._Q)} FROM queue WHERE idx >= ? AND idx < ?"
        args: tuple = (start, stop)
        if kind is not None:
            sql += " AND kind = ?"
            args += (kind,)
        out = []
        for r in self._r(sql + " ORDER BY idx", args):
            d = dict(zip(self._Q, r))
            for k in ("amount", "pk_x", "pk_y", "l1_address", "chain"):
                d[k] = int(d[k])
            d["paid"] = None if d["paid"] is None else int(d["paid"])
            d["reclaimed"] = bool(d["reclaimed"])
            out.append(d)
        return out

    def chain_after(self, n: int, empty: int) -> int:
        """The priority chain after the first n entries (`empty` for n = 0)."""
        if n == 0:
            return empty
        rows = self._r("SELECT chain FROM queue WHERE idx = ?", (n - 1,))
        if not rows:
            raise StoreError(f"no queue entry number {n - 1}")
        return int(rows[0][0])

    def earliest_pending_deadline(self) -> Optional[int]:
        return self._r("SELECT MIN(deadline) FROM queue WHERE served_batch IS NULL")[0][0]

    def serve_entry(self, idx: int, batch_number: int, paid: int) -> None:
        self._w("UPDATE queue SET served_batch = ?, paid = ? WHERE idx = ?", (batch_number, str(paid), idx))

    def mark_reclaimed(self, idx: int) -> None:
        self._w("UPDATE queue SET reclaimed = 1 WHERE idx = ?", (idx,))

    # -- accepted batches (published data) ---------------------------------------------------
    _BATCH_KEYS = ("batch_number", "calldata", "proof", "public_input", "accepted_at", "old_root", "new_root",
                   "market_hash", "oracle_hash", "prio_old", "prio_new", "first_entry", "gas")
    _BATCH_INTS = ("public_input", "old_root", "new_root", "market_hash", "oracle_hash", "prio_old", "prio_new")

    def add_batch(self, rec: dict) -> None:
        vals = [rec[k] for k in self._BATCH_KEYS]
        vals[2] = json.dumps(rec["proof"])
        vals = [str(v) if k in self._BATCH_INTS else v for k, v in zip(self._BATCH_KEYS, vals)]
        self._w(f"INSERT INTO batches ({', '.join(self._BATCH_KEYS)}) VALUES ({', '.join('?' * len(vals))})",
                tuple(vals))

    def batches(self, batch_number: Optional[int] = None) -> list[dict]:
        """Every accepted batch's record in order (or only `batch_number`'s)."""
        sql = f"SELECT {', '.join(self._BATCH_KEYS)} FROM batches"
        args: tuple = ()
        if batch_number is not None:
            sql += " WHERE batch_number = ?"
            args = (batch_number,)
        out = []
        for r in self._r(sql + " ORDER BY batch_number", args):
            d = dict(zip(self._BATCH_KEYS, r))
            d["calldata"] = bytes(d["calldata"])
            d["proof"] = json.loads(d["proof"])
            for k in self._BATCH_INTS:
                d[k] = int(d[k])
            out.append(d)
        return out

    # -- exits -------------------------------------------------------------------------------
    def exit_of(self, account: int) -> Optional[dict]:
        rows = self._r("SELECT l1_address, amount, exited_at FROM exits WHERE account = ?", (account,))
        return ({"l1_address": int(rows[0][0]), "amount": int(rows[0][1]), "exited_at": rows[0][2]}
                if rows else None)

    def add_exit(self, account: int, l1_address: int, amount: int, at: int) -> None:
        self._w("INSERT INTO exits (account, l1_address, amount, exited_at) VALUES (?, ?, ?, ?)",
                (account, str(l1_address), str(amount), at))

    def exits(self) -> dict[int, dict]:
        return {r[0]: {"l1_address": int(r[1]), "amount": int(r[2]), "exited_at": r[3]}
                for r in self._r("SELECT account, l1_address, amount, exited_at FROM exits")}
