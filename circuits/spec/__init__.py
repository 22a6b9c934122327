"""The rollup's definitions, in one place for every layer (circuit, native state, L1 model).

Modules, one concept each:

- `widths`: the bit width of every quantity (sizes, prices, cash, nonces, ...), the
  worst-case bounds they guarantee, K <= 16 instrument slots, S <= 64 scenarios.
- `ops`: the operation codes (noop, deposit, withdraw, forced_withdraw, trade,
  liquidate, settle, cancel = 7).
- `deployment`: the deployment id (chain id and rollup contract address) every signed
  message and the market table carry.
- `accounts`: the special accounts (fee 0, insurance 1, clearing 2), the account leaf
  (with its owner, an L1 address) and the positions hash.
- `orders`: the order-fill subtree: leaf, fill and cancel rules, the CANCELLED sentinel,
  fill slots, the fee-rate rule.
- `priority`: the L1 priority queue (deposits and forced withdrawals, one chain), the
  deposit outcome (create / credit / refund) and the forced withdrawal's validity and pay.
- `state`: the committed state root (account tree root and open-interest hash).
- `messages`: what users sign (orders, withdrawals, liquidations, cancels): domain
  tags, packings, input lists and hashes.
- `tables`: the market and oracle tables: instrument kinds and ids, payoffs, rules,
  encodings and hashes (one scenario table per slot, scenario 0 the mark).
- `scenarios`: what each scenario of the oracle table stands for (spot moves scaled by
  the base move M, vol shocks, weights; S = 35 standard) and M from the at-the-money vol.
- `margin`: scenario equities, maintenance and initial margin (IM implies MM), "strictly
  reduces risk", a forced withdrawal's allowance, margin use.
- `records`: the posted data: one fixed-size record per slot (layout per op code).
- `public_input`: the batch's public input, SHA-256 over a header and the records.

Native formulas take ``hash_fn``: any function with the
signature of `circuits.poseidon.poseidon` (the default), such as the application's
faster twin. Nothing here imports the application, the prover or the verifier.
"""
from __future__ import annotations

from typing import Callable, Sequence

HashFn = Callable[[Sequence[int]], int]
"""A Poseidon implementation: field elements in, one field element out."""
