"""The forced withdrawal in the slot: what it pays, and why.

A forced withdrawal was queued on L1 by an L1 address and must be served when the batch
reaches its queue entry: with as much as initial margin allows (paying min(amount,
allowance), `circuits.spec.margin.im_allowance`: lowering cash by w lowers every Q_s by
IM_DEN * w) when it is valid, i.e. the account is in the tree, exists, is
not the clearing account and the requester is its owner (`request.request` computes the
bit `Ops.fwv`, `circuits.spec.priority.forced_valid`), else with 0.
"""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...field import to_signed as sv
from ...gadgets.boolean import assert_bool
from ...spec import margin as spec
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
        return min(amount, spec.im_allowance(spec.equities(sv(cash), sizes, table)))

    with cs.namespace("forced"):
        paid = cs.hint(paid_hint, ops.fwv, amount, cash_a, *A.old.sizes,
                       *[x for row in tv.scen for x in row], name="paid")
        cs.enforce(1 - ops.fwv, paid, 0, name="paid_only_valid")
        bits = unsigned(cs, paid, shape.amount_bits, name="paid_range")
        unsigned(cs, amount - paid, shape.amount_bits, name="paid_le_amount")
    return paid, bits


def forced_outcome(cs: ConstraintSystem, ops: Ops, amount: LC, paid: LC) -> tuple[LC, LC]:
    """Why a forced withdrawal pays what it pays [forced]; returns the bits (fwz: valid,
    pays 0; short: valid, pays less than requested).

    Enforces: both bits only when valid; fwz pays 0; a valid request that is not short
    pays the amount. `margin_checks` then proves the margin part: paying > 0 (valid, not
    fwz), every new Q_s >= 0; short, the new Q_j < IM_DEN at the hinted j (one more unit
    would fail initial margin). Together: paid = min(amount, allowance).
    Cost: 6 constraints.
    """
    with cs.namespace("forced"):
        def zero_hint(valid, amt, pd):
            return int(bool(valid) and pd == 0)
        fwz = cs.hint(zero_hint, ops.fwv, amount, paid, name="pays_zero")
        assert_bool(cs, fwz, name="zero_bool")
        cs.enforce(fwz, 1 - ops.fwv, 0, name="zero_only_valid")
        cs.enforce(fwz, paid, 0, name="zero_pays_zero")

        def short_hint(valid, amt, pd):
            return int(bool(valid) and pd < amt)
        short = cs.hint(short_hint, ops.fwv, amount, paid, name="short")
        assert_bool(cs, short, name="short_bool")
        cs.enforce(short, 1 - ops.fwv, 0, name="short_only_valid")
        cs.enforce(ops.fwv - short, amount - paid, 0, name="pays_amount")
    return fwz, short
