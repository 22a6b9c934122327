"""Constraint counts of the batch circuit's parts, measured by building each part alone
in a shape-only constraint system (the numbers in tests/constraint_counts.json and
docs/batch_circuit.md come from these builders).

    total(N) = N * slot + tables + 2 * flush + roots + solvency + header + data_hash(N) + 1
               - FIRST_SLOT_SAVING

(+ 1: the public-input equality; the first slot is cheaper: its pending totals start as
constants, see `FIRST_SLOT_SAVING`.) `data_hash(N)` is the SHA-256 over the 160-byte
header, N records and the trailer (the solvency outputs, `solvency`) (`public.data_hash_cost` of the message's bit pattern: the
constant bits, e.g. the high bits of narrow fields, cost less).

`slot_part_costs(shape)` splits the slot into its sub-gadgets (`slot.SLOT_PARTS`), as
they cost inside the slot; they add up to `slot_cost(shape)`.
"""
from __future__ import annotations

from functools import lru_cache

from ..cs import ConstraintSystem
from ..spec.accounts import FEE_ACCOUNT
from .circuit import _flush, state_root_gadget
from .public import bit_pattern, data_hash_cost, header_bits
from .account_leaf import AccountVars
from .shape import BatchShape
from .slot import SLOT_PARTS, Running, slot_gadget
from .solvency import solvency
from .tables import TablesVars, tables_gadget
from .witness import Flush


def _table_witnesses(cs: ConstraintSystem, shape: BatchShape) -> TablesVars:
    """The tables as free witnesses (no hashing): what a slot reads."""
    K, S = shape.K, shape.S
    w = cs.witness
    vec = lambda n: [w(f"{n}{k}") for k in range(K)]  # noqa: E731
    scen = [[w(f"scen{k}_{s}") for s in range(S)] for k in range(K)]
    return TablesVars(w("mh"), w("oh"), w("did"), vec("iid"), vec("kind"), vec("expiry"), w("bonus"), w("penalty"),
                      w("ts"), scen, [row[0] for row in scen], vec("settled"))


def build_slot(cs: ConstraintSystem, shape: BatchShape, costs: dict[str, int] | None = None) -> list:
    """One slot on free witnesses; returns its record bits."""
    tv = _table_witnesses(cs, shape)
    oi = [cs.witness(f"oi{k}") for k in range(shape.K)]
    run = Running(cs.witness("root"), oi, cs.witness("pf"), cs.witness("pi"), cs.witness("prio"),
                  [cs.witness(f"oi_short{k}") for k in range(shape.K)], cs.witness("flow"))
    return slot_gadget(cs, shape, tv, run, None, costs)[1]


def build_tables(cs: ConstraintSystem, shape: BatchShape) -> None:
    tables_gadget(cs, shape, None, None)


def build_flush(cs: ConstraintSystem, shape: BatchShape) -> None:
    _flush(cs, shape, FEE_ACCOUNT, Flush(), cs.witness("pending"), cs.witness("root"), "flush")


def build_roots(cs: ConstraintSystem, shape: BatchShape) -> None:
    """The old and the new state root: Poseidon(accounts_root, Poseidon(oi))."""
    for tag in ("start", "end"):
        with cs.namespace(tag):
            state_root_gadget(cs, cs.witness("accounts_root"), [cs.witness(f"oi{k}") for k in range(shape.K)])


def build_header(cs: ConstraintSystem, shape: BatchShape) -> list:
    return header_bits(cs, {n: cs.witness(n) for n in ("old_root", "new_root", "oracle_hash", "prio_old",
                                                       "prio_new")})


def build_solvency(cs: ConstraintSystem, shape: BatchShape) -> list:
    """The solvency outputs on free witnesses; returns the trailer bits."""
    W = cs.witness
    fund = AccountVars(W("pk_x"), W("pk_y"), W("nonce"), W("cash"), [W(f"size{k}") for k in range(shape.K)],
                       W("orders_root"), W("owner"))
    return solvency(cs, shape, _table_witnesses(cs, shape), fund, W("flow"),
                    [W(f"oi{k}") for k in range(shape.K)], [W(f"oi_short{k}") for k in range(shape.K)]).trailer


PARTS = {"slot": build_slot, "tables": build_tables, "flush": build_flush, "roots": build_roots,
         "solvency": build_solvency, "header": build_header}

FIRST_SLOT_SAVING = 4
"""Constraints the first slot saves: its pending totals (4 products) start as constants.
Checked against a full build in tests/test_batch_parts.py."""


@lru_cache(maxsize=None)
def part_cost(part: str, shape: BatchShape) -> int:
    cs = ConstraintSystem(solve=False)
    PARTS[part](cs, shape)
    return cs.num_constraints


@lru_cache(maxsize=None)
def message_pattern(shape: BatchShape) -> tuple:
    """The SHA-256 message's bit pattern (`public.bit_pattern`): header, N records, trailer."""
    head = bit_pattern(build_header(ConstraintSystem(solve=False), shape))
    rec = bit_pattern(build_slot(ConstraintSystem(solve=False), shape))
    tail = bit_pattern(build_solvency(ConstraintSystem(solve=False), shape))
    return head + rec * shape.n_slots + tail


def data_hash_part_cost(shape: BatchShape) -> int:
    """Constraints of the SHA-256 over the header, the N records and the trailer."""
    return data_hash_cost(message_pattern(shape))


def slot_cost(shape: BatchShape) -> int:
    """Constraints of one operation slot."""
    return part_cost("slot", shape)


@lru_cache(maxsize=None)
def _slot_parts(shape: BatchShape) -> tuple[tuple[str, int], ...]:
    costs: dict[str, int] = {}
    build_slot(ConstraintSystem(solve=False), shape, costs)
    if set(costs) != set(SLOT_PARTS):
        raise AssertionError(f"slot parts measured {sorted(costs)}, declared {SLOT_PARTS}")
    return tuple((p, costs[p]) for p in SLOT_PARTS)


def slot_part_costs(shape: BatchShape) -> dict[str, int]:
    """Constraints of each sub-gadget of one slot, in circuit order (they sum to `slot_cost`)."""
    return dict(_slot_parts(shape))


def batch_cost(shape: BatchShape) -> dict[str, int]:
    """Every part's count and the total (the public-input equality adds 1)."""
    parts = {p: part_cost(p, shape) for p in PARTS}
    parts["data_hash"] = data_hash_part_cost(shape)
    parts["total"] = (shape.n_slots * parts["slot"] + parts["tables"] + 2 * parts["flush"]
                      + parts["roots"] + parts["solvency"] + parts["header"] + parts["data_hash"] + 1
                      - FIRST_SLOT_SAVING)
    return parts
