"""What `apply(state)` returns: everything the batch circuit needs about one operation.

Updates are in the order they were made; each reads the account tree as left by the
previous one, so `updates[i].root_before == updates[i-1].root_after`. Within one account
update the order-fill subtree changes first (`order`), then the account leaf (whose
preimage holds the new orders root). The committed state root is

    root = Poseidon(accounts_root, oi_hash),  oi_hash = Poseidon(oi[0], ..., oi[K-1])

where oi[k] is the open interest of slot k (sum of the positive sizes), so the circuit
can prove that a reused slot was empty (see `zkrollup.state`).

`record` is the operation's posted record (`circuits.spec.records`: what L1 sees and
pays, and what a rebuild from L1 replays), computed natively by the operation; the
circuit proves its own record of the slot equals it. `prio_before` / `prio_after` are the
priority-queue chain values around the slot (they differ for a deposit or a forced
withdrawal, which consume an L1 queue entry).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from circuits.spec.records import NOOP_RECORD

from ..account import AccountFields


@dataclass(frozen=True)
class OrderUpdate:
    """One order-fill leaf change: slot, (order_id, filled) before/after, path, subtree roots."""

    slot: int
    before: tuple[int, int]
    after: tuple[int, int]
    siblings: tuple[int, ...]
    root_before: int
    root_after: int


@dataclass(frozen=True)
class AccountUpdate:
    """One account leaf change (or read: before == after). None stands for the empty leaf 0.
    ``siblings``: the flat path of the 4-ary account tree (`circuits.spec.tree`)."""

    index: int
    before: Optional[AccountFields]
    after: Optional[AccountFields]
    siblings: tuple[int, ...]
    root_before: int
    root_after: int
    order: Optional[OrderUpdate] = None
    role: str = ""
    nodes_after: tuple[int, ...] = ()
    """The account tree's nodes on the path at levels 1..L after the update (the last is
    root_after; empty for a read): the batch builder takes the circuit's tree from them."""

    @property
    def leaf_before(self) -> int:
        return 0 if self.before is None else self.before.leaf

    @property
    def leaf_after(self) -> int:
        return 0 if self.after is None else self.after.leaf


@dataclass(frozen=True)
class OpWitness:
    """The record of one applied operation (see the module docstring)."""

    op: Any
    kind: str
    updates: tuple[AccountUpdate, ...]
    old_root: int
    new_root: int
    old_accounts_root: int
    new_accounts_root: int
    oi_before: tuple[int, ...]
    oi_after: tuple[int, ...]
    record: bytes = NOOP_RECORD
    prio_before: int = 0
    prio_after: int = 0
    message: int = 0
    details: dict = field(default_factory=dict)

    def update(self, role: str) -> AccountUpdate:
        """The update made in the given role (e.g. 'maker', 'taker', 'fee')."""
        for u in self.updates:
            if u.role == role:
                return u
        raise KeyError(role)
