"""Typed rollup operations (docs/state.md, "Operations"): each `apply(state)` changes the state and returns
an `OpWitness` for the batch circuit, or raises a `zkrollup.errors.RollupError` and changes
nothing. Message encodings: `zkrollup.ops.messages`."""
from __future__ import annotations

from .base import Operation
from .liquidate import Liquidate
from .messages import BUY, SELL, Order, SignedOrder
from .settle import Settle
from .trade import Trade
from .transfers import Deposit, ForcedWithdraw, Noop, Withdraw, request_from_obj
from .witness import AccountUpdate, OpWitness, OrderUpdate

__all__ = ["Operation", "Deposit", "Withdraw", "ForcedWithdraw", "Trade", "Liquidate", "Settle", "Noop",
           "Order", "SignedOrder", "BUY", "SELL", "OpWitness", "AccountUpdate", "OrderUpdate",
           "op_from_obj"]


def op_from_obj(obj: dict) -> Operation:
    """Inverse of `op.to_obj()` (JSON-friendly dicts, big ints kept exact)."""
    t = obj.get("type")
    if t == "deposit":
        return Deposit(obj["account"], tuple(obj["pk"]), obj["amount"])
    if t in ("withdraw", "forced_withdraw"):
        return request_from_obj(obj)
    if t == "trade":
        return Trade.from_obj(obj)
    if t == "liquidate":
        return Liquidate.from_obj(obj)
    if t == "settle":
        return Settle(obj["account"], obj["slot"])
    if t == "noop":
        return Noop()
    raise ValueError(f"unknown operation type {t!r}")
