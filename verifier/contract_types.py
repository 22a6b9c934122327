"""The L1 contract model's errors, configuration and records (see verifier/contract.py)."""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec.accounts import NO_DEPOSIT_ACCOUNTS, account_leaf_of
from circuits.spec.deployment import CHAIN_ID_BITS, CONTRACT_ADDRESS_BITS, deployment_id

from .oracle_model import DEFAULT_ORACLE_ADDRESS

DAY = 24 * 3600


# --- errors -------------------------------------------------------------------------------------

class ContractError(ValueError):
    """A call the contract refuses (bad argument, wrong mode, insufficient balance)."""


class BatchRejected(ContractError):
    """`submit_batch` refused the batch; `reason` is one of the `Reason` constants. Nothing changed."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"batch rejected ({reason})" + (f": {detail}" if detail else ""))


class ExitRejected(ContractError):
    """`exit` refused; `reason` is one of the `Reason` constants. Nothing changed."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"exit rejected ({reason})" + (f": {detail}" if detail else ""))


class Reason:
    MALFORMED_CALLDATA = "malformed calldata"
    EXODUS = "exodus mode"
    NO_VERIFYING_KEY = "no verifying key for this batch size"
    REPLAYED = "replayed batch"
    OUT_OF_ORDER = "batch number is not the next one"
    WRONG_OLD_ROOT = "wrong old root"
    TOO_MANY_ENTRIES = "the records consume more L1 queue entries than are pending"
    QUEUE_MISMATCH = "a record does not fit the L1 queue entry it consumes"
    NO_MARKET = "no market registered"
    UNKNOWN_ORACLE_TABLE = "oracle table not published"
    STALE_ORACLE_TABLE = "oracle table superseded"
    ORACLE_MARKET_MISMATCH = "oracle table is for another market"
    INSUFFICIENT_COLLATERAL = "payouts exceed the collateral"
    MALFORMED_PROOF = "malformed proof"
    INVALID_PROOF = "invalid proof"
    # exits
    NOT_EXODUS = "not in exodus mode"
    ALREADY_EXITED = "account already exited"
    BAD_MERKLE_PROOF = "leaf not in the last accepted root"
    NO_OWNER = "the account has no L1 owner (a special account)"
    BAD_POSITIONS = "positions do not fit the oracle table"
    WRONG_MARKS = "marks differ from the last accepted oracle table"
    NO_PRICES = "no accepted oracle table to value positions"


# --- records -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractConfig:
    """Fixed at creation, stored with the state. `queue_deadline_s`: how long an L1 queue
    entry (deposit or forced withdrawal) may wait for a batch to serve it before the
    contract enters exodus mode. `chain_id` and `address`: the deployment (its id,
    `circuits.spec.deployment`, must be the registered market's). `no_deposit_accounts`:
    indices a deposit may not name (`circuits.spec.accounts.NO_DEPOSIT_ACCOUNTS`: the
    clearing account, which the native state and the circuit refuse, so such a deposit
    would block the queue)."""
    queue_deadline_s: int = 7 * DAY
    oracle_grace_s: int = 600
    acc_depth: int = 32
    oracle_address: int = DEFAULT_ORACLE_ADDRESS
    chain_id: int = 31337
    address: int = 0xC0FFEE
    no_deposit_accounts: tuple = NO_DEPOSIT_ACCOUNTS

    def __post_init__(self) -> None:
        object.__setattr__(self, "no_deposit_accounts", tuple(self.no_deposit_accounts))
        for name in ("queue_deadline_s", "oracle_grace_s", "acc_depth", "oracle_address", "chain_id", "address"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"ContractConfig.{name} must be a non-negative int, got {v!r}")
        if not 1 <= self.acc_depth <= 32:
            raise ValueError("acc_depth must be in 1..32")
        if self.chain_id >= 1 << CHAIN_ID_BITS or self.address >= 1 << CONTRACT_ADDRESS_BITS:
            raise ValueError("chain_id is 64 bits and address 160 bits")

    @property
    def deployment_id(self) -> int:
        return deployment_id(self.chain_id, self.address)


PAYOUT_WITHDRAWAL, PAYOUT_FORCED, PAYOUT_REFUND = 1, 2, 3


@dataclass(frozen=True)
class Payout:
    kind: int           # PAYOUT_WITHDRAWAL, PAYOUT_FORCED (a forced withdrawal served), PAYOUT_REFUND (a deposit)
    account: int
    l1_address: int
    amount: int


@dataclass(frozen=True)
class BatchReceipt:
    """What an accepted batch did, in the accepting call."""
    batch_number: int
    old_root: int
    new_root: int
    public_input: int
    entries_served: tuple[int, ...]          # priority-queue indices (deposits and forced requests)
    payouts: tuple[Payout, ...]
    gas: int
    accepted_at: int


@dataclass(frozen=True)
class ExitLeaf:
    """The fields of an account leaf (circuits.spec.accounts): signed cash and sizes
    as integers in (-r/2, r/2], which makes their field encoding one-to-one."""
    pk_x: int
    pk_y: int
    nonce: int
    cash: int
    sizes: tuple
    orders_root: int
    owner: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))

    def leaf(self) -> int:
        return account_leaf_of(self.pk_x, self.pk_y, self.nonce, self.cash, self.sizes, self.orders_root,
                               self.owner)
