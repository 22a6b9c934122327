"""Cancel: the owner of an order cancels it with a signed message (op code 7).

The order's fill leaf becomes (order_id, CANCELLED) (`circuits.spec.orders.apply_cancel`),
so no fill of it (nor of any older order of that fill slot) can follow: the circuit
refuses filled + fill > size for every size. The rules, against the slot's stored order
id: a cancel of an id below it is a replay or comes too late (a newer order uses the
slot; ReplayedOrder); of the same id it cancels the order whatever was filled; of a
larger id (or a slot never used) it takes the slot over, so the order is cancelled before
it ever trades. The message (`circuits.spec.messages.cancel_message`: account, order id,
deployment id) carries no nonce: the fill leaf itself refuses replays of older cancels,
and cancelling a cancelled order again changes nothing.

Checks: the account exists (UnknownAccount); signed for this deployment
(WrongDeployment) by the account's key (BadSignature); the fill rule (ReplayedOrder).
Any account may cancel, the special ones included (their keys are the operator's). No
nonce or cash changes. Update: the account (its order-fill leaf).
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits import eddsa
from circuits.spec import orders as fills
from circuits.spec.ops import OP_CANCEL
from circuits.spec.records import encode_record
from circuits.spec.widths import ORDER_ID_BITS

from ..errors import ReplayedOrder
from ..units import check_positive
from .base import Operation, Plan
from .messages import (check_deployment_id, PROVEN, cancel_message, check_account, check_deployment, check_signed_by, obj_field,
                       signature_from_obj, signature_to_obj)


@dataclass(frozen=True)
class Cancel(Operation):
    account: int
    order_id: int
    deployment_id: int
    signature: object
    kind = "cancel"

    def __post_init__(self):
        check_account("account", self.account)
        check_positive("order id", self.order_id, ORDER_ID_BITS)
        check_deployment_id(self.deployment_id)

    @classmethod
    def create(cls, priv: bytes, account: int, order_id: int, deployment_id: int) -> "Cancel":
        return cls(account, order_id, deployment_id,
                   eddsa.sign(priv, cancel_message(account, order_id, deployment_id)))

    def message(self) -> int:
        return cancel_message(self.account, self.order_id, self.deployment_id)

    def apply(self, state):
        plan = Plan(state)
        v = plan.existing(self.account, "cancelling")
        check_deployment(f"the cancel of order {self.order_id}", self.deployment_id, state)
        msg = self.message()
        check_signed_by(v.pk, msg, self.signature, f"cancel of order {self.order_id} of account {self.account}")
        acc = state.accounts[self.account]
        oslot = acc.order_slot_of(self.order_id)
        sid, _ = acc.order_state(oslot)
        if self.order_id < sid:
            raise ReplayedOrder(f"cancel of order {self.order_id}: its fill slot already holds order {sid}")
        oid, filled = fills.apply_cancel(self.order_id, sid)
        plan.set(self.account, "account", order=(oslot, oid, filled))
        record = encode_record(OP_CANCEL, account=self.account, order_id=self.order_id)
        return plan.commit(self, self.kind, message=msg, record=record,
                           details={"fill_slot": oslot, "replaced": sid != self.order_id and sid != 0})

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "order_id": self.order_id,
                "deployment_id": self.deployment_id, "signature": signature_to_obj(self.signature)}

    @classmethod
    def from_obj(cls, obj: dict) -> "Cancel":
        f = [obj_field(obj, n, "cancel") for n in ("account", "order_id", "deployment_id", "signature")]
        return cls(*f[:3], signature_from_obj(f[3]))

    @classmethod
    def proven(cls, state, account: int, order_id: int) -> "Cancel":
        """The cancel an accepted batch's record shows (signature vouched by the proof)."""
        return cls(account, order_id, state.market.deployment_id, PROVEN)
