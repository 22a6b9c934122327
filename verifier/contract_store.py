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
    deposits(idx, account, pk_x, pk_y, amount, depositor, chain, refunded)
                                        chain = rolling hash after this deposit
    forced(req_id, account, l1_address, amount, requested_at, deadline, served_batch,
           served_amount, request)  request: the user's signed message fields, published
    batches(batch_number, calldata, proof, commitment, accepted_at, new_root, ...,
            data, data_hash)            the published record of every accepted batch, with
                                        the batch's data (its operations, the data part of
                                        the accepting call) and the SHA-256 the contract
                                        computed of them (hex)
    exits(account, l1_address, amount, exited_at)
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator, Optional

SCHEMA_VERSION = 2
EMPTY_DATA_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"   # SHA-256 of b""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vks (batch_size INTEGER PRIMARY KEY, vk TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS l1_balances (address TEXT PRIMARY KEY, amount TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS markets (market_id INTEGER PRIMARY KEY, hash TEXT NOT NULL,
    encoded TEXT NOT NULL, registered_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oracle_tables (table_id INTEGER PRIMARY KEY, hash TEXT NOT NULL,
    encoded TEXT NOT NULL, published_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deposits (idx INTEGER PRIMARY KEY, account INTEGER NOT NULL,
    pk_x TEXT NOT NULL, pk_y TEXT NOT NULL, amount TEXT NOT NULL, depositor TEXT NOT NULL,
    chain TEXT NOT NULL, queued_at INTEGER NOT NULL, refunded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS forced (req_id INTEGER PRIMARY KEY, account INTEGER NOT NULL,
    l1_address TEXT NOT NULL, amount TEXT NOT NULL, requested_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL, served_batch INTEGER, served_amount TEXT, request TEXT);
CREATE TABLE IF NOT EXISTS batches (batch_number INTEGER PRIMARY KEY, calldata BLOB NOT NULL,
    proof TEXT NOT NULL, commitment TEXT NOT NULL, accepted_at INTEGER NOT NULL,
    old_root TEXT NOT NULL, new_root TEXT NOT NULL, market_hash TEXT NOT NULL,
    oracle_hash TEXT NOT NULL, deposit_hash_old TEXT NOT NULL, deposit_hash_new TEXT NOT NULL,
    first_deposit INTEGER NOT NULL, gas INTEGER NOT NULL, data BLOB NOT NULL DEFAULT x'',
    data_hash TEXT NOT NULL DEFAULT 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
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
            if v == 1:
                # version 1 kept no batch data: its batches read as published without any
                # (a rebuild refuses them), new batches store theirs
                self._db.execute("ALTER TABLE batches ADD COLUMN data BLOB NOT NULL DEFAULT x''")
                self._db.execute("ALTER TABLE batches ADD COLUMN data_hash TEXT NOT NULL "
                                 f"DEFAULT '{EMPTY_DATA_HASH}'")
                v = SCHEMA_VERSION
                self.set_meta("schema_version", v)
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

    # -- deposits ----------------------------------------------------------------------------
    def add_deposit(self, account: int, pk_x: int, pk_y: int, amount: int, depositor: int,
                    chain: int, at: int) -> int:
        idx = self.deposit_count()
        self._w("INSERT INTO deposits (idx, account, pk_x, pk_y, amount, depositor, chain, queued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (idx, account, str(pk_x), str(pk_y), str(amount), str(depositor), str(chain), at))
        return idx

    def deposit_count(self) -> int:
        return self._r("SELECT COUNT(*) FROM deposits")[0][0]

    def deposits(self, start: int = 0, stop: Optional[int] = None) -> list[dict]:
        stop = self.deposit_count() if stop is None else stop
        rows = self._r("SELECT idx, account, pk_x, pk_y, amount, depositor, chain, queued_at, refunded "
                       "FROM deposits WHERE idx >= ? AND idx < ? ORDER BY idx", (start, stop))
        return [{"index": r[0], "account": r[1], "pk_x": int(r[2]), "pk_y": int(r[3]),
                 "amount": int(r[4]), "depositor": int(r[5]), "chain": int(r[6]),
                 "queued_at": r[7], "refunded": bool(r[8])} for r in rows]

    def chain_after(self, n: int, empty: int) -> int:
        """The rolling hash after the first n deposits (`empty` for n = 0)."""
        if n == 0:
            return empty
        rows = self._r("SELECT chain FROM deposits WHERE idx = ?", (n - 1,))
        if not rows:
            raise StoreError(f"no deposit number {n - 1}")
        return int(rows[0][0])

    def mark_refunded(self, idx: int) -> None:
        self._w("UPDATE deposits SET refunded = 1 WHERE idx = ?", (idx,))

    # -- forced withdrawals ------------------------------------------------------------------
    def add_forced(self, account: int, l1_address: int, amount: int, at: int, deadline: int,
                   request: Optional[dict] = None) -> int:
        cur = self._w("INSERT INTO forced (account, l1_address, amount, requested_at, deadline, request) "
                      "VALUES (?, ?, ?, ?, ?, ?)", (account, str(l1_address), str(amount), at, deadline,
                                                    json.dumps(request)))
        return int(cur.lastrowid)

    def forced_requests(self, pending_only: bool = False) -> list[dict]:
        sql = ("SELECT req_id, account, l1_address, amount, requested_at, deadline, served_batch, "
               "served_amount, request FROM forced")
        if pending_only:
            sql += " WHERE served_batch IS NULL"
        rows = self._r(sql + " ORDER BY req_id")
        return [{"id": r[0], "account": r[1], "l1_address": int(r[2]), "amount": int(r[3]),
                 "requested_at": r[4], "deadline": r[5], "served_batch": r[6],
                 "served_amount": None if r[7] is None else int(r[7]),
                 "request": json.loads(r[8]) if r[8] else None} for r in rows]

    def earliest_pending_deadline(self) -> Optional[int]:
        return self._r("SELECT MIN(deadline) FROM forced WHERE served_batch IS NULL")[0][0]

    def serve_forced(self, req_id: int, batch_number: int, amount: int) -> None:
        self._w("UPDATE forced SET served_batch = ?, served_amount = ? WHERE req_id = ?",
                (batch_number, str(amount), req_id))

    # -- accepted batches (published data) ---------------------------------------------------
    def add_batch(self, rec: dict) -> None:
        """`rec["data"]`: the batch data bytes, `rec["data_hash"]`: their SHA-256 (32 bytes)."""
        self._w("INSERT INTO batches (batch_number, calldata, proof, commitment, accepted_at, old_root, "
                "new_root, market_hash, oracle_hash, deposit_hash_old, deposit_hash_new, first_deposit, gas, "
                "data, data_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rec["batch_number"], rec["calldata"], json.dumps(rec["proof"]), str(rec["commitment"]),
                 rec["accepted_at"], str(rec["old_root"]), str(rec["new_root"]), str(rec["market_hash"]),
                 str(rec["oracle_hash"]), str(rec["deposit_hash_old"]), str(rec["deposit_hash_new"]),
                 rec["first_deposit"], rec["gas"], bytes(rec["data"]), bytes(rec["data_hash"]).hex()))

    _BATCH_KEYS = ("batch_number", "calldata", "proof", "commitment", "accepted_at", "old_root", "new_root",
                   "market_hash", "oracle_hash", "deposit_hash_old", "deposit_hash_new", "first_deposit",
                   "gas", "data", "data_hash")

    def batches(self, batch_number: Optional[int] = None) -> list[dict]:
        """Every accepted batch's record in order (or only `batch_number`'s)."""
        sql = f"SELECT {', '.join(self._BATCH_KEYS)} FROM batches"
        args: tuple = ()
        if batch_number is not None:
            sql += " WHERE batch_number = ?"
            args = (batch_number,)
        rows = self._r(sql + " ORDER BY batch_number", args)
        out = []
        for r in rows:
            d = dict(zip(self._BATCH_KEYS, r))
            d["calldata"] = bytes(d["calldata"])
            d["data"] = bytes(d["data"])
            d["data_hash"] = bytes.fromhex(d["data_hash"])
            d["proof"] = json.loads(d["proof"])
            for k in ("commitment", "old_root", "new_root", "market_hash", "oracle_hash",
                      "deposit_hash_old", "deposit_hash_new"):
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
