"""The plan-then-commit core shared by every operation.

An operation first *plans*: it reads the state, computes every new field value, and runs
every check, raising a RollupError on the first failure. Nothing is written while
planning, so a rejected operation changes nothing. Then `Plan.commit` performs the planned
steps in order (order-fill leaf, then account leaf, per step), recording the paths and
roots of each into the OpWitness, and updates open interest. Commit cannot fail.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from circuits.spec.accounts import SPECIAL_ACCOUNTS
from circuits.spec.widths import NONCE_BITS, SIZE_BITS

from ..account import Account
from ..errors import ForbiddenAccount, UnknownAccount
from ..units import check_cash, check_size, check_unsigned, OutOfRange
from .witness import AccountUpdate, OpWitness, OrderUpdate

if TYPE_CHECKING:
    from ..state import RollupState


@dataclass
class _Step:
    index: int
    role: str
    pk: Optional[tuple[int, int]] = None
    owner: Optional[int] = None
    nonce: Optional[int] = None
    cash: Optional[int] = None
    sizes: Optional[tuple[int, ...]] = None
    order: Optional[tuple[int, int, int]] = None       # (slot, order_id, filled)
    read_only: bool = False


@dataclass
class View:
    """The planned fields of one account (after the steps planned so far)."""

    exists: bool
    pk: tuple[int, int]
    nonce: int
    cash: int
    sizes: tuple[int, ...]
    owner: int = 0


class Plan:
    """Steps of one operation, validated before anything is written."""

    def __init__(self, state: "RollupState"):
        self.state = state
        self.steps: list[_Step] = []
        self._views: dict[int, View] = {}

    # --- reading ---------------------------------------------------------------------

    def view(self, index: int) -> View:
        if index not in self._views:
            acc = self.state.get_account(index)
            if acc is None:
                self._views[index] = View(False, (0, 0), 0, 0, tuple([0] * self.state.K))
            else:
                self._views[index] = View(True, acc.pk, acc.nonce, acc.cash, tuple(acc.sizes), acc.owner)
        return self._views[index]

    def existing(self, index: int, role: str) -> View:
        """The account's view; UnknownAccount if the index is empty (or outside the tree)."""
        if not isinstance(index, int) or not 0 <= index < self.state.tree.capacity:
            raise UnknownAccount(f"{role} account {index!r} is outside the account tree")
        v = self.view(index)
        if not v.exists:
            raise UnknownAccount(f"{role} account {index} does not exist")
        return v

    @staticmethod
    def not_special(index: int, role: str, allowed: tuple[int, ...] = ()) -> None:
        if index in SPECIAL_ACCOUNTS and index not in allowed:
            raise ForbiddenAccount(f"special account {index} cannot act as {role}")

    # --- planning ----------------------------------------------------------------------

    def in_tree(self, index: int) -> bool:
        return isinstance(index, int) and 0 <= index < self.state.tree.capacity

    def set(self, index: int, role: str, *, pk=None, owner=None, nonce=None, cash=None, sizes=None,
            order=None) -> None:
        """Plan new values for an account (validated against the widths now). `pk` and
        `owner` only when creating it."""
        v = self.view(index)
        if nonce is not None:
            if not 0 <= nonce < (1 << NONCE_BITS):
                raise OutOfRange(f"nonce of account {index} would leave [0, 2^{NONCE_BITS})")
        if cash is not None:
            check_cash(f"cash of account {index}", cash)
        if sizes is not None:
            sizes = tuple(sizes)
            for s in sizes:
                check_size(f"position size of account {index}", s)
        if order is not None:
            check_unsigned("filled", order[2], SIZE_BITS)
        self.steps.append(_Step(index, role, pk, owner, nonce, cash, sizes, order))
        self._views[index] = View(True, pk if pk is not None else v.pk,
                                  nonce if nonce is not None else v.nonce,
                                  cash if cash is not None else v.cash,
                                  sizes if sizes is not None else v.sizes,
                                  owner if owner is not None else v.owner)

    def read(self, index: int, role: str) -> None:
        """Record an account's path without changing it (e.g. a forced withdrawal paying 0)."""
        self.steps.append(_Step(index, role, read_only=True))

    # --- commit --------------------------------------------------------------------------

    def commit(self, op: Any, kind: str, **witness_fields) -> OpWitness:
        st = self.state
        witness_fields.setdefault("prio_before", st.prio)
        witness_fields.setdefault("prio_after", st.prio)
        old_root, old_acc_root, oi_before = st.root, st.accounts_root, tuple(st.oi)
        updates = []
        oi = list(st.oi)
        for step in self.steps:
            acc = st.get_account(step.index)
            before = acc.fields() if acc is not None else None
            if step.read_only:
                sib = tuple(st.tree.proof(step.index))
                r = st.tree.root
                updates.append(AccountUpdate(step.index, before, before, sib, r, r, None, step.role))
                continue
            if acc is None:
                acc = Account(step.pk, st.K, st.order_depth, owner=step.owner)
                st.accounts[step.index] = acc
            order_update = None
            if step.order is not None:
                slot, oid, filled = step.order
                o_before = acc.order_state(slot)
                o_root = acc.orders_root
                o_sib = tuple(acc.set_order(slot, oid, filled))
                order_update = OrderUpdate(slot, o_before, (oid, filled), o_sib, o_root, acc.orders_root)
            if step.pk is not None:
                acc.pk = step.pk
            if step.nonce is not None:
                acc.nonce = step.nonce
            if step.cash is not None:
                acc.cash = step.cash
            if step.sizes is not None:
                for k, (a, b) in enumerate(zip(acc.sizes, step.sizes)):
                    oi[k] += max(b, 0) - max(a, 0)
                acc.sizes = list(step.sizes)
            after = acc.fields()
            r0 = st.tree.root
            sib, nodes = st.tree.update_path(step.index, after.leaf)
            st.dirty.add(step.index)
            updates.append(AccountUpdate(step.index, before, after, tuple(sib), r0, st.tree.root, order_update,
                                         step.role, tuple(nodes)))
        st.oi = oi
        return OpWitness(op=op, kind=kind, updates=tuple(updates), old_root=old_root, new_root=st.root,
                         old_accounts_root=old_acc_root, new_accounts_root=st.accounts_root,
                         oi_before=oi_before, oi_after=tuple(oi), **witness_fields)


class Operation:
    """Base of every operation: `apply(state)` changes the state and returns an OpWitness,
    or raises a RollupError and changes nothing."""

    kind = "op"

    def apply(self, state: "RollupState") -> OpWitness:
        raise NotImplementedError

    def to_obj(self) -> dict:
        raise NotImplementedError
