"""The rollup's definitions, in one place for every layer (circuit, native state, L1 model).

Modules, one concept each:

- `widths`: the bit width of every quantity (sizes, prices, cash, nonces, ...), the
  worst-case bounds they guarantee, K <= 16 instrument slots, S <= 64 scenarios.
- `accounts`: the special accounts (fee 0, insurance 1, clearing 2), the account leaf,
  the positions hash and the order-fill leaf.
- `state`: the committed state root (account tree root and open-interest hash).
- `messages`: what users sign (orders, withdrawals, liquidations, forced withdrawals,
  exits): domain tags, input lists and hashes.
- `tables`: the market and oracle tables: instrument kinds, payoffs, rules, encodings
  and hashes.

The batch's public commitment (deposit, forced-request and effects chains) is in
`circuits.batch.public`. Native formulas take ``hash_fn``: any function with the
signature of `circuits.poseidon.poseidon` (the default), such as the application's
faster twin. Nothing here imports the application, the prover or the verifier.
"""
from __future__ import annotations

from typing import Callable, Sequence

HashFn = Callable[[Sequence[int]], int]
"""A Poseidon implementation: field elements in, one field element out."""
