"""The whole batch circuit: tables, N slots on the running state, the end flushes, the
public input. `compile_batch(shape)` gives the R1CS (cached on disk, keyed by the
shape), `solve_batch(shape, batch)` the witness.

Batch structure (constraint namespaces in brackets):
1. [tables] market and oracle tables, hashed once (`tables.py`); the K instrument ids.
2. [start] the old state root = Poseidon(accounts_root, Poseidon(oi[0..K-1]))
   (`state_root_gadget`, the twin of `circuits.spec.state.state_root`); the priority
   chain value prio_old.
3. [slot<i>] N universal slots (`slot/`) carry the account root, open interest, the
   pending fee / insurance totals and the priority chain; each yields its record.
4. [flush_fee], [flush_insurance] the fee account (index 0) and the insurance fund
   (index 1) receive what is still pending: one leaf update each on the final root.
5. [end] the new state root; [solvency] the solvency outputs: the insurance fund's
   deficit after the flush, the batch's cash flow, the open interests long and short
   (`solvency.py`, `circuits.spec.solvency`); [header] the five header fields,
   canonically decomposed; [data_hash] SHA-256 over header, records and the solvency
   outputs as trailer, shifted: the single public input (`public.py`, `circuits.spec.public_input`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..cs import LC, ConstraintSystem, Operand
from ..field import to_signed
from ..gadgets.merkle4 import merkle4_root_unchecked
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..r1cs import R1CS
from ..spec.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT
from .account_leaf import AccountVars, account_leaf_gadget
from .public import header_bits, public_input_gadget
from .ranges import signed_range
from .records import record_value
from .shape import BatchShape
from .solvency import solvency
from .slot import Running, slot_gadget
from .tables import tables_gadget
from .witness import AccountFields, BatchInput, Flush


@dataclass
class BatchOutputs:
    """Values the circuit computed while solving (for tests and the operator)."""

    old_root: int
    new_root: int
    accounts_root: int
    oi: list[int]
    market_hash: int
    oracle_hash: int
    prio_old: int
    prio_new: int
    records: list[bytes]
    fund_deficit: int
    public_input: int
    cash_flow: int
    """How much the batch moved the accounts' total cash (summed over the slots' ports)."""
    oi_short: list[int]


def state_root_gadget(cs: ConstraintSystem, accounts_root: Operand, oi: Sequence[Operand]) -> LC:
    """`circuits.spec.state.state_root(accounts_root, oi_hash(oi))` in the circuit.

    Cost: Poseidon of K inputs + Poseidon of 2 (K = 8: 642).
    """
    return poseidon_gadget(cs, [accounts_root, poseidon_gadget(cs, list(oi), name="oi_hash")], name="root")


def _flush(cs: ConstraintSystem, shape: BatchShape, index: int, fl: Flush, pending: LC,
           root: LC, name: str) -> tuple[LC, AccountVars]:
    """Add ``pending`` to the cash of the special account at ``index``; returns the new root
    and the account's new fields.

    The index is a constant, so placing the node among its siblings costs nothing: two
    paths of one Poseidon(4) per level of the 4-ary tree (297 each), two account leaves and
    the new cash's range check (depth 24, K = 8: 8,740).
    """
    K, D = shape.K, shape.acc_depth
    f = fl.before if fl.before is not None else AccountFields(sizes=(0,) * K)
    with cs.namespace(name):
        W = cs.witness
        old = AccountVars(W("pk_x", f.pk_x), W("pk_y", f.pk_y), W("nonce", f.nonce), W("cash", f.cash),
                          [W(f"size{k}", f.sizes[k]) for k in range(K)], W("orders_root", f.orders_root),
                          W("owner", f.owner))
        sibs = [W(f"sib{i}", fl.siblings[i] if fl.siblings else 0) for i in range(shape.acc_path)]
        bits = [(index >> i) & 1 for i in range(D)]
        new_cash = old.cash + pending
        signed_range(cs, new_cash, shape.cash_bits, name="cash_range")
        new = AccountVars(old.pk_x, old.pk_y, old.nonce, new_cash, old.sizes, old.orders_root, old.owner)
        h_old = account_leaf_gadget(cs, old, name="leaf_old")
        h_new = account_leaf_gadget(cs, new, name="leaf_new")
        r_old = merkle4_root_unchecked(cs, h_old, bits, sibs, name="path_old")
        cs.assert_equal(r_old, root, name="old_root")
        return merkle4_root_unchecked(cs, h_new, bits, sibs, name="path_new"), new


def batch_circuit(cs: ConstraintSystem, shape: BatchShape, batch: Optional[BatchInput] = None,
                  public_input: Optional[int] = None) -> Optional[BatchOutputs]:
    """Build (and, when ``cs`` solves, fill) the batch circuit. ``batch`` is required when
    solving and ignored when compiling. Returns the computed outputs when solving.

    ``public_input``: the value of the public input (as L1 computes it from its storage
    and the calldata); by default the one the circuit computes. A different value makes
    the constraint 'public_input' fail.
    """
    solving = cs.solving
    if solving:
        if not isinstance(batch, BatchInput):
            raise ValueError("solving the batch circuit needs a circuits.batch.witness.BatchInput")
        if len(batch.slots) != shape.n_slots:
            raise ValueError(f"batch has {len(batch.slots)} slots, the shape {shape.n_slots}")
        if len(batch.oi) != shape.K:
            raise ValueError(f"open interest must have {shape.K} entries")
    K = shape.K
    W = cs.witness

    def v(get):
        return get() if solving else 0

    tv = tables_gadget(cs, shape, batch.market if solving else None,
                       batch.oracle if solving else None)
    with cs.namespace("start"):
        acc_root = W("accounts_root", v(lambda: batch.accounts_root))
        oi = [W(f"oi{k}", v(lambda: batch.oi[k])) for k in range(K)]
        prio0 = W("prio", v(lambda: batch.prio))
        old_root = state_root_gadget(cs, acc_root, oi)
    run = Running(acc_root, oi, LC.constant(0), LC.constant(0), prio0, list(oi), LC.constant(0))
    records = []
    for i in range(shape.n_slots):
        with cs.namespace(f"slot{i}"):
            run, bits = slot_gadget(cs, shape, tv, run, batch.slots[i] if solving else None)
            records.append(bits)
    root, _ = _flush(cs, shape, FEE_ACCOUNT, batch.fee_flush if solving else Flush(), run.pend_fee,
                     run.root, "flush_fee")
    root, fund = _flush(cs, shape, INSURANCE_ACCOUNT, batch.insurance_flush if solving else Flush(),
                        run.pend_ins, root, "flush_insurance")
    with cs.namespace("end"):
        new_root = state_root_gadget(cs, root, run.oi)
    sol = solvency(cs, shape, tv, fund, run.cash_flow, run.oi, run.oi_short)
    header = header_bits(cs, dict(old_root=old_root, new_root=new_root, oracle_hash=tv.oracle_hash,
                                  prio_old=prio0, prio_new=run.prio))
    digest = public_input_gadget(cs, header, records, sol.trailer)
    pub = cs.public("public_input", v(lambda: cs.value(digest) if public_input is None else public_input))
    cs.assert_equal(pub, digest, name="public_input")
    if not solving:
        return None
    val = cs.value
    return BatchOutputs(val(old_root), val(new_root), val(root), [val(x) for x in run.oi],
                        val(tv.market_hash), val(tv.oracle_hash), val(prio0), val(run.prio),
                        [record_value(cs, r) for r in records], val(sol.deficit), val(digest),
                        to_signed(val(sol.flow)), [val(x) for x in run.oi_short])


# ---- compile (cached) and solve ----------------------------------------------------------------

def cache_dir() -> Path:
    """Where compiled batch circuits are kept: $ZKROLLUP_CACHE/circuits, else
    ~/.cache/zkrollup/circuits."""
    base = os.environ.get("ZKROLLUP_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "zkrollup"
    return root / "circuits"


_MEMO: dict[str, R1CS] = {}


def compile_batch(shape: BatchShape, cache: bool = True) -> R1CS:
    """The batch circuit's R1CS for ``shape``, compiled once and cached on disk (circom
    .r1cs format, `circuits.circom_io`, file named by `BatchShape.key()`) and in memory."""
    key = shape.key()
    if key in _MEMO:
        return _MEMO[key]
    path = cache_dir() / f"{key}.r1cs"
    if cache and path.exists():
        from ..circom_io import read_r1cs
        r1cs = read_r1cs(path)
    else:
        cs = ConstraintSystem(solve=False)
        batch_circuit(cs, shape)
        r1cs = cs.to_r1cs(names=False)   # as read back from the cache: circom's .r1cs has no names
        if cache:
            from ..circom_io import write_r1cs
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            write_r1cs(r1cs, tmp)
            os.replace(tmp, path)
    _MEMO[key] = r1cs
    return r1cs


def solve_batch(shape: BatchShape, batch: BatchInput, check: bool = True,
                public_input: Optional[int] = None) -> tuple[list[int], BatchOutputs]:
    """The witness (R1CS wire order) of ``batch`` and the values the circuit computed.

    With ``check`` (default) raise `circuits.cs.UnsatisfiedConstraint` naming the first
    failing constraint when the batch does not satisfy the circuit. The witness has the
    wire order of `compile_batch(shape)` (the same circuit function builds both).
    """
    from ..cs import UnsatisfiedConstraint
    cs = ConstraintSystem(solve=True, record=False)     # the witness only: no rows in memory
    out = batch_circuit(cs, shape, batch, public_input)
    if check:
        bad = cs.which_is_unsatisfied()
        if bad is not None:
            raise UnsatisfiedConstraint(f"batch does not satisfy constraint '{bad}'")
    return cs.witness_values(), out


def first_failure(shape: BatchShape, batch: BatchInput,
                  public_input: Optional[int] = None) -> Optional[str]:
    """Name of the first constraint the batch violates (None when it satisfies the circuit)."""
    cs = ConstraintSystem(solve=True)
    batch_circuit(cs, shape, batch, public_input)
    return cs.which_is_unsatisfied()
