"""Accounts: key, owner, nonce, signed cash, K signed position sizes and the order-fill subtree.

The account leaf (with its owner, the L1 address whose deposit created it), the
order-fill leaf and the special accounts (fee 0, insurance 1, clearing 2, owned by
`SPECIAL_OWNER` = 0) are defined in `circuits.spec.accounts` and `circuits.spec.orders`;
this module hashes them with the fast Poseidon (`zkrollup.poseidon_fast`) and bounds
every field by its width (`circuits.spec.widths`).

Order-fill and cancel rules (`circuits.spec.orders`): an order may be filled in its slot
(order_id mod 2^D_ord) while (a) the slot is empty or holds a smaller order id (the new
order takes the slot over; the older one can never be filled again) or (b) the slot
holds the same id, not cancelled, and filled + fill <= size. A smaller id than the
stored one is a replay (ReplayedOrder). A signed cancel stores (order_id, CANCELLED).
This is Loopring's trading-history rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial

from circuits import babyjub
from circuits.spec import accounts as spec
from circuits.spec import orders as spec_orders
from circuits.spec.widths import L1_ADDRESS_BITS, NONCE_BITS, ORDER_ID_BITS, SIZE_BITS

from . import poseidon_fast
from .smt import SparseMerkleTree
from .units import check_cash, check_size, check_unsigned

Point = tuple[int, int]


def check_public_key(pk: object, what: str = "public key") -> Point:
    """A Baby Jubjub point of the prime-order subgroup, not the identity (else ValueError)."""
    pt = babyjub.check_point(pk, what)
    if pt == babyjub.IDENTITY or not babyjub.is_in_subgroup(pt):
        raise ValueError(f"{what} must be a non-identity point of the prime-order subgroup")
    return pt


positions_hash = partial(spec.positions_hash, hash_fn=poseidon_fast.poseidon)
order_leaf = partial(spec_orders.order_leaf, hash_fn=poseidon_fast.poseidon)


@dataclass(frozen=True)
class AccountFields:
    """A snapshot of an account's leaf preimage (what the circuit reads and writes)."""

    pk: Point
    nonce: int
    cash: int
    sizes: tuple[int, ...]
    orders_root: int
    owner: int = spec.SPECIAL_OWNER

    @cached_property
    def positions_hash(self) -> int:
        return positions_hash(self.sizes)

    @cached_property
    def leaf(self) -> int:
        return spec.account_leaf(self.pk[0], self.pk[1], self.nonce, self.cash, self.positions_hash,
                                 self.orders_root, self.owner, hash_fn=poseidon_fast.poseidon)


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
    owner: int = spec.SPECIAL_OWNER     # the L1 address whose deposit created the account
    _tree: SparseMerkleTree | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if not self.sizes:
            self.sizes = [0] * self.k
        if len(self.sizes) != self.k:
            raise ValueError(f"an account has {self.k} position sizes, got {len(self.sizes)}")
        check_unsigned("nonce", self.nonce, NONCE_BITS)
        check_unsigned("owner", self.owner, L1_ADDRESS_BITS)
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

    def set_order(self, slot: int, order_id: int, filled: int) -> list[int]:
        """Store (order_id, filled) in the slot; returns the slot's path (its siblings)."""
        check_unsigned("order id", order_id, ORDER_ID_BITS)
        check_unsigned("filled", filled, SIZE_BITS)        # CANCELLED = 2^SIZE_BITS - 1 fits
        sibs, _ = self._tree.update_path(slot, order_leaf(order_id, filled))
        self.orders[slot] = (order_id, filled)
        return sibs

    # --- leaf --------------------------------------------------------------------------

    def fields(self) -> AccountFields:
        return AccountFields(self.pk, self.nonce, self.cash, tuple(self.sizes), self.orders_root, self.owner)

    @property
    def leaf(self) -> int:
        return self.fields().leaf

    def copy(self) -> "Account":
        return Account(self.pk, self.k, self.order_depth, self.nonce, self.cash, list(self.sizes),
                       dict(self.orders), self.owner, self._tree.copy())

    def to_obj(self) -> dict:
        return {"pk": list(self.pk), "nonce": self.nonce, "cash": self.cash, "sizes": list(self.sizes),
                "orders": [[s, i, f] for s, (i, f) in sorted(self.orders.items())], "owner": self.owner}

    @classmethod
    def from_obj(cls, obj: dict, k: int, order_depth: int) -> "Account":
        return cls(tuple(obj["pk"]), k, order_depth, obj["nonce"], obj["cash"], list(obj["sizes"]),
                   {s: (i, f) for s, i, f in obj["orders"]}, obj["owner"])
