"""A small native model of the v3 rollup, built from circuits.spec alone, that fills the
batch circuit's input by hand (the circuit tests' independent native side).

`Model` keeps the account tree *as the circuit sees it*: the fee account's and the
insurance fund's cash lag behind by the pending totals, which a slot touching them adds
first (flush on touch) and `finish` adds at the end, exactly as docs/batch_circuit.md
describes. Each operation method checks the rules of `circuits.spec` (raising `Refused`
when the native state would refuse), applies the operation, appends the `SlotInput` and
the expected record. `finish(n)` pads with noops and returns the `BatchInput` and the
expected header fields, records and public input.

`unchecked=True` on an operation skips the native refusal (used to force natively
refused operations into the circuit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from circuits import eddsa
from circuits.batch.shape import BatchShape
from circuits.spec import liquidation as liq_rule
from circuits.spec import margin
from circuits.batch.slot import default_slot
from circuits.batch.witness import (OP_CANCEL, OP_DEPOSIT, OP_FORCED, OP_LIQUIDATE, OP_SETTLE, OP_TRADE,
                                    OP_WITHDRAW, AccountFields, BatchInput, Flush, OrderFill, OrderParams, Port,
                                    Signature, SlotInput)
from circuits.poseidon import poseidon
from circuits.spec import priority as prio_spec
from circuits.spec import tree as spec_tree
from circuits.spec.accounts import (CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT, SPECIAL_OWNER,
                                    account_leaf_of)
from circuits.spec.messages import cancel_message, liquidate_message, order_message, withdraw_message
from circuits.spec.orders import CANCELLED, apply_cancel, apply_fill, order_leaf, trade_fee
from circuits.spec.public_input import batch_public_input
from circuits.spec.records import encode_record
from circuits.spec.solvency import fund_deficit
from circuits.spec.state import oi_hash, state_root

from spec_fixtures import market_table, oracle_table

KEYS = [bytes([i + 1]) * 32 for i in range(16)]
ADDR = [0xA0000 + i for i in range(16)]
"""The L1 address of user i."""


@lru_cache(maxsize=None)
def pk(i: int) -> tuple[int, int]:
    return eddsa.public_key(KEYS[i])


def sig_of(key: int, msg: int) -> Signature:
    s = eddsa.sign(KEYS[key], msg)
    return Signature(s.R8[0], s.R8[1], s.S)


class Refused(ValueError):
    """An operation the native rules refuse."""


def empty_root(depth: int) -> int:
    return spec_tree.empty_root(depth)


class Tree:
    """A sparse 4-ary Poseidon tree of `depth` bits (`circuits.spec.tree`: node = Poseidon of
    the 4 children, empty leaf 0), written plainly: a write rehashes the leaf's ancestors
    from their children with the pure-Python Poseidon."""

    def __init__(self, depth: int):
        self.depth, self.levels = depth, spec_tree.levels(depth)
        self.nodes: dict[tuple[int, int], int] = {}

    def get(self, level: int, idx: int) -> int:
        return self.nodes.get((level, idx), spec_tree.default_node(level))

    def set(self, idx: int, leaf: int) -> None:
        spec_tree.check_index(idx, self.depth)
        self.nodes[(0, idx)] = leaf
        for level in range(self.levels):
            idx >>= 2
            self.nodes[(level + 1, idx)] = poseidon([self.get(level, 4 * idx + j) for j in range(4)])

    def path(self, idx: int) -> tuple[int, ...]:
        """The flat path: per level the 3 siblings in `circuits.spec.tree.sibling_positions` order."""
        out = []
        for level in range(self.levels):
            p = idx >> (2 * level)
            out += [self.get(level, (p & ~3) + pos) for pos in spec_tree.sibling_positions(p & 3)]
        return tuple(out)

    @property
    def root(self) -> int:
        return self.get(self.levels, 0)


@dataclass
class Acct:
    pk: tuple[int, int]
    cash: int
    sizes: list[int]
    owner: int
    orders: Tree
    key: int
    nonce: int = 0
    fills: dict[int, tuple[int, int]] = field(default_factory=dict)

    def fields(self) -> AccountFields:
        return AccountFields(self.pk[0], self.pk[1], self.nonce, self.cash, tuple(self.sizes), self.orders.root,
                             self.owner)

    def leaf(self) -> int:
        return account_leaf_of(self.pk[0], self.pk[1], self.nonce, self.cash, self.sizes, self.orders.root,
                               self.owner)


@dataclass
class Order:
    account: int
    side: int
    size: int
    limit: int
    order_id: int
    valid_until: int
    max_fee: int = 0
    slot: int = 0
    key: int | None = None
    instrument_id: int | None = None
    """The instrument id the order signs (default: the market's for its slot)."""


class Model:
    def __init__(self, depth: int = 4, ord_depth: int = 2, k: int = 4, s: int = 4, market=None, oracle=None):
        self.market = market or market_table(k)
        self.oracle = oracle or oracle_table(self.market, s=s)
        self.depth, self.ord_depth, self.K, self.S = depth, ord_depth, self.market.K, self.oracle.S
        self.tree = Tree(depth)
        self.accts: dict[int, Acct] = {}
        self.oi = [0] * self.K
        self.pend_fee = self.pend_ins = 0
        self.prio = prio_spec.PRIO_EMPTY
        for i in (FEE_ACCOUNT, INSURANCE_ACCOUNT, CLEARING_ACCOUNT):
            self._create(i, pk(i), 0, SPECIAL_OWNER, key=i)
        self.begin()

    # -- bookkeeping ---------------------------------------------------------------------
    @property
    def did(self) -> int:
        return self.market.deployment_id

    def shape(self, n: int) -> BatchShape:
        return BatchShape(n, self.depth, self.ord_depth, self.K, self.S)

    def begin(self) -> None:
        assert self.pend_fee == self.pend_ins == 0
        self.start = (self.tree.root, tuple(self.oi), self.prio)
        self.slots: list[SlotInput] = []
        self.records: list[bytes] = []

    def _create(self, i: int, key_pk, cash: int, owner: int, key: int) -> Acct:
        a = Acct(tuple(key_pk), cash, [0] * self.K, owner, Tree(self.ord_depth), key)
        self.accts[i] = a
        self.tree.set(i, a.leaf())
        return a

    def _port(self, i: int) -> Port:
        if i >= 1 << self.depth:
            return Port(i, 0, AccountFields(0, 0, 0, 0, (0,) * self.K, empty_root(self.ord_depth), 0),
                        (0,) * spec_tree.path_length(self.depth),
                        OrderFill(0, 0, (0,) * spec_tree.path_length(self.ord_depth)))
        a = self.accts.get(i)
        before = a.fields() if a else AccountFields(0, 0, 0, 0, (0,) * self.K, empty_root(self.ord_depth), 0)
        return Port(i, int(a is not None), before, self.tree.path(i),
                    OrderFill(0, 0, (0,) * spec_tree.path_length(self.ord_depth)))

    def _touch(self, i: int) -> None:
        """Flush on touch: the pending total moves into the cash the slot reads."""
        if i == FEE_ACCOUNT:
            self.accts[i].cash += self.pend_fee
            self.pend_fee = 0
        elif i == INSURANCE_ACCOUNT:
            self.accts[i].cash += self.pend_ins
            self.pend_ins = 0

    def _write(self, i: int) -> None:
        self.tree.set(i, self.accts[i].leaf())

    def _unused(self) -> Port:
        return default_slot(self.shape(1)).b

    def _emit(self, slot: SlotInput, record: bytes) -> SlotInput:
        self.slots.append(slot)
        self.records.append(record)
        return slot

    def equities(self, i: int) -> list[int]:
        a = self.accts[i]
        return margin.equities(a.cash, a.sizes, self.oracle.scen)

    def passes_im(self, i: int) -> bool:
        return margin.passes_im(self.equities(i))

    def _oi_update(self, before: dict[int, list[int]]) -> None:
        for i, old in before.items():
            for k in range(self.K):
                self.oi[k] += max(self.accts[i].sizes[k], 0) - max(old[k], 0)

    # -- operations ------------------------------------------------------------------------
    def deposit(self, i: int, key: int, amount: int, depositor: int, key_pk=None) -> str:
        key_pk = tuple(key_pk or pk(key))
        self.prio = prio_spec.deposit_entry(self.prio, i, key_pk, amount, depositor)
        a = self.accts.get(i)
        port = self._port(i)
        outcome = prio_spec.deposit_outcome(a is not None, a.pk if a else (0, 0), a.owner if a else 0, key_pk,
                                            depositor)
        if a is not None:
            self._touch(i)
        if outcome == prio_spec.CREATE:
            self._create(i, key_pk, amount, depositor, key)
        elif outcome == prio_spec.CREDIT:
            a.cash += amount
        self._write(i) if i in self.accts else None
        rec = encode_record(OP_DEPOSIT, account=i, amount=amount, refunded=int(outcome == prio_spec.REFUND))
        self._emit(SlotInput(OP_DEPOSIT, a=port, b=self._unused(), amount=amount, l1_address=depositor,
                             pk=key_pk), rec)
        return outcome

    def withdraw(self, i: int, amount: int, to: int, key: int | None = None, nonce: int | None = None,
                 unchecked: bool = False) -> None:
        a = self.accts[i]
        port = self._port(i)
        nonce = a.nonce if nonce is None else nonce
        sig = sig_of(a.key if key is None else key, withdraw_message(i, amount, nonce, to, self.did))
        self._touch(i)
        a.cash -= amount
        a.nonce += 1
        if not unchecked and (not self.passes_im(i) or i == CLEARING_ACCOUNT):
            raise Refused("withdrawal fails initial margin")
        self._write(i)
        self._emit(SlotInput(OP_WITHDRAW, a=port, b=self._unused(), amount=amount, l1_address=to, sig=sig),
                   encode_record(OP_WITHDRAW, account=i, amount=amount, l1_address=to))

    def forced(self, i: int, amount: int, requester: int) -> int:
        self.prio = prio_spec.forced_entry(self.prio, i, amount, requester)
        port = self._port(i)
        in_tree = i < 1 << self.depth
        a = self.accts.get(i)
        if in_tree and a is not None:
            self._touch(i)
        valid = prio_spec.forced_valid(in_tree, a is not None, i, a.owner if a else 0, requester)
        paid = prio_spec.forced_paid(valid, amount, margin.im_allowance(self.equities(i)) if valid else 0)
        if valid:
            a.cash -= paid
        if a is not None:
            self._write(i)
        self._emit(SlotInput(OP_FORCED, a=port, b=self._unused(), amount=amount, l1_address=requester),
                   encode_record(OP_FORCED, account=i, amount=amount, paid=paid))
        return paid

    def order_params(self, o: Order, rate: int) -> OrderParams:
        iid = self.market.instrument_id(o.slot) if o.instrument_id is None else o.instrument_id
        msg = order_message(o.account, o.slot, o.side, o.size, o.limit, o.max_fee, o.order_id, o.valid_until,
                            iid, self.did)
        key = self.accts[o.account].key if o.key is None else o.key
        return OrderParams(o.side, o.size, o.limit, o.max_fee, o.order_id, o.valid_until, rate, sig_of(key, msg))

    def _fill_port(self, o: Order, port: Port) -> None:
        a = self.accts[o.account]
        slot = o.order_id % (1 << self.ord_depth)
        sid, sfilled = a.fills.get(slot, (0, 0))
        port.fill = OrderFill(sid, sfilled, a.orders.path(slot))

    def _fill(self, o: Order, fill: int, unchecked: bool) -> None:
        a = self.accts[o.account]
        slot = o.order_id % (1 << self.ord_depth)
        sid, sfilled = a.fills.get(slot, (0, 0))
        filled = (sfilled if o.order_id == sid else 0) + fill if unchecked else \
            apply_fill(o.order_id, o.size, fill, sid, sfilled)
        a.fills[slot] = (o.order_id, filled)
        a.orders.set(slot, order_leaf(o.order_id, filled))

    def trade(self, oa: Order, ob: Order, fill: int, price: int, rate_a: int = 0, rate_b: int = 0,
              unchecked: bool = False) -> None:
        k = oa.slot
        if not unchecked:
            if ob.side != 1 - oa.side or ob.slot != k or oa.account == ob.account:
                raise Refused("orders do not match")
            for o in (oa, ob):
                if (price > o.limit) if o.side == 0 else (price < o.limit):
                    raise Refused("limit price")
                if o.valid_until < self.oracle.timestamp:
                    raise Refused("expired order")
        params = (self.order_params(oa, rate_a), self.order_params(ob, rate_b))
        pa = self._port(oa.account)
        self._fill_port(oa, pa)
        before = {o.account: list(self.accts[o.account].sizes) for o in (oa, ob)}
        self._touch(oa.account)
        self._apply_side(oa, fill, price, rate_a, unchecked)
        self._write(oa.account)
        pb = self._port(ob.account)
        self._fill_port(ob, pb)
        self._touch(ob.account)
        self._apply_side(ob, fill, price, rate_b, unchecked)
        self._write(ob.account)
        self._oi_update(before)
        if not unchecked and not all(self.passes_im(o.account) for o in (oa, ob)):
            raise Refused("trade fails initial margin")
        self._emit(SlotInput(OP_TRADE, a=pa, b=pb, instrument=k, fill=fill, price=price, order_a=params[0],
                             order_b=params[1]),
                   encode_record(OP_TRADE, maker=oa.account, taker=ob.account, slot=k, maker_side=oa.side,
                                 fill=fill, price=price, maker_fee_rate=rate_a, taker_fee_rate=rate_b,
                                 maker_order_id=oa.order_id, taker_order_id=ob.order_id))

    def _apply_side(self, o: Order, fill: int, price: int, rate: int, unchecked: bool) -> None:
        a = self.accts[o.account]
        fee = rate * fill if unchecked else trade_fee(rate, fill, o.max_fee)
        self._fill(o, fill, unchecked)
        sign = 1 if o.side == 0 else -1
        a.sizes[o.slot] += sign * fill
        a.cash -= sign * price * fill + fee
        self.pend_fee += fee

    def cancel(self, i: int, order_id: int, key: int | None = None, unchecked: bool = False) -> None:
        a = self.accts[i]
        port = self._port(i)
        slot = order_id % (1 << self.ord_depth)
        sid, sfilled = a.fills.get(slot, (0, 0))
        port.fill = OrderFill(sid, sfilled, a.orders.path(slot))
        if not unchecked:
            apply_cancel(order_id, sid)
        sig = sig_of(a.key if key is None else key, cancel_message(i, order_id, self.did))
        self._touch(i)
        a.fills[slot] = (order_id, CANCELLED)
        a.orders.set(slot, order_leaf(order_id, CANCELLED))
        self._write(i)
        self._emit(SlotInput(OP_CANCEL, a=port, b=self._unused(), order_id=order_id, sig=sig),
                   encode_record(OP_CANCEL, account=i, order_id=order_id))

    def settle(self, i: int, k: int) -> None:
        if not self.oracle.settled[k] or not self.accts[i].sizes[k]:
            raise Refused("nothing to settle")
        before = {j: list(self.accts[j].sizes) for j in (i, CLEARING_ACCOUNT)}
        pa = self._port(i)
        self._touch(i)
        a, c = self.accts[i], self.accts[CLEARING_ACCOUNT]
        size = a.sizes[k]
        amount = size * self.oracle.settle_value[k]
        a.cash += amount
        a.sizes[k] = 0
        self._write(i)
        pb = self._port(CLEARING_ACCOUNT)
        c.cash -= amount
        c.sizes[k] += size
        self._write(CLEARING_ACCOUNT)
        self._oi_update(before)
        self._emit(SlotInput(OP_SETTLE, a=pa, b=pb, instrument=k), encode_record(OP_SETTLE, account=i, slot=k))

    def liquidate(self, liq: int, target: int, valid_until: int, unchecked: bool = False,
                  steps: int | None = None) -> int:
        """Liquidate `steps` quarters of every position (default: the fewest that restore the
        target's initial margin); returns the steps taken. By the insurance fund (liq =
        INSURANCE_ACCOUNT): the backstop, unsigned, no margin check of the fund."""
        L, T = self.accts[liq], self.accts[target]
        if not unchecked and margin.passes_mm(margin.equities(T.cash, T.sizes, self.oracle.scen)):
            raise Refused("target meets maintenance margin")
        if steps is None:
            steps = liq_rule.steps_needed(T.cash, T.sizes, self.oracle.scen, self.market.liq_bonus_bps,
                                          self.market.liq_penalty_bps)
        backstop = liq == INSURANCE_ACCOUNT
        sig = Signature() if backstop else sig_of(L.key, liquidate_message(liq, target, L.nonce, valid_until,
                                                                             self.did))
        before = {j: list(self.accts[j].sizes) for j in (liq, target)}
        pa = self._port(liq)
        if backstop:
            self._touch(liq)
        t = liq_rule.terms(T.cash, T.sizes, self.oracle.mark, self.market.liq_bonus_bps,
                           self.market.liq_penalty_bps, steps)
        L.cash -= t.value - t.bonus
        L.sizes = [x + y for x, y in zip(L.sizes, t.taken)]
        L.nonce += 1
        self._write(liq)
        pb = self._port(target)
        T.cash, T.sizes = liq_rule.target_after(T.cash, T.sizes, t)
        T.sizes = list(T.sizes)
        self._write(target)
        self.pend_ins += t.penalty - t.shortfall
        self._oi_update(before)
        if not backstop and not self.passes_im(liq):
            raise Refused("liquidator fails initial margin")
        self._emit(SlotInput(OP_LIQUIDATE, a=pa, b=pb, valid_until=valid_until, sig=sig, liq_steps=steps),
                   encode_record(OP_LIQUIDATE, liquidator=liq, target=target, steps=steps))
        return steps

    # -- the batch -------------------------------------------------------------------------
    def _flush(self, i: int, pending: int) -> Flush:
        fl = Flush(self.accts[i].fields(), self.tree.path(i))
        self.accts[i].cash += pending
        self._write(i)
        return fl

    def finish(self, n: int | None = None):
        """(BatchInput, expected) with expected a dict: header fields, records, public_input."""
        n = len(self.slots) if n is None else n
        noop = default_slot(self.shape(1))
        slots = self.slots + [noop] * (n - len(self.slots))
        records = self.records + [encode_record(0)] * (n - len(self.records))
        root0, oi0, prio0 = self.start
        fee = self._flush(FEE_ACCOUNT, self.pend_fee)
        ins = self._flush(INSURANCE_ACCOUNT, self.pend_ins)
        self.pend_fee = self.pend_ins = 0
        batch = BatchInput(self.market, self.oracle, root0, oi0, prio0, slots, fee, ins)
        header = dict(old_root=state_root(root0, oi_hash(oi0)), new_root=state_root(self.tree.root, oi_hash(self.oi)),
                      oracle_hash=self.oracle.hash(), prio_old=prio0, prio_new=self.prio)
        fund = self.accts[INSURANCE_ACCOUNT]
        deficit = fund_deficit(fund.cash, fund.sizes, self.oracle.mark)
        expected = dict(header, records=records, fund_deficit=deficit,
                        open_interest=tuple(self.oi),
                        public_input=batch_public_input(records, deficit, tuple(self.oi), **header))
        self.begin()
        return batch, expected
