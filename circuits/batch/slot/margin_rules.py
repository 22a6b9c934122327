"""The margin rules of the slot: scenario equities of both ports and the checks on them.

One oracle table serves both margins (`circuits.spec.margin`): per port the new state's
equities E_s (`margin.equities`) and initial-margin quantities Q_s (free linear
combinations of them). A rule names one scenario j per port (hinted, any j is sound): the
minimum of the old equities for a trade that reduces risk and for a forced withdrawal,
the failing scenario of a liquidated target. Old equities of a trade side differ from
the new ones only by the traded slot: old_s = new_s - dcash + dhaircut - dfill * col_s,
with col_s the scenario values of slot k (exact in a trade, and in a forced withdrawal,
where it is new_s + paid); the old Q_j needs old_j and old_0.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...field import to_signed as sv
from ...gadgets.boolean import assert_bool
from ...gadgets.mux import one_hot
from ...spec import margin as spec
from ..margin import assert_nonneg, dot, equities, im_quantities
from ..shape import BatchShape
from ..tables import TablesVars
from .ports import PortVars
from .positions import NewCash, Positions
from .running import Ops
from .trade import OrderVars


@dataclass
class PortMargin:
    q_new: list[LC]
    """New initial-margin quantity Q_s per scenario."""
    rr: LC
    """The trade side "strictly reduces risk" (then its bound is its old minimum)."""
    oh_j: list[LC]
    q_j: LC
    """The new Q in scenario j."""
    old_q_j: LC
    """The old Q in scenario j."""


@dataclass
class Margins:
    a: PortMargin
    b: PortMargin
    e_old_b: list[LC]
    """Port B's old equities (a liquidated target's)."""


def _argmin(vals: list[int]) -> int:
    return min(range(len(vals)), key=lambda i: (vals[i], i))


def margin_equities(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, ops: Ops, B: PortVars,
                    cash: dict[str, LC], cash_new: NewCash, pos: Positions, haircut_old: dict[str, LC],
                    orders: dict[str, OrderVars], fill: LC) -> Margins:
    """Both ports' scenario equities and the hinted scenario j [margin, margin_a, margin_b].

    Enforces: `rr` is a bit, only in a trade, and only when the traded position shrinks
    towards 0 without flipping (|new_k| = |old_k| - fill); j is one of the S scenarios.

    Cost: 4KS + 6S + 12 constraints (the slot-k column and port B's old equities 2KS;
    per port K*S new equities, 3 for rr, S + 1 for j, 2S + 2 for the values at j and 0).
    K = 8, S = 35: 1,342.
    """
    K, S, oh_k, tr, lq = shape.K, shape.S, ops.oh_k, ops.tr, ops.lq
    with cs.namespace("margin"):
        col = [dot(cs, oh_k, [tv.scen[k][s] for k in range(K)], name=f"col{s}") for s in range(S)]
        e_old_b = equities(cs, cash["b"] - haircut_old["b"], B.old.sizes, tv.scen, name="old_b")
    news = {"a": (cash_new.a, pos.sizes_a), "b": (cash_new.b, pos.sizes_b)}
    m = {}
    for tag in ("a", "b"):
        ncash, nsizes = news[tag]
        o = orders[tag]
        with cs.namespace(f"margin_{tag}"):
            e_new = equities(cs, ncash - pos.haircut[tag], nsizes, tv.scen, name="new")
            q_new = im_quantities(e_new)
            dcash = ncash - cash[tag]
            dhc = pos.haircut[tag] - haircut_old[tag]

            def rr_hint(is_tr, *vals):
                return int(bool(is_tr) and not spec.passes_im([sv(v) for v in vals]))
            rr = cs.hint(rr_hint, tr, *e_new, name="rr")
            assert_bool(cs, rr, name="rr_bool")
            cs.enforce(rr, 1 - tr, 0, name="rr_only_trade")
            # reducing risk: |new_k| = |old_k| - fill, i.e. the position shrinks towards 0
            # without flipping (any other trade gives |old_k| + fill or fill - |old_k|)
            cs.enforce(rr, dhc + fill, 0, name="rr_shrinks")

            def j_hint(is_lq, dc, dh, df, *vals):
                n = len(vals) // 3
                en, cl, eo = vals[:n], vals[n:2 * n], vals[2 * n:]
                if is_lq:
                    failing = spec.first_failing_mm([sv(v) for v in eo])
                    return 0 if failing is None else failing
                old = [sv(en[s]) - sv(dc) + sv(dh) - sv(df) * sv(cl[s]) for s in range(n)]
                return spec.binding(old)
            j = cs.hint(j_hint, ops.minimal if tag == "b" else 0, dcash, dhc, o.dfill, *e_new, *col,
                        *(e_old_b if tag == "b" else e_new), name="j")
            oh_j = one_hot(cs, j, S, name="j_sel")
            e_j = dot(cs, oh_j, e_new, name="e_j")
            col_j = dot(cs, oh_j, col, name="col_j")
            old_j = e_j - dcash + dhc - cs.mul(o.dfill, col_j, name="dfill_col")
            old_0 = e_new[0] - dcash + dhc - cs.mul(o.dfill, col[0], name="dfill_mark")
            m[tag] = PortMargin(q_new, rr, oh_j, spec.im_quantity(e_j, e_new[0]), spec.im_quantity(old_j, old_0))
    return Margins(m["a"], m["b"], e_old_b)


def margin_checks(cs: ConstraintSystem, shape: BatchShape, ops: Ops, m: Margins, fwz: LC, short: LC) -> None:
    """The checks "value >= 0", one per scenario and port [margin_a, margin_b].

    Port A (withdrawal, liquidator but the backstop, maker, forced withdrawal paying > 0)
    and port B (taker, target after a liquidation or forced close) pass initial margin (every
    new Q_s >= 0), or,
    for a trade side that reduces risk, no new Q_s is below its old Q_j. Port B is idle in
    a forced withdrawal, so its scenario-0 check also carries "port A's Q_j < IM_DEN" (a
    forced withdrawal paying less than requested: one more unit would fail initial margin;
    `short`). What a liquidated target fails before is `liquidation.liquidation_checks`.

    Cost: S * (2 * im_bits + 6) + 3 constraints (im_bits = 101; S = 35: 7,283).
    """
    S, tr, lq = shape.S, ops.tr, ops.lq
    E = shape.im_bits + 1  # checked values are differences of two quantities
    need_a = ops.wd + lq - ops.bs + tr + ops.fwv - fwz
    with cs.namespace("margin_a"):
        bound_a = cs.mul(m.a.rr, m.a.old_q_j, name="rr_bound")
        for s in range(S):
            x = cs.mul(need_a, m.a.q_new[s], name=f"need{s}") - bound_a
            assert_nonneg(cs, x, E, name=f"check{s}")
    with cs.namespace("margin_b"):
        bound_b = cs.mul(m.b.rr, m.b.old_q_j, name="rr_bound")
        extra = cs.mul(short, spec.IM_DEN - 1 - m.a.q_j, name="forced_max")
        need_b = tr + lq
        for s in range(S):
            x = cs.mul(need_b, m.b.q_new[s], name=f"need{s}") - bound_b
            assert_nonneg(cs, x + extra if s == 0 else x, E, name=f"check{s}")
