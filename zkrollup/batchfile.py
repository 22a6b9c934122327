"""Batch files: a batch on disk (msgpack), for `zkrollup prove BATCH_FILE` and `verify`.

Layout (a msgpack map, format tag and version first):

    {"format": "zkrollup.batch", "version": 5,
     "shape": BatchShape fields,                 (n_slots, depths, K, S, widths)
     "input": BatchInput as nested maps/lists,   (circuits.batch.witness: the prover's data)
     "calldata": bytes,                          (verifier.calldata: batch number, new root,
                                                  oracle table id, the records, the
                                                  insurance fund's deficit)
     "prio_new": int}                            (the priority chain after the batch)

The file holds every value once: the public input's header (`circuits.spec.public_input`)
takes old_root, prio_old and oracle_hash from the circuit input (the state the batch
starts from, its oracle table), new_root from the calldata and prio_new from the file;
the records and the trailer (the solvency outputs: the fund's deficit and the open
interests, the cash flow from the records) are the calldata's
(`BatchFile.public_input`). So any edit of the records
(amounts, L1 addresses, accounts), of the roots, the chain values or the tables changes
the public input, and the proof no longer verifies.

Integers outside msgpack's 64-bit range (field elements, hashes, keys) are stored as
ExtType 1 holding a sign byte and the big-endian magnitude. Decoding is strict: a wrong
tag or version, a missing or unknown field, a value of the wrong type or size, a list
of the wrong length for the shape raises ValueError naming it. `read` refuses anything
but a regular file of at most `MAX_FILE_BYTES`.
"""
from __future__ import annotations

from dataclasses import fields as dc_fields, is_dataclass

import msgpack

from circuits.batch import witness as bw
from circuits.batch.shape import BatchShape
from circuits.field import R
from circuits.spec.public_input import batch_data, header_bytes, public_input
from circuits.spec.state import oi_hash, state_root
from circuits.spec.tables import MarketTable, OracleTable

from .batch_builder import SealedBatch
from .files import read_limited

FORMAT = "zkrollup.batch"
VERSION = 6
"""3: Merkle paths of the 4-ary trees (`circuits.spec.tree`: 3 siblings per level); 4: a
liquidation slot's steps (`SlotInput.liq_steps`, partial liquidation); 5: the calldata's
fund deficit (the public input's trailer, `circuits.spec.solvency`); 6: the calldata's open
interests (the trailer's solvency outputs)."""
MAX_FILE_BYTES = 64 << 20
"""A batch file of N = 64 at depth 32 is about 1 MB; anything far larger is not one."""
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

_SIGNED = ("cash", "sizes")
"""The only fields that hold signed values (an account's cash and position sizes)."""


def _int(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ValueError(f"batch file: {what} must be an integer, got {type(v).__name__}")
    signed = what.rsplit(".", 1)[-1] in _SIGNED
    if not (-R < v < R if signed else 0 <= v < R):
        raise ValueError(f"batch file: {what} is not a{' (signed)' if signed else ''} field element")
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
    """cls(**d) for a dataclass whose fields are ints, flat int tuples or tuples of int
    tuples (by the field's annotation), with nested decoders by field name; ValueError
    for a missing, unknown or mistyped field."""
    d = _map(d, what)
    unknown = set(d) - {f.name for f in dc_fields(cls)}
    if unknown:
        raise ValueError(f"batch file: {what} has unknown fields {sorted(map(str, unknown))}")
    kw = {}
    for f in dc_fields(cls):
        if f.name not in d:
            raise ValueError(f"batch file: {what} lacks {f.name}")
        v, name = d[f.name], f"{what}.{f.name}"
        if f.name in nested:
            kw[f.name] = nested[f.name](v, name)
        elif f.type.startswith("tuple[tuple["):
            if not isinstance(v, list):
                raise ValueError(f"batch file: {name} must be a list of lists")
            kw[f.name] = tuple(_ints(x, name) for x in v)
        elif f.type.startswith("tuple["):
            kw[f.name] = _ints(v, name)
        elif f.type == "int":
            kw[f.name] = _int(v, name)
        else:
            raise AssertionError(f"no decoder for {cls.__name__}.{f.name}: {f.type}")
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


def _lengths(shape: BatchShape, inp: bw.BatchInput) -> None:
    """ValueError unless every list of the input has the shape's length."""
    k, d, o = shape.K, shape.acc_path, shape.ord_path

    def want(v, n: int, what: str) -> None:
        if len(v) != n:
            raise ValueError(f"batch file: {what} has {len(v)} entries, the shape needs {n}")

    want(inp.slots, shape.n_slots, "input.slots")
    want(inp.oi, k, "input.oi")
    if inp.market.K != k or inp.oracle.K != k or inp.oracle.S != shape.S:
        raise ValueError(f"batch file: the tables are not K = {k}, S = {shape.S}")
    ports = [(f"slot {i} port {n}", p) for i, sl in enumerate(inp.slots) for n, p in (("a", sl.a), ("b", sl.b))]
    for what, p in ports:
        if p.before is None:
            raise ValueError(f"batch file: {what} lacks its account fields")
        want(p.before.sizes, k, f"{what} sizes")
        want(p.siblings, d, f"{what} siblings")
        want(p.fill.siblings, o, f"{what} order-fill siblings")
    for i, sl in enumerate(inp.slots):
        want(sl.pk, 2, f"slot {i} pk")
    for what, fl in (("fee flush", inp.fee_flush), ("insurance flush", inp.insurance_flush)):
        if fl.before is None:
            raise ValueError(f"batch file: {what} lacks its account fields")
        want(fl.before.sizes, k, f"{what} sizes")
        want(fl.siblings, d, f"{what} siblings")


def _canonical(shape: BatchShape, inp: bw.BatchInput) -> None:
    """ValueError unless every slot sets only the fields its operation uses, as the
    operator's builder writes them (`batch_builder.SLOT_FIELDS`): the circuit ignores the
    others, so a file that sets them is not one the operator wrote."""
    from circuits.batch.slot import default_slot
    from circuits.spec.ops import op_name
    from .batch_builder import FILL_PORTS, SLOT_FIELDS
    default = default_slot(shape)
    for i, sl in enumerate(inp.slots):
        try:
            name = op_name(sl.op)
        except ValueError as e:
            raise ValueError(f"batch file: slot {i}: {e}") from None
        for f in dc_fields(bw.SlotInput):
            if f.name != "op" and f.name not in SLOT_FIELDS[name] and getattr(sl, f.name) != getattr(default, f.name):
                raise ValueError(f"batch file: slot {i} ({name}) sets {f.name}, which a {name} does not use")
        for port in ("a", "b"):
            if port not in FILL_PORTS.get(name, ()) and getattr(sl, port).fill != getattr(default, port).fill:
                raise ValueError(f"batch file: slot {i} ({name}) sets the order-fill leaf of port {port}, "
                                 f"which a {name} does not read")


def _table(cls, d, what):
    try:
        return _simple(cls, d, what).check()
    except (TypeError, ValueError) as e:
        raise ValueError(f"batch file: {what}: {e}") from None


def decode_input(d, shape: BatchShape) -> bw.BatchInput:
    d = _map(d, "input")
    slots = d.get("slots")
    if not isinstance(slots, list) or len(slots) != shape.n_slots:
        raise ValueError(f"batch file: input.slots must be a list of {shape.n_slots} slots")
    inp = _simple(bw.BatchInput, d, "input",
                  market=lambda x, w: _table(MarketTable, x, w),
                  oracle=lambda x, w: _table(OracleTable, x, w),
                  slots=lambda x, w: [_slot(s, f"{w}[{i}]") for i, s in enumerate(x)],
                  fee_flush=_flush, insurance_flush=_flush)
    _lengths(shape, inp)
    _canonical(shape, inp)
    return inp


def decode_shape(d) -> BatchShape:
    d = _map(d, "shape")
    names = {f.name for f in dc_fields(BatchShape)}
    if set(d) != names or not all(isinstance(v, int) and not isinstance(v, bool) for v in d.values()):
        raise ValueError("batch file: the shape must hold exactly BatchShape's integer fields")
    try:
        shape = BatchShape(**d)
    except (TypeError, ValueError) as e:
        raise ValueError(f"batch file: bad shape ({e})") from None
    from .units import batch_shape
    if shape != batch_shape(shape.n_slots, shape.acc_depth, shape.ord_depth, shape.K, shape.S):
        raise ValueError("batch file: the shape's widths are not the rollup's")
    return shape


# --- the file -------------------------------------------------------------------------------

class BatchFile:
    """A batch file's content (see the module docstring)."""

    def __init__(self, shape: BatchShape, circuit_input: bw.BatchInput, calldata, prio_new: int):
        self.shape = shape
        self.circuit_input = circuit_input
        self.calldata = calldata
        self.prio_new = prio_new

    @classmethod
    def of(cls, shape: BatchShape, sealed: SealedBatch, calldata) -> "BatchFile":
        return cls(shape, sealed.circuit_input, calldata, sealed.fields.prio_new)

    @property
    def batch_number(self) -> int:
        return self.calldata.batch_number

    def header(self) -> dict:
        """The public input's header fields, from the file's values (module docstring)."""
        inp = self.circuit_input
        return dict(old_root=state_root(inp.accounts_root, oi_hash(inp.oi)), new_root=self.calldata.new_root,
                    oracle_hash=inp.oracle.hash(), prio_old=inp.prio, prio_new=self.prio_new)

    def public_input(self) -> int:
        """SHA-256 of the header, the records and the trailer, as L1 computes it
        (`circuits.spec.public_input`)."""
        cd = self.calldata
        return public_input(batch_data(header_bytes(**self.header()), cd.records, cd.trailer()))

    def to_bytes(self) -> bytes:
        return pack({"format": FORMAT, "version": VERSION, "shape": self.shape.as_dict(),
                     "input": self.circuit_input, "calldata": self.calldata.to_bytes(), "prio_new": self.prio_new})

    @classmethod
    def from_bytes(cls, data: bytes) -> "BatchFile":
        from verifier.calldata import BatchCalldata
        d = unpack(data)
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ValueError("not a zkrollup batch file")
        if d.get("version") != VERSION:
            raise ValueError(f"batch file format version {d.get('version')!r}, this build reads {VERSION}")
        if set(d) != {"format", "version", "shape", "input", "calldata", "prio_new"}:
            raise ValueError("batch file: the top-level map must hold format, version, shape, input, calldata, "
                             "prio_new and nothing else")
        shape = decode_shape(d["shape"])
        inp = decode_input(d["input"], shape)
        cd = BatchCalldata.from_bytes(d["calldata"])
        if cd.batch_size != shape.n_slots:
            raise ValueError(f"batch file: {cd.batch_size} records, the shape has {shape.n_slots} slots")
        prio_new = _int(d["prio_new"], "prio_new")
        if prio_new < 0:
            raise ValueError("batch file: prio_new must be a field element")
        return cls(shape, inp, cd, prio_new)

    def write(self, path) -> None:
        import os
        tmp = f"{path}.tmp"
        with open(tmp, "wb") as f:
            f.write(self.to_bytes())
        os.replace(tmp, path)

    @classmethod
    def read(cls, path) -> "BatchFile":
        """The batch file at `path`; ValueError naming the file for anything malformed."""
        data = read_limited(path, MAX_FILE_BYTES, "batch file")
        try:
            return cls.from_bytes(data)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
