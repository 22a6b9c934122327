"""The batch circuit's input, built from what the native state's `apply()` returns.

`BatchBuilder(state)` opens a batch on the operator's working state; `apply(op)` applies
an operation natively (`RollupState.apply`) and turns its `OpWitness` into one slot of
`circuits.batch.witness.BatchInput`; `finish(n_slots)` pads with Noop, closes the batch
(`state.end_batch()`) and returns a `SealedBatch`: the circuit input, the header fields
and the records as the native state computed them (their SHA-256 is the proof's public
input, `circuits.spec.public_input`), and the applied operations.

Batch numbers: a batch carries the number the L1 contract will give it, i.e. the number
of batches before it plus one (`state.batch_number + 1` at the start; after
`end_batch()` the state's batch number equals it). The public input does not contain it
(L1 orders batches by their old root, which must be its current root).

The circuit defers the fee account's and the insurance fund's cash changes (docs/
batch_circuit.md, "aggregated per batch"): those two accounts' changes stay pending until
a slot reads them or the batch ends, so the circuit's account tree lags behind the native
one at those two leaves. The builder keeps no copy of the tree: `LaggedTree`
(`zkrollup.lagged_tree`) holds the circuit's values of the lagging leaves and their
ancestors and turns the native paths and nodes each `AccountUpdate` records into the
circuit's paths (about one hash per port); `finish` checks that the circuit's tree ends
at the native accounts root. The market and oracle tables must stay the same for the
whole batch (the circuit hashes one of each).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from circuits.batch import witness as bw
from circuits.batch.shape import BatchShape
from circuits.spec.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.ops import OP_NAMES
from circuits.spec import solvency
from circuits.spec.public_input import batch_data, header_bytes, public_input
from circuits.spec.solvency import trailer_bytes
from circuits.spec.tree import empty_root, path_length

from . import units
from .lagged_tree import LaggedTree
from .market import Market
from .ops import Backstop, Cancel, Deposit, ForcedClose, ForcedWithdraw, Liquidate, Noop, Settle, Trade, Withdraw
from .risk import OracleTable as RiskOracleTable

OP_CODES = {name: code for code, name in enumerate(OP_NAMES)}
SLOT_FIELDS = {"noop": (), "deposit": ("a", "amount", "pk", "l1_address"),
               "withdraw": ("a", "amount", "l1_address", "sig"), "forced_withdraw": ("a", "amount", "l1_address"),
               "trade": ("a", "b", "instrument", "fill", "price", "order_a", "order_b"),
               "liquidate": ("a", "b", "valid_until", "sig", "liq_steps"), "settle": ("a", "b", "instrument"),
               "cancel": ("a", "order_id", "sig"), "forced_close": ("a", "b", "l1_address", "liq_steps")}
"""The `SlotInput` fields each operation sets (`BatchBuilder.record`); every other field
keeps its default (`circuits.batch.slot.default_slot`)."""
FILL_PORTS = {"trade": ("a", "b"), "cancel": ("a",)}
"""The ports whose order-fill leaf an operation reads; the others keep the default one."""
_DEFERRED_ROLES = {"fee": FEE_ACCOUNT, "insurance": INSURANCE_ACCOUNT}


def shape_of(state, n_slots: int) -> BatchShape:
    """The circuit shape for batches of `n_slots` on `state` (widths of `circuits.spec.widths`)."""
    return units.batch_shape(n_slots, state.account_depth, state.order_depth, state.K, state.n_scenarios)


def _fields(f, k: int, ord_depth: int) -> bw.AccountFields:
    if f is None:
        return bw.AccountFields(0, 0, 0, 0, (0,) * k, empty_root(ord_depth), 0)
    return bw.AccountFields(f.pk[0], f.pk[1], f.nonce, f.cash, tuple(f.sizes), f.orders_root, f.owner)


def _sig(sig) -> bw.Signature:
    return bw.Signature(sig.R8[0], sig.R8[1], sig.S)


def _order_params(so, rate: int) -> bw.OrderParams:
    o = so.order
    return bw.OrderParams(o.side, o.size, o.limit_price, o.max_fee, o.order_id, o.valid_until, rate,
                          _sig(so.signature))


@dataclass
class HeaderFields:
    """The header of the batch's public input (`circuits.spec.public_input`), natively computed."""

    old_root: int
    new_root: int
    oracle_hash: int
    prio_old: int
    prio_new: int

    def header(self) -> bytes:
        return header_bytes(**self.__dict__)


@dataclass
class SealedBatch:
    """A closed batch, what the operator's rooms hand each other (sequencing seals it,
    proving proves it, submission submits and commits it).

    From the builder: the circuit input, the header fields and the records as the native
    state computed them, the applied operations in slot order (Noop padding included),
    the number of L1 queue entries served, each slot's details. From the sequencer: the
    oracle table and market the batch was built under and the table's L1 id, and the journal's seal
    (`seal_event`, None until written; the book at the seal and the inbox entry to
    process again if the batch is rolled back)."""

    batch_number: int
    n_slots: int
    circuit_input: bw.BatchInput
    fields: HeaderFields
    records: list
    ops: list
    n_entries: int
    fund_deficit: int
    """The insurance fund's deficit after the batch (`circuits.spec.solvency`): the trailer's first field."""
    open_interest: tuple
    """The K open interests after the batch (the trailer's long and short totals)."""
    details: list = field(default_factory=list)
    oracle: Optional[RiskOracleTable] = None
    market: Optional[Market] = None
    table_id: int = 0
    seal_event: Optional[int] = None
    book: Optional[dict] = None
    resume_from: Optional[int] = None

    @property
    def kinds(self) -> list[str]:
        return [op.kind for op in self.ops]

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds if k == kind)

    def data(self) -> bytes:
        """HEADER || RECORDS || TRAILER: what the public input hashes."""
        trailer = trailer_bytes(self.fund_deficit, solvency.cash_flow(self.records), self.open_interest)
        return batch_data(self.fields.header(), self.records, trailer)

    def public_input(self) -> int:
        return public_input(self.data())


class BatchBuilder:
    """Apply operations natively and collect the circuit input of one batch."""

    def __init__(self, state):
        self.state = state
        self.k = state.K
        self.od = state.order_depth
        self.tree = LaggedTree(state.tree, _DEFERRED_ROLES.values())   # the circuit's account tree
        self.pending = {FEE_ACCOUNT: 0, INSURANCE_ACCOUNT: 0}
        self.start_root = state.root
        self.start_accounts_root = state.accounts_root
        self.start_oi = tuple(state.oi)
        self.start_prio = state.prio
        self.start_served = state.prio_served
        self.batch_number = state.batch_number + 1
        self.market = state.market
        self.oracle = state.oracle
        self.records: list = []
        self.slots: list[bw.SlotInput] = []

    def __len__(self) -> int:
        return len(self.slots)

    # --- slots ---------------------------------------------------------------------------

    def _port(self, u) -> bw.Port:
        before = _fields(u.before, self.k, self.od)
        sib = self.tree.path(u.index, u.siblings)
        if u.index in self.pending:                 # flush on touch, as the circuit does
            before.cash -= self.pending[u.index]
            self.pending[u.index] = 0
            if self.tree.leaf(u.index) != u.leaf_after:
                self.tree.write(u.index, sib, u.leaf_after)
        elif u.nodes_after:                         # a write (a read changes neither tree)
            self.tree.write(u.index, sib, u.leaf_after, u.nodes_after)
        fill = bw.OrderFill(siblings=(0,) * path_length(self.od))
        if u.order is not None:
            fill = bw.OrderFill(u.order.before[0], u.order.before[1], tuple(u.order.siblings))
        return bw.Port(u.index, int(u.before is not None), before, sib, fill)

    def _empty_port(self, account: int = 0) -> bw.Port:
        return bw.Port(account, 0, _fields(None, self.k, self.od), (0,) * path_length(self.state.account_depth),
                       bw.OrderFill(siblings=(0,) * path_length(self.od)))

    def _check_tables(self, w) -> None:
        if w.kind != "noop" and (self.oracle is not self.state.oracle or self.market != self.state.market):
            raise ValueError("the oracle or market table changed inside a batch")

    def record(self, w) -> bw.SlotInput:
        """Turn one native record into a slot (updates the circuit's tree view)."""
        self._check_tables(w)
        ports = [u for u in w.updates if u.role not in _DEFERRED_ROLES]
        s = bw.SlotInput(op=OP_CODES[w.kind])
        # the ports first: a port that is the fee account or the insurance fund (the backstop's
        # taker) flushes what was pending before this slot, not what this slot defers
        s.a = self._port(ports[0]) if len(ports) > 0 else self._empty_port()
        s.b = self._port(ports[1]) if len(ports) > 1 else self._empty_port()
        for u in w.updates:
            if u.role in _DEFERRED_ROLES:
                self.pending[u.index] += u.after.cash - u.before.cash
        op = w.op
        if isinstance(op, Deposit):
            s.amount, s.pk, s.l1_address = op.amount, tuple(op.pk), op.depositor
        elif isinstance(op, Withdraw):
            s.amount, s.l1_address, s.sig = op.amount, op.l1_address, _sig(op.signature)
        elif isinstance(op, ForcedWithdraw):
            s.amount, s.l1_address = op.amount, op.requester
            if not ports:                               # an index outside the tree
                s.a = self._empty_port(op.account)
        elif isinstance(op, Trade):
            s.instrument, s.fill, s.price = op.maker.order.slot, op.fill, op.price
            s.order_a = _order_params(op.maker, op.maker_fee_rate)
            s.order_b = _order_params(op.taker, op.taker_fee_rate)
        elif isinstance(op, Liquidate):
            s.valid_until, s.sig, s.liq_steps = op.valid_until, _sig(op.signature), w.details["steps"]
        elif isinstance(op, Backstop):                  # unsigned, no valid-until
            s.liq_steps = w.details["steps"]
        elif isinstance(op, ForcedClose):               # the backstop's, of every step
            s.l1_address, s.liq_steps = op.requester, w.details["steps"]
        elif isinstance(op, Settle):
            s.instrument = op.slot
        elif isinstance(op, Cancel):
            s.order_id, s.sig = op.order_id, _sig(op.signature)
        self.records.append(w)
        self.slots.append(s)
        return s

    def apply(self, op):
        """Apply `op` to the state (RollupError: nothing changed) and record its slot."""
        if self.oracle is not self.state.oracle or self.market != self.state.market:
            raise ValueError("the oracle or market table changed inside a batch")
        w = self.state.apply(op)
        self.record(w)
        return w

    # --- closing -------------------------------------------------------------------------

    def _flush(self, index: int) -> bw.Flush:
        acc = self.state.account(index)
        f = _fields(acc.fields(), self.k, self.od)
        f.cash -= self.pending[index]
        sib = self.tree.path(index, self.state.tree.proof(index))
        self.tree.write(index, sib, acc.leaf)
        return bw.Flush(f, sib)

    def finish(self, n_slots: int) -> SealedBatch:
        """Pad with Noop to `n_slots`, close the batch on the state, return it sealed."""
        if len(self.slots) > n_slots:
            raise ValueError(f"{len(self.slots)} operations do not fit {n_slots} slots")
        if self.oracle is None:
            raise ValueError("a batch needs an oracle table")
        while len(self.slots) < n_slots:
            self.apply(Noop())
        fee, ins = self._flush(FEE_ACCOUNT), self._flush(INSURANCE_ACCOUNT)
        if self.tree.root != self.state.accounts_root:
            raise AssertionError("the circuit's replayed account tree differs from the native one")
        batch = bw.BatchInput(self.market.table(), self.oracle, self.start_accounts_root, self.start_oi,
                              self.start_prio, list(self.slots), fee, ins)
        header = HeaderFields(self.start_root, self.state.root, self.oracle.hash(), self.start_prio,
                              self.state.prio)
        fund = self.state.account(INSURANCE_ACCOUNT)
        deficit = solvency.fund_deficit(fund.cash, fund.sizes, self.oracle.mark)
        self.state.end_batch()
        if self.state.batch_number != self.batch_number:
            raise AssertionError("batch numbers out of step")
        return SealedBatch(self.batch_number, n_slots, batch, header, [w.record for w in self.records],
                           [w.op for w in self.records], self.state.prio_served - self.start_served, deficit,
                           tuple(self.state.oi),
                           [dict(w.details) for w in self.records])
