"""The forced withdrawal in the slot: what it pays, and why.

A forced withdrawal was queued on L1 by an L1 address and must be served when the batch
reaches its queue entry: with what margin allows (paying min(amount, max(min equity,
0)) on the initial grid) when it is valid, i.e. the account is in the tree, exists, is
not the clearing account and the requester is its owner (`request.request` computes the
bit `Ops.fwv`, `circuits.spec.priority.forced_valid`), else with 0.
"""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...field import to_signed as sv
from ...gadgets.boolean import assert_bool
from ..margin import equities_native
from ..ranges import unsigned
from ..shape import BatchShape
from ..tables import TablesVars
from .ports import PortVars
from .running import Ops


def forced_payout(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, ops: Ops, A: PortVars,
                  cash_a: LC, amount: LC) -> tuple[LC, list[LC]]:
    """The amount a forced withdrawal pays, a hint [forced]: 0 unless valid, at most the
    requested amount, below 2^amount_bits. `forced_outcome` pins it to the margin rule.

    Returns paid and its bits (the record's).
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
        bits = unsigned(cs, paid, shape.amount_bits, name="paid_range")
        unsigned(cs, amount - paid, shape.amount_bits, name="paid_le_amount")
    return paid, bits


def forced_outcome(cs: ConstraintSystem, ops: Ops, amount: LC, paid: LC, e_j: LC) -> LC:
    """Why a forced withdrawal pays what it pays [forced]; returns the bit "valid, pays 0".

    Enforces: a valid one paying less than requested leaves port A's minimum equity `e_j`
    at exactly 0 (the check "new equities >= 0" is `margin_checks`); paying 0 is flagged
    (then `margin_checks` proves the minimum equity was <= 0).
    Cost: 5 constraints.
    """
    with cs.namespace("forced"):
        def zero_hint(valid, amt, pd):
            return int(bool(valid) and pd == 0)
        fwz = cs.hint(zero_hint, ops.fwv, amount, paid, name="pays_zero")
        assert_bool(cs, fwz, name="zero_bool")
        cs.enforce(fwz, 1 - ops.fwv, 0, name="zero_only_valid")
        cs.enforce(fwz, paid, 0, name="zero_pays_zero")
        # paying less than requested: the new minimum equity is exactly 0
        cs.enforce(ops.fwv - fwz, cs.mul(amount - paid, e_j, name="short"), 0, name="pays_max")
    return fwz
