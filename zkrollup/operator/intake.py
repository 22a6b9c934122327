"""What users may send the operator, as objects and files.

A request is a `SignedOrder` or a `Withdraw`, `Liquidate`, `Settle` or `Cancel` (signed), or a
`Backstop` (unsigned: the insurance fund takes over an account failing maintenance). Deposits, forced
withdrawals and forced closes come from the L1 contract only, never from users. On the wire and in the inbox
a request is an object: `{"type": "order", "order": [...], "signature": [...]}` or an
operation's `to_obj()`; files hold one such object or a list, as JSON (`.json`) or msgpack,
at most `MAX_REQUEST_FILE_BYTES`. A malformed request (missing or unknown type, missing
field, wrong type or range) raises ValueError naming what is wrong, never KeyError,
TypeError or IndexError, so a file's requests are refused one by one.
"""
from __future__ import annotations

import json
from pathlib import Path

from verifier.snarkjs_json import check_json_nesting

from .. import batchfile
from ..files import FileInputError, read_limited
from ..ops import Backstop, Cancel, Deposit, ForcedWithdraw, Liquidate, Settle, SignedOrder, Withdraw, op_from_obj

USER_OPS = ("withdraw", "liquidate", "backstop", "settle", "cancel")
MAX_REQUEST_FILE_BYTES = 16 << 20


def request_obj(request) -> dict:
    """The inbox object of a request (ValueError for what users may not send)."""
    if isinstance(request, SignedOrder):
        return {"type": "order", **request.to_obj()}
    if isinstance(request, (Withdraw, Liquidate, Backstop, Settle, Cancel)):
        return request.to_obj()
    if isinstance(request, (Deposit, ForcedWithdraw)):
        raise ValueError(f"{request.kind} requests come from the L1 contract, not from users")
    raise ValueError(f"not a request: {request!r}")


def request_from_obj(obj):
    """The request an inbox object holds (ValueError for a malformed or forbidden one)."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise ValueError("a request is an object with a 'type'")
    t = obj["type"]
    if not isinstance(t, str):
        raise ValueError(f"a request's type is a string, got {type(t).__name__}")
    if t == "order":
        return SignedOrder.from_obj(obj)
    if t in ("deposit", "forced_withdraw", "forced_close"):
        raise ValueError(f"{t} requests come from the L1 contract, not from users")
    if t not in USER_OPS:
        raise ValueError(f"unknown request type {t!r}")
    return op_from_obj(obj)


def read_request_file(path) -> list:
    """The request objects of a .json or .msgpack file (one object or a list); ValueError
    (one line naming the file) for a file that cannot be read or parsed."""
    p = Path(path)
    raw = read_limited(p, MAX_REQUEST_FILE_BYTES, "request file")
    try:
        if p.suffix == ".json":
            text = raw.decode("utf-8")
            check_json_nesting(text)      # py_ecc raises the recursion limit: deep JSON would crash
            data = json.loads(text)
        else:
            data = batchfile.unpack(raw)
    except (ValueError, RecursionError) as e:
        kind = "JSON" if p.suffix == ".json" else "msgpack"
        raise FileInputError(f"{p}: not a {kind} request file ({type(e).__name__})") from None
    return data if isinstance(data, list) else [data]
