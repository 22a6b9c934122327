"""The forced withdrawal in the slot: which case it is, what it pays, and why.

A forced withdrawal was queued on L1 (which verified its signature) and must be served
by its deadline: with what margin allows (`valid`, paying min(amount, max(min equity, 0))
on the initial grid), or with 0 when it is provably invalid: outside the tree
(`outside`), or, proven in `request.request`, the clearing account, an unknown account,
another key, a stale nonce.
"""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...field import to_signed as sv
from ...gadgets.boolean import assert_bool
from ...gadgets.comparators import assert_nonzero
from ..margin import equities_native
from ..ranges import unsigned
from ..shape import BatchShape
from ..tables import TablesVars
from ..witness import OP_FORCED, SlotInput
from .ports import PortVars
from .running import Ops


def forced_flags(cs: ConstraintSystem, shape: BatchShape, inp: SlotInput, ops: Ops) -> tuple[LC, LC]:
    """The bits (outside the tree, valid) of a forced withdrawal [forced] (`Ops.fw_out`, `Ops.fwv`).

    Enforces: both are bits, at most one is 1, and only in a forced withdrawal.
    Cost: 4 constraints.
    """
    is_fw = inp.op == OP_FORCED
    outside = int(is_fw and inp.a.account >= (1 << shape.acc_depth))
    with cs.namespace("forced"):
        fw_out = cs.witness("outside", outside)
        fwv = cs.witness("valid", int(is_fw and not outside and bool(inp.forced_valid)))
        assert_bool(cs, fw_out, name="outside_bool")
        assert_bool(cs, fwv, name="valid_bool")
        cs.enforce(fw_out + fwv, 1 - ops.fw, 0, name="flags_only_forced")
        cs.enforce(fw_out, fwv, 0, name="flags_exclusive")
    return fw_out, fwv


def forced_payout(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, ops: Ops, A: PortVars,
                  cash_a: LC, amount: LC) -> LC:
    """The amount a forced withdrawal pays, a hint [forced]: 0 unless valid, at most the
    requested amount, below 2^amount_bits. `forced_outcome` pins it to the margin rule.

    Cost: 2 * amount_bits + 3 constraints (131).
    """
    K, S = shape.K, shape.S

    def paid_hint(valid, amount, cash, *flat):
        if not valid:
            return 0
        sizes = [sv(x) for x in flat[:K]]
        table = [[sv(x) for x in flat[K + k * S:K + (k + 1) * S]] for k in range(K)]
        m = min(equities_native(sv(cash), sizes, table))
        return min(amount, max(m, 0))

    with cs.namespace("forced"):
        paid = cs.hint(paid_hint, ops.fwv, amount, cash_a, *A.old.sizes,
                       *[x for row in tv.scen_init for x in row], name="paid")
        cs.enforce(1 - ops.fwv, paid, 0, name="paid_only_valid")
        unsigned(cs, paid, shape.amount_bits, name="paid_range")
        unsigned(cs, amount - paid, shape.amount_bits, name="paid_le_amount")
    return paid


def forced_outcome(cs: ConstraintSystem, ops: Ops, A: PortVars, amount: LC, paid: LC, e_j: LC) -> LC:
    """Why a forced withdrawal pays what it pays [forced]; returns the bit "valid, pays 0".

    Enforces: an account outside the tree has a nonzero bit above acc_depth; a valid one
    paying less than requested leaves port A's minimum equity `e_j` at exactly 0 (the
    check "new equities >= 0" is `margin_checks`); paying 0 is flagged (then
    `margin_checks` proves the minimum equity was <= 0).
    Cost: 7 constraints (6 when index_bits = acc_depth: no bit above the tree).
    """
    with cs.namespace("forced"):
        assert_nonzero(cs, 1 + cs.mul(ops.fw_out, A.high - 1, name="out_sel"), name="outside_proven")

        def zero_hint(valid, amt, pd):
            return int(bool(valid) and pd == 0)
        fwz = cs.hint(zero_hint, ops.fwv, amount, paid, name="pays_zero")
        assert_bool(cs, fwz, name="zero_bool")
        cs.enforce(fwz, 1 - ops.fwv, 0, name="zero_only_valid")
        cs.enforce(fwz, paid, 0, name="zero_pays_zero")
        # paying less than requested: the new minimum equity is exactly 0
        cs.enforce(ops.fwv - fwz, cs.mul(amount - paid, e_j, name="short"), 0, name="pays_max")
    return fwz
