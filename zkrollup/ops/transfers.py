"""Deposit, Withdraw, ForcedWithdraw and Noop: cash in and out of the rollup.

- Deposit (L1 priority queue entry of kind deposit: account, key, amount, depositor; no
  signature): served strictly in queue order. The outcome is the spec's
  (`circuits.spec.priority.deposit_outcome`): CREATE when the index is empty (the
  account gets the deposit's key and owner = the depositor), CREDIT when the account's
  key is the deposit's key and its owner is the depositor, else REFUND: nothing in the
  tree changes, the record's flag is 1 and L1 pays the amount back to the depositor in
  the transaction that accepts the batch. So nobody can front-run a deposit to a fresh
  index and take it: the front-runner's account has another key (or, with the victim's
  key copied, another owner), and the victim's deposit comes back to the victim.
- Withdraw (signed by the account key for this deployment, carrying the account's
  nonce): cash -= amount, nonce += 1; the account must pass initial margin afterwards.
  L1 pays `amount` to `l1_address` (the record's fields).
- ForcedWithdraw (L1 queue entry of kind forced: account, amount, requester; no
  signature, L1 took it from the requester's address): served in queue order, never
  refused. Valid iff the account is in the tree, exists, is not the clearing account and
  the requester is its owner; a valid one pays as much as initial margin allows,
  min(amount, `circuits.spec.margin.im_allowance`), an invalid one pays 0 and changes
  nothing. The nonce never changes.
  L1 pays `paid` (the record's) to the requester.
- Noop: changes nothing.

Every operation computes its record (`circuits.spec.records`) natively.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec import margin
from circuits.spec import priority as prio_spec
from circuits.spec.accounts import FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.ops import OP_DEPOSIT, OP_FORCED, OP_WITHDRAW
from circuits.spec.records import encode_record
from circuits.spec.widths import AMOUNT_BITS, L1_ADDRESS_BITS

from .. import poseidon_fast
from ..account import Point, check_public_key
from ..errors import InsufficientMargin, QueueError, StaleNonce
from ..risk import equities, passes_initial
from ..units import check_positive, check_unsigned
from .base import Operation, Plan
from .messages import (check_deployment_id, PROVEN, BadRequest, check_account, check_deployment, check_request_fields,
                       check_signed_by, obj_field, signature_from_obj, signature_to_obj, withdraw_message)
from circuits import eddsa

_FAST = poseidon_fast.poseidon


def check_queue_head(state, op, what: str) -> None:
    if not state.prio_queue:
        raise QueueError(f"no pending L1 queue entry for this {what}")
    if state.prio_queue[0] != op:
        raise QueueError(f"L1 queue entries are served in order; this {what} is not the next one")


@dataclass(frozen=True)
class Deposit(Operation):
    account: int
    pk: Point
    amount: int
    depositor: int
    kind = "deposit"

    def __post_init__(self):
        check_account("account", self.account)
        object.__setattr__(self, "pk", check_public_key(self.pk, "deposit key"))
        check_positive("deposit amount", self.amount, AMOUNT_BITS)
        check_unsigned("depositor", self.depositor, L1_ADDRESS_BITS)

    def chain(self, prio: int) -> int:
        """The priority chain after this entry (`circuits.spec.priority.deposit_entry`)."""
        return prio_spec.deposit_entry(prio, self.account, self.pk, self.amount, self.depositor, _FAST)

    def apply(self, state):
        check_queue_head(state, self, "deposit")
        plan = Plan(state)
        v = plan.view(self.account)
        outcome = prio_spec.deposit_outcome(v.exists, v.pk, v.owner, self.pk, self.depositor)
        if outcome == prio_spec.CREATE:
            plan.set(self.account, "account", pk=self.pk, owner=self.depositor, nonce=0, cash=self.amount,
                     sizes=(0,) * state.K)
        elif outcome == prio_spec.CREDIT:
            plan.set(self.account, "account", cash=v.cash + self.amount)
        else:
            plan.read(self.account, "account")
        refunded = int(outcome == prio_spec.REFUND)
        p0 = state.prio
        p1 = self.chain(p0)
        record = encode_record(OP_DEPOSIT, account=self.account, amount=self.amount, refunded=refunded)
        w = plan.commit(self, self.kind, record=record, prio_before=p0, prio_after=p1,
                        details={"outcome": outcome, "refunded": refunded})
        state.serve_entry(p1)
        state.pending_deposits -= self.amount
        if refunded:
            state.collateral -= self.amount            # L1 pays it back to the depositor
        return w

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "pk": list(self.pk), "amount": self.amount,
                "depositor": self.depositor}

    @classmethod
    def from_obj(cls, obj: dict) -> "Deposit":
        pk = obj_field(obj, "pk", "deposit")
        if not isinstance(pk, (list, tuple)) or len(pk) != 2:
            raise BadRequest("a deposit key is [x, y]")
        return cls(obj_field(obj, "account", "deposit"), tuple(pk), obj_field(obj, "amount", "deposit"),
                   obj_field(obj, "depositor", "deposit"))


@dataclass(frozen=True)
class Withdraw(Operation):
    account: int
    amount: int
    nonce: int
    l1_address: int
    deployment_id: int
    signature: object
    kind = "withdraw"

    def __post_init__(self):
        check_request_fields(self.account, self.amount, self.nonce, self.l1_address)
        check_deployment_id(self.deployment_id)

    @classmethod
    def create(cls, priv: bytes, account: int, amount: int, nonce: int, l1_address: int,
               deployment_id: int) -> "Withdraw":
        msg = withdraw_message(account, amount, nonce, l1_address, deployment_id)
        return cls(account, amount, nonce, l1_address, deployment_id, eddsa.sign(priv, msg))

    def message(self) -> int:
        return withdraw_message(self.account, self.amount, self.nonce, self.l1_address, self.deployment_id)

    def apply(self, state):
        oracle = state.require_oracle()
        plan = Plan(state)
        plan.not_special(self.account, "withdrawer", allowed=(FEE_ACCOUNT, INSURANCE_ACCOUNT))
        v = plan.existing(self.account, "withdrawing")
        check_deployment("the withdrawal", self.deployment_id, state)
        if self.nonce != v.nonce:
            raise StaleNonce(f"withdrawal nonce {self.nonce}, account {self.account} is at {v.nonce}")
        if self.l1_address == 0:
            # L1 skips payouts to address 0: the tokens would stay in the rollup for good
            # (the circuit refuses it too: request.l1_nonzero)
            raise BadRequest("a withdrawal to L1 address 0 would burn the tokens")
        msg = self.message()
        check_signed_by(v.pk, msg, self.signature, f"withdrawal from account {self.account}")
        cash = v.cash - self.amount
        plan.set(self.account, "account", cash=cash, nonce=v.nonce + 1)
        if not passes_initial(cash, v.sizes, oracle):
            raise InsufficientMargin(f"account {self.account} would fail initial margin after "
                                     f"withdrawing {self.amount}")
        record = encode_record(OP_WITHDRAW, account=self.account, amount=self.amount, l1_address=self.l1_address)
        w = plan.commit(self, self.kind, message=msg, record=record)
        state.collateral -= self.amount
        return w

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "amount": self.amount, "nonce": self.nonce,
                "l1_address": self.l1_address, "deployment_id": self.deployment_id,
                "signature": signature_to_obj(self.signature)}

    @classmethod
    def from_obj(cls, obj: dict) -> "Withdraw":
        f = [obj_field(obj, n, "withdrawal") for n in ("account", "amount", "nonce", "l1_address",
                                                         "deployment_id", "signature")]
        return cls(*f[:5], signature_from_obj(f[5]))

    @classmethod
    def proven(cls, state, account: int, amount: int, l1_address: int) -> "Withdraw":
        """The withdrawal an accepted batch's record shows (signature vouched by the proof)."""
        acc = state.account(account)
        return cls(account, amount, acc.nonce, l1_address, state.market.deployment_id, PROVEN)


@dataclass(frozen=True)
class ForcedWithdraw(Operation):
    """A forced withdrawal as queued on L1 by `requester` (msg.sender): paid only when the
    requester is the account's owner (see the module docstring)."""

    account: int
    amount: int
    requester: int
    kind = "forced_withdraw"

    def __post_init__(self):
        check_account("account", self.account)
        check_positive("amount", self.amount, AMOUNT_BITS)
        check_unsigned("requester", self.requester, L1_ADDRESS_BITS)

    def chain(self, prio: int) -> int:
        return prio_spec.forced_entry(prio, self.account, self.amount, self.requester, _FAST)

    def apply(self, state):
        check_queue_head(state, self, "forced withdrawal")
        oracle = state.require_oracle()
        plan = Plan(state)
        in_tree = plan.in_tree(self.account)
        v = plan.view(self.account) if in_tree else None
        valid = prio_spec.forced_valid(in_tree, v is not None and v.exists, self.account,
                                       v.owner if v is not None else 0, self.requester)
        paid, scen = 0, 0
        if valid:
            eq = equities(v.cash, v.sizes, oracle)
            scen = margin.binding(eq)
            paid = prio_spec.forced_paid(True, self.amount, margin.im_allowance(eq))
            plan.set(self.account, "account", cash=v.cash - paid)
        elif in_tree:
            plan.read(self.account, "account")
        p0 = state.prio
        p1 = self.chain(p0)
        record = encode_record(OP_FORCED, account=self.account, amount=self.amount, paid=paid)
        w = plan.commit(self, self.kind, record=record, prio_before=p0, prio_after=p1,
                        details={"requested": self.amount, "paid": paid, "valid": valid, "min_scenario": scen})
        state.serve_entry(p1)
        state.collateral -= paid
        return w

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "amount": self.amount, "requester": self.requester}

    @classmethod
    def from_obj(cls, obj: dict) -> "ForcedWithdraw":
        return cls(*(obj_field(obj, n, "forced withdrawal") for n in ("account", "amount", "requester")))


@dataclass(frozen=True)
class Noop(Operation):
    kind = "noop"

    def apply(self, state):
        return Plan(state).commit(self, self.kind)

    def to_obj(self) -> dict:
        return {"type": self.kind}
