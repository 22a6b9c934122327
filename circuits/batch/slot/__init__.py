"""The universal operation slot: one constraint shape for Deposit, Withdraw, ForcedWithdraw,
Trade, Liquidate, Settle, Cancel and Noop, chosen by one-hot selector bits.

Every slot has two account ports, A and B, each an account leaf read and written on the
running account root (old leaf proven on the path, new root computed on the same path,
both gated by the port's use bit so an unused port needs no path). Port A is the acting
account (depositor, withdrawer, forced withdrawer, maker, liquidator, settled account,
canceller); port B the taker, the liquidation target or the clearing account. Each port
has one order-fill leaf update (port A's also records a cancel) and one EdDSA
verification. Every operation's constraints are multiplied by its selector (or hold
trivially for the zero inputs of the other operations), so inactive branches are
vacuous. The semantics are those of `circuits.spec` and `zkrollup.ops` (see
docs/batch_circuit.md for each rule and its constraint names). Each slot yields its
record (`circuits.batch.records`), which the public input hashes.

Per-batch aggregation (Loopring-style, `flush`): the trading fees and the insurance
fund's receipts accumulate in two running totals, flushed into those accounts when a
slot touches them and at the end of the batch (`circuit.py`).

Modules, one concern each, in circuit order (`gadget.SLOT_PARTS`; constraint namespaces
in brackets): `running` (what flows between slots, the selectors' record), `ports`
(selectors [op, inst], ports [a, b] with the outside-the-tree bit, roles [roles], old
size signs [old_sizes_a/b]), `flush` (flush on touch [flush], pending totals [pending]),
`request` (amount, L1 address, deposit outcome, forced validity, nonce [request,
deposit, forced]), `trade` (terms [trade], orders [order_a, order_b], fills and cancels),
`settlement` (settlement [settle], liquidation [liq]), `positions` (new sizes [sizes,
new_sizes_a/b], open interest [oi], cash [cash]), `forced` (payout, outcome [forced]),
`margin_rules` (equities [margin, margin_a/b] and checks), `signatures` (the shared
Poseidon of 5 and the EdDSAs [sig_a, sig_b]), `leaves` (leaves and paths [a, b], the
priority chain [priority]), `record` [record], `gadget` (`slot_gadget`, which calls them
in order).
"""
from .gadget import SLOT_PARTS, default_slot, slot_gadget
from .running import Running

__all__ = ["SLOT_PARTS", "Running", "default_slot", "slot_gadget"]
