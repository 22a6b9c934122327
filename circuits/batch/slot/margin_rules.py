"""The margin rules of the slot: scenario equities of both ports and the checks on them.

Equities of the new state on the initial grid, per port (`margin.equities`); a rule names
one scenario j per port (hinted, any j is sound): the minimum of the old equities for a
trade that reduces risk and for a forced withdrawal, the failing scenario of a
liquidated target. Old equities of a trade side differ from the new ones only by the
traded slot: old_s = new_s - dcash + dhaircut - dfill * col_s, with col_s the scenario
values of slot k (exact in a trade, and in a forced withdrawal, where it is new_s + paid).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...field import to_signed as sv
from ...gadgets.boolean import assert_bool
from ...gadgets.mux import one_hot
from ..margin import assert_nonneg, dot, equities
from ..shape import BatchShape
from ..tables import TablesVars
from .ports import PortVars
from .positions import NewCash, Positions
from .running import Ops
from .trade import OrderVars


@dataclass
class PortMargin:
    e_new: list[LC]
    """New equity per scenario of the initial grid."""
    rr: LC
    """The trade side "strictly reduces risk" (then its bound is its old minimum)."""
    oh_j: list[LC]
    e_j: LC
    old_j: LC
    """The old equity in scenario j."""


@dataclass
class Margins:
    a: PortMargin
    b: PortMargin
    maint_b: list[LC]
    """Port B's old equities on the maintenance grid (a liquidated target's)."""


def _argmin(vals: list[int]) -> int:
    return min(range(len(vals)), key=lambda i: (vals[i], i))


def margin_equities(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, ops: Ops, B: PortVars,
                    cash: dict[str, LC], cash_new: NewCash, pos: Positions, haircut_old: dict[str, LC],
                    orders: dict[str, OrderVars], fill: LC) -> Margins:
    """Both ports' scenario equities and the hinted scenario j [margin, margin_a, margin_b].

    Enforces: `rr` is a bit, only in a trade, and only when the traded position shrinks
    towards 0 without flipping (|new_k| = |old_k| - fill); j is one of the S scenarios.

    Cost: 4KS + 6S + 10 constraints (the slot-k column and port B's maintenance equities
    2KS; per port K*S new equities, 3 for rr, S + 1 for j, 2S + 1 for the values at j).
    K = 8, S = 16: 618.
    """
    K, S, oh_k, tr, lq = shape.K, shape.S, ops.oh_k, ops.tr, ops.lq
    with cs.namespace("margin"):
        col = [dot(cs, oh_k, [tv.scen_init[k][s] for k in range(K)], name=f"col{s}") for s in range(S)]
        e_maint = equities(cs, cash["b"] - haircut_old["b"], B.old.sizes, tv.scen_maint, name="maint_b")
    news = {"a": (cash_new.a, pos.sizes_a), "b": (cash_new.b, pos.sizes_b)}
    m = {}
    for tag in ("a", "b"):
        ncash, nsizes = news[tag]
        o = orders[tag]
        with cs.namespace(f"margin_{tag}"):
            e_new = equities(cs, ncash - pos.haircut[tag], nsizes, tv.scen_init, name="init")
            dcash = ncash - cash[tag]
            dhc = pos.haircut[tag] - haircut_old[tag]

            def rr_hint(is_tr, *vals):
                return int(bool(is_tr) and min(sv(v) for v in vals) < 0)
            rr = cs.hint(rr_hint, tr, *e_new, name="rr")
            assert_bool(cs, rr, name="rr_bool")
            cs.enforce(rr, 1 - tr, 0, name="rr_only_trade")
            # reducing risk: |new_k| = |old_k| - fill, i.e. the position shrinks towards 0
            # without flipping (any other trade gives |old_k| + fill or fill - |old_k|)
            cs.enforce(rr, dhc + fill, 0, name="rr_shrinks")

            def j_hint(is_lq, dc, dh, df, *vals):
                n = len(vals) // 3
                en, cl, em = vals[:n], vals[n:2 * n], vals[2 * n:]
                if is_lq:
                    neg = [s for s in range(n) if sv(em[s]) < 0]
                    return neg[0] if neg else 0
                old = [sv(en[s]) - sv(dc) + sv(dh) - sv(df) * sv(cl[s]) for s in range(n)]
                return _argmin(old)
            j = cs.hint(j_hint, lq if tag == "b" else 0, dcash, dhc, o.dfill, *e_new, *col,
                        *(e_maint if tag == "b" else e_new), name="j")
            oh_j = one_hot(cs, j, S, name="j_sel")
            e_j = dot(cs, oh_j, e_new, name="e_j")
            col_j = dot(cs, oh_j, col, name="col_j")
            old_j = e_j - dcash + dhc - cs.mul(o.dfill, col_j, name="dfill_col")
            m[tag] = PortMargin(e_new, rr, oh_j, e_j, old_j)
    return Margins(m["a"], m["b"], e_maint)


def margin_checks(cs: ConstraintSystem, shape: BatchShape, ops: Ops, m: Margins, fwz: LC) -> None:
    """The checks "value >= 0", one per scenario and port [liq, margin_a, margin_b].

    Port A (withdrawal, liquidator, maker, forced withdrawal paying > 0) and port B (taker)
    pass initial margin, or, for a trade side that reduces risk, no new equity is below
    its old one in scenario j. Port B is idle in a forced withdrawal and in a liquidation
    (as a trade side), so its scenario-0 check also carries "min old equity <= 0" (forced,
    paying 0: `fwz`) and "maintenance equity < 0 at j" (liquidated target).

    Cost: S * (2 * equity_bits + 7) + 4 constraints (S = 16: 3,220).
    """
    S, tr, lq = shape.S, ops.tr, ops.lq
    E = shape.equity_bits + 1  # checked values are differences of two equities
    with cs.namespace("liq"):
        em_j = dot(cs, m.b.oh_j, m.maint_b, name="maint_j")
    need_a = ops.wd + lq + tr + ops.fwv - fwz
    with cs.namespace("margin_a"):
        bound_a = cs.mul(m.a.rr, m.a.old_j, name="rr_bound")
        for s in range(S):
            x = cs.mul(need_a, m.a.e_new[s], name=f"need{s}") - bound_a
            assert_nonneg(cs, x, E, name=f"check{s}")
    with cs.namespace("margin_b"):
        bound_b = cs.mul(m.b.rr, m.b.old_j, name="rr_bound")
        extra = -cs.mul(fwz, m.a.e_j, name="forced_min") - cs.mul(lq, em_j, name="target") - lq
        for s in range(S):
            x = cs.mul(tr, m.b.e_new[s], name=f"need{s}") - bound_b
            assert_nonneg(cs, x + extra if s == 0 else x, E, name=f"check{s}")
