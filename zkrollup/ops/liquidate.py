"""Liquidate: a liquidator takes over the whole portfolio of an account failing maintenance.

Rule (all integers; G, V >= 0 floors by // are exact integer divisions):

    V  = sum_k size_k * mark_k                  the portfolio's value at mark
    G  = sum_k |size_k| * mark_k                its gross mark value
    B  = G * liq_bonus_bps   // 10000           the liquidator's discount (market parameter)
    P  = G * liq_penalty_bps // 10000           the penalty to the insurance fund
    c' = cash + V - B - P                       what the target is left with

- liquidator: sizes += target's sizes, cash -= V - B (it buys the portfolio at mark minus
  the bonus), nonce += 1; must pass initial margin afterwards;
- target: sizes -> 0, cash -> max(c', 0);
- insurance fund: cash += P + min(c', 0) (it receives the penalty and covers any shortfall;
  it may go negative).

Cash is conserved: -(V - B) + (max(c',0) - cash) + P + min(c',0) = 0. Open interest can
only shrink (the liquidator's positions may net against the target's).

Checks: an oracle table is set; liquidator and target differ and neither is a special
account (ForbiddenAccount); both exist; signed for this deployment (WrongDeployment);
timestamp <= valid_until (ExpiredOrder); nonce and signature of the liquidator
(StaleNonce, BadSignature); the target fails maintenance:
some scenario s of the table has equity_s < 0 (NotLiquidatable otherwise; the
witness names the first such s, so the circuit checks one scenario, K products);
results within their widths; the liquidator passes initial margin (InsufficientMargin).
Updates (witness order): liquidator, target, insurance fund.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits import eddsa
from circuits.spec import margin
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.ops import OP_LIQUIDATE
from circuits.spec.records import encode_record
from circuits.spec.widths import BPS_DENOMINATOR, NONCE_BITS, TIME_BITS

from ..errors import ExpiredOrder, ForbiddenAccount, InsufficientMargin, NotLiquidatable, StaleNonce
from ..risk import equities, gross_mark_value, passes_initial, portfolio_mark_value
from ..units import check_unsigned
from .base import Operation, Plan
from .messages import (check_deployment_id, PROVEN, check_account, check_deployment, check_signed_by, liquidate_message,
                       obj_field, signature_from_obj, signature_to_obj)


@dataclass(frozen=True)
class Liquidate(Operation):
    liquidator: int
    target: int
    nonce: int
    valid_until: int
    deployment_id: int
    signature: object
    kind = "liquidate"

    def __post_init__(self):
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
        failing = margin.first_failing_mm(equities(vt.cash, vt.sizes, oracle))
        if failing is None:
            raise NotLiquidatable(f"account {self.target} passes maintenance margin")
        value = portfolio_mark_value(vt.sizes, oracle)
        gross = gross_mark_value(vt.sizes, oracle)
        bonus = gross * state.market.liq_bonus_bps // BPS_DENOMINATOR
        penalty = gross * state.market.liq_penalty_bps // BPS_DENOMINATOR
        left = vt.cash + value - bonus - penalty
        l_sizes = [a + b for a, b in zip(vl.sizes, vt.sizes)]
        l_cash = vl.cash - (value - bonus)
        plan.set(self.liquidator, "liquidator", cash=l_cash, sizes=l_sizes, nonce=vl.nonce + 1)
        if not passes_initial(l_cash, l_sizes, oracle):
            raise InsufficientMargin(f"liquidator {self.liquidator} would fail initial margin")
        plan.set(self.target, "target", cash=max(left, 0), sizes=(0,) * state.K)
        vi = plan.existing(INSURANCE_ACCOUNT, "insurance")
        plan.set(INSURANCE_ACCOUNT, "insurance", cash=vi.cash + penalty + min(left, 0))
        details = {"failing_scenario": failing, "mark_value": value, "gross_value": gross,
                   "bonus": bonus, "penalty": penalty, "left": left, "shortfall": max(-left, 0)}
        record = encode_record(OP_LIQUIDATE, liquidator=self.liquidator, target=self.target)
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
    def proven(cls, state, liquidator: int, target: int) -> "Liquidate":
        """The liquidation an accepted batch's record shows (signature vouched by the proof)."""
        return cls(liquidator, target, state.account(liquidator).nonce, state.require_oracle().timestamp,
                   state.market.deployment_id, PROVEN)
