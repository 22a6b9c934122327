"""Accounts: key, nonce, signed cash, K signed position sizes and the order-fill subtree.

Leaf of the account tree (docs/state.md, "Accounts"), with signed values as x mod r
(`units.to_field`) and bounded by their widths (`units`):

    positions_hash = Poseidon(size_0 mod r, ..., size_{K-1} mod r)        (K inputs)
    leaf           = Poseidon(pk.x, pk.y, nonce, cash mod r, positions_hash, orders_root)

An empty index holds the leaf 0 (the tree's empty leaf), never a Poseidon output.

Order-fill subtree (depth D_ord): slot = order_id mod 2^D_ord holds
Poseidon(order_id, filled), or 0 when never used (read as order_id = 0, filled = 0).
Order ids start at 1. An order may be filled in its slot while (a) the slot is empty or
holds a smaller order id (the new order takes the slot over; the older one can never be
filled again) or (b) the slot holds the same id and filled + fill <= size. A smaller id
than the stored one is a replay (ReplayedOrder). This is Loopring's trading-history rule.

Special accounts at fixed indices (created at genesis, never by a deposit):
FEE_ACCOUNT = 0 (receives trading fees), INSURANCE_ACCOUNT = 1 (receives liquidation
penalties, covers shortfalls; its cash may go negative, a deficit that a real venue
would socialise), CLEARING_ACCOUNT = 2 (the counterparty of settlements: Settle moves
a position and its payoff between the account and the clearing account, so cash and
open interest balance after every single Settle; it ends flat once a slot is fully
settled and never trades, withdraws or signs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

from circuits import babyjub

from . import poseidon_fast
from .smt import SparseMerkleTree
from .units import (NONCE_BITS, ORDER_ID_BITS, SIZE_BITS, check_cash, check_size, check_unsigned,
                    to_field)

FEE_ACCOUNT = 0
INSURANCE_ACCOUNT = 1
CLEARING_ACCOUNT = 2
SPECIAL_ACCOUNTS = (FEE_ACCOUNT, INSURANCE_ACCOUNT, CLEARING_ACCOUNT)

Point = tuple[int, int]


def check_public_key(pk: object, what: str = "public key") -> Point:
    """A Baby Jubjub point of the prime-order subgroup, not the identity (else ValueError)."""
    pt = babyjub.check_point(pk, what)
    if pt == babyjub.IDENTITY or not babyjub.is_in_subgroup(pt):
        raise ValueError(f"{what} must be a non-identity point of the prime-order subgroup")
    return pt


def positions_hash(sizes: Sequence[int]) -> int:
    return poseidon_fast.poseidon([to_field(s) for s in sizes])


def order_leaf(order_id: int, filled: int) -> int:
    """Poseidon(order_id, filled); 0 for the never-used slot (0, 0)."""
    if order_id == 0 and filled == 0:
        return 0
    return poseidon_fast.poseidon([order_id, filled])


def account_leaf(pk: Point, nonce: int, cash: int, pos_hash: int, orders_root: int) -> int:
    return poseidon_fast.poseidon([pk[0], pk[1], nonce, to_field(cash), pos_hash, orders_root])


@dataclass(frozen=True)
class AccountFields:
    """A snapshot of an account's leaf preimage (what the circuit reads and writes)."""

    pk: Point
    nonce: int
    cash: int
    sizes: tuple[int, ...]
    orders_root: int

    @cached_property
    def positions_hash(self) -> int:
        return positions_hash(self.sizes)

    @cached_property
    def leaf(self) -> int:
        return account_leaf(self.pk, self.nonce, self.cash, self.positions_hash, self.orders_root)


@dataclass
class Account:
    """A live account. Mutated only by `zkrollup.ops` (through RollupState)."""

    pk: Point
    k: int
    order_depth: int
    nonce: int = 0
    cash: int = 0
    sizes: list[int] = field(default_factory=list)
    orders: dict[int, tuple[int, int]] = field(default_factory=dict)   # slot -> (order_id, filled)
    _tree: SparseMerkleTree | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if not self.sizes:
            self.sizes = [0] * self.k
        if len(self.sizes) != self.k:
            raise ValueError(f"an account has {self.k} position sizes, got {len(self.sizes)}")
        check_unsigned("nonce", self.nonce, NONCE_BITS)
        check_cash("cash", self.cash)
        for s in self.sizes:
            check_size("size", s)
        if self._tree is None:
            self._tree = SparseMerkleTree(self.order_depth)
            if self.orders:
                self._tree.update_many({s: order_leaf(*v) for s, v in self.orders.items()})

    # --- order-fill subtree ----------------------------------------------------------

    def order_slot_of(self, order_id: int) -> int:
        return order_id % (1 << self.order_depth)

    def order_state(self, slot: int) -> tuple[int, int]:
        """(order_id, filled) stored in the slot, (0, 0) when never used."""
        return self.orders.get(slot, (0, 0))

    @property
    def orders_root(self) -> int:
        return self._tree.root

    def order_proof(self, slot: int) -> list[int]:
        return self._tree.proof(slot)

    def set_order(self, slot: int, order_id: int, filled: int) -> None:
        check_unsigned("order id", order_id, ORDER_ID_BITS)
        check_unsigned("filled", filled, SIZE_BITS)
        self.orders[slot] = (order_id, filled)
        self._tree.update(slot, order_leaf(order_id, filled))

    # --- leaf --------------------------------------------------------------------------

    def fields(self) -> AccountFields:
        return AccountFields(self.pk, self.nonce, self.cash, tuple(self.sizes), self.orders_root)

    @property
    def leaf(self) -> int:
        return self.fields().leaf

    def copy(self) -> "Account":
        return Account(self.pk, self.k, self.order_depth, self.nonce, self.cash, list(self.sizes),
                       dict(self.orders), self._tree.copy())

    def to_obj(self) -> dict:
        return {"pk": list(self.pk), "nonce": self.nonce, "cash": self.cash, "sizes": list(self.sizes),
                "orders": [[s, i, f] for s, (i, f) in sorted(self.orders.items())]}

    @classmethod
    def from_obj(cls, obj: dict, k: int, order_depth: int) -> "Account":
        return cls(tuple(obj["pk"]), k, order_depth, obj["nonce"], obj["cash"], list(obj["sizes"]),
                   {s: (i, f) for s, i, f in obj["orders"]})
