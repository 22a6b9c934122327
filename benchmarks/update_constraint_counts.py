"""Rewrite tests/constraint_counts.json: the constraint count of every registered gadget.

The table is the only place costs are written down as numbers; tests/test_constraint_counts.py
recomputes every entry from `REGISTRY` and fails when a count drifts, so a change of cost
is always a deliberate, reviewed edit made by running this script:

    python benchmarks/update_constraint_counts.py           # rewrite the table
    python benchmarks/update_constraint_counts.py --check   # report drift, exit 1 if any

`REGISTRY` maps names to zero-argument functions returning a count. To register a
gadget, put ``@entry("name")`` over a builder ``def _(cs): ...`` that builds the gadget
once in the fresh shape-only ConstraintSystem it receives (solve=False: allocate inputs
with ``cs.witness("x")``, no values); its count is ``cs.num_constraints`` afterwards.
(Equivalently: ``REGISTRY.append(("name", lambda: count(build)))``.) Names are
"<module>.<gadget>[_<size>]". Keep builders cheap (a second or two at most).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from circuits.cs import ConstraintSystem

TABLE = Path(__file__).resolve().parents[1] / "tests" / "constraint_counts.json"

REGISTRY: list[tuple[str, Callable[[], int]]] = []
"""(name, zero-arg function returning the count), in table order."""


def count(build: Callable[[ConstraintSystem], object]) -> int:
    """Constraints that ``build`` adds to a fresh shape-only constraint system."""
    cs = ConstraintSystem(solve=False)
    build(cs)
    return cs.num_constraints


def entry(name: str) -> Callable[[Callable[[ConstraintSystem], object]], Callable]:
    """Decorator: register ``build(cs)`` under ``name``."""
    def deco(build: Callable[[ConstraintSystem], object]) -> Callable:
        if any(n == name for n, _ in REGISTRY):
            raise ValueError(f"duplicate constraint-count entry {name!r}")
        REGISTRY.append((name, lambda: count(build)))
        return build
    return deco


def _w(cs: ConstraintSystem, k: int = 1):
    return [cs.witness(f"in{i}") for i in range(k)] if k > 1 else cs.witness("in0")


# ---- circuits.gadgets: bits, booleans, comparators, signed, mux -------------------------
from circuits.gadgets import bits, boolean, comparators, mux, signed  # noqa: E402


@entry("bits.range_check_64")
def _(cs):
    bits.range_check(cs, _w(cs), 64)


@entry("bits.range_check_128")
def _(cs):
    bits.range_check(cs, _w(cs), 128)


@entry("bits.bits_le_253")
def _(cs):
    bits.bits_le(cs, _w(cs), 253)


@entry("bits.bits_le_strict")
def _(cs):
    bits.bits_le_strict(cs, _w(cs))


@entry("boolean.assert_bool")
def _(cs):
    boolean.assert_bool(cs, _w(cs))


@entry("boolean.and")
def _(cs):
    boolean.and_(cs, *_w(cs, 2))


@entry("boolean.or")
def _(cs):
    boolean.or_(cs, *_w(cs, 2))


@entry("boolean.xor")
def _(cs):
    boolean.xor(cs, *_w(cs, 2))


@entry("boolean.all_8")
def _(cs):
    boolean.all_(cs, _w(cs, 8))


@entry("boolean.select")
def _(cs):
    boolean.select(cs, *_w(cs, 3))


@entry("boolean.cond_swap")
def _(cs):
    boolean.cond_swap(cs, *_w(cs, 3))


@entry("comparators.is_zero")
def _(cs):
    comparators.is_zero(cs, _w(cs))


@entry("comparators.is_equal")
def _(cs):
    comparators.is_equal(cs, *_w(cs, 2))


@entry("comparators.less_than_64")
def _(cs):
    comparators.less_than(cs, *_w(cs, 2), 64)


@entry("comparators.less_than_128")
def _(cs):
    comparators.less_than(cs, *_w(cs, 2), 128)


@entry("comparators.less_than_checked_128")
def _(cs):
    comparators.less_than_checked(cs, *_w(cs, 2), 128)


@entry("comparators.assert_less_than_64")
def _(cs):
    comparators.assert_less_than(cs, *_w(cs, 2), 64)


@entry("signed.range_check_signed_64")
def _(cs):
    signed.range_check_signed(cs, _w(cs), 64)


@entry("signed.abs_signed_64")
def _(cs):
    signed.abs_signed(cs, _w(cs), 64)


@entry("signed.signed_less_than_64")
def _(cs):
    signed.signed_less_than(cs, *_w(cs, 2), 64)


@entry("mux.one_hot_16")
def _(cs):
    mux.one_hot(cs, _w(cs), 16)


@entry("mux.mux_16_constant_table")
def _(cs):
    mux.mux(cs, _w(cs), list(range(1, 17)))


@entry("mux.mux_16_witness_table")
def _(cs):
    mux.mux(cs, _w(cs), [cs.witness(f"t{i}") for i in range(16)])


@entry("mux.mux_bits_4_witness_table")
def _(cs):
    mux.mux_bits(cs, _w(cs, 4), [cs.witness(f"t{i}") for i in range(16)])


# ---- Poseidon (one entry per width t = 2..17, e.g. "poseidon.t3") -----------------------
from circuits.gadgets import poseidon as _poseidon  # noqa: E402
for _k in range(1, 17):
    entry(f"poseidon.t{_k + 1}")(lambda cs, _k=_k: _poseidon.poseidon(cs, [cs.witness(f"x{i}") for i in range(_k)]))


# ---- Merkle, the 4-ary tree of circuits.spec.tree (e.g. "merkle4.update_depth_24": verify
# the old leaf + compute the new root); depths in bits; "path_depth_d": one path on index
# bits already constrained boolean (what the slot pays per path)
from circuits.gadgets import merkle4 as _merkle4  # noqa: E402
from circuits.spec import tree as _tree  # noqa: E402


def _sibs(cs, n):
    return [cs.witness(f"s{i}") for i in range(n)]


entry("merkle4.place")(lambda cs: _merkle4.place(
    cs, cs.witness("x"), cs.witness("b0"), cs.witness("b1"), _sibs(cs, 3)))
for _d in (8, 16, 23, 24, 32):
    entry(f"merkle4.path_depth_{_d}")(lambda cs, _d=_d: _merkle4.merkle4_root_unchecked(
        cs, cs.witness("leaf"), [cs.witness(f"b{i}") for i in range(_d)], _sibs(cs, _tree.path_length(_d))))
    entry(f"merkle4.verify_depth_{_d}")(lambda cs, _d=_d: _merkle4.merkle4_verify(
        cs, cs.witness("leaf"), cs.witness("idx"), _sibs(cs, _tree.path_length(_d)), cs.witness("root"),
        depth=_d))
    entry(f"merkle4.update_depth_{_d}")(lambda cs, _d=_d: _merkle4.merkle4_update(
        cs, cs.witness("old"), cs.witness("new"), cs.witness("idx"), _sibs(cs, _tree.path_length(_d)),
        cs.witness("root"), depth=_d))


# ---- Baby Jubjub / EdDSA (e.g. "eddsa.verify_poseidon", point add/double, scalar mul) --
from circuits.gadgets import babyjub as _bj  # noqa: E402
from circuits.gadgets import babyjub_mul as _bjm  # noqa: E402
from circuits.gadgets import eddsa as _eddsa  # noqa: E402
from circuits import babyjub as _bjn  # noqa: E402


def _pt(cs, name):
    return (cs.witness(f"{name}x"), cs.witness(f"{name}y"))


entry("babyjub.point_add")(lambda cs: _bj.point_add(cs, _pt(cs, "p"), _pt(cs, "q")))
entry("babyjub.point_double")(lambda cs: _bj.point_double(cs, _pt(cs, "p")))
entry("babyjub.fixed_base_mul_251")(lambda cs: _bjm.fixed_base_mul(
    cs, [cs.witness(f"b{i}") for i in range(251)], _bjn.BASE8))
entry("babyjub.var_base_mul_254")(lambda cs: _bjm.var_base_mul(
    cs, [cs.witness(f"b{i}") for i in range(254)], _bj.SubgroupPoint(*_pt(cs, "p"))))
entry("eddsa.verify_poseidon")(lambda cs: _eddsa.eddsa_verify(
    cs, 1, *[cs.witness(n) for n in ("Ax", "Ay", "R8x", "R8y", "S", "msg")]))
entry("eddsa.verify_poseidon_enabled_flag")(lambda cs: _eddsa.eddsa_verify(
    cs, cs.witness("en"), *[cs.witness(n) for n in ("Ax", "Ay", "R8x", "R8y", "S", "msg")]))


# ---- SHA-256 (posted data bound by the proof): a compression with variable state and block,
# and whole messages of n bytes, message bits checked boolean (55: the longest in one block) --
from circuits.gadgets import sha256 as _sha256  # noqa: E402

entry("sha256.compress")(lambda cs: _sha256.sha256_compress(
    cs, [cs.witness(f"s{i}") for i in range(256)], [cs.witness(f"m{i}") for i in range(512)]))
for _n in (32, 55, 64, 128):
    REGISTRY.append((f"sha256.bytes_{_n}", lambda _n=_n: _sha256.message_cost(8 * _n)))


# ---- the batch circuit (circuits.batch): per part, at the budget shape K = 8, S = 35 ------
# (the standard scenario grid); slot / flush at account depths 16 and 24 (order-fill depth 8);
# totals by batch size; the slot's sub-gadgets as they cost inside the slot (e.g.
# "batch.slot.leaves_d24_o8_k8_s35"); the slot and the tables also at S = 16 (the size of each
# of the two grids before one table replaced them).
from circuits.batch import costs as _batch_costs  # noqa: E402
from circuits.batch.shape import BatchShape as _BatchShape  # noqa: E402
from circuits.batch.slot import SLOT_PARTS as _SLOT_PARTS  # noqa: E402
from circuits.spec.scenarios import STANDARD_SCENARIOS as _S  # noqa: E402


def _bshape(n: int = 1, depth: int = 24, s: int = _S) -> _BatchShape:
    return _BatchShape(n_slots=n, acc_depth=depth, ord_depth=8, n_instruments=8, n_scenarios=s)


for _s in (16, _S):
    for _d in (16, 24):
        entry(f"batch.slot_d{_d}_o8_k8_s{_s}")(lambda cs, _d=_d, _s=_s: _batch_costs.build_slot(cs, _bshape(1, _d, _s)))
for _d in (16, 24):
    for _p in _SLOT_PARTS:
        REGISTRY.append((f"batch.slot.{_p}_d{_d}_o8_k8_s{_S}",
                         lambda _p=_p, _d=_d: _batch_costs.slot_part_costs(_bshape(1, _d))[_p]))
for _s in (16, _S):
    entry(f"batch.tables_k8_s{_s}")(lambda cs, _s=_s: _batch_costs.build_tables(cs, _bshape(s=_s)))
for _d in (16, 24):
    entry(f"batch.flush_d{_d}_k8")(lambda cs, _d=_d: _batch_costs.build_flush(cs, _bshape(1, _d)))
entry("batch.roots_k8")(lambda cs: _batch_costs.build_roots(cs, _bshape()))
entry("batch.header")(lambda cs: _batch_costs.build_header(cs, _bshape()))
from circuits.batch import orders as _batch_orders  # noqa: E402
from circuits.batch import account_leaf as _batch_leaf  # noqa: E402


def _order_fill(cs, cancel):
    w = cs.witness
    _batch_orders.order_fill(cs, w("fill_on"), w("cancel_on") if cancel else 0, [w(f"b{i}") for i in range(8)],
                             w("oid"), w("size"), w("fill"), w("sid"), w("sf"), [w(f"s{i}") for i in range(_tree.path_length(8))],
                             w("root"), 48, 40)


entry("batch.order_fill_o8")(lambda cs: _order_fill(cs, False))
entry("batch.order_fill_with_cancel_o8")(lambda cs: _order_fill(cs, True))
entry("batch.account_leaf_k8")(lambda cs: _batch_leaf.account_leaf_gadget(cs, _batch_leaf.AccountVars(
    *[cs.witness(n) for n in ("x", "y", "n", "c")], [cs.witness(f"s{k}") for k in range(8)], cs.witness("o"),
    cs.witness("owner"))))
for _d in (16, 24):
    for _n in (1, 2, 4, 8, 16, 32, 64):
        REGISTRY.append((f"batch.data_hash_n{_n}_d{_d}_o8_k8_s{_S}",
                         lambda _n=_n, _d=_d: _batch_costs.batch_cost(_bshape(_n, _d))["data_hash"]))
for _d in (16, 24):
    for _n in (1, 2, 4, 8, 16, 32, 64):
        REGISTRY.append((f"batch.total_n{_n}_d{_d}_o8_k8_s{_S}",
                         lambda _n=_n, _d=_d: _batch_costs.batch_cost(_bshape(_n, _d))["total"]))


def compute() -> dict[str, int]:
    return {name: fn() for name, fn in REGISTRY}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rewrite (or --check) tests/constraint_counts.json")
    ap.add_argument("--check", action="store_true", help="compare only; exit 1 on any drift")
    args = ap.parse_args(argv)
    counts = compute()
    old = json.loads(TABLE.read_text()) if TABLE.exists() else {}
    drift = {k: (old.get(k), counts.get(k)) for k in sorted(set(old) | set(counts))
             if old.get(k) != counts.get(k)}
    for k, (a, b) in drift.items():
        print(f"{k}: {a} -> {b}")
    if args.check:
        return 1 if drift else 0
    TABLE.write_text(json.dumps(counts, indent=2) + "\n")
    print(f"wrote {len(counts)} entries to {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
