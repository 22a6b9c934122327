"""Typed rollup operations (docs/state.md, "Operations"): each `apply(state)` changes the state and returns
an `OpWitness` for the batch circuit (with the operation's posted record), or raises a
`zkrollup.errors.RollupError` and changes nothing. Message encodings: `zkrollup.ops.messages`.

`op_from_obj` reads an operation object (`op.to_obj()`); anything malformed raises
ValueError (`BadRequest` or `OutOfRange`) naming the problem. `op_from_record` rebuilds
the operation a posted record shows (`zkrollup.l1data`)."""
from __future__ import annotations

from circuits.spec import ops as codes
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.records import Record

from .base import Operation
from .cancel import Cancel
from .forced_close import ForcedClose
from .liquidate import Backstop, Liquidate
from .messages import BUY, PROVEN, SELL, BadRequest, Order, SignedOrder
from .settle import Settle
from .trade import Trade
from .transfers import Deposit, ForcedWithdraw, Noop, Withdraw
from .witness import AccountUpdate, OpWitness, OrderUpdate

__all__ = ["Operation", "Deposit", "Withdraw", "ForcedWithdraw", "ForcedClose", "Trade", "Liquidate", "Backstop", "Settle", "Cancel",
           "Noop", "Order", "SignedOrder", "BUY", "SELL", "PROVEN", "BadRequest", "OpWitness",
           "AccountUpdate", "OrderUpdate", "op_from_obj", "op_from_record", "OP_CLASSES"]

OP_CLASSES = {"deposit": Deposit, "withdraw": Withdraw, "forced_withdraw": ForcedWithdraw,
              "forced_close": ForcedClose, "trade": Trade,
              "liquidate": Liquidate, "backstop": Backstop, "settle": Settle, "cancel": Cancel}


def op_from_obj(obj) -> Operation:
    """Inverse of `op.to_obj()` (JSON-friendly dicts, big ints kept exact)."""
    if not isinstance(obj, dict):
        raise BadRequest(f"an operation is an object (a map), got {type(obj).__name__}")
    t = obj.get("type")
    if t == "noop":
        return Noop()
    cls = OP_CLASSES.get(t) if isinstance(t, str) else None
    if cls is None:
        raise BadRequest(f"unknown operation type {t!r}")
    return cls.from_obj(obj)


def op_from_record(state, rec: Record, entry=None) -> Operation:
    """The operation a posted record shows, on `state` as the batches before left it.
    `entry`: the L1 queue entry (a Deposit, ForcedWithdraw or ForcedClose) a deposit,
    forced-withdrawal or forced-close record consumes. Signatures are `PROVEN` (the accepted proof verified them)."""
    f = rec.fields
    if rec.op == codes.OP_NOOP:
        return Noop()
    if rec.op in (codes.OP_DEPOSIT, codes.OP_FORCED):
        want = Deposit if rec.op == codes.OP_DEPOSIT else ForcedWithdraw
        if not isinstance(entry, want) or (entry.account, entry.amount) != (f["account"], f["amount"]):
            raise ValueError(f"a {rec.name} record does not match the L1 queue entry it consumes")
        return entry
    if rec.op == codes.OP_FORCED_CLOSE:
        if not isinstance(entry, ForcedClose) or entry.account != f["account"]:
            raise ValueError("a forced_close record does not match the L1 queue entry it consumes")
        return entry
    if rec.op == codes.OP_WITHDRAW:
        return Withdraw.proven(state, f["account"], f["amount"], f["l1_address"])
    if rec.op == codes.OP_TRADE:
        return Trade.proven(state, f)
    if rec.op == codes.OP_LIQUIDATE:
        if f["liquidator"] == INSURANCE_ACCOUNT:
            return Backstop.proven(state, f["target"], f["steps"])
        return Liquidate.proven(state, f["liquidator"], f["target"], f["steps"])
    if rec.op == codes.OP_SETTLE:
        return Settle(f["account"], f["slot"])
    if rec.op == codes.OP_CANCEL:
        return Cancel.proven(state, f["account"], f["order_id"])
    raise ValueError(f"unknown record operation {rec.op}")
