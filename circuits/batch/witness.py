"""The batch input record: what the application hands the batch circuit, as plain ints.

The application (zkrollup) fills these dataclasses from what `apply(state)` returned for
each operation (`zkrollup.ops.witness.OpWitness`), see docs/batch_circuit.md. Everything
the circuit can derive itself (scenario indices, quotients, flags, new field values) it
derives with hints while solving, so the record holds only the operations, the fields of
the accounts they read, and the Merkle paths.

Conventions:
- Signed values (cash, sizes) are Python ints (negative allowed); the circuit maps them
  to field elements v mod r.
- ``Port.before`` is the account as stored in the account tree *of the circuit* at the
  moment the slot reads it. The circuit defers the fee account's and insurance fund's
  cash changes (Loopring-style, see docs/batch_circuit.md): their stored cash lacks the
  amounts pending since they were last touched, and the paths are those of that tree.
- Every Merkle path (``siblings``) is the flat path of the 4-ary tree of
  `circuits.spec.tree`: 3 siblings per level, ceil(depth / 2) levels, leaf level first
  (`BatchShape.acc_path` / `ord_path` elements).
- Unused ports, orders, signatures and parameters are left at their zero defaults. The
  circuit requires it of every value that enters a record (`circuits.spec.records`):
  port A's account in a noop, port B's account when port B is unused, the instrument
  slot outside trades and settlements, side, fill, price, fee rates and the taker's
  order id outside trades, the maker's order id outside trades and cancels (a cancel's
  ``order_id`` is that variable), the amount outside deposits, withdrawals and forced
  withdrawals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..spec.ops import (N_OPS, OP_CANCEL, OP_DEPOSIT, OP_FORCED, OP_FORCED_CLOSE, OP_LIQUIDATE,  # noqa: F401
                       OP_NAMES, OP_NOOP, OP_SETTLE, OP_TRADE, OP_WITHDRAW)
from ..spec.tables import MarketTable, OracleTable

__all__ = ["N_OPS", "OP_NAMES", "OP_NOOP", "OP_DEPOSIT", "OP_WITHDRAW", "OP_FORCED", "OP_TRADE", "OP_LIQUIDATE",
           "OP_SETTLE", "OP_CANCEL", "OP_FORCED_CLOSE", "AccountFields", "OrderFill", "Port", "Signature", "OrderParams", "SlotInput",
           "Flush", "BatchInput"]
"""The operation codes are `circuits.spec.ops`'s, re-exported for the circuit's callers."""


@dataclass
class AccountFields:
    """An account leaf's preimage: key, nonce, signed cash, K signed sizes, orders root, owner."""

    pk_x: int = 0
    pk_y: int = 0
    nonce: int = 0
    cash: int = 0
    sizes: tuple[int, ...] = ()
    orders_root: int = 0
    owner: int = 0


@dataclass
class OrderFill:
    """The order-fill leaf a trade side or a cancel reads: (stored order id, stored filled)
    at slot order_id mod 2^ord_depth of the account's subtree, and that leaf's path."""

    stored_id: int = 0
    stored_filled: int = 0
    siblings: tuple[int, ...] = ()


@dataclass
class Port:
    """One account a slot reads and writes (port A: the acting account; port B: the
    trade taker, the liquidation target, or the clearing account of a settlement).

    ``exists``: 0 when the leaf is empty (a deposit creating the account, or a forced
    withdrawal naming an unknown account); ``before`` is then all zeros except
    ``orders_root`` = the empty subtree root."""

    account: int = 0
    exists: int = 1
    before: Optional[AccountFields] = None
    siblings: tuple[int, ...] = ()
    fill: OrderFill = field(default_factory=OrderFill)


@dataclass
class Signature:
    r8x: int = 0
    r8y: int = 0
    s: int = 0


@dataclass
class OrderParams:
    """A signed order as the circuit reads it (the account and instrument slot come from
    the port and the slot input; the instrument id and deployment id from the market
    table), and the fee rate per contract charged to its side of this fill."""

    side: int = 0
    size: int = 0
    limit_price: int = 0
    max_fee: int = 0
    order_id: int = 0
    valid_until: int = 0
    fee_rate: int = 0
    sig: Signature = field(default_factory=Signature)


@dataclass
class SlotInput:
    """One operation slot (op codes: `circuits.spec.ops`).

    - Deposit: ``a`` (the account; exists=0 when its leaf is empty), ``amount``, ``pk``
      (the deposit's key), ``l1_address`` (the depositor), as queued on L1. Created,
      credited or refunded (`circuits.spec.priority.deposit_outcome`): the circuit
      derives which.
    - Withdraw: ``a``, ``amount``, ``l1_address``, ``sig`` (the message carries the
      account's stored nonce).
    - ForcedWithdraw: ``a``, ``amount`` (requested), ``l1_address`` (the requester), as
      queued on L1 (``pk`` stays 0). Valid or not is derived
      (`circuits.spec.priority.forced_valid`).
    - Trade: ``a`` maker, ``b`` taker, ``instrument`` (slot k), ``fill``, ``price``,
      ``order_a`` (maker) and ``order_b`` (taker) with their fee rates and signatures.
    - Liquidate: ``a`` liquidator, ``b`` target, ``valid_until``, ``sig``, ``liq_steps`` (q of
      `circuits.spec.liquidation`; 0 in every other operation).
    - Settle: ``a`` the account, ``b`` the clearing account, ``instrument``.
    - Cancel: ``a`` (with the fill leaf of ``order_id``), ``order_id``, ``sig``.
    - ForcedClose: ``a`` the insurance fund, ``b`` the account, ``l1_address`` (the
      requester, its owner), ``liq_steps`` = LIQ_STEPS, as queued on L1 (``amount`` and
      ``pk`` stay 0).
    """

    op: int = OP_NOOP
    a: Port = field(default_factory=Port)
    b: Port = field(default_factory=Port)
    amount: int = 0
    l1_address: int = 0
    valid_until: int = 0
    pk: tuple[int, int] = (0, 0)
    sig: Signature = field(default_factory=Signature)
    instrument: int = 0
    fill: int = 0
    price: int = 0
    order_id: int = 0
    liq_steps: int = 0
    order_a: OrderParams = field(default_factory=OrderParams)
    order_b: OrderParams = field(default_factory=OrderParams)


@dataclass
class Flush:
    """A special account's leaf at the end of the batch, before its pending cash is added."""

    before: Optional[AccountFields] = None
    siblings: tuple[int, ...] = ()


@dataclass
class BatchInput:
    """A whole batch: tables, the state it starts from (account root, open interest, the
    priority chain value), its slots and the end flushes."""

    market: MarketTable
    oracle: OracleTable
    accounts_root: int
    oi: tuple[int, ...]
    prio: int
    """The priority-queue chain value before the batch (`circuits.spec.priority`)."""
    slots: list[SlotInput]
    fee_flush: Flush
    insurance_flush: Flush
