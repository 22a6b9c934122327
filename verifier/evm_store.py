"""SQLite file of the embedded L1: its world state and its transaction log.

One file holds a chain, opened by one Chain at a time (an exclusive SQLite lock held until
close; a second opener gets ChainStoreError). Every transaction is written in one SQLite transaction together
with the state it leaves (synchronous=FULL), so a crash keeps the chain as of its last
completed transaction. Path ":memory:" keeps it in memory only.

Tables (256-bit values as 64-digit lowercase hex TEXT, addresses as lowercase 0x-hex):

    meta(key, value)            JSON scalars: schema_version, chain_id, gas_limit, spec,
                                block_number, block_timestamp, next_timestamp
    accounts(address, balance, nonce, code)
    storage(address, slot, value)           non-zero slots only
    txs(seq, kind, block, timestamp, sender, to_addr, value, data, gas_limit,
        status, gas_used, output, logs, contract, reason)
                                kind: "fund" (a balance set by the host), "call", "create";
                                logs: JSON [[address, [topic hex...], data hex], ...]
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator, Optional

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, balance TEXT NOT NULL,
    nonce INTEGER NOT NULL, code BLOB);
CREATE TABLE IF NOT EXISTS storage (address TEXT NOT NULL, slot TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (address, slot));
CREATE TABLE IF NOT EXISTS txs (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    block INTEGER NOT NULL, timestamp INTEGER NOT NULL, sender TEXT, to_addr TEXT,
    value TEXT NOT NULL, data BLOB NOT NULL, gas_limit INTEGER NOT NULL, status INTEGER NOT NULL,
    gas_used INTEGER NOT NULL, output BLOB NOT NULL, logs TEXT NOT NULL, contract TEXT,
    reason TEXT)
"""


class ChainStoreError(RuntimeError):
    """The file is not an L1 chain of this version."""


def _h(v: int) -> str:
    return format(v, "064x")


class ChainStore:
    def __init__(self, path: str = ":memory:"):
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=0.5)
            self._db.execute("PRAGMA synchronous=FULL")
            # one writer: the lock taken by the first write below is held until close()
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            with self.transaction():
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self._db.execute(stmt)
                v = self.get_meta("schema_version")
                if v is None:
                    self.set_meta("schema_version", SCHEMA_VERSION)
                elif v != SCHEMA_VERSION:
                    raise ChainStoreError(f"{path}: L1 chain schema {v}, this code reads {SCHEMA_VERSION}")
        except sqlite3.OperationalError as e:
            if "locked" in str(e):
                raise ChainStoreError(f"{path}: the L1 chain is open in another process") from None
            raise ChainStoreError(f"{path}: cannot open the L1 chain ({e})") from None
        except sqlite3.DatabaseError as e:
            raise ChainStoreError(f"{path}: not an L1 chain file ({e})") from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchall()
        return json.loads(rows[0][0]) if rows else default

    def set_meta(self, key: str, value: Any) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) "
                         "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    # -- state -----------------------------------------------------------------------------
    def put_account(self, address: str, balance: int, nonce: int, code: Optional[bytes]) -> None:
        self._db.execute("INSERT INTO accounts (address, balance, nonce, code) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT(address) DO UPDATE SET balance = excluded.balance, "
                         "nonce = excluded.nonce, code = excluded.code",
                         (address, _h(balance), nonce, code or None))

    def put_storage(self, address: str, slot: int, value: int) -> None:
        if value:
            self._db.execute("INSERT INTO storage (address, slot, value) VALUES (?, ?, ?) "
                             "ON CONFLICT(address, slot) DO UPDATE SET value = excluded.value",
                             (address, _h(slot), _h(value)))
        else:
            self._db.execute("DELETE FROM storage WHERE address = ? AND slot = ?", (address, _h(slot)))

    def account(self, address: str) -> Optional[tuple[int, int, bytes]]:
        rows = self._db.execute("SELECT balance, nonce, code FROM accounts WHERE address = ?",
                                (address,)).fetchall()
        if not rows:
            return None
        b, n, c = rows[0]
        return int(b, 16), n, bytes(c or b"")

    def accounts(self) -> Iterator[tuple[str, int, int, bytes]]:
        for a, b, n, c in self._db.execute("SELECT address, balance, nonce, code FROM accounts "
                                           "ORDER BY address"):
            yield a, int(b, 16), n, bytes(c or b"")

    def storage(self) -> Iterator[tuple[str, int, int]]:
        for a, s, v in self._db.execute("SELECT address, slot, value FROM storage ORDER BY address, slot"):
            yield a, int(s, 16), int(v, 16)

    # -- transaction log -------------------------------------------------------------------
    def append_tx(self, row: dict) -> int:
        cur = self._db.execute(
            "INSERT INTO txs (kind, block, timestamp, sender, to_addr, value, data, gas_limit, "
            "status, gas_used, output, logs, contract, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row["kind"], row["block"], row["timestamp"], row["sender"], row["to"],
             _h(row["value"]), row["data"], row["gas_limit"], int(row["status"]), row["gas_used"],
             row["output"], json.dumps(row["logs"]), row["contract"], row["reason"]))
        return cur.lastrowid

    def txs(self, start: int = 0) -> Iterator[dict]:
        cols = ("seq", "kind", "block", "timestamp", "sender", "to", "value", "data", "gas_limit",
                "status", "gas_used", "output", "logs", "contract", "reason")
        for r in self._db.execute("SELECT seq, kind, block, timestamp, sender, to_addr, value, "
                                  "data, gas_limit, status, gas_used, output, logs, contract, "
                                  "reason FROM txs WHERE seq > ? ORDER BY seq", (start,)):
            d = dict(zip(cols, r))
            d["value"] = int(d["value"], 16)
            d["status"] = bool(d["status"])
            d["data"], d["output"] = bytes(d["data"]), bytes(d["output"])
            d["logs"] = json.loads(d["logs"])
            yield d
