"""Deposit, Withdraw, ForcedWithdraw and Noop: cash in and out of the rollup.

- Deposit (L1 priority queue, no signature): consumed strictly in queue order. Creates the
  account with the given key if the index is empty; otherwise credits it (the key field is
  then ignored: anyone may pay into any account). Moves the deposit rolling hash
  h' = Poseidon(h, account, pk.x, pk.y, amount) (`circuits.batch.public.deposit_chain`).
- Withdraw (signed by the account key, message in `messages`): nonce must equal the
  account's, cash -= amount, nonce += 1; the account must pass initial margin afterwards.
  Public effect (WITHDRAWAL, account, l1_address, amount); the L1 contract pays it.
- ForcedWithdraw (L1 queue, signed like a withdrawal with its own tag, carrying the
  requester's key ``pk``): L1 (and `RollupState.enqueue_forced_withdraw`) verifies the
  signature under ``pk`` and that ``pk`` is a non-identity subgroup point when queuing it,
  and extends the forced-request chain (`circuits.batch.public.forced_chain`). Served in
  queue order, never refused. Valid, i.e. the account is in the tree, exists, is not
  the clearing account, holds the key ``pk`` and the nonce is current: pays
  min(amount, max(0, min_s equity_s)) over the initial grid (as much as margin allows)
  and bumps the nonce. Otherwise (exactly those reasons) it is served with 0 and changes
  nothing. Public effect (FORCED, account, l1_address, paid).
- Noop: changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits import eddsa
from circuits.batch.public import (EFFECT_FORCED, EFFECT_WITHDRAWAL, Effect, deposit_chain,
                                   forced_chain)
from circuits.eddsa import Signature
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.widths import AMOUNT_BITS

from .. import signatures
from ..account import Point, check_public_key
from ..errors import BadSignature, InsufficientMargin, QueueError, StaleNonce
from ..risk import min_equity, passes_initial
from ..units import check_positive
from .base import Operation, Plan
from .messages import (check_account, check_request_fields, forced_withdraw_message,
                       signature_from_obj, signature_to_obj, withdraw_message)


@dataclass(frozen=True)
class Deposit(Operation):
    account: int
    pk: Point
    amount: int
    kind = "deposit"

    def __post_init__(self):
        check_account("account", self.account)
        object.__setattr__(self, "pk", check_public_key(self.pk, "deposit key"))
        check_positive("deposit amount", self.amount, AMOUNT_BITS)

    def apply(self, state):
        if not state.deposit_queue:
            raise QueueError("no pending deposit")
        if state.deposit_queue[0] != self:
            raise QueueError("deposits are consumed in L1 queue order; this is not the next one")
        plan = Plan(state)
        v = plan.view(self.account)
        if v.exists:
            plan.set(self.account, "account", cash=v.cash + self.amount)
        else:
            plan.set(self.account, "account", pk=self.pk, nonce=0, cash=self.amount,
                     sizes=(0,) * state.K)
        h0 = state.deposit_hash
        h1 = deposit_chain(h0, self.account, self.pk[0], self.pk[1], self.amount)
        w = plan.commit(self, self.kind, deposit_hash_before=h0, deposit_hash_after=h1,
                        details={"created": not v.exists})
        state.deposit_queue.popleft()
        state.pending_deposits -= self.amount
        state.deposit_hash = h1
        state.deposits_consumed += 1
        return w

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "pk": list(self.pk), "amount": self.amount}


def _verify(pk, msg: int, sig) -> bool:
    return isinstance(sig, Signature) and signatures.verify(pk, msg, sig)


@dataclass(frozen=True)
class _SignedRequest(Operation):
    account: int
    amount: int
    nonce: int
    l1_address: int
    signature: Signature | None

    def __post_init__(self):
        check_request_fields(self.account, self.amount, self.nonce, self.l1_address)

    @classmethod
    def create(cls, priv: bytes, account: int, amount: int, nonce: int, l1_address: int):
        msg = cls._message(account, amount, nonce, l1_address)
        return cls(account, amount, nonce, l1_address, eddsa.sign(priv, msg))

    def message(self) -> int:
        return self._message(self.account, self.amount, self.nonce, self.l1_address)

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "amount": self.amount, "nonce": self.nonce,
                "l1_address": self.l1_address, "signature": signature_to_obj(self.signature)}


@dataclass(frozen=True)
class Withdraw(_SignedRequest):
    kind = "withdraw"
    _message = staticmethod(withdraw_message)

    def apply(self, state):
        oracle = state.require_oracle()
        plan = Plan(state)
        plan.not_special(self.account, "withdrawer", allowed=(FEE_ACCOUNT, INSURANCE_ACCOUNT))
        v = plan.existing(self.account, "withdrawing")
        if self.nonce != v.nonce:
            raise StaleNonce(f"withdrawal nonce {self.nonce}, account {self.account} is at {v.nonce}")
        msg = self.message()
        if not _verify(v.pk, msg, self.signature):
            raise BadSignature(f"withdrawal signature does not verify for account {self.account}")
        cash = v.cash - self.amount
        plan.set(self.account, "account", cash=cash, nonce=v.nonce + 1)
        if not passes_initial(cash, v.sizes, oracle):
            raise InsufficientMargin(f"account {self.account} would fail initial margin after "
                                     f"withdrawing {self.amount}")
        w = plan.commit(self, self.kind, message=msg,
                        effect=Effect(EFFECT_WITHDRAWAL, self.account, self.l1_address, self.amount))
        state.collateral -= self.amount
        return w


@dataclass(frozen=True)
class ForcedWithdraw(_SignedRequest):
    """A forced withdrawal request as queued on L1. ``pk``: the requester's key (the one
    that signed; it must be the account's for the request to be served with more than 0).
    `create` fills it from the private key."""

    pk: Point | None = None
    kind = "forced_withdraw"
    _message = staticmethod(forced_withdraw_message)

    def __post_init__(self):
        super().__post_init__()
        if self.pk is not None:
            object.__setattr__(self, "pk", check_public_key(self.pk, "forced withdrawal key"))

    @classmethod
    def create(cls, priv: bytes, account: int, amount: int, nonce: int, l1_address: int):
        msg = cls._message(account, amount, nonce, l1_address)
        return cls(account, amount, nonce, l1_address, eddsa.sign(priv, msg), eddsa.public_key(priv))

    def check_request(self) -> None:
        """What L1 checks when queuing: a key (subgroup point, checked at construction) and
        a signature of the request under it; ValueError otherwise."""
        if self.pk is None:
            raise ValueError("a forced withdrawal request needs the requester's public key")
        if not _verify(self.pk, self.message(), self.signature):
            raise ValueError("the forced withdrawal signature does not verify under the request's key")

    def chain(self, h: int) -> int:
        """The forced-request rolling hash after this request (`public.forced_chain`)."""
        return forced_chain(h, self.account, self.pk[0], self.amount, self.nonce, self.l1_address)

    def to_obj(self) -> dict:
        obj = super().to_obj()
        obj["pk"] = None if self.pk is None else list(self.pk)
        return obj

    def apply(self, state):
        if not state.forced_queue:
            raise QueueError("no pending forced withdrawal")
        if state.forced_queue[0] != self:
            raise QueueError("forced withdrawals are served in L1 queue order; this is not the next one")
        oracle = state.require_oracle()
        plan = Plan(state)
        msg = self.message()
        v = plan.view(self.account) if self.account < state.tree.capacity else None
        self.check_request()           # queued requests passed it; guards hand-made queues
        reason, paid, scen = None, 0, 0
        if v is None:
            reason = "account outside the tree"
        elif self.account == CLEARING_ACCOUNT:
            reason = "clearing account"
        elif not v.exists:
            reason = "unknown account"
        elif tuple(self.pk) != tuple(v.pk):
            reason = "another key"
        elif self.nonce != v.nonce:
            reason = "stale nonce"
        if reason is None:
            m, scen = min_equity(v.cash, v.sizes, oracle.scen_init)
            paid = min(self.amount, max(m, 0))
            plan.set(self.account, "account", cash=v.cash - paid, nonce=v.nonce + 1)
        elif v is not None:
            plan.read(self.account, "account")
        h0 = state.forced_hash
        h1 = self.chain(h0)
        w = plan.commit(self, self.kind, message=msg,
                        effect=Effect(EFFECT_FORCED, self.account, self.l1_address, paid),
                        details={"requested": self.amount, "paid": paid, "rejected": reason,
                                 "min_scenario": scen, "forced_hash_before": h0,
                                 "forced_hash_after": h1})
        state.forced_queue.popleft()
        state.forced_hash = h1
        state.forced_served += 1
        state.collateral -= paid
        return w


@dataclass(frozen=True)
class Noop(Operation):
    kind = "noop"

    def apply(self, state):
        return Plan(state).commit(self, self.kind)

    def to_obj(self) -> dict:
        return {"type": self.kind}


def request_from_obj(obj: dict):
    args = (obj["account"], obj["amount"], obj["nonce"], obj["l1_address"],
            signature_from_obj(obj["signature"]))
    if obj["type"] == "forced_withdraw":
        pk = obj.get("pk")
        return ForcedWithdraw(*args, pk=None if pk is None else tuple(pk))
    if obj["type"] == "withdraw":
        return Withdraw(*args)
    raise KeyError(obj["type"])
