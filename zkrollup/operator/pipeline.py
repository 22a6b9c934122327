"""`Operator`: the three rooms wired together, behind the operator's public API.

    requests, L1 inputs ─► Sequencer ──SealedBatch──► ProverPool ──ProvedBatch──► Submitter
                           (sequencer.py)             (pool.py, proving.py)       (submission.py)
                           working state, book,       witness, Groth16,           L1 submit, commit of
                           journal, sealing           several batches at once     the accepted state

The operator opens (or creates) its directory, replays the journal, then keeps its oldest
sealed batches in the prover pool and hands their proofs to the submitter strictly in
batch order. It also owns what spans the rooms: recovery on opening, the rollback when L1
refuses a sealed batch whose oracle table went stale, and the one when the circuit refuses
a sealed batch (`UnprovableBatch`, in this process or from a pool worker): the operator
finds the failing slot (the name of the first failing constraint, else the shortest prefix
of the batch's operations that fails), refuses that operation to its sender (`Unprovable`,
kept in the journal's refused list), rebuilds the batches without it and goes on. A
rollback forgets the pool's work on every unaccepted batch. docs/operator.md describes the
flow, persistence and recovery.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, Optional

from verifier.l1_client import BatchRejected, Reason

from .. import batchfile, units
from ..batch_builder import BatchBuilder, SealedBatch
from ..errors import OperatorError, RollupError
from ..keycache import KeyCache
from ..keyfiles import vk_from_pk
from ..matching import Book, MatchResult
from ..ops import Backstop, Deposit, ForcedClose, ForcedWithdraw, Noop, SignedOrder, Trade
from ..store import StateStore
from .genesis import Genesis, load_config
from .intake import read_request_file, request_from_obj, request_obj
from .journal import Journal
from .pool import InProcessPool, ProverPool
from .proving import BatchProver, ProvedBatch, UnprovableBatch
from .reports import BatchReport
from .sequencer import MarketChanged, Sequencer, failing_maintenance
from .submission import BATCH_PREFIX, LAST_EVENT, TABLE_ID, Submitter


class Operator:
    """The rollup operator.

    `workdir`: its directory (created); `contract`: the L1 client (`verifier.l1_client.RollupL1`) it submits to;
    `genesis`: needed the first time, checked against the stored one afterwards;
    `batch_size`: N slots per batch (fixed for the directory); `keys`: a KeyCache (default
    `<workdir>/keys`); `clock()`: the time passed to the contract (default: now,
    never before the contract's last time); `maker_fee` / `taker_fee`: per contract, capped
    by each order's max fee; `batch_timeout_s`: `tick()` seals an older open batch;
    `auto_prove`: prove and submit as soon as a batch is sealed (else on `process_sealed()`
    or `flush()`); `export_dir`: also write every proved batch there as a batch file
    (`zkrollup.batchfile`, `batch_NNNNNN.msgpack`) with its proof and public input (snarkjs
    JSON, `.proof.json`, `.public.json`), for `zkrollup prove` / `zkrollup verify`.
    `pool`: where batches are proved (`zkrollup.operator.pool`; default in this process,
    one at a time); the caller owns it (closes it).
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
                 fault: Optional[Callable[[str], None]] = None, pool: Optional[ProverPool] = None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.contract = contract
        self.keys = keys or KeyCache(self.dir / "keys")
        self.clock = clock or (lambda: max(int(time.time()), self.contract.now))
        self.maker_fee, self.taker_fee = maker_fee, taker_fee
        self.batch_timeout_s = batch_timeout_s
        self.auto_prove = auto_prove
        self._adopting_market = False
        self.export_dir = Path(export_dir) if export_dir is not None else None
        self.on_batch = on_batch
        self.fault = fault or (lambda point: None)
        self.store = StateStore(self.dir / "operator.sqlite")
        self.journal = Journal(self.dir / "operator.sqlite", self.fault)
        self.genesis, self.batch_size = load_config(self.journal, self.dir, genesis, batch_size)
        g = self.genesis
        self.shape = units.batch_shape(self.batch_size, g.account_depth, g.order_depth, g.market.K, g.n_scenarios)
        self.prover = BatchProver(self.shape, self.keys, setup_seed=setup_seed, progress=progress)
        self.pool = pool if pool is not None else InProcessPool()
        self._check_contract()
        self.pool.attach(self.prover)
        self._open()

    def _check_contract(self) -> None:
        c = self.contract
        if c.market_hash != self.genesis.market.hash() and not self.store.exists():
            raise OperatorError("the contract's market table is not the genesis market")
        vk = c.verifying_key(self.batch_size)
        pk = self.keys.get(self.shape)
        if vk is not None and pk is not None and vk != vk_from_pk(pk):
            raise OperatorError(f"the contract's verifying key for N = {self.batch_size} is not the one of the "
                                f"proving key in {self.keys.dir} (keys were made again?)")

    # --- opening and recovery ---------------------------------------------------------------

    def _open(self, pump: bool = True) -> None:
        """Load the accepted state, replay the journal after its last batch, catch up with L1,
        process the requests received but not processed before a crash, then (with `pump`)
        prove and submit what is sealed."""
        fresh = not self.store.exists()
        l1_state = self.genesis.make_state() if fresh else self.store.load()
        if fresh:
            self.store.commit(l1_state, {LAST_EVENT: b"0"})
        last_event = int(self.store.record(LAST_EVENT) or b"0")
        self.submitter = Submitter(self.contract, self.store, l1_state, last_event, shape=self.shape,
                                   clock=self.clock, fault=self.fault, export_dir=self.export_dir)
        state = l1_state.copy()
        state.dirty = set()
        self.sequencer = Sequencer(self.journal, self.contract, self.batch_size, state,
                                   int(self.store.record(TABLE_ID) or b"0"), Book.from_obj(self.journal.meta("book")),
                                   clock=self.clock, maker_fee=self.maker_fee, taker_fee=self.taker_fee)
        self.sequencer.replay(self.journal.events_after(last_event))
        if self.contract.batch_number < l1_state.batch_number:
            raise OperatorError(f"the contract is at batch {self.contract.batch_number}, behind this operator's "
                                f"accepted batch {l1_state.batch_number}: wrong contract?")
        self.sync()                         # as `submit` does: L1 first
        self.sequencer.process_many(self.journal.new_requests())
        if pump:
            self.pump()

    def rollback(self, reason: str = "", refuse: Optional[dict] = None) -> None:
        """Drop every batch L1 has not accepted, deterministically: the journal after the last
        accepted seal goes, that seal's book comes back, and the inbox entries from its resume
        point (or the first one with a dropped event, if earlier) are processed again.
        `refuse` ({"op": op object, "error": text}) joins the refused operations in the same
        transaction, so the replay refuses that operation."""
        last = self.submitter.last_event
        seal = self.journal.event(last) or {"book": Book().to_obj(), "resume_from": 1}
        resume = seal.get("resume_from") or 1
        first = self.journal.first_source_after(last)
        if first is not None:
            resume = min(resume, first)
        self.journal.truncate(last, resume, seal["book"], refuse)
        self.pool.forget()
        self._open(pump=False)

    # --- operations the circuit cannot prove ------------------------------------------------

    def _refuse_unprovable(self, sb: SealedBatch, e: UnprovableBatch) -> None:
        """The circuit refused `sb` (the oldest sealed batch): refuse the operation at fault
        and rebuild every unaccepted batch without it. An L1 request (deposit, forced
        withdrawal, forced close) cannot be refused (the queue is served in order):
        OperatorError."""
        i = e.slot
        if i is None or i >= len(sb.ops) or isinstance(sb.ops[i], Noop):
            i = self._first_failing_op(sb)
        op = sb.ops[i]
        if isinstance(op, (Deposit, ForcedWithdraw, ForcedClose)):
            raise OperatorError(f"{e}; slot {i} serves an L1 request ({op.kind}), which cannot be "
                                f"refused: the native state and the circuit disagree") from None
        self.fault("unprovable")
        where = f"constraint '{e.constraint}'" if e.constraint else "the circuit's outputs differ"
        side = ""
        if isinstance(op, Trade):
            side = "maker order: " if re.search(r"_a(\.|$)", e.constraint or "") else "taker order: "
        error = (f"{side}the batch circuit cannot prove this {op.kind} (batch {sb.batch_number}, slot {i}: "
                 f"{where}); refused")
        self.rollback(error, refuse={"op": op.to_obj(), "error": error})

    def _first_failing_op(self, sb: SealedBatch) -> int:
        """The slot of `sb` whose operation makes the batch unprovable when the failing
        constraint names no slot: the shortest prefix of the batch's operations that the
        circuit refuses, found by bisection on batches rebuilt from the accepted state."""
        ops = list(sb.ops)
        while ops and isinstance(ops[-1], Noop):
            ops.pop()

        def fails(k: int) -> bool:
            st = self.l1_state.copy()
            st.use_tables(sb.market, sb.oracle)
            b = BatchBuilder(st)
            for op in ops[:k]:
                st.apply_l1_request(op, b.apply)
            try:
                self.prover.solve(b.finish(sb.n_slots))
            except UnprovableBatch:
                return True
            return False

        if not ops or not fails(len(ops)) or fails(0):
            raise OperatorError(f"batch {sb.batch_number} cannot be proved and no single operation of "
                                f"it is at fault")
        lo, hi = 0, len(ops)                # prefix lo passes, prefix hi fails
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if fails(mid) else (mid, hi)
        return hi - 1

    # --- users ------------------------------------------------------------------------------

    def submit(self, request):
        """Take one request: a SignedOrder (matched; returns a MatchResult), or a Withdraw,
        Liquidate, Settle or Cancel (a signed cancel: applied, and the orders it retires
        leave the book; returns its OpWitness). RollupError or ValueError if refused
        (nothing changed)."""
        obj = request_obj(request)
        self.sync()
        seq = self.journal.receive(self.clock(), obj)
        self.fault("inbox-written")
        result = self.sequencer.process(seq, obj)
        self.pump()
        result = self.sequencer.results.pop(seq, result)     # processed again after a rollback?
        if isinstance(result, Exception):
            raise result
        return result

    def submit_many(self, requests: list) -> list:
        """`submit` for a burst, in order: the requests enter the inbox in one transaction,
        the orders' signatures are checked in one batch, and the results are journaled in
        one transaction (group commit). Returns each request's result, or its exception
        (RollupError or ValueError: that request refused, nothing of it changed; `Unprovable`
        when the circuit refused it while the burst's batches were proved)."""
        out: list = [None] * len(requests)
        entries = []
        for i, r in enumerate(requests):
            try:
                entries.append((i, request_obj(r)))
            except ValueError as e:
                out[i] = e
        self.sync()
        if not entries:
            return out
        seqs = self.journal.receive_many(self.clock(), [obj for _, obj in entries])
        self.fault("inbox-written")
        results = self.sequencer.process_many([(seq, obj) for seq, (_, obj) in zip(seqs, entries)])
        self.pump()
        for seq, (i, _), res in zip(seqs, entries, results):
            out[i] = self.sequencer.results.pop(seq, res)       # processed again after a rollback?
        return out

    def submit_order(self, order: SignedOrder) -> MatchResult:
        return self.submit(order)

    def submit_obj(self, obj: dict):
        """`submit` for a JSON/msgpack object: {"type": "order", "order": [...], "signature": [...]}
        or an operation object ("withdraw", "liquidate", "settle", "cancel")."""
        return self.submit(request_from_obj(obj))

    def submit_file(self, path) -> list:
        """Submit every request of a .json or .msgpack file (one object or a list); returns
        the results in order (an exception object for a refused request)."""
        out = []
        for obj in read_request_file(path):
            try:
                out.append(self.submit_obj(obj))
            except (RollupError, ValueError) as e:
                out.append(e)
        return out

    def sync(self) -> None:
        """Read L1: a newer oracle table (seals the open batch first, then settles every
        position in newly settled slots), new deposits, new forced withdrawals. A table of a
        newly registered market that re-lists a slot the unaccepted batches trade in rolls
        them back first: they could never be accepted (L1 refuses the replaced market's
        tables), and the requests behind them are processed again under the new market."""
        try:
            self.sequencer.sync()
        except MarketChanged as e:
            if self._adopting_market:
                raise OperatorError(f"the accepted state cannot adopt the new market: {e}") from None
            self._adopting_market = True
            try:
                self.rollback(f"the market changed ({e})")
            finally:
                self._adopting_market = False

    # --- batches ----------------------------------------------------------------------------

    def seal(self) -> Optional[SealedBatch]:
        """Seal the open batch now (padding with Noop) and journal it, without proving; the
        sealed batch, or None when no batch is open."""
        if not len(self.sequencer.builder):
            return None
        self.sequencer.seal_open()
        return self.sequencer.sealed[-1]

    def pump(self) -> list[BatchReport]:
        """Seal a full open batch; with auto_prove, keep the sealed batches proving and submit
        those whose proofs are ready (in order; an in-process pool proves them all now)."""
        self.sequencer.seal_if_full()
        return self.process_sealed(wait=False) if self.auto_prove else []

    def flush(self) -> list[BatchReport]:
        """Seal the open batch now (padding with Noop), then prove and submit every sealed batch."""
        self.sync()
        self.sequencer.seal_open()
        return self.process_sealed()

    def tick(self) -> list[BatchReport]:
        """Seal the open batch if its first operation is older than the time-out."""
        self.sync()
        self.sequencer.seal_if_older(self.clock(), self.batch_timeout_s)
        return self.process_sealed(wait=False) if self.auto_prove else []

    def process_sealed(self, wait: bool = True) -> list[BatchReport]:
        """Prove and submit the sealed batches in order; commit each accepted one. The pool
        holds up to its capacity of the oldest sealed batches; submission takes their proofs
        strictly in batch order (without `wait`, it stops at the first proof not ready). A
        batch L1 refuses for a stale oracle table is rolled back with everything after it; one
        the circuit refuses (`UnprovableBatch`, wherever it was proved) too, its failing
        operation refused to its sender (`_refuse_unprovable`)."""
        reports = []
        while self.sequencer.sealed:
            sb = self.sequencer.sealed[0]
            accepted = self.contract.batch_number
            self.pool.fill(b for b in self.sequencer.sealed if b.batch_number > accepted)
            if accepted >= sb.batch_number:
                report = self.submitter.adopt(sb, self.prover.n_constraints())
            else:
                if not wait and not self.pool.ready(sb):
                    break
                try:
                    cd, now = self.submitter.preflight(sb)
                    proved = self.pool.result(sb)
                    self.fault("proved")
                    report = self.submitter.submit(sb, cd, now, proved)
                except UnprovableBatch as e:
                    self._refuse_unprovable(sb, e)
                    continue
                except BatchRejected as e:
                    if self.contract.batch_number >= sb.batch_number:
                        # sent first by somebody else (its calldata and proof are public once
                        # submitted): ours if adopt finds it is, else OperatorError
                        report = self.submitter.adopt(sb, self.prover.n_constraints())
                    elif e.reason == Reason.STALE_ORACLE_TABLE:
                        newer = self.contract.latest_oracle_table_id > sb.table_id
                        self.rollback(str(e))
                        if not newer:
                            break           # rebuilt under the same table: wait for the oracle's next one
                        continue
                    else:
                        raise OperatorError(f"batch {sb.batch_number} refused by L1: {e}") from None
            self.sequencer.sealed.pop(0)
            self.sequencer.state.dirty.clear()
            reports.append(report)
            if self.on_batch is not None:
                self.on_batch(report)
        return reports

    def prove(self, sb: SealedBatch) -> ProvedBatch:
        """Solve and prove a sealed batch (changes nothing)."""
        return self.prover.prove(sb)

    def calldata(self, sb: SealedBatch):
        return self.submitter.calldata(sb)

    # --- views ------------------------------------------------------------------------------

    @property
    def state(self):
        """The working state: the accepted state and every operation applied since."""
        return self.sequencer.state

    @property
    def l1_state(self):
        """The state of the last batch L1 accepted (as committed)."""
        return self.submitter.l1_state

    @property
    def book(self) -> Book:
        return self.sequencer.book

    @property
    def sealed(self) -> list[SealedBatch]:
        return self.sequencer.sealed

    @property
    def table_id(self) -> int:
        return self.sequencer.table_id

    @property
    def builder(self):
        return self.sequencer.builder

    @builder.setter
    def builder(self, b) -> None:
        self.sequencer.builder = b

    def open_batch_size(self) -> int:
        return len(self.sequencer.builder)

    def request_result(self, seq: int) -> Optional[tuple[str, Optional[str]]]:
        """(status, result JSON text) of inbox entry `seq` ("new", "done", "partial" or
        "rejected"; the error of a rejected one under "error"); None if there is none."""
        return self.journal.request_result(seq)

    def batch_reports(self) -> list[BatchReport]:
        return [BatchReport(**batchfile.unpack(blob)["report"]) for _, blob in self.store.records(BATCH_PREFIX)]

    def batch_record(self, batch_number: int) -> Optional[dict]:
        blob = self.store.record(f"{BATCH_PREFIX}{batch_number:08d}")
        return None if blob is None else batchfile.unpack(blob)

    def liquidatable(self) -> list[int]:
        """Accounts of the working state that fail maintenance margin (may be liquidated), with
        positions or not (one a settlement left with negative cash is backstopped too)."""
        return failing_maintenance(self.state)

    def backstop(self, targets: Optional[list[int]] = None) -> list:
        """The insurance fund takes over what no liquidator did: a `Backstop` of each target
        (default: every account failing maintenance now). Returns each one's OpWitness or
        its exception (a target that passes maintenance again is refused, nothing changed)."""
        out = []
        for t in self.liquidatable() if targets is None else targets:
            try:
                out.append(self.submit(Backstop(t)))
            except (RollupError, ValueError) as e:
                out.append(e)
        return out

    def close(self) -> None:
        self.pool.forget()
        self.store.close()
        self.journal.close()
