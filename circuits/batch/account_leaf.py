"""The account leaf in the circuit (`circuits.spec.accounts` defines it).

    positions_hash = Poseidon(size_0, ..., size_{K-1})
    leaf           = Poseidon(pk_x, pk_y, nonce, cash, positions_hash, orders_root, owner)

Signed values (cash, sizes) are field elements v mod r in the circuit already. The
empty leaf of the account tree is 0 (never the hash of an all-zero account), so a slot
that creates an account proves the old leaf is 0 instead of hashing the old fields.

Native twins: `circuits.spec.accounts.positions_hash`, `account_leaf`, `account_leaf_of`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..spec.accounts import account_leaf_inputs


@dataclass
class AccountVars:
    """An account's fields in the circuit (each an LC; sizes a list of K LCs)."""

    pk_x: LC
    pk_y: LC
    nonce: LC
    cash: LC
    sizes: list[LC]
    orders_root: LC
    owner: LC


def positions_hash_gadget(cs: ConstraintSystem, sizes: Sequence[Operand],
                          name: str = "positions_hash") -> LC:
    """Poseidon(sizes), equal to `positions_hash`. Cost: `poseidon_cost(K)` (K = 8: 402)."""
    return poseidon_gadget(cs, list(sizes), name=name)


def account_leaf_gadget(cs: ConstraintSystem, acct: AccountVars, name: str = "leaf") -> LC:
    """The account leaf of `acct`, equal to `account_leaf_of`.

    Cost: poseidon_cost(K) + 381 constraints (K = 8: 783).
    """
    with cs.namespace(name):
        ph = positions_hash_gadget(cs, acct.sizes)
        return poseidon_gadget(cs, account_leaf_inputs(acct.pk_x, acct.pk_y, acct.nonce, acct.cash, ph,
                                                       acct.orders_root, acct.owner), name="hash")
