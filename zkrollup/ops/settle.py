"""Settle: after expiry, pay an account's position in one slot at the settlement value.

Needs no signature (the operator settles everyone). Requires the oracle table to mark the
slot settled (`settled[k] = 1`, `settle_value[k]` = the exact payoff per contract of the
published settlement price, checked against the market by `OracleTable.check_against`).

    account:  cash += size * settle_value[k],  size_k -> 0
    clearing: cash -= size * settle_value[k],  size_k += size

The clearing account (index 2) is the counterparty of every settlement, so cash and
long = short open interest hold after each single Settle; once every position of the slot
is settled the clearing account is flat again and the slot's open interest is 0.
Errors: NoOracle, BadInstrument (slot not settled), ForbiddenAccount (the clearing
account itself), UnknownAccount, NothingToSettle (size 0).
Updates (witness order): account, clearing account.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.ops import OP_SETTLE
from circuits.spec.records import encode_record

from ..errors import BadInstrument, NothingToSettle
from ..units import check_unsigned
from .base import Operation, Plan
from .messages import check_account, obj_field


@dataclass(frozen=True)
class Settle(Operation):
    account: int
    slot: int
    kind = "settle"

    def __post_init__(self):
        check_account("account", self.account)
        check_unsigned("slot", self.slot, 4)

    def apply(self, state):
        oracle = state.require_oracle()
        k = self.slot
        if k >= state.K or not oracle.settled[k]:
            raise BadInstrument(f"slot {k} has no settlement price in the oracle table")
        plan = Plan(state)
        plan.not_special(self.account, "settled account", allowed=(FEE_ACCOUNT, INSURANCE_ACCOUNT))
        v = plan.existing(self.account, "settled")
        size = v.sizes[k]
        if size == 0:
            raise NothingToSettle(f"account {self.account} has no position in slot {k}")
        amount = size * oracle.settle_value[k]
        sizes = list(v.sizes)
        sizes[k] = 0
        plan.set(self.account, "account", cash=v.cash + amount, sizes=sizes)
        vc = plan.existing(CLEARING_ACCOUNT, "clearing")
        c_sizes = list(vc.sizes)
        c_sizes[k] += size
        plan.set(CLEARING_ACCOUNT, "clearing", cash=vc.cash - amount, sizes=c_sizes)
        record = encode_record(OP_SETTLE, account=self.account, slot=k)
        return plan.commit(self, self.kind, record=record,
                           details={"slot": k, "size": size, "amount": amount, "settle_value": oracle.settle_value[k]})

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "slot": self.slot}

    @classmethod
    def from_obj(cls, obj: dict) -> "Settle":
        return cls(obj_field(obj, "account", "settlement"), obj_field(obj, "slot", "settlement"))
