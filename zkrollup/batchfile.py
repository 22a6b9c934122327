"""Batch files: a batch circuit input on disk (msgpack), for `zkrollup prove BATCH_FILE`.

Layout (a msgpack map, format tag and version first):

    {"format": "zkrollup.batch", "version": 1,
     "shape": BatchShape fields,                 (n_slots, depths, K, S, widths)
     "input": BatchInput as nested maps/lists,   (circuits.batch.witness)
     "commitment": the eight commitment fields,  (natively computed; the public input)
     "calldata": BatchCalldata.to_dict() or nil, (what the operator submits to L1)
     "ops": [op.to_obj(), ...]}                  (the operations, for people reading it)

Integers outside msgpack's 64-bit range (field elements, hashes, keys) are stored as
ExtType 1 holding a sign byte and the big-endian magnitude. Decoding is strict: a wrong
tag or version, a missing field or a value of the wrong type raises ValueError.
"""
from __future__ import annotations

from dataclasses import fields as dc_fields, is_dataclass
from typing import Optional

import msgpack

from circuits.batch import witness as bw
from circuits.batch.shape import BatchShape
from circuits.spec.tables import MarketTable, OracleTable

from .batch_builder import CommitmentFields, SealedBatch

FORMAT = "zkrollup.batch"
VERSION = 1
_BIGINT = 1


def _default(obj):
    if isinstance(obj, int):
        sign = b"\x01" if obj < 0 else b"\x00"
        mag = abs(obj)
        return msgpack.ExtType(_BIGINT, sign + mag.to_bytes(max(1, (mag.bit_length() + 7) // 8), "big"))
    raise TypeError(f"cannot store {type(obj).__name__} in a batch file")


def _ext_hook(code, data):
    if code == _BIGINT and len(data) >= 2 and data[0] in (0, 1):
        v = int.from_bytes(data[1:], "big")
        return -v if data[0] else v
    raise ValueError(f"unknown msgpack extension {code} in a batch file")


def _plain(x):
    """Dataclasses -> dicts, tuples -> lists (ints untouched: big ones become ExtType)."""
    if is_dataclass(x):
        return {f.name: _plain(getattr(x, f.name)) for f in dc_fields(x)}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def pack(obj) -> bytes:
    return msgpack.packb(_plain(obj), default=_default, use_bin_type=True, strict_types=True)


def unpack(data: bytes):
    try:
        return msgpack.unpackb(data, raw=False, ext_hook=_ext_hook, strict_map_key=False)
    except ValueError:
        raise
    except Exception as e:  # msgpack raises several unrelated types on corrupt input
        raise ValueError(f"not a msgpack file ({type(e).__name__})") from None


# --- typed decoding ------------------------------------------------------------------------

def _int(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ValueError(f"batch file: {what} must be an integer, got {type(v).__name__}")
    return v


def _ints(v, what: str) -> tuple[int, ...]:
    if not isinstance(v, list):
        raise ValueError(f"batch file: {what} must be a list")
    return tuple(_int(x, what) for x in v)


def _map(d, what: str) -> dict:
    if not isinstance(d, dict):
        raise ValueError(f"batch file: {what} must be a map")
    return d


def _simple(cls, d, what: str, **nested):
    """cls(**d) for a dataclass of ints (and int tuples), with nested decoders by field."""
    d = _map(d, what)
    kw = {}
    for f in dc_fields(cls):
        if f.name not in d:
            raise ValueError(f"batch file: {what} lacks {f.name}")
        v = d[f.name]
        if f.name in nested:
            kw[f.name] = nested[f.name](v, f"{what}.{f.name}")
        elif isinstance(v, list):
            kw[f.name] = tuple(_ints(x, f"{what}.{f.name}") if isinstance(x, list) else _int(x, f"{what}.{f.name}")
                               for x in v)
        else:
            kw[f.name] = _int(v, f"{what}.{f.name}")
    return cls(**kw)


def _fields_or_none(v, what):
    return None if v is None else _simple(bw.AccountFields, v, what)


def _port(v, what):
    return _simple(bw.Port, v, what, before=_fields_or_none,
                   fill=lambda x, w: _simple(bw.OrderFill, x, w))


def _sig(v, what):
    return _simple(bw.Signature, v, what)


def _order(v, what):
    return _simple(bw.OrderParams, v, what, sig=_sig)


def _slot(v, what):
    return _simple(bw.SlotInput, v, what, a=_port, b=_port, sig=_sig, order_a=_order, order_b=_order)


def _flush(v, what):
    return _simple(bw.Flush, v, what, before=_fields_or_none)


def decode_input(d) -> bw.BatchInput:
    d = _map(d, "input")
    slots = d.get("slots")
    if not isinstance(slots, list):
        raise ValueError("batch file: input.slots must be a list")
    market = _simple(MarketTable, d.get("market"), "input.market")
    oracle = _map(d.get("oracle"), "input.oracle")
    if "market_hash" not in oracle:   # written before the oracle record carried it: it is the market's
        oracle = {**oracle, "market_hash": market.hash()}
    return _simple(bw.BatchInput, d, "input",
                   market=lambda x, w: market,
                   oracle=lambda x, w: _simple(OracleTable, oracle, w),
                   slots=lambda x, w: [_slot(s, f"{w}[{i}]") for i, s in enumerate(x)],
                   fee_flush=_flush, insurance_flush=_flush)


# --- the file -------------------------------------------------------------------------------

class BatchFile:
    """A batch file's content (see the module docstring)."""

    def __init__(self, shape: BatchShape, circuit_input: bw.BatchInput, fields: CommitmentFields,
                 calldata=None, ops: Optional[list] = None):
        self.shape = shape
        self.circuit_input = circuit_input
        self.fields = fields
        self.calldata = calldata
        self.ops = ops or []

    @classmethod
    def of(cls, shape: BatchShape, sealed: SealedBatch, calldata=None) -> "BatchFile":
        return cls(shape, sealed.circuit_input, sealed.fields, calldata, [op.to_obj() for op in sealed.ops])

    def to_bytes(self) -> bytes:
        return pack({"format": FORMAT, "version": VERSION, "shape": self.shape.as_dict(),
                     "input": self.circuit_input, "commitment": self.fields,
                     "calldata": None if self.calldata is None else self.calldata.to_dict(),
                     "ops": self.ops})

    @classmethod
    def from_bytes(cls, data: bytes) -> "BatchFile":
        from verifier.calldata import BatchCalldata
        d = unpack(data)
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ValueError("not a zkrollup batch file")
        if d.get("version") != VERSION:
            raise ValueError(f"batch file format version {d.get('version')!r}, this build reads {VERSION}")
        try:
            shape = BatchShape(**_map(d["shape"], "shape"))
        except TypeError as e:
            raise ValueError(f"batch file: bad shape ({e})") from None
        inp = decode_input(d["input"])
        if len(inp.slots) != shape.n_slots:
            raise ValueError(f"batch file: {len(inp.slots)} slots, the shape says {shape.n_slots}")
        fields = _simple(CommitmentFields, d["commitment"], "commitment")
        cd = d.get("calldata")
        calldata = None if cd is None else BatchCalldata.from_dict(cd)
        ops = d.get("ops") or []
        return cls(shape, inp, fields, calldata, ops)

    def write(self, path) -> None:
        import os
        tmp = f"{path}.tmp"
        with open(tmp, "wb") as f:
            f.write(self.to_bytes())
        os.replace(tmp, path)

    @classmethod
    def read(cls, path) -> "BatchFile":
        with open(path, "rb") as f:
            return cls.from_bytes(f.read())
