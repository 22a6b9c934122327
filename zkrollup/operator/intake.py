"""What users may send the operator, as objects and files.

A request is a `SignedOrder` or a `Withdraw`, `Liquidate` or `Settle`. Deposits and forced
withdrawals come from the L1 contract only, never from users. On the wire and in the inbox
a request is an object: `{"type": "order", "order": [...], "signature": [...]}` or an
operation's `to_obj()`; files hold one such object or a list, as JSON (`.json`) or msgpack.
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import batchfile
from ..ops import Deposit, ForcedWithdraw, Liquidate, Settle, SignedOrder, Withdraw, op_from_obj

USER_OPS = ("withdraw", "liquidate", "settle")


def request_obj(request) -> dict:
    """The inbox object of a request (ValueError for what users may not send)."""
    if isinstance(request, SignedOrder):
        return {"type": "order", **request.to_obj()}
    if isinstance(request, (Withdraw, Liquidate, Settle)):
        return request.to_obj()
    if isinstance(request, (Deposit, ForcedWithdraw)):
        raise ValueError(f"{request.kind} requests come from the L1 contract, not from users")
    raise ValueError(f"not a request: {request!r}")


def request_from_obj(obj):
    """The request an inbox object holds (ValueError for a malformed or forbidden one)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise ValueError("a request is an object with a 'type'")
    if obj["type"] == "order":
        return SignedOrder.from_obj(obj)
    if obj["type"] in ("deposit", "forced_withdraw"):
        raise ValueError(f"{obj['type']} requests come from the L1 contract, not from users")
    if obj["type"] not in USER_OPS:
        raise ValueError(f"unknown request type {obj['type']!r}")
    return op_from_obj(obj)


def read_request_file(path) -> list:
    """The request objects of a .json or .msgpack file (one object or a list)."""
    p = Path(path)
    raw = p.read_bytes()
    data = json.loads(raw) if p.suffix == ".json" else batchfile.unpack(raw)
    return data if isinstance(data, list) else [data]
