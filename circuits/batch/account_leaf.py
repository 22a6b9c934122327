"""The account leaf (docs/state.md, "Accounts"), natively and in the circuit.

    positions_hash = Poseidon(size_0, ..., size_{K-1})
    leaf           = Poseidon(pk_x, pk_y, nonce, cash, positions_hash, orders_root)

Signed values (cash, sizes) enter the hashes as field elements v mod r. The empty leaf
of the account tree is 0 (never the hash of an all-zero account), so a slot that creates
an account proves the old leaf is 0 instead of hashing the old fields.

Native twins: `positions_hash`, `account_leaf`, `account_leaf_of`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..cs import LC, ConstraintSystem, Operand
from ..field import R
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..poseidon import poseidon

EMPTY_LEAF = 0


# ---- native ------------------------------------------------------------------------------

def positions_hash(sizes: Sequence[int]) -> int:
    """Poseidon of the K signed sizes (each taken mod r)."""
    return poseidon([s % R for s in sizes])


def account_leaf(pk_x: int, pk_y: int, nonce: int, cash: int, pos_hash: int, orders_root: int) -> int:
    """Poseidon(pk_x, pk_y, nonce, cash mod r, positions_hash, orders_root)."""
    return poseidon([pk_x % R, pk_y % R, nonce % R, cash % R, pos_hash, orders_root])


def account_leaf_of(pk_x: int, pk_y: int, nonce: int, cash: int, sizes: Sequence[int],
                    orders_root: int) -> int:
    """The leaf of an account given its sizes (hashes them first)."""
    return account_leaf(pk_x, pk_y, nonce, cash, positions_hash(sizes), orders_root)


# ---- circuit -----------------------------------------------------------------------------

@dataclass
class AccountVars:
    """An account's fields in the circuit (each an LC; sizes a list of K LCs)."""

    pk_x: LC
    pk_y: LC
    nonce: LC
    cash: LC
    sizes: list[LC]
    orders_root: LC


def positions_hash_gadget(cs: ConstraintSystem, sizes: Sequence[Operand],
                          name: str = "positions_hash") -> LC:
    """Poseidon(sizes), equal to `positions_hash`. Cost: `poseidon_cost(K)` (K = 8: 402)."""
    return poseidon_gadget(cs, list(sizes), name=name)


def account_leaf_gadget(cs: ConstraintSystem, acct: AccountVars, name: str = "leaf") -> LC:
    """The account leaf of `acct`, equal to `account_leaf_of`.

    Cost: poseidon_cost(K) + 354 constraints (K = 8: 756).
    """
    with cs.namespace(name):
        ph = positions_hash_gadget(cs, acct.sizes)
        return poseidon_gadget(cs, [acct.pk_x, acct.pk_y, acct.nonce, acct.cash, ph,
                                    acct.orders_root], name="hash")
