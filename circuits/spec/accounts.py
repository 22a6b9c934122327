"""Accounts: the special accounts and the account leaf.

Special accounts at fixed indices (created at genesis, never by a deposit):
`FEE_ACCOUNT` = 0 receives trading fees; `INSURANCE_ACCOUNT` = 1 receives liquidation
penalties and covers shortfalls (its cash may go negative, a deficit that a real venue
would socialise); `CLEARING_ACCOUNT` = 2 is the counterparty of settlements (Settle moves
a position and its payoff between the account and the clearing account, so cash and
open interest balance after every single Settle; it ends flat once a slot is fully
settled and never trades, withdraws, deposits or signs). Their owner is
`SPECIAL_OWNER` = 0: no L1 address is 0, so nobody can force a withdrawal from them or
exit them in exodus mode; their keys (the operator's) sign their withdrawals.

Leaf of the account tree, with signed values (cash, sizes) as v mod r:

    positions_hash = Poseidon(size_0, ..., size_{K-1})                      (K inputs)
    leaf           = Poseidon(pk_x, pk_y, nonce, cash, positions_hash, orders_root, owner)

`owner` is the L1 address (< 2^160) whose deposit created the account. It authorises
forced withdrawals (`circuits.spec.priority`) and exodus exits on L1 (paid to it); it
never changes. The key (pk_x, pk_y) signs everything else (`circuits.spec.messages`).

An empty index holds `EMPTY_LEAF` = 0 (the tree's empty leaf), never a Poseidon output,
so a slot that creates an account proves the old leaf is 0. The order-fill subtree whose
root is `orders_root` is `circuits.spec.orders`.

The native functions take ``hash_fn`` (default: the reference `circuits.poseidon.poseidon`;
the application passes its faster twin). The in-circuit twins are in
`circuits.batch.account_leaf`; they build the same input lists with `account_leaf_inputs`.
"""
from __future__ import annotations

from typing import Sequence, TypeVar

from ..field import fr
from ..poseidon import poseidon
from . import HashFn
from .orders import order_leaf  # noqa: F401  (re-exported: the leaf of the order-fill subtree)

T = TypeVar("T")

FEE_ACCOUNT = 0
INSURANCE_ACCOUNT = 1
CLEARING_ACCOUNT = 2
SPECIAL_ACCOUNTS = (FEE_ACCOUNT, INSURANCE_ACCOUNT, CLEARING_ACCOUNT)
NO_DEPOSIT_ACCOUNTS = (CLEARING_ACCOUNT,)
"""Accounts a deposit may not name (L1 refuses them; so do the native state and the circuit)."""
SPECIAL_OWNER = 0
"""The owner (L1 address) of the special accounts: no L1 sender can be it."""

EMPTY_LEAF = 0


def account_leaf_inputs(pk_x: T, pk_y: T, nonce: T, cash: T, positions_hash: T, orders_root: T,
                        owner: T) -> list[T]:
    """The leaf's Poseidon inputs in order (field elements natively, circuit values in a gadget)."""
    return [pk_x, pk_y, nonce, cash, positions_hash, orders_root, owner]


def positions_hash(sizes: Sequence[int], hash_fn: HashFn = poseidon) -> int:
    """Poseidon of the K signed sizes (each taken mod r)."""
    return hash_fn([fr(s) for s in sizes])


def account_leaf(pk_x: int, pk_y: int, nonce: int, cash: int, pos_hash: int, orders_root: int, owner: int,
                 hash_fn: HashFn = poseidon) -> int:
    """The account leaf; `cash` is signed (taken mod r), every other input a field element."""
    return hash_fn(account_leaf_inputs(pk_x, pk_y, nonce, fr(cash), pos_hash, orders_root, owner))


def account_leaf_of(pk_x: int, pk_y: int, nonce: int, cash: int, sizes: Sequence[int], orders_root: int,
                    owner: int, hash_fn: HashFn = poseidon) -> int:
    """The leaf of an account given its sizes (hashes them first)."""
    return account_leaf(pk_x, pk_y, nonce, cash, positions_hash(sizes, hash_fn), orders_root, owner, hash_fn)
