"""The operator: takes orders and requests, matches, batches, proves, submits, records.

Flow. Users hand the operator signed orders and requests (the in-process API: `submit`,
`submit_order`, or msgpack / JSON files: `submit_file`). L1 hands it deposits, forced
withdrawals and oracle tables (`sync` reads them from the contract). Orders cross
price-time in one book per instrument slot (`zkrollup.matching`; maker = the resting
order, price = its limit, fees from the operator's schedule capped by each order's max
fee). Every operation is applied at once to the *working* state (`RollupState.apply`, a
`RollupError` rejects it with nothing changed) through a `BatchBuilder`, which collects
the circuit input. A batch is sealed when it has N operations, when the oracle table
changes, on `flush()`, or by `tick()` once its first operation is older than the time-out
(padding with Noop). A sealed batch is proved (`circuits.batch.circuit.solve_batch`, then
Groth16 with the cached key of its shape, `zkrollup.keycache`) and submitted to the
`RollupContract` with its operations as the call's data (`zkrollup.l1data`: the contract
stores them with the accepted batch, data availability); the contract verifies and pays
the withdrawals in the same call. Then the batch's operations are replayed on
the *accepted* state and committed (`StateStore`) with the batch record.

Persistence (`<workdir>/operator.sqlite`, one file):
- the accepted state and one record per accepted batch (`StateStore`, atomic per batch);
  record `operator/last_event` names the journal event that sealed the last accepted batch;
- `op_inbox`: every request as received (durable before it is processed);
- `op_events`: the journal of what the operator did, in order: `op` (an operation applied),
  `seal` (a batch closed; with the book as it was then), `oracle` (a new table installed);
  written in one transaction with the inbox entry's status and the current book.

Recovery (`Operator(...)` on an existing directory): load the accepted state; replay the
journal after `operator/last_event` on a copy (operations are deterministic, so the same
batches come out); process inbox entries still marked new; then for each sealed batch:
if the contract has accepted it already (a crash after submission), check the root and
commit it; else prove it again and submit. If the contract refuses a replayed batch
because its oracle table is stale, the operator rolls back deterministically: it drops
the journal after the last accepted batch, restores that batch's book, marks the inbox
entries from that point as new again, and processes them against the current tables.

Rebuild from L1 alone (the contract's stored batch data, not this directory):
`zkrollup.l1data.rebuild_from_l1(contract, genesis)`.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

from circuits import eddsa
from circuits.batch.circuit import solve_batch
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from verifier.calldata import BatchCalldata
from verifier.contract import BatchRejected, Reason

from . import batchfile, units
from .batch_builder import BatchBuilder, SealedBatch
from .errors import (BadInstrument, BadSignature, ExpiredOrder, ForbiddenAccount, OverFill,
                     ReplayedOrder, RollupError, UnknownAccount)
from .keycache import KeyCache
from .keyfiles import proof_for_verifier, vk_from_pk
from .l1data import encode_batch_data, published_oracle
from .market import Market
from .matching import DROP_MAKER, FILLED, SKIP, Book, MatchResult, Resting, StopMatch
from .ops import (Deposit, ForcedWithdraw, Liquidate, Operation, Settle, SignedOrder, Trade,
                  Withdraw, op_from_obj)
from .ops.messages import signature_from_obj
from .risk import min_equity
from .state import RollupState
from .store import StateStore

LAST_EVENT = "operator/last_event"
TABLE_ID = "operator/table_id"
BATCH_PREFIX = "batch/"


class OperatorError(RuntimeError):
    """The operator cannot go on (a refused batch, an inconsistent directory)."""


# --- genesis -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Genesis:
    """Everything that fixes the initial state (published with the deployment)."""

    market: Market
    account_depth: int
    order_depth: int
    n_scenarios: int
    fee_pk: tuple
    insurance_pk: tuple
    clearing_pk: tuple

    def make_state(self) -> RollupState:
        return RollupState(self.market, fee_pk=self.fee_pk, insurance_pk=self.insurance_pk,
                           clearing_pk=self.clearing_pk, account_depth=self.account_depth,
                           order_depth=self.order_depth, n_scenarios=self.n_scenarios)

    def to_obj(self) -> dict:
        return {"market": self.market.to_obj(), "account_depth": self.account_depth,
                "order_depth": self.order_depth, "n_scenarios": self.n_scenarios,
                "fee_pk": list(self.fee_pk), "insurance_pk": list(self.insurance_pk),
                "clearing_pk": list(self.clearing_pk)}

    @classmethod
    def from_obj(cls, d: dict) -> "Genesis":
        return cls(Market.from_obj(d["market"]), d["account_depth"], d["order_depth"], d["n_scenarios"],
                   tuple(d["fee_pk"]), tuple(d["insurance_pk"]), tuple(d["clearing_pk"]))


# --- reports -----------------------------------------------------------------------------------

@dataclass
class BatchReport:
    """One accepted batch, as recorded (and printed by the demo)."""

    batch_number: int
    n_slots: int
    ops: dict                       # kind -> count (Noop padding included)
    n_constraints: int
    solve_s: float
    prove_s: float
    verify_s: float                 # the whole submit_batch call (commitment + pairing check)
    gas: int
    calldata_bytes: int
    data_bytes: int                 # the batch's operations submitted with it as data (l1data)
    payouts: list                   # [(kind, account, l1_address, amount)]
    new_root: int
    commitment: int
    oracle_table_id: int
    accepted_at: int
    proved_here: bool = True

    @property
    def n_trades(self) -> int:
        return self.ops.get("trade", 0)

    @property
    def gas_per_trade(self) -> Optional[int]:
        return self.gas // self.n_trades if self.n_trades else None

    def to_obj(self) -> dict:
        return asdict(self)


def _ops_count(kinds) -> dict:
    out: dict[str, int] = {}
    for k in kinds:
        out[k] = out.get(k, 0) + 1
    return out


def _blame(e: RollupError, maker: Resting, taker_account: int) -> str:
    """Which side of a refused trade is at fault ('maker' or 'taker'), from the error."""
    text = str(e)
    if text.startswith("maker"):
        return "maker"
    if text.startswith("taker"):
        return "taker"
    if f"account {maker.order.order.account}" in text and f"account {taker_account}" not in text:
        return "maker"
    return "taker"


# --- the operator ------------------------------------------------------------------------------

class Operator:
    """The rollup operator (see the module docstring).

    `workdir`: its directory (created); `contract`: the `RollupContract` (L1) it submits to;
    `genesis`: needed the first time, checked against the stored one afterwards;
    `batch_size`: N slots per batch (fixed for the directory); `keys`: a KeyCache (default
    `<workdir>/keys`); `clock()`: the time passed to the contract (default: now,
    never before the contract's last time); `maker_fee` / `taker_fee`: per contract, capped
    by each order's max fee; `batch_timeout_s`: `tick()` seals an older open batch;
    `auto_prove`: prove and submit as soon as a batch is sealed (else on `pump()`/`flush()`);
    `export_dir`: also write every proved batch there as a batch file (`zkrollup.batchfile`,
    `batch_NNNNNN.msgpack`) with its proof and public input (snarkjs JSON, `.proof.json`,
    `.public.json`), for `zkrollup prove` / `zkrollup verify`.
    `on_batch(report)` is called for every accepted batch; `progress(stage, fraction)`
    during key setup and proving; `fault(point)`, for crash tests, is called at named
    points and may raise.
    """

    def __init__(self, workdir, contract, genesis: Optional[Genesis] = None, *,
                 batch_size: Optional[int] = None, keys: Optional[KeyCache] = None,
                 clock: Optional[Callable[[], int]] = None,
                 maker_fee: int = 0, taker_fee: int = 0, batch_timeout_s: int = 30,
                 auto_prove: bool = True, setup_seed: Optional[bytes] = None, export_dir=None,
                 on_batch: Optional[Callable[[BatchReport], None]] = None,
                 progress: Optional[Callable[[str, float], None]] = None,
                 fault: Optional[Callable[[str], None]] = None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.contract = contract
        self.keys = keys or KeyCache(self.dir / "keys")
        self.clock = clock or (lambda: max(int(time.time()), self.contract.now))
        self.maker_fee, self.taker_fee = maker_fee, taker_fee
        self.batch_timeout_s = batch_timeout_s
        self.auto_prove = auto_prove
        self.setup_seed = setup_seed
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.on_batch = on_batch
        self.progress = progress
        self.fault = fault or (lambda point: None)
        self.store = StateStore(self.dir / "operator.sqlite")
        self._db = sqlite3.connect(str(self.dir / "operator.sqlite"), isolation_level=None, timeout=30)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS op_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS op_inbox (seq INTEGER PRIMARY KEY, received_at INTEGER NOT NULL,"
            " request BLOB NOT NULL, status TEXT NOT NULL, result TEXT);"
            "CREATE TABLE IF NOT EXISTS op_events (seq INTEGER PRIMARY KEY, src INTEGER, kind TEXT NOT NULL,"
            " data BLOB NOT NULL);")
        self._init_config(genesis, batch_size)
        g = self.genesis
        self.shape = units.batch_shape(self.batch_size, g.account_depth, g.order_depth, g.market.K, g.n_scenarios)
        self._check_contract()
        self._open()

    # --- configuration --------------------------------------------------------------------------

    def _meta(self, key: str):
        row = self._db.execute("SELECT value FROM op_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def _set_meta(self, key: str, value) -> None:
        self._db.execute("INSERT OR REPLACE INTO op_meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def _init_config(self, genesis: Optional[Genesis], batch_size: Optional[int]) -> None:
        stored = self._meta("config")
        if stored is None:
            if genesis is None or batch_size is None:
                raise OperatorError(f"{self.dir} holds no operator; a new one needs a genesis and a batch size")
            if not isinstance(batch_size, int) or not 1 <= batch_size <= 1024:
                raise ValueError(f"batch size must be an int in 1..1024, got {batch_size!r}")
            self._set_meta("config", {"genesis": genesis.to_obj(), "batch_size": batch_size})
            self._set_meta("book", Book().to_obj())
            stored = self._meta("config")
        g = Genesis.from_obj(stored["genesis"])
        if genesis is not None and genesis.to_obj() != g.to_obj():
            raise OperatorError(f"{self.dir} holds an operator with another genesis")
        if batch_size is not None and batch_size != stored["batch_size"]:
            raise OperatorError(f"{self.dir} holds an operator for batches of {stored['batch_size']}, "
                                f"not {batch_size}")
        self.genesis = g
        self.batch_size = stored["batch_size"]

    def _check_contract(self) -> None:
        c = self.contract
        if c.market_hash != self.genesis.market.hash() and not self.store.exists():
            raise OperatorError("the contract's market table is not the genesis market")
        vk = c.verifying_key(self.batch_size)
        pk = self.keys.get(self.shape)
        if vk is not None and pk is not None and vk != vk_from_pk(pk):
            raise OperatorError(f"the contract's verifying key for N = {self.batch_size} is not the one of the "
                                f"proving key in {self.keys.dir} (keys were made again?)")

    # --- opening and recovery --------------------------------------------------------------------

    def _open(self, pump: bool = True) -> None:
        self.l1_state = self.store.load() if self.store.exists() else self.genesis.make_state()
        if not self.store.exists():
            self.store.commit(self.l1_state, {LAST_EVENT: b"0"})
        self.last_event = int(self.store.record(LAST_EVENT) or b"0")
        self.state = self.l1_state.copy()
        self.state.dirty = set()
        self.table_id = int(self.store.record(TABLE_ID) or b"0")      # the accepted state's table
        self.book = Book.from_obj(self._meta("book"))
        self.sealed: list[SealedBatch] = []
        self.builder = BatchBuilder(self.state)
        self._opened_at: Optional[int] = None
        self._pending: list[tuple[Optional[int], dict]] = []
        self._src: Optional[int] = None
        self._replaying = True
        for seq, src, kind, data in self._db.execute(
                "SELECT seq, src, kind, data FROM op_events WHERE seq > ? ORDER BY seq", (self.last_event,)).fetchall():
            ev = batchfile.unpack(data)
            try:
                self._do(ev, seq)
            except RollupError as e:
                raise OperatorError(f"journal event {seq} ({kind}) no longer applies: {e}") from None
        self._replaying = False
        if self.contract.batch_number < self.l1_state.batch_number:
            raise OperatorError(f"the contract is at batch {self.contract.batch_number}, behind this operator's "
                                f"accepted batch {self.l1_state.batch_number}: wrong contract?")
        # requests received but not processed before a crash (as `submit` does: L1 first)
        self.sync()
        for seq, req in self._db.execute("SELECT seq, request FROM op_inbox WHERE status = 'new' ORDER BY seq").fetchall():
            self._process_entry(seq, batchfile.unpack(req))
        if pump:
            self.pump()

    # --- the journal -----------------------------------------------------------------------------

    def _do(self, ev: dict, seq: Optional[int] = None) -> None:
        """Carry out one journal event on the working state (live and in replay)."""
        kind = ev["kind"]
        if kind == "op":
            op = op_from_obj(ev["op"])
            if len(self.builder) >= self.batch_size:
                raise OperatorError("journal: an operation after a full batch without a seal")
            self._apply(op)
        elif kind == "seal":
            self._seal_builder(seq, ev)
        elif kind == "oracle":
            if len(self.builder):
                raise OperatorError("journal: an oracle change inside a batch")
            self.state.set_oracle(published_oracle(self.contract, ev["table_id"]))
            self.table_id = ev["table_id"]
            self.builder = BatchBuilder(self.state)
        else:
            raise OperatorError(f"journal: unknown event {kind!r}")

    def _apply(self, op: Operation):
        st = self.state
        if isinstance(op, Deposit):
            st.enqueue_deposit(op.account, op.pk, op.amount)
            try:
                w = self.builder.apply(op)
            except RollupError:
                st.deposit_queue.pop()
                st.collateral -= op.amount
                st.pending_deposits -= op.amount
                raise
        elif isinstance(op, ForcedWithdraw):
            st.enqueue_forced_withdraw(op)
            try:
                w = self.builder.apply(op)
            except RollupError:
                st.forced_queue.pop()
                raise
        else:
            w = self.builder.apply(op)
        if self._opened_at is None:
            self._opened_at = self.clock() if not self._replaying else 0
        return w

    def _seal_builder(self, seq: Optional[int], ev: dict) -> SealedBatch:
        sb = self.builder.finish(self.batch_size)
        sb.table_id = self.table_id
        sb.oracle = self.builder.oracle
        sb.seal_event = seq
        sb.book = ev.get("book")
        sb.resume_from = ev.get("resume_from")
        self.sealed.append(sb)
        self.builder = BatchBuilder(self.state)
        self._opened_at = None
        return sb

    def _emit(self, ev: dict) -> None:
        """Carry out a new event and queue it for the journal (RollupError: nothing happened)."""
        if ev["kind"] == "op" and len(self.builder) >= self.batch_size:
            self._emit_seal()
        self._do(ev)
        self._pending.append((self._src, ev))

    def _emit_seal(self) -> None:
        ev = {"kind": "seal", "batch_number": self.state.batch_number + 1,
              "book": self.book.to_obj(), "resume_from": self._resume_point()}
        sb = self._seal_builder(None, ev)
        self._pending.append((self._src, ev))
        sb._pending_index = len(self._pending) - 1

    def _resume_point(self) -> int:
        """The inbox entry to process again if the batch after this seal is rolled back."""
        if self._src is not None:
            return self._src
        row = self._db.execute("SELECT MAX(seq) FROM op_inbox").fetchone()
        return (row[0] or 0) + 1

    def _write_journal(self, inbox: Optional[tuple[int, str, str]] = None) -> None:
        """Write the queued events, the book and an inbox entry's status in one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            seqs = []
            for src, ev in self._pending:
                cur = db.execute("INSERT INTO op_events (src, kind, data) VALUES (?, ?, ?)",
                                 (src, ev["kind"], batchfile.pack(ev)))
                seqs.append(cur.lastrowid)
            self._set_meta("book", self.book.to_obj())
            if inbox is not None:
                db.execute("UPDATE op_inbox SET status = ?, result = ? WHERE seq = ?",
                           (inbox[1], inbox[2], inbox[0]))
            self.fault("journal-before-commit")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        for sb in self.sealed:
            idx = getattr(sb, "_pending_index", None)
            if sb.seal_event is None and idx is not None:
                sb.seal_event = seqs[idx]
                sb._pending_index = None
        self._pending = []

    # --- L1 --------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Read L1: a newer oracle table (seals the open batch first, then settles every
        position in newly settled slots), new deposits, new forced withdrawals."""
        c = self.contract
        self._src = None
        latest = c.latest_oracle_table_id
        if latest and latest != self.table_id:
            if len(self.builder):
                self._emit_seal()
            self._emit({"kind": "oracle", "table_id": latest})
            self._settle_expired()
        if self.state.oracle is None:
            if self._pending:
                self._write_journal()
            return
        for d in c.deposits(self.state.deposits_consumed):
            self._emit({"kind": "op", "op": Deposit(d["account"], (d["pk_x"], d["pk_y"]), d["amount"]).to_obj()})
        for req in c.forced_requests()[self.state.forced_served:]:
            op = self._forced_op(req)
            if op is None:
                raise OperatorError(f"forced withdrawal request {req['id']} on L1 lacks its key, nonce or signature")
            self._emit({"kind": "op", "op": op.to_obj()})
        if self._pending:
            self._write_journal()

    @staticmethod
    def _forced_op(req: dict) -> Optional[ForcedWithdraw]:
        """The operation of a queued L1 request (L1 checked its key and signature)."""
        extra = req.get("request") or {}
        if not all(k in extra for k in ("nonce", "r8", "s", "pk")):
            return None
        sig = signature_from_obj([*extra["r8"], extra["s"]])
        return ForcedWithdraw(req["account"], req["amount"], extra["nonce"], req["l1_address"], sig,
                              pk=tuple(extra["pk"]))

    def _settle_expired(self) -> None:
        o = self.state.oracle
        for k in range(self.state.K):
            if not o.settled[k]:
                continue
            for idx, acc in self.state.accounts_items():
                if idx != CLEARING_ACCOUNT and acc.sizes[k] != 0:
                    self._emit({"kind": "op", "op": Settle(idx, k).to_obj()})

    # --- users -----------------------------------------------------------------------------------

    def submit(self, request):
        """Take one request: a SignedOrder (matched; returns a MatchResult), or a Withdraw,
        Liquidate or Settle (applied; returns its OpWitness). RollupError or ValueError if
        refused (nothing changed)."""
        obj = self._request_obj(request)
        self.sync()
        cur = self._db.execute("INSERT INTO op_inbox (received_at, request, status) VALUES (?, ?, 'new')",
                               (self.clock(), batchfile.pack(obj)))
        seq = cur.lastrowid
        self.fault("inbox-written")
        result = self._process_entry(seq, obj)
        self.pump()
        if isinstance(result, Exception):
            raise result
        return result

    def submit_order(self, order: SignedOrder) -> MatchResult:
        return self.submit(order)

    def submit_obj(self, obj: dict):
        """`submit` for a JSON/msgpack object: {"type": "order", "order": [...], "signature": [...]}
        or an operation object ("withdraw", "liquidate", "settle")."""
        return self.submit(self._request_from_obj(obj))

    def submit_file(self, path) -> list:
        """Submit every request of a .json or .msgpack file (one object or a list); returns
        the results in order (an exception object for a refused request)."""
        p = Path(path)
        raw = p.read_bytes()
        if p.suffix == ".json":
            data = json.loads(raw)
        else:
            data = batchfile.unpack(raw)
        items = data if isinstance(data, list) else [data]
        out = []
        for obj in items:
            try:
                out.append(self.submit_obj(obj))
            except (RollupError, ValueError) as e:
                out.append(e)
        return out

    @staticmethod
    def _request_from_obj(obj):
        if not isinstance(obj, dict) or "type" not in obj:
            raise ValueError("a request is an object with a 'type'")
        if obj["type"] == "order":
            return SignedOrder.from_obj(obj)
        if obj["type"] in ("deposit", "forced_withdraw"):
            raise ValueError(f"{obj['type']} requests come from the L1 contract, not from users")
        if obj["type"] not in ("withdraw", "liquidate", "settle"):
            raise ValueError(f"unknown request type {obj['type']!r}")
        return op_from_obj(obj)

    @staticmethod
    def _request_obj(request) -> dict:
        if isinstance(request, SignedOrder):
            return {"type": "order", **request.to_obj()}
        if isinstance(request, (Withdraw, Liquidate, Settle)):
            return request.to_obj()
        if isinstance(request, (Deposit, ForcedWithdraw)):
            raise ValueError(f"{request.kind} requests come from the L1 contract, not from users")
        raise ValueError(f"not a request: {request!r}")

    def _process_entry(self, seq: int, obj: dict):
        """Process one inbox entry and journal the result; returns the result or the error."""
        self._src = seq
        try:
            req = self._request_from_obj(obj)
            if isinstance(req, SignedOrder):
                result = self._match(req)
                status = "done" if result.error is None else "partial"
                text = json.dumps({"filled": result.filled, "rested": result.rested, "error": result.error})
            else:
                self._emit({"kind": "op", "op": req.to_obj()})
                result = self.builder.records[-1]
                status, text = "done", json.dumps({"applied": req.kind})
        except (RollupError, ValueError) as e:
            result, status, text = e, "rejected", json.dumps({"error": f"{type(e).__name__}: {e}"})
        self._write_journal((seq, status, text))
        self._src = None
        return result

    # --- matching --------------------------------------------------------------------------------

    def _fee(self, order, fill: int, rate: int) -> int:
        return min(order.max_fee, rate) * fill

    def _admit(self, so: SignedOrder) -> int:
        """Check an incoming order before matching; returns the size it may still fill."""
        st = self.state
        o = so.order
        oracle = st.require_oracle()
        if o.slot >= st.K or st.market[o.slot].is_empty:
            raise BadInstrument(f"slot {o.slot} holds no instrument")
        if oracle.timestamp >= st.market[o.slot].expiry:
            raise BadInstrument(f"slot {o.slot} ({st.market[o.slot].describe()}) has expired")
        if o.account in (FEE_ACCOUNT, CLEARING_ACCOUNT):
            raise ForbiddenAccount(f"special account {o.account} cannot trade")
        acc = st.get_account(o.account)
        if acc is None:
            raise UnknownAccount(f"account {o.account} does not exist")
        if oracle.timestamp > o.valid_until:
            raise ExpiredOrder(f"order {o.order_id} expired at {o.valid_until}")
        if not eddsa.verify(acc.pk, o.message(), so.signature):
            raise BadSignature(f"order {o.order_id} is not signed by account {o.account}")
        if (o.account, o.order_id) in self.book:
            raise ValueError(f"order {o.order_id} of account {o.account} is already in the book")
        sid, filled = acc.order_state(acc.order_slot_of(o.order_id))
        if o.order_id < sid:
            raise ReplayedOrder(f"order {o.order_id}: its slot already holds order {sid}")
        left = o.size - (filled if o.order_id == sid else 0)
        if left <= 0:
            raise OverFill(f"order {o.order_id} is already filled")
        return left

    def _match(self, taker: SignedOrder) -> MatchResult:
        left = self._admit(taker)
        now = self.state.oracle.timestamp

        def execute(maker: Resting, fill: int, price: int):
            mo = maker.order.order
            if mo.account == taker.order.account:
                return SKIP                                     # no self-trades
            if mo.valid_until < now:
                return (DROP_MAKER, "expired")
            trade = Trade(maker.order, taker, fill, price, self._fee(mo, fill, self.maker_fee),
                          self._fee(taker.order, fill, self.taker_fee))
            try:
                self._emit({"kind": "op", "op": trade.to_obj()})
            except RollupError as e:
                if _blame(e, maker, taker.order.account) == "maker":
                    return (DROP_MAKER, f"{type(e).__name__}: {e}")
                raise StopMatch(f"{type(e).__name__}: {e}") from None
            return FILLED

        res = self.book.match(taker, left, execute)
        if res.error is not None and not res.fills:
            raise _error_from_text(res.error)
        return res

    def cancel(self, account: int, order_id: int) -> None:
        """Take a resting order out of the book (operator-side; an order also lapses at its
        valid-until). Signed cancels are not modelled."""
        self.book.remove((account, order_id))
        self._write_journal()

    # --- batches ---------------------------------------------------------------------------------

    def pump(self) -> list[BatchReport]:
        """Seal a full open batch; with auto_prove, prove and submit every sealed batch."""
        if len(self.builder) >= self.batch_size:
            self._emit_seal()
            self._write_journal()
        return self.process_sealed() if self.auto_prove else []

    def flush(self) -> list[BatchReport]:
        """Seal the open batch now (padding with Noop), then prove and submit every sealed batch."""
        self.sync()
        if len(self.builder):
            self._emit_seal()
            self._write_journal()
        return self.process_sealed()

    def tick(self) -> list[BatchReport]:
        """Seal the open batch if its first operation is older than the time-out."""
        self.sync()
        if len(self.builder) and self._opened_at is not None \
                and self.clock() - self._opened_at >= self.batch_timeout_s:
            self._emit_seal()
            self._write_journal()
        return self.process_sealed() if self.auto_prove else []

    def process_sealed(self) -> list[BatchReport]:
        """Prove and submit the sealed batches in order; commit each accepted one."""
        reports = []
        while self.sealed:
            sb = self.sealed[0]
            if self.contract.batch_number >= sb.batch_number:
                reports.append(self._adopt_accepted(sb))
                continue
            try:
                reports.append(self._prove_and_submit(sb))
            except BatchRejected as e:
                if e.reason == Reason.STALE_ORACLE_TABLE and not self._replaying:
                    self.rollback(str(e))
                    continue
                raise OperatorError(f"batch {sb.batch_number} refused by L1: {e}") from None
        return reports

    def _calldata(self, sb: SealedBatch) -> BatchCalldata:
        return BatchCalldata(batch_size=sb.n_slots, batch_number=sb.batch_number, old_root=sb.fields.old_root,
                             new_root=sb.fields.new_root, n_deposits=sb.n_deposits,
                             oracle_table_id=sb.table_id, effects=sb.effects)

    def proving_key(self):
        return self.keys.ensure(self.shape, progress=self.progress, seed=self.setup_seed)

    def prove(self, sb: SealedBatch):
        """(proof, stats) for a sealed batch: solve the circuit, Groth16 with the cached key."""
        from prover.groth16 import prove as groth16_prove
        pk = self.proving_key()
        t0 = time.perf_counter()
        wit, out = solve_batch(self.shape, sb.circuit_input)
        solve_s = time.perf_counter() - t0
        if out.commitment != sb.fields.commitment() or out.new_root != sb.fields.new_root:
            raise OperatorError(f"batch {sb.batch_number}: the circuit's commitment differs from the native one")
        t0 = time.perf_counter()
        proof = groth16_prove(pk, wit, progress=self.progress)
        prove_s = time.perf_counter() - t0
        if proof.public != [out.commitment]:
            raise OperatorError(f"batch {sb.batch_number}: the proof's public input is not the commitment")
        return proof, {"solve_s": solve_s, "prove_s": prove_s, "n_constraints": pk.n_constraints}

    def _prove_and_submit(self, sb: SealedBatch) -> BatchReport:
        cd = self._calldata(sb)
        now = self.clock()
        expected = self.contract.expected_commitment(cd, now)     # refuses stale tables before proving
        if expected != sb.fields.commitment():
            raise OperatorError(f"batch {sb.batch_number}: L1 expects another commitment than the batch's "
                                f"(the operator and the contract disagree)")
        proof, stats = self.prove(sb)
        self.fault("proved")
        if self.export_dir is not None:
            self.export(sb, cd, proof)
        data = encode_batch_data(sb.batch_number, sb.table_id, sb.ops)
        t0 = time.perf_counter()
        receipt = self.contract.submit_batch(cd, proof_for_verifier(proof), now=now, data=data)
        verify_s = time.perf_counter() - t0
        self.fault("submitted")
        report = BatchReport(sb.batch_number, sb.n_slots, _ops_count(sb.kinds), stats["n_constraints"],
                             stats["solve_s"], stats["prove_s"], verify_s, receipt.gas, len(cd.to_bytes()),
                             len(data), [(p.kind, p.account, p.l1_address, p.amount) for p in receipt.payouts],
                             sb.fields.new_root, receipt.commitment, sb.table_id, receipt.accepted_at)
        self._commit_accepted(sb, report, cd, {"a": proof.a, "b": proof.b, "c": proof.c})
        return report

    def export(self, sb: SealedBatch, cd: BatchCalldata, proof=None) -> Path:
        """Write the batch file (and the proof, when given) into `export_dir`; returns its path."""
        from verifier.snarkjs_json import write_proof, write_public
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / f"batch_{sb.batch_number:06d}.msgpack"
        batchfile.BatchFile.of(self.shape, sb, cd).write(path)
        if proof is not None:
            write_proof(str(path.with_suffix(".proof.json")), proof_for_verifier(proof))
            write_public(str(path.with_suffix(".public.json")), proof.public)
        return path

    def _adopt_accepted(self, sb: SealedBatch) -> BatchReport:
        """A sealed batch L1 accepted before a crash: check it is ours and commit it."""
        rec = self.contract.accepted_batches()[sb.batch_number - 1]
        cd = rec["calldata"]
        data = encode_batch_data(sb.batch_number, sb.table_id, sb.ops)
        if rec["new_root"] != sb.fields.new_root or cd != self._calldata(sb) or rec["data"] != data:
            raise OperatorError(f"L1 accepted a batch {sb.batch_number} that is not this operator's")
        report = BatchReport(sb.batch_number, sb.n_slots, _ops_count(sb.kinds),
                             (self.keys.get(self.shape).n_constraints if self.keys.has(self.shape) else 0),
                             0.0, 0.0, 0.0, rec["gas"], len(rec["calldata_bytes"]),
                             len(rec["data"]),
                             [(e.kind, e.account, e.l1_address, e.amount) for e in cd.withdrawals()],
                             sb.fields.new_root, rec["commitment"], sb.table_id, rec["accepted_at"],
                             proved_here=False)
        self._commit_accepted(sb, report, cd, rec["proof"])
        return report

    def _commit_accepted(self, sb: SealedBatch, report: BatchReport, cd: BatchCalldata, proof: dict) -> None:
        """Replay the batch on the accepted state and commit it with its record."""
        st = self.l1_state
        if st.oracle != sb.oracle:
            st.set_oracle(sb.oracle)
        for op in sb.ops:
            if isinstance(op, Deposit):
                st.enqueue_deposit(op.account, op.pk, op.amount)
            elif isinstance(op, ForcedWithdraw):
                st.enqueue_forced_withdraw(op)
            st.apply(op)
        st.end_batch()
        if st.root != sb.fields.new_root or st.batch_number != sb.batch_number:
            raise OperatorError(f"batch {sb.batch_number}: replaying it on the accepted state gives another root")
        if sb.seal_event is None:
            raise OperatorError("a batch was submitted before its seal was journaled")
        record = batchfile.pack({"report": report.to_obj(), "calldata": cd.to_bytes(), "proof": proof,
                                 "ops": [op.to_obj() for op in sb.ops]})
        self.fault("before-state-commit")
        self.store.commit(st, {LAST_EVENT: str(sb.seal_event).encode(), TABLE_ID: str(sb.table_id).encode(),
                               f"{BATCH_PREFIX}{sb.batch_number:08d}": record})
        self.last_event = sb.seal_event
        self.sealed.pop(0)
        self.state.dirty.clear()
        if self.on_batch is not None:
            self.on_batch(report)

    def rollback(self, reason: str = "") -> None:
        """Drop every batch L1 has not accepted, deterministically (module docstring)."""
        row = self._db.execute("SELECT data FROM op_events WHERE seq = ?", (self.last_event,)).fetchone()
        seal = batchfile.unpack(row[0]) if row else {"book": Book().to_obj(), "resume_from": 1}
        first = self._db.execute("SELECT MIN(src) FROM op_events WHERE seq > ? AND src IS NOT NULL",
                                 (self.last_event,)).fetchone()[0]
        resume = seal.get("resume_from") or 1
        if first is not None:
            resume = min(resume, first)
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM op_events WHERE seq > ?", (self.last_event,))
            db.execute("UPDATE op_inbox SET status = 'new', result = NULL WHERE seq >= ?", (resume,))
            self._set_meta("book", seal["book"])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._open(pump=False)

    # --- views ------------------------------------------------------------------------------------

    def batch_reports(self) -> list[BatchReport]:
        out = []
        for _, blob in self.store.records(BATCH_PREFIX):
            d = batchfile.unpack(blob)["report"]
            out.append(BatchReport(**d))
        return out

    def batch_record(self, batch_number: int) -> Optional[dict]:
        blob = self.store.record(f"{BATCH_PREFIX}{batch_number:08d}")
        return None if blob is None else batchfile.unpack(blob)

    def liquidatable(self) -> list[int]:
        """Accounts of the working state that fail maintenance margin (may be liquidated)."""
        st = self.state
        if st.oracle is None:
            return []
        out = []
        for idx, acc in st.accounts_items():
            if idx in (FEE_ACCOUNT, INSURANCE_ACCOUNT, CLEARING_ACCOUNT) or not any(acc.sizes):
                continue
            if min_equity(acc.cash, acc.sizes, st.oracle.scen_maint)[0] < 0:
                out.append(idx)
        return out

    def open_batch_size(self) -> int:
        return len(self.builder)

    def close(self) -> None:
        self.store.close()
        self._db.close()


def _error_from_text(text: str) -> Exception:
    """Re-raise a matching error kept as text ('ClassName: message') as its RollupError."""
    from . import errors
    name, _, msg = text.partition(": ")
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls(msg)
    return RollupError(text)
