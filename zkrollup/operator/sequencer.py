"""Sequencing: requests and L1 inputs in, sealed batches out, everything journaled.

The sequencer owns the *working* state (the accepted state plus every operation applied
since), the order book, the open batch (`BatchBuilder`) and the queue of sealed batches
waiting for proving and submission. Everything it does is a journal event, carried out by
one function (`_do`) live and in replay, so reopening a directory replays the journal
after the last accepted batch and gets the same batches again (operations are
deterministic):

- `op`: apply an operation through the open batch's builder (an L1 queue entry, a Deposit
  or ForcedWithdraw, is queued first as the contract queued it, `RollupState.apply_l1_request`);
- `seal`: close the open batch (padded with Noop) into a `SealedBatch`;
- `oracle`: install the oracle table the contract published under an id (never inside an
  open batch).

New events are carried out at once and written by `write_journal` in one transaction with
the book and the status of the inbox entry that caused them. A `RollupError` from an
operation means nothing happened (the event is not kept). An operation the circuit could
not prove before (the journal's `refused` list, written by the operator's rollback) is
refused as `Unprovable` with its recorded error instead of being applied again.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Callable, Iterator, Optional
from circuits.spec.accounts import CLEARING_ACCOUNT, SPECIAL_ACCOUNTS

from .. import signatures
from ..batch_builder import BatchBuilder, SealedBatch
from ..errors import OperatorError, RollupError, SlotInUse, Unprovable
from ..l1data import entry_op, published_markets, published_oracle
from ..matching import Book
from ..ops import Backstop, Cancel, ForcedWithdraw, Operation, Settle, SignedOrder, Withdraw, op_from_obj
from ..risk import passes_maintenance
from . import orders
from .intake import request_from_obj
from .journal import Journal


class Sequencer:
    """Intake, matching, native apply, sealing and the journal (see the module docstring).

    `state`: the working state (a copy of the accepted one); `table_id`: the L1 id of its
    oracle table; `book`: the order book as journaled; `clock()`: the operator's time (a
    batch's age for `seal_if_older`)."""

    def __init__(self, journal: Journal, contract, batch_size: int, state, table_id: int, book: Book, *,
                 clock: Callable[[], int], maker_fee: int = 0, taker_fee: int = 0):
        self.journal = journal
        self.contract = contract
        self.batch_size = batch_size
        self.state = state
        self.table_id = table_id
        self.book = book
        self.clock = clock
        self.maker_fee, self.taker_fee = maker_fee, taker_fee
        self.builder = BatchBuilder(state)
        self.sealed: list[SealedBatch] = []         # sealed, not yet accepted by L1, in order
        self.opened_at: Optional[int] = None        # when the open batch got its first operation
        self._pending: list[tuple[Optional[int], dict, Optional[SealedBatch]]] = []
        self._src: Optional[int] = None             # the inbox entry being processed
        self._replaying = False
        self.refused = {op_key(r["op"]): r["error"] for r in journal.refused()}
        self.results: OrderedDict[int, object] = OrderedDict()   # latest result per inbox entry

    # --- events ---------------------------------------------------------------------------

    def replay(self, events) -> None:
        """Carry out journaled events ((seq, kind, event) in order) again."""
        self._replaying = True
        try:
            for seq, kind, ev in events:
                try:
                    self._do(ev, seq)
                except RollupError as e:
                    raise OperatorError(f"journal event {seq} ({kind}) no longer applies: {e}") from None
        finally:
            self._replaying = False

    def _do(self, ev: dict, seq: Optional[int] = None) -> None:
        """Carry out one journal event on the working state (live and in replay)."""
        kind = ev["kind"]
        if kind == "op":
            if len(self.builder) >= self.batch_size:
                raise OperatorError("journal: an operation after a full batch without a seal")
            self._apply(op_from_obj(ev["op"]))
        elif kind == "seal":
            self._seal_builder(seq, ev)
        elif kind == "oracle":
            if len(self.builder):
                raise OperatorError("journal: an oracle change inside a batch")
            table = published_oracle(self.contract, ev["table_id"])
            if table.market_hash != self.state.market.hash():
                # the governor registered another market: its tables follow it
                market = published_markets(self.contract).get(table.market_hash)
                if market is None:
                    raise OperatorError(f"oracle table {ev['table_id']} names a market never registered")
                try:
                    self.state.adopt_market(market)
                except SlotInUse as e:
                    raise MarketChanged(str(e)) from None
            self.state.set_oracle(table)
            self.table_id = ev["table_id"]
            self.builder = BatchBuilder(self.state)
        else:
            raise OperatorError(f"journal: unknown event {kind!r}")

    def _apply(self, op: Operation):
        w = self.state.apply_l1_request(op, self.builder.apply)
        if self.opened_at is None:
            self.opened_at = 0 if self._replaying else self.clock()
        return w

    def _seal_builder(self, seq: Optional[int], ev: dict) -> SealedBatch:
        sb = self.builder.finish(self.batch_size)
        sb.table_id, sb.oracle, sb.market, sb.seal_event = self.table_id, self.builder.oracle, self.builder.market, seq
        sb.book, sb.resume_from = ev.get("book"), ev.get("resume_from")
        self.sealed.append(sb)
        self.builder = BatchBuilder(self.state)
        self.opened_at = None
        return sb

    def emit(self, ev: dict) -> None:
        """Carry out a new event and queue it for the journal (RollupError: nothing happened).
        An operation that finds the open batch full seals it first."""
        if ev["kind"] == "op" and op_key(ev["op"]) in self.refused:
            raise Unprovable(self.refused[op_key(ev["op"])])
        if ev["kind"] == "op" and len(self.builder) >= self.batch_size:
            self.seal()
        self._do(ev)
        self._pending.append((self._src, ev, None))

    def emit_op(self, op: Operation) -> None:
        self.emit({"kind": "op", "op": op.to_obj()})

    def backstop_failing(self) -> None:
        """Before an exit is admitted, move every loss into the insurance fund: a Backstop of
        each account failing maintenance, positions or not (a settlement can leave one flat
        with negative cash), so the fund's deficit the batch proves prices the exit
        (docs/risk.md, "Socialised loss"). One the state or the circuit refuses is skipped."""
        for idx in failing_maintenance(self.state):
            try:
                self.emit_op(Backstop(idx))
            except RollupError:
                pass

    def seal(self, resume_from: Optional[int] = None) -> SealedBatch:
        """Seal the open batch now (padding with Noop); journaled by the next `write_journal`.
        `resume_from`: the inbox entry to process again after a rollback (default: the one
        being processed, else the next to come)."""
        ev = {"kind": "seal", "batch_number": self.state.batch_number + 1,
              "book": self.book.to_obj(), "resume_from": self._resume_point() if resume_from is None else resume_from}
        sb = self._seal_builder(None, ev)
        self._pending.append((self._src, ev, sb))
        return sb

    def _resume_point(self) -> int:
        """The inbox entry to process again if the batch after this seal is rolled back."""
        return self._src if self._src is not None else self.journal.next_request_seq()

    def write_journal(self, inbox: Optional[list[tuple[int, str, str]]] = None) -> None:
        """Write the queued events, the book and inbox entries' (seq, status, result) in one
        transaction."""
        seqs = self.journal.write([(src, ev) for src, ev, _ in self._pending], self.book.to_obj(), inbox)
        for seq, (_, _, sb) in zip(seqs, self._pending):
            if sb is not None:
                sb.seal_event = seq
        self._pending = []

    # --- sealing rules --------------------------------------------------------------------

    def seal_if_full(self) -> None:
        if len(self.builder) >= self.batch_size:
            self.seal()
            self.write_journal()

    def seal_open(self) -> None:
        if len(self.builder):
            self.seal()
            self.write_journal()

    def seal_if_older(self, now: int, timeout_s: int) -> None:
        if len(self.builder) and self.opened_at is not None and now - self.opened_at >= timeout_s:
            self.seal()
            self.write_journal()

    # --- users ----------------------------------------------------------------------------

    def process(self, seq: int, obj: dict):
        """Process one inbox entry and journal the result; returns the result or the error
        (a MatchResult for an order, the OpWitness of an operation)."""
        return self.process_many([(seq, obj)])[0]

    def process_many(self, entries: list[tuple[int, dict]]) -> list:
        """`process` for a burst of inbox entries (seq, obj), in order: the orders' signatures
        are checked in one batch first (`signatures.verify_many`; admission finds the
        verdicts), a full batch is sealed between requests (as one by one), and the results
        are journaled in one transaction (group commit)."""
        if not entries:
            return []
        reqs = []
        for _, obj in entries:
            try:
                reqs.append(request_from_obj(obj))
            except ValueError as e:
                reqs.append(e)
        self._preverify(reqs)
        results, inbox = [], []
        for (seq, _), req in zip(entries, reqs):
            if len(self.builder) >= self.batch_size:       # between requests, as `seal_if_full`
                self.seal(resume_from=seq)
            self._src = seq
            result, status, text = self._handle(req)
            self._src = None
            results.append(result)
            inbox.append((seq, status, text))
        self.write_journal(inbox)
        for (seq, _), result in zip(entries, results):
            self.results[seq] = result              # what `submit` answers, also after a rollback
        while len(self.results) > 1000:
            self.results.popitem(last=False)
        return results

    def _handle(self, req) -> tuple[object, str, str]:
        """Match an order or apply an operation: (result or error, inbox status, result text)."""
        try:
            if isinstance(req, Exception):
                raise req
            if isinstance(req, SignedOrder):
                result = orders.match(self.state, self.book, req, self.maker_fee, self.taker_fee, self.emit_op)
                status = "done" if result.error is None else "partial"
                return result, status, json.dumps({"filled": result.filled, "rested": result.rested,
                                                   "error": result.error})
            if isinstance(req, Withdraw):
                self.backstop_failing()
            self.emit_op(req)
            result = self.builder.records[-1]
            if isinstance(req, Cancel):
                self._unbook_cancelled(req)
            return result, "done", json.dumps({"applied": req.kind})
        except (RollupError, ValueError) as e:
            return e, "rejected", json.dumps({"error": f"{type(e).__name__}: {e}"})

    def _preverify(self, reqs: list) -> None:
        """Check the signatures of the orders among `reqs` (two or more) in one batch, under
        their accounts' keys as they are now (the verdicts are remembered by
        `zkrollup.signatures`, where admission's check finds them)."""
        items = []
        for r in reqs:
            if isinstance(r, SignedOrder):
                acc = self.state.get_account(r.order.account)
                if acc is not None:
                    items.append((acc.pk, r.order.message(), r.signature))
        if len(items) > 1:
            signatures.verify_many(items)

    def _unbook_cancelled(self, c: Cancel) -> None:
        """A signed cancel retires every order of its account in its fill slot up to its id:
        take them out of the book (its journal entry stores the book)."""
        acc = self.state.account(c.account)
        slot = acc.order_slot_of(c.order_id)
        for r in list(self.book):
            if r.key[0] == c.account and r.key[1] <= c.order_id and acc.order_slot_of(r.key[1]) == slot:
                self.book.remove(r.key)

    # --- L1 -------------------------------------------------------------------------------

    def sync(self) -> None:
        """Read L1: a newer oracle table (seals the open batch first, then settles every
        position in newly settled slots), new priority-queue entries (deposits and forced
        withdrawals, in queue order)."""
        c = self.contract
        self._src = None
        latest = c.latest_oracle_table_id
        if latest and latest != self.table_id:
            if len(self.builder):
                self.seal()
            self.emit({"kind": "oracle", "table_id": latest})
            for op in settlements(self.state):
                try:
                    self.emit_op(op)
                except Unprovable:
                    pass                    # refused before: the position stays open
        if self.state.oracle is not None:
            for e in c.queue(self.state.prio_served):
                op = entry_op(e)
                if isinstance(op, ForcedWithdraw):
                    self.backstop_failing()
                self.emit_op(op)
        if self._pending:
            self.write_journal()


class MarketChanged(OperatorError):
    """A newly registered market re-lists a slot that batches L1 has not accepted trade in:
    only the accepted state (where L1 saw no open interest in it) can adopt the market."""


def op_key(obj: dict) -> str:
    """One operation object as a canonical string (to look it up among the refused)."""
    return json.dumps(obj, sort_keys=True)


def failing_maintenance(state) -> list[int]:
    """Accounts other than the special ones that fail maintenance margin now (may be
    liquidated or backstopped); none without an oracle table."""
    if state.oracle is None:
        return []
    return [idx for idx, acc in state.accounts_items()
            if idx not in SPECIAL_ACCOUNTS and not passes_maintenance(acc.cash, acc.sizes, state.oracle)]


def settlements(state) -> Iterator[Settle]:
    """A Settle for every position in a slot the state's oracle table settles (lazily: each
    is checked against the state as the previous ones left it)."""
    o = state.oracle
    for k in range(state.K):
        if o.settled[k]:
            for idx, acc in state.accounts_items():
                if idx != CLEARING_ACCOUNT and acc.sizes[k] != 0:
                    yield Settle(idx, k)
