"""A slot's record in the circuit: the bytes of `circuits.spec.records`, built from the
bits of the very variables the slot uses.

`RECORD_VARS` names, for every field of every operation's layout, the slot variable it
carries (`a_account`: port A's account number; `b_account`: port B's; `oid_a`: order
A's id, which is also a cancel's order id; ...). A variable sits at one offset in every
operation that records it (checked when the module loads), and the slot enforces it is 0
in every other operation (`<key>_unused`: (1 - sum of those operations' selectors) *
value = 0), except for the variables that are 0 there by construction (`gated`: the
withdrawal's destination wd * l1_address, the refunded flag, the amount paid, a
liquidation's steps). So in
each operation exactly its own fields are nonzero, variables that share a byte position
belong to disjoint sets of operations (checked when the module loads), and the record
bit at a position is the plain sum of the variables' bits there (no multiplexer). Byte
0 is the operation code, whose bits are sums of the one-hot selectors.

Every bit comes from a decomposition that also range-checks its variable (or is a
selector or a product of bits), so the bits are boolean and the record is the
big-endian byte image of exactly the values the slot's rules use.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..cs import LC, ConstraintSystem, lc_sum
from ..spec.ops import N_OPS, OP_CODE_BITS, OP_CANCEL, OP_DEPOSIT, OP_FORCED, OP_FORCED_CLOSE, OP_LIQUIDATE, \
    OP_SETTLE, OP_TRADE, OP_WITHDRAW
from ..spec.records import LAYOUT, OP_OFFSET, RECORD_BYTES

RECORD_BITS = 8 * RECORD_BYTES

RECORD_VARS: dict[tuple[int, str], str] = {
    **{(op, "account"): "a_account" for op in (OP_DEPOSIT, OP_WITHDRAW, OP_FORCED, OP_SETTLE, OP_CANCEL)},
    (OP_TRADE, "maker"): "a_account", (OP_LIQUIDATE, "liquidator"): "a_account",
    (OP_FORCED_CLOSE, "backstop"): "a_account",
    (OP_TRADE, "taker"): "b_account", (OP_LIQUIDATE, "target"): "b_account", (OP_SETTLE, "clearing"): "b_account",
    (OP_FORCED_CLOSE, "account"): "b_account",
    **{(op, "amount"): "amount" for op in (OP_DEPOSIT, OP_WITHDRAW, OP_FORCED)},
    (OP_DEPOSIT, "refunded"): "refunded", (OP_WITHDRAW, "l1_address"): "l1_paid", (OP_FORCED, "paid"): "paid",
    (OP_LIQUIDATE, "steps"): "liq_steps", (OP_FORCED_CLOSE, "steps"): "liq_steps",
    (OP_TRADE, "slot"): "slot", (OP_SETTLE, "slot"): "slot", (OP_TRADE, "maker_side"): "side_a",
    (OP_TRADE, "fill"): "fill", (OP_TRADE, "price"): "price", (OP_TRADE, "maker_fee_rate"): "rate_a",
    (OP_TRADE, "taker_fee_rate"): "rate_b", (OP_TRADE, "maker_order_id"): "oid_a",
    (OP_CANCEL, "order_id"): "oid_a", (OP_TRADE, "taker_order_id"): "oid_b",
}
"""The slot variable each record field carries."""


@dataclass(frozen=True)
class Placement:
    offset: int
    size: int
    bits: int
    ops: frozenset


@lru_cache(maxsize=None)
def placements() -> dict[str, Placement]:
    """Where each variable sits and in which operations (checks the rules of the module
    docstring against `circuits.spec.records.LAYOUT`; AssertionError if they break)."""
    out: dict[str, Placement] = {}
    for op, fields in LAYOUT.items():
        for f in fields:
            key = RECORD_VARS.get((op, f.name))
            assert key is not None, f"record field {f.name} of op {op} carries no slot variable"
            p = out.get(key)
            if p is None:
                out[key] = Placement(f.offset, f.size, f.bits, frozenset([op]))
            else:
                assert (p.offset, p.size, p.bits) == (f.offset, f.size, f.bits), f"{key} at two places"
                out[key] = Placement(p.offset, p.size, p.bits, p.ops | {op})
    assert set(RECORD_VARS.values()) == set(out)
    keys = sorted(out)
    for i, k in enumerate(keys):
        for m in keys[i + 1:]:
            p, q = out[k], out[m]
            if p.offset < q.offset + q.size and q.offset < p.offset + p.size:
                assert not p.ops & q.ops, f"{k} and {m} share bytes in one operation"
    return out


placements()


@dataclass
class RecordVar:
    """A slot variable and its little-endian bits (boolean, summing to it); `gated`: 0
    outside the operations that record it by construction."""

    value: LC
    bits: list[LC]
    gated: bool = False


def record_bits(cs: ConstraintSystem, sel: list[LC], variables: dict[str, RecordVar], name: str = "record") -> list[LC]:
    """The slot's record as RECORD_BITS message bits (bytes in order, most significant
    bit first), the same bytes as `circuits.spec.records.encode_record` of its operation.

    ``sel``: the N_OPS one-hot selector bits. Enforces '<name>.<key>_unused' for every
    variable that is not `gated` (module docstring).

    Cost: one constraint per variable that is not gated (10).
    """
    pl = placements()
    if set(variables) != set(pl):
        raise ValueError(f"record variables {sorted(variables)} != {sorted(pl)}")
    out = [LC.constant(0)] * RECORD_BITS
    for j in range(OP_CODE_BITS):
        out[8 * OP_OFFSET + 7 - j] = lc_sum(sel[o] for o in range(N_OPS) if (o >> j) & 1)
    with cs.namespace(name):
        for key in sorted(pl):
            p, v = pl[key], variables[key]
            if len(v.bits) > p.bits:
                raise ValueError(f"record variable {key} has {len(v.bits)} bits, its field {p.bits}")
            if not v.gated:
                cs.enforce(1 - lc_sum(sel[o] for o in sorted(p.ops)), v.value, 0, name=f"{key}_unused")
            end = 8 * (p.offset + p.size) - 1
            for j, b in enumerate(v.bits):
                out[end - j] = out[end - j] + b
    return out


def record_value(cs: ConstraintSystem, bits: list[LC]) -> bytes:
    """The record's bytes from its solved bits."""
    vals = [cs.value(b) for b in bits]
    return bytes(sum(vals[i + k] << (7 - k) for k in range(8)) for i in range(0, len(vals), 8))
