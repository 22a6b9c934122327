"""The L1 contract model's errors, configuration and records (see verifier/contract.py)."""
from __future__ import annotations

from dataclasses import dataclass

from circuits.spec.accounts import NO_DEPOSIT_ACCOUNTS, account_leaf_of

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
    TOO_MANY_DEPOSITS = "more deposits claimed than queued"
    NO_MARKET = "no market registered"
    UNKNOWN_ORACLE_TABLE = "oracle table not published"
    STALE_ORACLE_TABLE = "oracle table superseded"
    ORACLE_MARKET_MISMATCH = "oracle table is for another market"
    FORCED_MISMATCH = "forced-withdrawal effects do not match the pending requests"
    INSUFFICIENT_COLLATERAL = "payouts exceed the collateral"
    MALFORMED_PROOF = "malformed proof"
    INVALID_PROOF = "invalid proof"
    # exits
    NOT_EXODUS = "not in exodus mode"
    ALREADY_EXITED = "account already exited"
    BAD_MERKLE_PROOF = "leaf not in the last accepted root"
    BAD_SIGNATURE = "exit not signed by the account key"
    BAD_POSITIONS = "positions do not fit the oracle table"
    WRONG_MARKS = "marks differ from the last accepted oracle table"
    NO_PRICES = "no accepted oracle table to value positions"


# --- records -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractConfig:
    """Fixed at creation, stored with the state. `no_deposit_accounts`: indices a deposit
    may not name (`circuits.spec.accounts.NO_DEPOSIT_ACCOUNTS`: the clearing account, which
    the native state and the circuit refuse, so such a deposit would block the queue)."""
    forced_deadline_s: int = 7 * DAY
    oracle_grace_s: int = 600
    acc_depth: int = 32
    oracle_address: int = DEFAULT_ORACLE_ADDRESS
    no_deposit_accounts: tuple = NO_DEPOSIT_ACCOUNTS

    def __post_init__(self) -> None:
        object.__setattr__(self, "no_deposit_accounts", tuple(self.no_deposit_accounts))
        for name in ("forced_deadline_s", "oracle_grace_s", "acc_depth", "oracle_address"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"ContractConfig.{name} must be a non-negative int, got {v!r}")
        if not 1 <= self.acc_depth <= 32:
            raise ValueError("acc_depth must be in 1..32")


@dataclass(frozen=True)
class Payout:
    kind: int           # 1 withdrawal, 2 forced withdrawal served
    account: int
    l1_address: int
    amount: int


@dataclass(frozen=True)
class BatchReceipt:
    """What an accepted batch did, in the accepting call."""
    batch_number: int
    old_root: int
    new_root: int
    commitment: int
    deposits_consumed: tuple[int, ...]       # queue indices
    forced_served: tuple[int, ...]           # request ids
    payouts: tuple[Payout, ...]
    gas: int
    accepted_at: int
    data_bytes: int = 0                      # length of the batch data stored with the record
    data_hash: bytes = b""                   # SHA-256 of that data, computed by the contract


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))

    def leaf(self) -> int:
        return account_leaf_of(self.pk_x, self.pk_y, self.nonce, self.cash, self.sizes, self.orders_root)
