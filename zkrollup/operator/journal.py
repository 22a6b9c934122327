"""The operator's journal: three SQLite tables beside the accepted state in `operator.sqlite`.

- `op_meta(key, value)`: the configuration (genesis, batch size), the current order book
  and the operations refused as unprovable (`refused`: op object and error; JSON text);
- `op_inbox(seq, received_at, request, status, result)`: every user request as received,
  written before it is processed (status `new`, then `done`, `partial` or `rejected` with
  the result as JSON text);
- `op_events(seq, src, kind, data)`: what the operator did, in order: `op` (an operation
  applied), `seal` (a batch closed; with the book as it was then and the inbox entry to
  resume from), `oracle` (a new table installed); `src` is the inbox entry that caused it
  (NULL for what L1 caused). Event data is msgpack (`zkrollup.batchfile.pack`).

`write` stores requests' events, the book and the requests' status in one transaction (one
request, or a burst: group commit);
`truncate` is the rollback's (events after the last accepted seal dropped, inbox entries
from the resume point marked new, the seal's book restored, and, when the rollback is for
an operation the circuit cannot prove, that operation added to `refused`). The journal knows nothing of
states or batches: the sequencer gives meaning to its events.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Callable, Optional

from .. import batchfile

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS op_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS op_inbox (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL,"
    " request BLOB NOT NULL, status TEXT NOT NULL, result TEXT);"
    "CREATE TABLE IF NOT EXISTS op_events (seq INTEGER PRIMARY KEY, src INTEGER, kind TEXT NOT NULL,"
    " data BLOB NOT NULL);")


class Journal:
    """The journal tables of one operator file. `fault(point)` (crash tests) is called
    inside `write`'s transaction, just before its commit ("journal-before-commit")."""

    def __init__(self, path: Path, fault: Callable[[str], None]):
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self.fault = fault

    # --- meta -----------------------------------------------------------------------------

    def meta(self, key: str):
        row = self._db.execute("SELECT value FROM op_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value) -> None:
        self._db.execute("INSERT OR REPLACE INTO op_meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # --- inbox ----------------------------------------------------------------------------

    def receive(self, received_at: int, request: dict) -> int:
        """Store a request as `new` (durable when this returns); its inbox sequence number."""
        return self.receive_many(received_at, [request])[0]

    def receive_many(self, received_at: int, requests: list[dict]) -> list[int]:
        """Store requests as `new` in one transaction (durable when this returns); their
        inbox sequence numbers, in order."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            seqs = [db.execute("INSERT INTO op_inbox (received_at, request, status) VALUES (?, ?, 'new')",
                               (received_at, batchfile.pack(r))).lastrowid for r in requests]
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return seqs

    def new_requests(self) -> list[tuple[int, dict]]:
        """(seq, request) of every entry not processed yet, in order."""
        rows = self._db.execute("SELECT seq, request FROM op_inbox WHERE status = 'new' ORDER BY seq").fetchall()
        return [(seq, batchfile.unpack(req)) for seq, req in rows]

    def next_request_seq(self) -> int:
        """The sequence number the next request will get."""
        row = self._db.execute("SELECT MAX(seq) FROM op_inbox").fetchone()
        return (row[0] or 0) + 1

    # --- events ---------------------------------------------------------------------------

    def events_after(self, seq: int) -> list[tuple[int, str, dict]]:
        """(seq, kind, event) of every event after `seq`, in order."""
        rows = self._db.execute("SELECT seq, kind, data FROM op_events WHERE seq > ? ORDER BY seq",
                                (seq,)).fetchall()
        return [(s, kind, batchfile.unpack(data)) for s, kind, data in rows]

    def event(self, seq: int) -> Optional[dict]:
        row = self._db.execute("SELECT data FROM op_events WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else batchfile.unpack(row[0])

    def first_source_after(self, seq: int) -> Optional[int]:
        """The earliest inbox entry that caused an event after `seq` (None: only L1 did)."""
        return self._db.execute("SELECT MIN(src) FROM op_events WHERE seq > ? AND src IS NOT NULL",
                                (seq,)).fetchone()[0]

    def write(self, events: list[tuple[Optional[int], dict]], book: dict,
              inbox: Optional[list[tuple[int, str, str]]] = None) -> list[int]:
        """In one transaction: append `events` ((src, event) pairs), store the book and, when
        given, inbox entries' (seq, status, result). Returns the events' sequence numbers."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            seqs = [db.execute("INSERT INTO op_events (src, kind, data) VALUES (?, ?, ?)",
                               (src, ev["kind"], batchfile.pack(ev))).lastrowid for src, ev in events]
            self.set_meta("book", book)
            for seq, status, result in inbox or ():
                db.execute("UPDATE op_inbox SET status = ?, result = ? WHERE seq = ?", (status, result, seq))
            self.fault("journal-before-commit")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return seqs

    def request_result(self, seq: int) -> Optional[tuple[str, Optional[str]]]:
        """(status, result text) of an inbox entry, None when there is no such entry."""
        row = self._db.execute("SELECT status, result FROM op_inbox WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else (row[0], row[1])

    def refused(self) -> list[dict]:
        """The operations refused as unprovable: [{"op": op object, "error": text}]."""
        return self.meta("refused") or []

    def truncate(self, after: int, resume_from: int, book: dict, refuse: Optional[dict] = None) -> None:
        """In one transaction: drop the events after `after`, mark the inbox entries from
        `resume_from` on as new again, store `book`, and add `refuse` ({"op", "error"}) to
        the refused operations."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM op_events WHERE seq > ?", (after,))
            db.execute("UPDATE op_inbox SET status = 'new', result = NULL WHERE seq >= ?", (resume_from,))
            self.set_meta("book", book)
            if refuse is not None:
                self.set_meta("refused", self.refused() + [refuse])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()
