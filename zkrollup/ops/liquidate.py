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
account (ForbiddenAccount); both exist; timestamp <= valid_until (ExpiredOrder); nonce
and signature of the liquidator (StaleNonce, BadSignature); the target fails maintenance:
some scenario s of the maintenance grid has equity_s < 0 (NotLiquidatable otherwise; the
witness names the first such s, so the circuit checks one scenario, K products);
results within their widths; the liquidator passes initial margin (InsufficientMargin).
Updates (witness order): liquidator, target, insurance fund.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits import eddsa
from circuits.eddsa import Signature
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.widths import BPS_DENOMINATOR, NONCE_BITS, TIME_BITS

from .. import signatures
from ..errors import (BadSignature, ExpiredOrder, ForbiddenAccount, InsufficientMargin,
                      NotLiquidatable, StaleNonce)
from ..risk import gross_mark_value, passes_initial, portfolio_mark_value, scenario_equities
from ..units import check_unsigned
from .base import Operation, Plan
from .messages import check_account, liquidate_message, signature_from_obj, signature_to_obj


@dataclass(frozen=True)
class Liquidate(Operation):
    liquidator: int
    target: int
    nonce: int
    valid_until: int
    signature: Signature | None
    kind = "liquidate"

    def __post_init__(self):
        check_account("liquidator", self.liquidator)
        check_account("target", self.target)
        check_unsigned("nonce", self.nonce, NONCE_BITS)
        check_unsigned("valid until", self.valid_until, TIME_BITS)

    @classmethod
    def create(cls, priv: bytes, liquidator: int, target: int, nonce: int, valid_until: int) -> "Liquidate":
        return cls(liquidator, target, nonce, valid_until,
                   eddsa.sign(priv, liquidate_message(liquidator, target, nonce, valid_until)))

    def message(self) -> int:
        return liquidate_message(self.liquidator, self.target, self.nonce, self.valid_until)

    def apply(self, state):
        oracle = state.require_oracle()
        if self.liquidator == self.target:
            raise ForbiddenAccount("an account cannot liquidate itself")
        plan = Plan(state)
        plan.not_special(self.liquidator, "liquidator")
        plan.not_special(self.target, "liquidation target")
        vl = plan.existing(self.liquidator, "liquidator")
        vt = plan.existing(self.target, "target")
        if oracle.timestamp > self.valid_until:
            raise ExpiredOrder(f"liquidation request expired at {self.valid_until}")
        if self.nonce != vl.nonce:
            raise StaleNonce(f"liquidation nonce {self.nonce}, account {self.liquidator} is at {vl.nonce}")
        msg = self.message()
        if not (isinstance(self.signature, Signature) and signatures.verify(vl.pk, msg, self.signature)):
            raise BadSignature(f"liquidation request is not signed by account {self.liquidator}")
        eq = scenario_equities(vt.cash, vt.sizes, oracle.scen_maint)
        failing = next((s for s, e in enumerate(eq) if e < 0), None)
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
        return plan.commit(self, self.kind, message=msg, details=details)

    def to_obj(self) -> dict:
        return {"type": self.kind, "liquidator": self.liquidator, "target": self.target,
                "nonce": self.nonce, "valid_until": self.valid_until,
                "signature": signature_to_obj(self.signature)}

    @classmethod
    def from_obj(cls, obj: dict) -> "Liquidate":
        return cls(obj["liquidator"], obj["target"], obj["nonce"], obj["valid_until"],
                   signature_from_obj(obj["signature"]))
