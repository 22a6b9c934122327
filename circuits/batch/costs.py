"""Constraint counts of the batch circuit's parts, measured by building each part alone
in a shape-only constraint system (the numbers in tests/constraint_counts.json and
docs/batch_circuit.md come from these builders).

    total(N) = N * slot + tables + 2 * flush + roots + commitment + 1 - FIRST_SLOT_SAVING

(+ 1: the public-commitment equality; the first slot is cheaper: its pending totals and
effects chain start as constants, see `FIRST_SLOT_SAVING`.) The effects are hashed per
slot (a rolling chain, `public.py`), so there is no per-batch effects part.

`slot_part_costs(shape)` splits the slot into its sub-gadgets (`slot.SLOT_PARTS`), as
they cost inside the slot; they add up to `slot_cost(shape)`.
"""
from __future__ import annotations

from functools import lru_cache

from ..cs import ConstraintSystem
from ..spec.accounts import FEE_ACCOUNT
from .circuit import _flush, state_root_gadget
from .public import COMMITMENT_FIELDS, batch_commitment_gadget
from .shape import BatchShape
from .slot import SLOT_PARTS, Running, slot_gadget
from .tables import TablesVars, tables_gadget
from .witness import Flush


def _table_witnesses(cs: ConstraintSystem, shape: BatchShape) -> TablesVars:
    """The tables as free witnesses (no hashing): what a slot reads."""
    K, S = shape.K, shape.S
    w = cs.witness
    vec = lambda n: [w(f"{n}{k}") for k in range(K)]  # noqa: E731
    grid = lambda n: [[w(f"{n}{k}_{s}") for s in range(S)] for k in range(K)]  # noqa: E731
    return TablesVars(w("mh"), w("oh"), vec("kind"), vec("expiry"), w("bonus"), w("penalty"),
                      w("ts"), vec("mark"), grid("init"), grid("maint"), vec("settled"), vec("value"))


def build_slot(cs: ConstraintSystem, shape: BatchShape, costs: dict[str, int] | None = None) -> None:
    tv = _table_witnesses(cs, shape)
    run = Running(cs.witness("root"), [cs.witness(f"oi{k}") for k in range(shape.K)],
                  cs.witness("pf"), cs.witness("pi"), cs.witness("h"), cs.witness("fh"),
                  cs.witness("eh"))
    slot_gadget(cs, shape, tv, run, None, costs)


def build_tables(cs: ConstraintSystem, shape: BatchShape) -> None:
    tables_gadget(cs, shape, None, None)


def build_flush(cs: ConstraintSystem, shape: BatchShape) -> None:
    _flush(cs, shape, FEE_ACCOUNT, Flush(), cs.witness("pending"), cs.witness("root"), "flush")


def build_roots(cs: ConstraintSystem, shape: BatchShape) -> None:
    """The old and the new state root: Poseidon(accounts_root, Poseidon(oi))."""
    for tag in ("start", "end"):
        with cs.namespace(tag):
            state_root_gadget(cs, cs.witness("accounts_root"), [cs.witness(f"oi{k}") for k in range(shape.K)])


def build_commitment(cs: ConstraintSystem, shape: BatchShape) -> None:
    batch_commitment_gadget(cs, **{n: cs.witness(n) for n in COMMITMENT_FIELDS})


PARTS = {"slot": build_slot, "tables": build_tables, "flush": build_flush, "roots": build_roots,
         "commitment": build_commitment}

FIRST_SLOT_SAVING = 7
"""Constraints the first slot saves: its pending totals (4 products) and effects chain (3)
start as constants. Checked against a full build in tests/test_batch_parts.py."""


@lru_cache(maxsize=None)
def part_cost(part: str, shape: BatchShape) -> int:
    cs = ConstraintSystem(solve=False)
    PARTS[part](cs, shape)
    return cs.num_constraints


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
    """Every part's count and the total (the public-commitment equality adds 1)."""
    parts = {p: part_cost(p, shape) for p in PARTS}
    parts["total"] = (shape.n_slots * parts["slot"] + parts["tables"] + 2 * parts["flush"]
                      + parts["roots"] + parts["commitment"] + 1 - FIRST_SLOT_SAVING)
    return parts
