"""Build batch-circuit inputs from the native state's `apply()` records (test helper).

`BatchRecorder(state)` snapshots the state at the start of a batch; `apply(op)` applies an
operation natively and keeps its record; `finish(n_slots)` pads with Noop and returns
(BatchInput, expected) where expected holds the natively computed commitment fields.

The circuit defers the fee account's and the insurance fund's cash (see
circuits/batch/slot.py): this converter replays the records on a copy of the batch's
starting account tree with those two accounts' changes pending until a slot touches them
or the batch ends, so the paths are those of the circuit's tree. (If the native state
deferred them itself, its records would be usable as they are; see docs/batch_circuit.md.)

This belongs to the application (the operator builds witnesses this way); it lives here
until zkrollup takes it over.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits.batch import witness as bw
from circuits.batch.public import batch_commitment, effects_hash
from circuits.batch.shape import BatchShape
from circuits.batch.tables import MarketTable, OracleTable
from zkrollup import units
from zkrollup.account import FEE_ACCOUNT, INSURANCE_ACCOUNT
from zkrollup.ops import Deposit, ForcedWithdraw, Liquidate, Noop, Settle, Trade, Withdraw
from zkrollup.smt import default_node

OP_CODES = {"noop": bw.OP_NOOP, "deposit": bw.OP_DEPOSIT, "withdraw": bw.OP_WITHDRAW,
            "forced_withdraw": bw.OP_FORCED, "trade": bw.OP_TRADE, "liquidate": bw.OP_LIQUIDATE,
            "settle": bw.OP_SETTLE}
DEFERRED_ROLES = {"fee": FEE_ACCOUNT, "insurance": INSURANCE_ACCOUNT}


def shape_of(state, n_slots: int) -> BatchShape:
    """The circuit shape of `state` (zkrollup.units builds it with the native widths)."""
    return units.batch_shape(n_slots, state.account_depth, state.order_depth, state.K, state.n_scenarios)


def market_table(market) -> MarketTable:
    return MarketTable(tuple(int(i.kind) for i in market.slots), tuple(i.strike for i in market.slots),
                       tuple(i.expiry for i in market.slots), tuple(i.contract_size for i in market.slots),
                       market.liq_bonus_bps, market.liq_penalty_bps)


def oracle_table(o) -> OracleTable:
    return OracleTable(o.timestamp, o.spot, tuple(o.mark), tuple(map(tuple, o.scen_init)),
                       tuple(map(tuple, o.scen_maint)), tuple(o.settled), tuple(o.settle_price),
                       tuple(o.settle_value))


def fields_of(f, k: int, ord_depth: int) -> bw.AccountFields:
    if f is None:
        return bw.AccountFields(0, 0, 0, 0, (0,) * k, default_node(ord_depth))
    return bw.AccountFields(f.pk[0], f.pk[1], f.nonce, f.cash, tuple(f.sizes), f.orders_root)


def sig_of(sig) -> bw.Signature:
    return bw.Signature() if sig is None else bw.Signature(sig.R8[0], sig.R8[1], sig.S)


def order_params(so, fee: int) -> bw.OrderParams:
    o = so.order
    return bw.OrderParams(o.side, o.size, o.limit_price, o.max_fee, o.order_id, o.valid_until, fee,
                          sig_of(so.signature))


@dataclass
class Expected:
    old_root: int
    new_root: int
    batch_number: int
    market_hash: int
    oracle_hash: int
    deposit_hash_old: int
    deposit_hash_new: int
    effects_hash: int
    forced_hash_old: int = 0
    forced_hash_new: int = 0

    def commitment(self) -> int:
        return batch_commitment(**self.__dict__)


class BatchRecorder:
    """Apply operations natively and collect the circuit input of the batch."""

    def __init__(self, state):
        self.state = state
        self.k = state.K
        self.od = state.order_depth
        self.tree = state.tree.copy()           # the circuit's view of the account tree
        self.pending = {FEE_ACCOUNT: 0, INSURANCE_ACCOUNT: 0}
        self.start_root = state.root
        self.start_accounts_root = state.accounts_root
        self.start_oi = tuple(state.oi)
        self.start_deposit_hash = state.deposit_hash
        self.start_forced_hash = state.forced_hash
        self.batch_number = state.batch_number
        self.market = state.market
        self.oracle = state.oracle
        self.records = []
        self.slots: list[bw.SlotInput] = []

    def _port(self, u) -> bw.Port:
        before = fields_of(u.before, self.k, self.od)
        if u.index in self.pending:                 # flush on touch
            before.cash -= self.pending[u.index]
            self.pending[u.index] = 0
        sib = tuple(self.tree.proof(u.index))
        self.tree.update(u.index, u.leaf_after)
        fill = bw.OrderFill(siblings=(0,) * self.od)
        if u.order is not None:
            fill = bw.OrderFill(u.order.before[0], u.order.before[1], tuple(u.order.siblings))
        return bw.Port(u.index, int(u.before is not None), before, sib, fill)

    def _empty_port(self, account: int = 0) -> bw.Port:
        return bw.Port(account, 0, fields_of(None, self.k, self.od), (0,) * self.state.account_depth,
                       bw.OrderFill(siblings=(0,) * self.od))

    def record(self, w) -> bw.SlotInput:
        """Turn one native record into a slot (updates the circuit's tree view)."""
        if w.op.__class__ is not Noop and (self.oracle is not self.state.oracle
                                           or self.market != self.state.market):
            raise ValueError("the oracle or market table changed inside a batch")
        ports = []
        for u in w.updates:
            if u.role in DEFERRED_ROLES:
                self.pending[u.index] += u.after.cash - u.before.cash
            else:
                ports.append(u)
        s = bw.SlotInput(op=OP_CODES[w.kind])
        s.a = self._port(ports[0]) if len(ports) > 0 else self._empty_port()
        s.b = self._port(ports[1]) if len(ports) > 1 else self._empty_port()
        op = w.op
        if isinstance(op, Deposit):
            s.amount, s.deposit_pk = op.amount, tuple(op.pk)
        elif isinstance(op, Withdraw):
            s.amount, s.nonce, s.l1_address, s.sig = op.amount, op.nonce, op.l1_address, sig_of(op.signature)
        elif isinstance(op, ForcedWithdraw):
            # the request as queued on L1 (its signature was checked there, not in the circuit)
            s.amount, s.nonce, s.l1_address, s.deposit_pk = op.amount, op.nonce, op.l1_address, tuple(op.pk)
            s.forced_valid = int(w.details["rejected"] is None)
            if not ports:
                s.a = self._empty_port(op.account)
        elif isinstance(op, Trade):
            s.instrument, s.fill, s.price = op.maker.order.slot, op.fill, op.price
            s.order_a = order_params(op.maker, op.maker_fee)
            s.order_b = order_params(op.taker, op.taker_fee)
        elif isinstance(op, Liquidate):
            s.nonce, s.valid_until, s.sig = op.nonce, op.valid_until, sig_of(op.signature)
        elif isinstance(op, Settle):
            s.instrument = op.slot
        self.records.append(w)
        self.slots.append(s)
        return s

    def apply(self, op):
        w = self.state.apply(op)
        self.record(w)
        return w

    def _flush(self, index: int) -> bw.Flush:
        acc = self.state.account(index)
        f = fields_of(acc.fields(), self.k, self.od)
        f.cash -= self.pending[index]
        fl = bw.Flush(f, tuple(self.tree.proof(index)))
        self.tree.update(index, acc.leaf)
        return fl

    def finish(self, n_slots: int) -> tuple[bw.BatchInput, Expected]:
        if len(self.slots) > n_slots:
            raise ValueError(f"{len(self.slots)} operations do not fit {n_slots} slots")
        while len(self.slots) < n_slots:
            self.apply(Noop())
        fee, ins = self._flush(FEE_ACCOUNT), self._flush(INSURANCE_ACCOUNT)
        assert self.tree.root == self.state.accounts_root, "replayed tree differs from the native one"
        mt, ot = market_table(self.market), oracle_table(self.oracle)
        batch = bw.BatchInput(self.batch_number, mt, ot, self.start_accounts_root, self.start_oi,
                              self.start_deposit_hash, list(self.slots), fee, ins,
                              forced_hash=self.start_forced_hash)
        exp = Expected(self.start_root, self.state.root, self.batch_number, self.market.hash(),
                       self.oracle.hash(), self.start_deposit_hash, self.state.deposit_hash,
                       effects_hash([w.effect for w in self.records], n_slots),
                       self.start_forced_hash, self.state.forced_hash)
        return batch, exp
