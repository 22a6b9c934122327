"""The L1 priority queue (deposits and forced requests, one chain) and how a batch serves
its entries.

**Chain.** L1 extends one rolling hash per queued entry, paid by the user who queues it:

    prio' = Poseidon([prio, kind + 2^2 * account + 2^34 * amount, pk_x, pk_y, l1_address])

from `PRIO_EMPTY` = 0. The packing is one-to-one: kind < 2^2, account < 2^32, amount <
2^64 (`pack_entry`). Kinds:

- `KIND_DEPOSIT` (1): pk = the key to create or credit, l1_address = the depositor
  (msg.sender), amount >= 1 (the tokens L1 took);
- `KIND_FORCED` (2): a forced withdrawal of up to `amount` from `account`, pk = (0, 0),
  l1_address = the requester (msg.sender);
- `KIND_FORCED_CLOSE` (3): a forced close of every position of `account`, amount = 0,
  pk = (0, 0), l1_address = the requester (msg.sender).

A batch consumes entries in queue order, one per deposit, forced-withdrawal or
forced-close slot; the
chain values before and after the batch are in its public input
(`circuits.spec.public_input`), so each slot serves exactly the queued entry.

**Deposits cannot be front-run** (`deposit_outcome`). A deposit (account, key, amount,
depositor) is

- `CREATE`d when the leaf is empty: the account is created with that key, owner = the
  depositor, cash = amount;
- `CREDIT`ed when the leaf's key (pk_x, pk_y) equals the deposit's key **and** its owner
  equals the depositor: cash += amount;
- `REFUND`ed otherwise: nothing in the tree changes, the record's flag is 1 and L1 pays
  the amount back to the depositor in the transaction that accepts the batch.

The owner check matters: a front-runner who copies the victim's public key into a fresh
index becomes that account's owner, who authorises forced withdrawals and exodus exits;
crediting the victim's deposit there would hand it to the front-runner. So a deposit to
an existing account must come from its owner's address (deposits from elsewhere are
refunded). L1 refuses deposits to the clearing account and to indices >= 2^acc_depth.

**Forced withdrawals** (`forced_valid`, `forced_paid`). A request is valid iff the
account is in the tree, exists, is not the clearing account, and the requester is the
account's owner. A valid request pays as much as initial margin allows, paid = min(amount,
allowance) with allowance = `circuits.spec.margin.im_allowance` (the most cash whose
withdrawal leaves the account passing initial margin, 0 if it fails it), and L1 sends
`paid` to the requester; an invalid one is served with paid = 0. Either way the entry is consumed; the nonce does not change (it
orders signed messages only).

**Forced close** (`forced_close_entry`, `FORCED_CLOSE_REFUSED`). A user whose orders are
censored asks L1 to close everything the account holds: the batch that consumes the
entry runs the backstop's take-over of all `LIQ_STEPS` steps (`circuits.spec.liquidation`:
the insurance fund takes every position at the mark less the bonus, the account pays the
penalty, a shortfall falls on the fund), whether or not the account fails maintenance.
Every queued request must be servable (nothing one user queues may stall the rollup), so
L1 admits only valid ones: the account is in the tree and not a special account, and the
requester is its owner as L1 learnt it from the deposits it accepted (a deposit record
that is not refunded created the account with owner = the depositor or credited it
because owner == depositor; accounts are never deleted and their owner never changes, so
this stays true until the entry is served). The circuit checks the owner again.
The entry has the queue's deadline: served by then, or the rollup enters exodus.

Native functions here; the batch circuit computes the same chain with its shared
Poseidon of 5 (`circuits.batch.slot.signatures`), the same outcome and validity bits.
"""
from __future__ import annotations

from typing import TypeVar

from ..field import check_elements
from ..poseidon import poseidon
from . import HashFn
from .accounts import CLEARING_ACCOUNT, SPECIAL_ACCOUNTS
from .widths import ACCOUNT_BITS, AMOUNT_BITS, L1_ADDRESS_BITS

T = TypeVar("T")

PRIO_EMPTY = 0
"""The chain value of an empty queue."""

KIND_DEPOSIT = 1
KIND_FORCED = 2
KIND_FORCED_CLOSE = 3
KINDS = (KIND_DEPOSIT, KIND_FORCED, KIND_FORCED_CLOSE)
KIND_BITS = 2

CREATE, CREDIT, REFUND = "create", "credit", "refund"


def _uint(v: object, bits: int, what: str, minimum: int = 0) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < (1 << bits):
        raise ValueError(f"{what} must be an integer in [{minimum}, 2^{bits}), got {v!r}")
    return v


def entry_element(kind: T, account: T, amount: T) -> T:
    """kind + 2^2 * account + 2^34 * amount, of ints or circuit values (unchecked: the
    circuit range-checks account and amount; `pack_entry` checks ints)."""
    return kind + account * (1 << KIND_BITS) + amount * (1 << (KIND_BITS + ACCOUNT_BITS))


def pack_entry(kind: int, account: int, amount: int) -> int:
    """`entry_element`, checked (ValueError when a field does not fit)."""
    if kind not in KINDS:
        raise ValueError(f"priority entry kind must be one of {KINDS}, got {kind!r}")
    _uint(account, ACCOUNT_BITS, "account")
    _uint(amount, AMOUNT_BITS, "amount")
    return entry_element(kind, account, amount)


def entry_inputs(prio: int, kind: int, account: int, amount: int, pk_x: int, pk_y: int,
                 l1_address: int) -> list[int]:
    """The Poseidon inputs of one chain step (checked)."""
    check_elements([prio, pk_x, pk_y], "priority chain value or key")
    _uint(l1_address, L1_ADDRESS_BITS, "L1 address")
    return [prio, pack_entry(kind, account, amount), pk_x, pk_y, l1_address]


def priority_chain(prio: int, kind: int, account: int, amount: int, pk_x: int, pk_y: int, l1_address: int,
                   hash_fn: HashFn = poseidon) -> int:
    """The chain value after one more entry."""
    return hash_fn(entry_inputs(prio, kind, account, amount, pk_x, pk_y, l1_address))


def deposit_entry(prio: int, account: int, pk: tuple[int, int], amount: int, depositor: int,
                  hash_fn: HashFn = poseidon) -> int:
    """The chain after a deposit (amount >= 1)."""
    _uint(amount, AMOUNT_BITS, "deposit amount", minimum=1)
    return priority_chain(prio, KIND_DEPOSIT, account, amount, pk[0], pk[1], depositor, hash_fn)


def forced_entry(prio: int, account: int, amount: int, requester: int, hash_fn: HashFn = poseidon) -> int:
    """The chain after a forced-withdrawal request (amount >= 1)."""
    _uint(amount, AMOUNT_BITS, "forced withdrawal amount", minimum=1)
    return priority_chain(prio, KIND_FORCED, account, amount, 0, 0, requester, hash_fn)


def forced_close_entry(prio: int, account: int, requester: int, hash_fn: HashFn = poseidon) -> int:
    """The chain after a forced-close request (amount 0, no key)."""
    return priority_chain(prio, KIND_FORCED_CLOSE, account, 0, 0, 0, requester, hash_fn)


FORCED_CLOSE_REFUSED = SPECIAL_ACCOUNTS
"""Accounts L1 refuses forced-close requests for (they are never liquidated)."""


def deposit_outcome(leaf_exists: bool, leaf_pk: tuple[int, int], leaf_owner: int, pk: tuple[int, int],
                    depositor: int) -> str:
    """CREATE (empty leaf), CREDIT (same key and owner) or REFUND (module docstring)."""
    if not leaf_exists:
        return CREATE
    if tuple(leaf_pk) == tuple(pk) and leaf_owner == depositor:
        return CREDIT
    return REFUND


def forced_valid(in_tree: bool, leaf_exists: bool, account: int, leaf_owner: int, requester: int) -> bool:
    """Whether a forced withdrawal is served with what margin allows (else with 0)."""
    return bool(in_tree and leaf_exists and account != CLEARING_ACCOUNT and leaf_owner == requester)


def forced_paid(valid: bool, amount: int, allowance: int) -> int:
    """What a forced withdrawal pays: min(amount, max(0, allowance)) when valid, else 0."""
    return min(amount, max(0, allowance)) if valid else 0
