"""The slot's new position sizes, open interest and cash on both ports."""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem, lc_sum
from ..margin import dot
from ..ranges import Signed, signed, signed_range, unsigned
from ..shape import BatchShape
from .ports import PortVars
from .running import Ops
from .liquidation import Liquidation
from .settlement import Settlement
from .trade import OrderVars


@dataclass
class Positions:
    sizes_a: list[LC]
    sizes_b: list[LC]
    haircut: dict[str, LC]
    """Each port's new sum_k |size_k|."""
    oi: list[LC]
    """Open interest per instrument slot after this slot."""
    d_short: list[LC]
    """How much each slot's short open interest grows: sum over ports of the change of
    max(-size, 0) = the change of max(size, 0) - the change of size."""


def positions(cs: ConstraintSystem, shape: BatchShape, ops: Ops, A: PortVars, B: PortVars,
              so: dict[str, list[Signed]], haircut_old: dict[str, LC], orders: dict[str, OrderVars],
              settle: Settlement, liq: Liquidation, oi: list[LC]) -> Positions:
    """New sizes and open interest [sizes, new_sizes_a, new_sizes_b, oi].

    A trade moves +-fill in slot k between the ports, a settlement moves port A's slot-k
    position to the clearing account, a liquidation moves what it takes of each of the
    target's positions (`liq.now`) to the liquidator. Enforces: every new size of port A
    and port B's new slot-k size fit size_bits (port B's other sizes are unchanged or
    shrink towards 0); a trade leaves slot k's open interest below 2^size_bits.
    oi_k += sum over ports of max(new, 0) - max(old, 0); the short open interest grows by
    that less the sum over ports of new - old size (`Positions.d_short`, no constraint).

    Cost: K * (size_bits + 13) + 2 * size_bits + 11 constraints (products 3K + 4; port A
    K signed splits; port B 5K + 1 and one split; open interest K + size_bits + 2).
    K = 8: 515.
    """
    K, oh_k, tr, st, lq = shape.K, ops.oh_k, ops.tr, ops.st, ops.lq
    with cs.namespace("sizes"):
        xa = cs.mul(tr, orders["a"].dfill, name="tr_a") - cs.mul(st, settle.size_a_k, name="st_a")
        xb = cs.mul(tr, orders["b"].dfill, name="tr_b") + cs.mul(st, settle.size_a_k, name="st_b")
        take = [cs.mul(lq, liq.now.signed[k], name=f"take{k}") for k in range(K)]
        moved_a = [cs.mul(oh_k[k], xa, name=f"a{k}") for k in range(K)]
        moved_b = [cs.mul(oh_k[k], xb, name=f"b{k}") for k in range(K)]
        new_sizes_a = [A.old.sizes[k] + moved_a[k] + take[k] for k in range(K)]
        new_sizes_b = [B.old.sizes[k] + moved_b[k] - take[k] for k in range(K)]
    # port A's new sizes may all change (a liquidator takes the target's portfolio): each
    # is range-checked and split. Port B's change only in the instrument slot k (trade,
    # settlement) or all shrink towards 0 by what a liquidation takes (same sign, no
    # larger), so one split of the slot-k value serves: haircut and open interest follow
    # from the old splits and the taken amounts.
    with cs.namespace("new_sizes_a"):
        sn_a = [signed(cs, x, shape.size_bits, name=f"s{k}") for k, x in enumerate(new_sizes_a)]
    with cs.namespace("new_sizes_b"):
        old_bk = dot(cs, oh_k, B.old.sizes, name="old_k")
        abs_bk = dot(cs, oh_k, [x.abs for x in so["b"]], name="old_abs_k")
        pos_bk = dot(cs, oh_k, [x.pos for x in so["b"]], name="old_pos_k")
        nb = signed(cs, old_bk + xb, shape.size_bits, name="new_k")
        # in a liquidation nb is the old slot-k size (nothing traded), so -abs_bk + nb.abs = 0
        hc_new_b = haircut_old["b"] - abs_bk + nb.abs - cs.mul(lq, liq.now.total, name="haircut")
        dpos = nb.pos - pos_bk
        dpos_b = [cs.mul(oh_k[k], dpos, name=f"dpos{k}") - cs.mul(lq, liq.now.pos[k], name=f"lq_pos{k}")
                  for k in range(K)]
    # open interest: oi_k += sum over ports of max(new, 0) - max(old, 0)
    with cs.namespace("oi"):
        d_long = [sn_a[k].pos - so["a"][k].pos + dpos_b[k] for k in range(K)]
        new_oi = [oi[k] + d_long[k] for k in range(K)]
        oi_k = dot(cs, oh_k, new_oi, name="traded")
        unsigned(cs, cs.mul(tr, oi_k, name="sel"), shape.size_bits, name="trade_oi_range")
    # short change = long change - the net change of the sizes both ports write (no
    # constraint: a linear form; what a liquidation takes cancels between the ports)
    d_short = [d_long[k] - (new_sizes_a[k] - A.old.sizes[k]) - (new_sizes_b[k] - B.old.sizes[k]) for k in range(K)]
    return Positions(new_sizes_a, new_sizes_b, {"a": lc_sum(x.abs for x in sn_a), "b": hc_new_b}, new_oi, d_short)


@dataclass
class NewCash:
    a: LC
    b: LC
    transfer_a: LC
    """What a deposit adds to port A (a withdrawal: minus the amount; a refund: 0)."""


def new_cash(cs: ConstraintSystem, shape: BatchShape, ops: Ops, cash_a: LC, cash_b: LC, amount: LC,
             credited: LC, paid: LC, orders: dict[str, OrderVars], liq: Liquidation, settle: Settlement) -> NewCash:
    """Both ports' new cash [cash]: deposit +amount (unless refunded: `credited` is the
    deposit bit less the refunded bit), withdrawal -amount, forced withdrawal
    -paid, trade each side's dcash, liquidation (liquidator -(V - bonus), target keeps
    left, at full liquidation max(left, 0)), settlement +-amount. Enforces: both fit
    cash_bits (signed).

    Cost: 2 * cash_bits + 13 constraints (7 products, 2 signed ranges): 205.
    """
    tr, lq, st = ops.tr, ops.lq, ops.st
    with cs.namespace("cash"):
        transfer_a = cs.mul(credited - ops.wd, amount, name="transfer_a")
        new_cash_a = (cash_a + transfer_a - paid
                      + cs.mul(tr, orders["a"].dcash, name="trade_a")
                      - cs.mul(lq, liq.now.value - liq.now.bonus, name="liq_a")
                      + cs.mul(st, settle.amount, name="settle_a"))
        new_cash_b = (cash_b + cs.mul(tr, orders["b"].dcash, name="trade_b")
                      + cs.mul(lq, liq.left.value - liq.full_neg - cash_b, name="liq_b")
                      - cs.mul(st, settle.amount, name="settle_b"))
        signed_range(cs, new_cash_a, shape.cash_bits, name="a_range")
        signed_range(cs, new_cash_b, shape.cash_bits, name="b_range")
    return NewCash(new_cash_a, new_cash_b, transfer_a)
