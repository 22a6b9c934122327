"""Liquidate: a liquidator takes over part of an account failing maintenance, in steps.

The rule is `circuits.spec.liquidation` (docs/risk.md): q steps of 1/LIQ_STEPS of every
position, q the fewest after which the target passes initial margin (all of it when
nothing less does). With the taken positions' mark value V, gross mark value G, bonus
B = G * liq_bonus_bps // 10000 and penalty P = G * liq_penalty_bps // 10000:

- liquidator: sizes += taken, cash -= V - B (it buys at mark minus the bonus),
  nonce += 1; must pass initial margin afterwards;
- target: sizes -= taken, cash -> left = cash + V - B - P (at q = LIQ_STEPS: max(left, 0));
- insurance fund: cash += P, plus min(left, 0) at q = LIQ_STEPS (it covers a shortfall).

Cash is conserved: -(V - B) + (left - cash) + P = 0 (and likewise with the clamp at full
liquidation). Open interest can only shrink.

Checks: an oracle table is set; liquidator and target differ and neither is a special
account (ForbiddenAccount); both exist; signed for this deployment (WrongDeployment);
timestamp <= valid_until (ExpiredOrder); nonce and signature of the liquidator
(StaleNonce, BadSignature); the target fails maintenance:
some scenario s of the table has equity_s < 0 (NotLiquidatable otherwise; the
witness names the first such s, so the circuit checks one scenario, K products);
results within their widths; the liquidator passes initial margin (InsufficientMargin).
``steps`` is None for a request (the rule picks q) and the recorded q for an operation
rebuilt from L1 (`proven`: it must satisfy what the circuit proves of q).
Updates (witness order): liquidator, target, insurance fund.

`Backstop`: the same take-over with the insurance fund as the taker, unsigned and without a
margin check of the fund (when no liquidator steps in; its record names account 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from circuits import eddsa
from circuits.spec import liquidation as rule
from circuits.spec import margin
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.ops import OP_LIQUIDATE
from circuits.spec.records import encode_record
from circuits.spec.widths import NONCE_BITS, TIME_BITS

from ..errors import ExpiredOrder, ForbiddenAccount, InsufficientMargin, NotLiquidatable, StaleNonce
from ..risk import equities, passes_initial
from ..units import check_unsigned
from .base import Operation, Plan
from .messages import (check_deployment_id, PROVEN, check_account, check_deployment, check_signed_by, liquidate_message,
                       obj_field, signature_from_obj, signature_to_obj)


def _check_steps(steps) -> None:
    """None (the rule picks q) or a recorded q in 1..LIQ_STEPS."""
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool)
                              or not 1 <= steps <= rule.LIQ_STEPS):
        raise ValueError(f"liquidation steps must be in 1..{rule.LIQ_STEPS}, got {steps!r}")


def take_over(state, plan: Plan, taker: int, vl, target: int, vt, steps: Optional[int], backstop: bool,
              forced: bool = False) -> dict:
    """Plan the liquidation of `target` (view vt) by `taker` (view vl; the insurance fund for
    the backstop) under the partial rule; returns the details (steps, what is taken, ...).
    NotLiquidatable unless the target fails maintenance (or for recorded steps the circuit
    would not prove); InsufficientMargin if a liquidator (not the backstop) would fail
    initial margin. ``forced``: a forced close (`forced_close.ForcedClose`, by the backstop):
    every step, whether or not the target fails maintenance."""
    oracle, m = state.require_oracle(), state.market
    failing = margin.first_failing_mm(equities(vt.cash, vt.sizes, oracle))
    if failing is None and not forced:
        raise NotLiquidatable(f"account {target} passes maintenance margin")
    scen = oracle.scen
    if forced:
        steps = rule.LIQ_STEPS
    elif steps is None:
        steps = rule.steps_needed(vt.cash, vt.sizes, scen, m.liq_bonus_bps, m.liq_penalty_bps)
    elif not rule.steps_valid(vt.cash, vt.sizes, scen, m.liq_bonus_bps, m.liq_penalty_bps, steps):
        raise NotLiquidatable(f"account {target} cannot be liquidated in {steps} steps")
    t = rule.terms(vt.cash, vt.sizes, oracle.mark, m.liq_bonus_bps, m.liq_penalty_bps, steps)
    l_sizes = [a + b for a, b in zip(vl.sizes, t.taken)]
    l_cash = vl.cash - (t.value - t.bonus)
    plan.set(taker, "liquidator", cash=l_cash, sizes=l_sizes, nonce=vl.nonce + 1)
    if not backstop and not passes_initial(l_cash, l_sizes, oracle):
        raise InsufficientMargin(f"liquidator {taker} would fail initial margin")
    t_cash, t_sizes = rule.target_after(vt.cash, vt.sizes, t)
    plan.set(target, "target", cash=t_cash, sizes=t_sizes)
    vi = plan.existing(INSURANCE_ACCOUNT, "insurance")
    plan.set(INSURANCE_ACCOUNT, "insurance", cash=vi.cash + t.penalty - t.shortfall)
    return {"failing_scenario": failing, "steps": steps, "of_steps": rule.LIQ_STEPS, "taken": list(t.taken),
            "mark_value": t.value, "gross_value": t.gross, "bonus": t.bonus, "penalty": t.penalty,
            "left": t.left, "shortfall": t.shortfall, "backstop": backstop}


@dataclass(frozen=True)
class Liquidate(Operation):
    liquidator: int
    target: int
    nonce: int
    valid_until: int
    deployment_id: int
    signature: object
    steps: Optional[int] = None
    kind = "liquidate"

    def __post_init__(self):
        _check_steps(self.steps)
        check_account("liquidator", self.liquidator)
        check_account("target", self.target)
        check_unsigned("nonce", self.nonce, NONCE_BITS)
        check_unsigned("valid until", self.valid_until, TIME_BITS)
        check_deployment_id(self.deployment_id)

    @classmethod
    def create(cls, priv: bytes, liquidator: int, target: int, nonce: int, valid_until: int,
               deployment_id: int) -> "Liquidate":
        msg = liquidate_message(liquidator, target, nonce, valid_until, deployment_id)
        return cls(liquidator, target, nonce, valid_until, deployment_id, eddsa.sign(priv, msg))

    def message(self) -> int:
        return liquidate_message(self.liquidator, self.target, self.nonce, self.valid_until, self.deployment_id)

    def apply(self, state):
        oracle = state.require_oracle()
        if self.liquidator == self.target:
            raise ForbiddenAccount("an account cannot liquidate itself")
        plan = Plan(state)
        plan.not_special(self.liquidator, "liquidator")
        plan.not_special(self.target, "liquidation target")
        vl = plan.existing(self.liquidator, "liquidator")
        vt = plan.existing(self.target, "target")
        check_deployment("the liquidation request", self.deployment_id, state)
        if oracle.timestamp > self.valid_until:
            raise ExpiredOrder(f"liquidation request expired at {self.valid_until}")
        if self.nonce != vl.nonce:
            raise StaleNonce(f"liquidation nonce {self.nonce}, account {self.liquidator} is at {vl.nonce}")
        msg = self.message()
        check_signed_by(vl.pk, msg, self.signature, f"liquidation request of account {self.liquidator}")
        details = take_over(state, plan, self.liquidator, vl, self.target, vt, self.steps, backstop=False)
        record = encode_record(OP_LIQUIDATE, liquidator=self.liquidator, target=self.target, steps=details["steps"])
        return plan.commit(self, self.kind, message=msg, details=details, record=record)

    def to_obj(self) -> dict:
        return {"type": self.kind, "liquidator": self.liquidator, "target": self.target,
                "nonce": self.nonce, "valid_until": self.valid_until, "deployment_id": self.deployment_id,
                "signature": signature_to_obj(self.signature)}

    @classmethod
    def from_obj(cls, obj: dict) -> "Liquidate":
        f = [obj_field(obj, n, "liquidation") for n in ("liquidator", "target", "nonce", "valid_until",
                                                          "deployment_id", "signature")]
        return cls(*f[:5], signature_from_obj(f[5]))

    @classmethod
    def proven(cls, state, liquidator: int, target: int, steps: int) -> "Liquidate":
        """The liquidation an accepted batch's record shows (signature vouched by the proof)."""
        return cls(liquidator, target, state.account(liquidator).nonce, state.require_oracle().timestamp,
                   state.market.deployment_id, PROVEN, steps)


@dataclass(frozen=True)
class Backstop(Operation):
    """The backstop: the insurance fund takes over (part of) an account failing maintenance
    when no liquidator does, by the same rule and at the same terms (mark less the bonus;
    the target pays the penalty), unsigned and without a margin check of the fund. Anyone
    may ask for it (the operator does for accounts still failing maintenance when it
    seals a batch, `Operator.backstop`); the record is a liquidation whose liquidator is
    the insurance fund. The fund's nonce counts its takeovers, as a liquidator's does."""

    target: int
    steps: Optional[int] = None
    kind = "liquidate"

    def __post_init__(self):
        check_account("target", self.target)
        _check_steps(self.steps)

    def apply(self, state):
        state.require_oracle()
        plan = Plan(state)
        plan.not_special(self.target, "liquidation target")
        vi = plan.existing(INSURANCE_ACCOUNT, "insurance")
        vt = plan.existing(self.target, "target")
        details = take_over(state, plan, INSURANCE_ACCOUNT, vi, self.target, vt, self.steps, backstop=True)
        record = encode_record(OP_LIQUIDATE, liquidator=INSURANCE_ACCOUNT, target=self.target,
                               steps=details["steps"])
        return plan.commit(self, self.kind, details=details, record=record)

    def to_obj(self) -> dict:
        return {"type": "backstop", "target": self.target}

    @classmethod
    def from_obj(cls, obj: dict) -> "Backstop":
        return cls(obj_field(obj, "target", "backstop"))

    @classmethod
    def proven(cls, state, target: int, steps: int) -> "Backstop":
        """The backstop an accepted batch's record shows."""
        return cls(target, steps)
