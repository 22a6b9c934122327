"""ForcedClose: the backstop takes over everything an account holds, at its owner's request
on L1 (a priority-queue entry of kind forced close, `circuits.spec.priority`).

A user whose orders the operator censors cannot trade out of a position; a forced
withdrawal only pays free cash. So the owner queues a forced close on L1 (which admits
only the account's owner, so every queued request can be served); the batch that reaches
the entry must serve it, by the queue's deadline, or the rollup enters exodus. It is the
backstop's take-over (`liquidate.take_over`) of all LIQ_STEPS steps, at the same terms:
the insurance fund takes every position at the mark less the bonus, the account pays the
penalty and keeps the rest in cash (the fund covers a negative remainder), whether or not
the account fails maintenance. Unsigned (L1 vouches for the requester); never refused
once queued (`check_forced_close` is what L1 and `RollupState.enqueue_forced_close`
refuse before queueing). Updates (witness order): the insurance fund (port A), the
account (port B), the fund's deferred penalty.
"""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec import priority as prio_spec
from circuits.spec.accounts import INSURANCE_ACCOUNT
from circuits.spec.ops import OP_FORCED_CLOSE
from circuits.spec.records import encode_record
from circuits.spec.widths import L1_ADDRESS_BITS

from .. import poseidon_fast
from ..units import check_unsigned
from .base import Operation, Plan
from .liquidate import take_over
from .messages import check_account, obj_field
from .transfers import check_queue_head

_FAST = poseidon_fast.poseidon


def check_forced_close(state, account: int, requester: int) -> None:
    """ValueError unless L1 would queue this request: the account is in the tree, is not a
    special account, exists, and `requester` is its owner (L1 checks the owner it learnt
    from the deposits it accepted, `rollup.owner_of`)."""
    if not isinstance(account, int) or isinstance(account, bool) or not 0 <= account < state.tree.capacity:
        raise ValueError(f"forced close: account must be in [0, 2^{state.account_depth})")
    if account in prio_spec.FORCED_CLOSE_REFUSED:
        raise ValueError(f"forced close: special account {account} is never closed")
    acc = state.get_account(account)
    if acc is None:
        raise ValueError(f"forced close: account {account} does not exist")
    if acc.owner != requester:
        raise ValueError(f"forced close: the requester does not own account {account}")


@dataclass(frozen=True)
class ForcedClose(Operation):
    account: int
    requester: int
    kind = "forced_close"

    def __post_init__(self):
        check_account("account", self.account)
        check_unsigned("requester", self.requester, L1_ADDRESS_BITS)

    def chain(self, prio: int) -> int:
        """The priority chain after this entry (`circuits.spec.priority.forced_close_entry`)."""
        return prio_spec.forced_close_entry(prio, self.account, self.requester, _FAST)

    def apply(self, state):
        check_queue_head(state, self, "forced close")
        state.require_oracle()
        plan = Plan(state)
        plan.not_special(self.account, "forced-close account")
        vi = plan.existing(INSURANCE_ACCOUNT, "insurance")
        vt = plan.existing(self.account, "account")
        details = take_over(state, plan, INSURANCE_ACCOUNT, vi, self.account, vt, None, backstop=True, forced=True)
        details["requester"] = self.requester
        p0 = state.prio
        p1 = self.chain(p0)
        record = encode_record(OP_FORCED_CLOSE, account=self.account)
        w = plan.commit(self, self.kind, record=record, prio_before=p0, prio_after=p1, details=details)
        state.serve_entry(p1)
        return w

    def to_obj(self) -> dict:
        return {"type": self.kind, "account": self.account, "requester": self.requester}

    @classmethod
    def from_obj(cls, obj: dict) -> "ForcedClose":
        return cls(*(obj_field(obj, n, "forced close") for n in ("account", "requester")))
