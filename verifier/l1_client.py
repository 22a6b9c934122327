"""`RollupL1`: the thin Python client of the rollup's L1 contracts (verifier/contracts/).

All rules live in the contracts. This module encodes calls (eth-abi), checks the Python
arguments before encoding (a wrong type or range is a `ContractError`, never a raw
TypeError or OverflowError from the encoder), turns reverts into the contract's own
errors with the revert reason (`ContractError`, `BatchRejected` with a `Reason`), and
reads state back: storage through view calls, history (queue entries, oracle tables,
accepted batches with their records and payouts) from the chain's log
(verifier/l1_history.py). Its API is what the operator, the CLI and the demo use:

    l1 = RollupL1(chain, addresses, operator=op_addr, oracle=oracle_addr)
    l1.deposit(alice, account, pk_x, pk_y, amount, now)     # alice = msg.sender
    l1.request_forced_close(account, alice, now=now)       # alice owns the account
    l1.owner_of(account), l1.held(), l1.retained(), l1.fund_deficit()
    l1.publish_oracle_table(table, now)                     # as the oracle
    l1.submit_batch(calldata, proof, now)                   # as the operator: a BatchReceipt
    l1.state_root, l1.batch_number, l1.queue(), l1.accepted_batches(), l1.payouts(n)

Roles: the operator and the oracle addresses are the client's (given at construction);
the governor is whoever holds the governance role (governor-only calls take `sender=`,
default the client's `governor`). Users are L1 addresses (0x strings or ints).

Time: the contracts read the block timestamp. Writes take `now` (unix seconds) and, on
the embedded chain, mine at that time (`Chain.set_next_timestamp`); a `now` at or before
the last block's time mines at the next block's (L1 time never goes back), and without
`now` the chain's own clock moves on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from circuits import babyjub
from circuits.field import R
from circuits.spec.priority import KIND_DEPOSIT, KIND_FORCED, KIND_FORCED_CLOSE
from circuits.spec.widths import TIME_BITS
from circuits.spec.tables import MarketTable, OracleTable

from .abi import Contract
from .calldata import BatchCalldata
from .evm import Chain, ExecutionFailed, InvalidTransaction, Receipt, checksum, to_address
from .groth16 import VerifyingKey
from .l1_deploy import L1Addresses, deploy_batch_verifier, vk_from_words
from .l1_history import PAYOUT_FORCED, PAYOUT_REFUND, PAYOUT_WITHDRAWAL, History
from .vyper_build import load


# --- errors -------------------------------------------------------------------------------

class ContractError(ValueError):
    """A call the L1 contracts refuse (`reason`: the revert text), or arguments the client
    refuses before sending. Nothing changed on L1."""

    def __init__(self, message: str, reason: Optional[str] = None):
        super().__init__(message)
        self.reason = reason or message


class BatchRejected(ContractError):
    """submit_batch refused; `reason` is a `Reason` constant where one applies, else the
    revert text; `detail` the revert text."""

    def __init__(self, reason: str, detail: str = ""):
        self.detail = detail
        super().__init__(f"batch rejected ({reason})" + (f": {detail}" if detail and detail != reason else ""),
                         reason)


class ExitRejected(ContractError):
    """An exodus claim or withdrawal refused (the revert text)."""


class Reason:
    """Why a batch is refused, for callers that act on it (e.g. the operator's rollback)."""
    EXODUS = "exodus mode"
    OVERDUE = "a priority request is past its deadline"
    REPLAYED = "replayed batch"
    OUT_OF_ORDER = "batch number is not the next one"
    NO_VERIFYING_KEY = "no verifying key for this batch size"
    MALFORMED_CALLDATA = "malformed calldata"
    MALFORMED_PROOF = "malformed proof"
    UNKNOWN_ORACLE_TABLE = "oracle table not published"
    STALE_ORACLE_TABLE = "oracle table too old"
    TOO_MANY_ENTRIES = "the records consume more L1 queue entries than are pending"
    QUEUE_MISMATCH = "a record does not fit the L1 queue entry it consumes"
    INVALID_PROOF = "invalid proof"
    INSOLVENT = "the payouts would leave less than the tokens held and the queued deposits"


_REVERTS = {
    "rollup: exodus mode": Reason.EXODUS,
    "rollup: a priority request is past its deadline (exodus)": Reason.OVERDUE,
    "rollup: no verifying key for this batch size": Reason.NO_VERIFYING_KEY,
    "rollup: the records are not N whole records": Reason.MALFORMED_CALLDATA,
    "rollup: the new root is not below r": Reason.MALFORMED_CALLDATA,
    "rollup: the fund's deficit is not below 2^128": Reason.MALFORMED_CALLDATA,
    "rollup: not K open interests": Reason.MALFORMED_CALLDATA,
    "rollup: insolvent: the tokens held for the accounts and the queued deposits exceed the balance":
        Reason.INSOLVENT,
    "tables: no such oracle table": Reason.UNKNOWN_ORACLE_TABLE,
    "rollup: stale oracle table": Reason.STALE_ORACLE_TABLE,
    "rollup: oracle table older than the last accepted batch's": Reason.STALE_ORACLE_TABLE,
    "rollup: oracle table of a replaced market": Reason.STALE_ORACLE_TABLE,
    "queue: the batch consumes more entries than are queued": Reason.TOO_MANY_ENTRIES,
    "rollup: a deposit record meets a queue entry of another kind": Reason.QUEUE_MISMATCH,
    "rollup: a forced-withdrawal record meets a queue entry of another kind": Reason.QUEUE_MISMATCH,
    "rollup: a forced withdrawal pays more than requested": Reason.QUEUE_MISMATCH,
    "rollup: a forced-close record meets a queue entry of another kind": Reason.QUEUE_MISMATCH,
    "rollup: invalid proof": Reason.INVALID_PROOF,
}


# --- records --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Payout:
    kind: int           # PAYOUT_WITHDRAWAL, PAYOUT_FORCED, PAYOUT_REFUND
    account: int
    l1_address: int
    amount: int


@dataclass(frozen=True)
class BatchReceipt:
    """What an accepted batch did, in the accepting transaction."""
    batch_number: int
    old_root: int
    new_root: int
    public_input: int
    entries_served: tuple   # priority-queue indices
    payouts: tuple          # of Payout, as the token's Transfer events of the transaction show
    gas: int
    accepted_at: int
    data_hash: bytes = b""  # sha256(header || records || trailer), in the BatchAccepted event
    block: int = 0
    tx_bytes: int = 0       # the L1 transaction's input (ABI-encoded calldata)
    fund_deficit: int = 0   # the insurance fund's deficit the batch proved (its payouts' haircut)


@dataclass(frozen=True)
class ExitLeaf:
    """The fields of an account leaf (circuits.spec.accounts): signed cash and sizes (what
    an exodus claim submits)."""
    pk_x: int
    pk_y: int
    nonce: int
    cash: int
    sizes: tuple
    orders_root: int
    owner: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))


# --- argument checks --------------------------------------------------------------------------

def _uint(v, bits: int, what: str, minimum: int = 0) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < (1 << bits):
        raise ContractError(f"{what} must be an int in [{minimum}, 2^{bits}), got {v!r}")
    return v


def _felt(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
        raise ContractError(f"{what} must be a field element (an int in [0, r)), got {v!r}")
    return v


def _int256(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not -(1 << 255) <= v < (1 << 255):
        raise ContractError(f"{what} must be an int256, got {v!r}")
    return v


def as_address(a, what: str = "address") -> str:
    """An L1 address given as 0x-hex, 20 bytes or an int below 2^160, checksummed."""
    if isinstance(a, int) and not isinstance(a, bool) and 0 <= a < 1 << 160:
        return checksum(a.to_bytes(20, "big"))
    try:
        return checksum(a)
    except (ValueError, TypeError):
        raise ContractError(f"{what} must be an address (0x and 40 hex digits, 20 bytes or an int < 2^160), "
                            f"got {a!r}") from None


def address_int(a) -> int:
    """An address as the integer the circuit and the queue's chain use."""
    return int(to_address(as_address(a)), 16)


def proof_words(proof) -> list[int]:
    """[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y] of a proof with a, b, c (affine
    ints), as submit_batch takes it; ContractError for anything else."""
    try:
        (ax, ay), ((bx0, bx1), (by0, by1)), (cx, cy) = proof.a, proof.b, proof.c
        words = [ax, ay, bx1, bx0, by1, by0, cx, cy]
    except (AttributeError, TypeError, ValueError):
        raise BatchRejected(Reason.MALFORMED_PROOF, "a proof has points a, b, c of affine integer coordinates") \
            from None
    for w in words:
        if not isinstance(w, int) or isinstance(w, bool) or not 0 <= w < 1 << 256:
            raise BatchRejected(Reason.MALFORMED_PROOF, f"proof coordinate {w!r} is not a uint256")
    return words


def cofactor_witness(pk) -> tuple[int, int]:
    """Q with 8 Q = pk, which the queue asks of a deposit key (ContractError unless pk is a
    non-identity point of Baby Jubjub's prime-order subgroup: no Q satisfies L1 otherwise)."""
    if not babyjub.is_on_curve(pk) or tuple(pk) == babyjub.IDENTITY or not babyjub.is_in_subgroup(tuple(pk)):
        raise ContractError("the deposit key must be a non-identity point of Baby Jubjub's prime-order subgroup")
    return babyjub.scalar_mul(pow(babyjub.COFACTOR, -1, babyjub.L), tuple(pk))


# --- the client ------------------------------------------------------------------------------

class RollupL1:
    """The rollup's L1 contracts on `chain` at `addresses` (module docstring)."""

    def __init__(self, chain: Chain, addresses: L1Addresses, *, operator=None, oracle=None, governor=None):
        self.chain, self.addresses = chain, addresses
        self.operator = None if operator is None else as_address(operator, "operator")
        self.oracle = None if oracle is None else as_address(oracle, "oracle")
        self._governor = None if governor is None else as_address(governor, "governor")
        abis = {name: load(name).abi for name in ("token", "governance", "rollup", "priority_queue", "tables",
                                                   "exodus")}
        self.token = Contract(chain, addresses.token, abis["token"])
        self.governance = Contract(chain, addresses.governance, abis["governance"])
        self.rollup = Contract(chain, addresses.rollup, abis["rollup"])
        self.queue_contract = Contract(chain, addresses.queue, abis["priority_queue"])
        self.tables = Contract(chain, addresses.tables, abis["tables"])
        self.exodus_contract = Contract(chain, addresses.exodus, abis["exodus"])
        self.K = self.tables.call("K")
        self.S = self.tables.call("S")
        self.acc_depth = self.queue_contract.call("ACC_DEPTH")
        self.history = History(chain, {"token": self.token, "rollup": self.rollup, "queue": self.queue_contract,
                                       "tables": self.tables, "exodus": self.exodus_contract})

    def close(self) -> None:
        self.chain.close()

    # --- sending ------------------------------------------------------------------------------
    def _at(self, now: Optional[int]) -> None:
        if now is None:
            return
        _uint(now, TIME_BITS, "time")
        if now > self.chain.timestamp and now != self.chain.next_timestamp:
            self.chain.set_next_timestamp(now)

    def _send(self, contract: Contract, fn: str, *args, sender, value: int = 0, now: Optional[int] = None,
              error=ContractError) -> Receipt:
        if sender is None:
            raise ContractError(f"{fn}: no sender (the client has no address for this role)")
        sender = as_address(sender, "sender")
        self._at(now)
        try:
            return contract.transact(fn, *args, sender=sender, value=value)
        except ExecutionFailed as e:
            raise _error(error, e.reason) from None
        except InvalidTransaction as e:
            raise error(f"transaction refused: {e}") from None

    def _view(self, contract: Contract, fn: str, *args, error=ContractError):
        try:
            return contract.call(fn, *args)
        except ExecutionFailed as e:
            raise _error(error, e.reason) from None

    def _scan(self) -> History:
        self.history.scan()
        return self.history

    # --- state (views) ------------------------------------------------------------------------
    @property
    def state_root(self) -> int:
        return self.rollup.call("state_root")

    @property
    def batch_number(self) -> int:
        return self.rollup.call("batch_number")

    @property
    def last_oracle_table_id(self) -> int:
        """The table of the last accepted batch (0: none yet)."""
        return self.rollup.call("last_table_id")

    @property
    def latest_oracle_table_id(self) -> int:
        return self.tables.call("latest_table_id")

    @property
    def exodus(self) -> bool:
        return self.rollup.call("exodus")

    @property
    def overdue(self) -> bool:
        """Whether the oldest unserved queue entry is past its deadline (batches stop)."""
        return self.queue_contract.call("overdue")

    @property
    def market_hash(self) -> Optional[int]:
        h = self.tables.call("market_hash")
        return h or None

    @property
    def deployment_id(self) -> int:
        return self.addresses.deployment_id

    @property
    def entries_served(self) -> int:
        """Queue entries accepted batches have consumed (in queue order)."""
        return self.queue_contract.call("head")

    def queue_length(self) -> int:
        return self.queue_contract.call("count")

    @property
    def pending_deposit_total(self) -> int:
        return self.queue_contract.call("pending_deposits")

    @property
    def collateral(self) -> int:
        """The rollup contract's token balance (accounts' cash and queued deposits)."""
        return self.token.call("balanceOf", self.addresses.rollup)

    @property
    def now(self) -> int:
        """The last block's timestamp."""
        return self.chain.timestamp

    @property
    def governor(self) -> str:
        return checksum(self.governance.call("governor"))

    def l1_balance(self, address) -> int:
        """An L1 address's token balance."""
        return self.token.call("balanceOf", as_address(address))

    def l1_balances(self) -> dict[int, int]:
        """Token balances of every address that ever held tokens (the rollup contract's excluded)."""
        rollup = address_int(self.addresses.rollup)
        return {a: self.l1_balance(a) for a in sorted(self._scan().holders) if a != rollup}

    def prio_chain(self, n: Optional[int] = None) -> int:
        """The priority chain after the first n entries (default: the served ones)."""
        n = self.entries_served if n is None else _uint(n, 64, "n")
        return self._view(self.queue_contract, "prio", n)

    def queue(self, start: int = 0, stop: Optional[int] = None) -> list[dict]:
        """Priority-queue entries by index: index, kind, account, amount, pk_x, pk_y,
        l1_address (int: depositor or requester), chain (after it), queued_at, deadline,
        served_batch and paid (what its batch paid on L1; None until served), reclaimed."""
        return [dict(e) for e in self._scan().entries[start:stop]]

    def pending_entries(self) -> list[dict]:
        return self.queue(self.entries_served)

    def deposits(self) -> list[dict]:
        return [e for e in self.queue() if e["kind"] == KIND_DEPOSIT]

    def forced_requests(self, pending_only: bool = False) -> list[dict]:
        """Forced-withdrawal entries (kind 2)."""
        out = [e for e in self.queue() if e["kind"] == KIND_FORCED]
        return [e for e in out if e["served_batch"] is None] if pending_only else out

    def forced_closes(self, pending_only: bool = False) -> list[dict]:
        """Forced-close entries (kind 3; amount 0, no key; l1_address: the owner who asked)."""
        out = [e for e in self.queue() if e["kind"] == KIND_FORCED_CLOSE]
        return [e for e in out if e["served_batch"] is None] if pending_only else out

    def pending_forced(self, l1_address) -> int:
        """Unserved forced requests (withdrawals and closes) of `l1_address`; the queue takes
        at most MAX_PENDING_FORCED."""
        return self.queue_contract.call("pending_forced", as_address(l1_address))

    def oracle_table(self, table_id: int) -> Optional[dict]:
        """Published table `table_id`: table_id, hash, encoded (circuits.spec.tables'
        oracle encoding), packed (the calldata), published_at (its timestamp)."""
        h = self._scan()
        if not isinstance(table_id, int) or not 1 <= table_id <= len(h.tables):
            return None
        t = dict(h.tables[table_id - 1])
        t["encoded"] = OracleTable.from_packed(list(t["packed"])).encode()
        return t

    def market(self) -> Optional[MarketTable]:
        """The market table currently registered (decoded from its registration)."""
        markets = self.markets()
        return markets[-1] if markets else None

    def markets(self) -> list[MarketTable]:
        """Every market table ever registered, in order (decoded from the registrations;
        rebuilding the state needs the market each batch was proved against)."""
        out = []
        for mh, rows in self._scan().markets:
            m = MarketTable.decode(list(rows))
            if m.hash() != mh:
                raise ContractError("a registered market does not hash to its published hash")
            out.append(m)
        return out

    def verifier_address(self, batch_size: int) -> Optional[str]:
        a = self.rollup.call("verifier", _uint(batch_size, 16, "batch size"))
        return None if int(a, 16) == 0 else checksum(a)

    def verifying_key(self, batch_size: int) -> Optional[VerifyingKey]:
        """The key the verifier of batches of `batch_size` checks (None: no verifier)."""
        a = self.verifier_address(batch_size)
        return None if a is None else vk_from_words(Contract(self.chain, a, load("batch_verifier").abi).call("key"))

    def batch_sizes(self) -> list[int]:
        return [n for n in range(1, 65) if self.verifier_address(n) is not None]

    def accepted_batches(self) -> list[dict]:
        """Every accepted batch, in order: batch_number, calldata (BatchCalldata: new root,
        table id, records) and its canonical bytes (calldata_bytes), tx_input (the L1
        transaction's input, ABI-encoded), proof, public_input,
        data_hash, old_root, new_root, oracle_hash, market_hash, table_id, prio_old,
        prio_new, first_entry, entries_served, accepted_at, gas, block, and the solvency
        ledger after it: fund_deficit (the calldata's), held, retained."""
        return [dict(b) for b in self._scan().batches]

    def batch_records(self, batch_number: int) -> list[bytes]:
        bs = self._scan().batches
        if not isinstance(batch_number, int) or not 1 <= batch_number <= len(bs):
            raise ContractError(f"no accepted batch {batch_number!r}")
        return list(bs[batch_number - 1]["calldata"].records)

    def payouts(self, batch_number: int) -> list[dict]:
        """What accepted batch `batch_number` paid on L1, in record order: kind, account,
        l1_address, amount (what was paid: an exit's amount after the pro-rata haircut while
        the fund's deficit was not covered, docs/l1.md "Socialised loss and solvency")."""
        h = self._scan()
        if batch_number not in h.payouts:
            raise ContractError(f"no accepted batch {batch_number!r}")
        return [dict(p) for p in h.payouts[batch_number]]

    def snapshot(self) -> tuple:
        """Every storage slot of every contract on the chain (tests: a refused call changes
        nothing)."""
        return tuple(self.chain.store.storage())

    def claim_of(self, account: int) -> Optional[dict]:
        """The exodus claim of `account` (None: not claimed): owner (int), worth, late,
        withdrawn."""
        owner, worth, late, withdrawn = self.exodus_contract.call("claims", _uint(account, self.acc_depth, "account"))
        if int(owner, 16) == 0:
            return None
        return {"owner": address_int(owner), "worth": worth, "late": late, "withdrawn": withdrawn}

    @property
    def total_claimed(self) -> int:
        """The worth of the claims made in the claim period."""
        return self.exodus_contract.call("total_claimed")

    @property
    def exodus_pool(self) -> int:
        """The tokens the claims share: frozen at the first withdrawal, until then as of now."""
        return self.exodus_contract.call("pool")

    @property
    def claim_end(self) -> Optional[int]:
        """When the exodus claim period ends (None outside exodus mode)."""
        return self.exodus_contract.call("claim_end") if self.exodus else None

    def exit_due(self, account: int) -> int:
        """What withdraw_exit(account) would pay now (0: not claimed or already paid)."""
        return self.exodus_contract.call("due", _uint(account, self.acc_depth, "account"))

    def exits(self) -> dict[int, dict]:
        """Every exodus claim, by account: owner, worth, late, claimed_at, and once paid, paid
        and paid_at."""
        return {a: dict(c) for a, c in self._scan().exits.items()}

    # --- governance ---------------------------------------------------------------------------
    def _gov(self, sender):
        return sender if sender is not None else (self._governor or self.governor)

    def register_verifying_key(self, batch_size: int, vk: VerifyingKey, *, sender=None) -> str:
        """Deploy the batch verifier for `vk` and set it for batches of `batch_size` (the
        governor). Returns the verifier's address."""
        _uint(batch_size, 7, "batch size", 1)
        if not isinstance(vk, VerifyingKey):
            raise ContractError(f"expected a VerifyingKey, got {type(vk).__name__}")
        sender = as_address(self._gov(sender), "sender")
        try:
            v = deploy_batch_verifier(self.chain, vk, sender)
        except ValueError as e:
            raise ContractError(f"invalid verifying key: {e}") from None
        except ExecutionFailed as e:
            raise ContractError(e.reason or "verifier deployment failed") from None
        self._send(self.rollup, "set_verifier", batch_size, v.address, sender=sender)
        return v.address

    def register_market(self, market, now: Optional[int] = None, *, oi_opening=None, sender=None) -> int:
        """Register `market` (a MarketTable, an object with encode(), or that list) as the
        governor; `oi_opening` = (accounts_root, oi) when a slot changes instrument. Returns
        the hash."""
        if not isinstance(market, MarketTable) and hasattr(market, "encode"):
            market = market.encode()
        if isinstance(market, (list, tuple)):
            try:
                market = MarketTable.decode(list(market))
            except ValueError as e:
                raise ContractError(str(e)) from None
        if not isinstance(market, MarketTable):
            raise ContractError(f"expected a MarketTable, got {type(market).__name__}")
        rows = [_uint(v, 256, "market value") for v in market.encode()]
        accounts_root, oi = (0, []) if oi_opening is None else oi_opening
        _felt(accounts_root, "accounts root")
        oi = [_felt(v, "open interest") for v in oi]
        self._send(self.tables, "register_market", rows, accounts_root, oi, sender=self._gov(sender), now=now)
        return self.market_hash

    def set_oracle(self, oracle, *, sender=None) -> None:
        self._send(self.tables, "set_oracle", as_address(oracle, "oracle"), sender=self._gov(sender))

    def set_forced_fee(self, fee: int, sink, *, sender=None) -> None:
        self._send(self.queue_contract, "set_forced_fee", _uint(fee, 256, "fee"), as_address(sink, "fee sink"),
                   sender=self._gov(sender))

    # --- oracle -------------------------------------------------------------------------------
    def publish_oracle_table(self, table, now: Optional[int] = None, sender=None) -> int:
        """Publish an oracle table (an OracleTable, an object with encode(), or the circuits.spec
        oracle encoding) as the oracle; returns its table id."""
        if not isinstance(table, OracleTable) and hasattr(table, "encode"):
            table = table.encode()
        if isinstance(table, (list, tuple)):
            try:
                table = OracleTable.decode(list(table))
            except ValueError as e:
                raise ContractError(str(e)) from None
        if not isinstance(table, OracleTable):
            raise ContractError(f"expected an OracleTable or its encoding, got {type(table).__name__}")
        packed = [_uint(v, 256, "packed oracle value") for v in table.packed()]
        rc = self._send(self.tables, "publish_oracle_table", packed, sender=sender or self.oracle, now=now)
        return self.tables.events(rc, "OracleTablePublished")[0].args["table_id"]

    # --- users --------------------------------------------------------------------------------
    def mint(self, l1_address, amount: int, *, sender=None) -> None:
        """The token owner's faucet (the demo's): `amount` tokens to `l1_address`."""
        owner = sender or checksum(self.token.call("owner"))
        self._send(self.token, "mint", as_address(l1_address), _uint(amount, 256, "amount"), sender=owner)

    def approve(self, owner, amount: int) -> None:
        self._send(self.token, "approve", self.addresses.queue, _uint(amount, 256, "amount"), sender=owner)

    def deposit(self, l1_address, account: int, pk_x: int, pk_y: int, amount: int, now: Optional[int] = None, *,
                approve: bool = True) -> int:
        """`l1_address` (msg.sender, the depositor) queues a deposit of `amount` to `account`
        with key (pk_x, pk_y) (approving the queue for it first unless approve=False);
        returns the entry's index."""
        sender = as_address(l1_address, "depositor")
        if now is not None:
            _uint(now, TIME_BITS, "time")
        _uint(account, self.acc_depth, "account")
        _uint(amount, 64, "amount", 1)
        q = cofactor_witness((_felt(pk_x, "pk_x"), _felt(pk_y, "pk_y")))
        if approve:
            self.approve(sender, amount)
        rc = self._send(self.queue_contract, "deposit", account, pk_x, pk_y, *q, amount, sender=sender, now=now)
        return self.queue_contract.events(rc, "DepositQueued")[0].args["index"]

    def forced_fee(self) -> int:
        return self.queue_contract.call("forced_fee")

    def request_forced_withdrawal(self, account: int, l1_address, amount: int, now: Optional[int] = None) -> int:
        """`l1_address` (msg.sender, the requester) queues a forced withdrawal of up to
        `amount` from `account`, paying the forced-request fee in ETH; returns the index."""
        sender = as_address(l1_address, "requester")
        _uint(account, self.acc_depth, "account")
        _uint(amount, 64, "amount", 1)
        rc = self._send(self.queue_contract, "request_forced_withdrawal", account, amount, sender=sender,
                        value=self.forced_fee(), now=now)
        return self.queue_contract.events(rc, "ForcedWithdrawalQueued")[0].args["index"]

    def request_forced_close(self, account: int, l1_address, now: Optional[int] = None) -> int:
        """`l1_address` (msg.sender, the account's owner) queues a forced close of every
        position of `account`, paying the forced-request fee in ETH. The queue admits it only
        from the owner the rollup contract learned from an accepted deposit (`owner_of`).
        Returns the entry's index; ContractError with the queue's reason otherwise."""
        sender = as_address(l1_address, "requester")
        _uint(account, self.acc_depth, "account")
        rc = self._send(self.queue_contract, "request_forced_close", account, sender=sender, value=self.forced_fee(),
                        now=now)
        return self.queue_contract.events(rc, "ForcedCloseQueued")[0].args["index"]

    def owner_of(self, account: int) -> Optional[int]:
        """The owner (int) of `account` as L1 knows it: the depositor of a deposit an accepted
        batch credited to it (None: no such deposit yet). What request_forced_close checks."""
        a = address_int(self.rollup.call("owner_of", _uint(account, 256, "account")))
        return a or None

    # --- solvency (circuits.spec.solvency) ---------------------------------------------------
    def held(self) -> int:
        """Tokens the rollup contract holds for the accounts' cash: credited deposits - exit payouts."""
        return self.rollup.call("held")

    def retained(self) -> int:
        """What exit haircuts kept back while the insurance fund's deficit was not covered."""
        return self.rollup.call("retained")

    def fund_deficit(self) -> int:
        """The insurance fund's deficit the last accepted batch proved."""
        return self.rollup.call("fund_deficit")

    def _leaf_args(self, account: int, leaf: ExitLeaf, siblings: Sequence[int], oi_hash: int) -> list:
        """The contracts' arguments of a leaf opening: account, pk_x, pk_y, nonce, cash,
        sizes, orders_root, owner, siblings, oi_hash (checked, ContractError otherwise)."""
        _uint(account, self.acc_depth, "account")
        if not isinstance(leaf, ExitLeaf):
            raise ContractError(f"expected an ExitLeaf, got {type(leaf).__name__}")
        for v, what in ((leaf.pk_x, "pk_x"), (leaf.pk_y, "pk_y"), (leaf.nonce, "nonce"),
                        (leaf.orders_root, "orders root"), (oi_hash, "open-interest hash")):
            _felt(v, what)
        cash = _int256(leaf.cash, "cash")
        sizes = [_int256(v, "size") for v in leaf.sizes]
        owner = as_address(leaf.owner, "owner")
        if isinstance(siblings, (str, bytes)) or not hasattr(siblings, "__iter__"):
            raise ContractError(f"siblings must be a sequence of field elements, got {siblings!r}")
        sibs = [_felt(x, "sibling") for x in siblings]
        return [account, leaf.pk_x, leaf.pk_y, leaf.nonce, cash, sizes, leaf.orders_root, owner, sibs, oi_hash]

    # --- batches ------------------------------------------------------------------------------
    def _batch_args(self, calldata) -> tuple:
        if isinstance(calldata, (bytes, bytearray, memoryview)):
            try:
                calldata = BatchCalldata.from_bytes(calldata)
            except ValueError as e:
                raise BatchRejected(Reason.MALFORMED_CALLDATA, str(e)) from None
        if not isinstance(calldata, BatchCalldata):
            raise BatchRejected(Reason.MALFORMED_CALLDATA, f"expected a BatchCalldata, got {type(calldata).__name__}")
        bn = self.batch_number
        if calldata.batch_number <= bn:
            raise BatchRejected(Reason.REPLAYED, f"batch {calldata.batch_number}, L1 is at {bn}")
        if calldata.batch_number != bn + 1:
            raise BatchRejected(Reason.OUT_OF_ORDER, f"batch {calldata.batch_number}, expected {bn + 1}")
        if len(calldata.records) > 64:
            raise BatchRejected(Reason.MALFORMED_CALLDATA, "L1 takes at most 64 records per batch")
        return (calldata.new_root, calldata.oracle_table_id, calldata.data(), calldata.fund_deficit,
                calldata.open_interest_bytes())

    def expected_public_input(self, calldata, now: Optional[int] = None) -> int:
        """The public input submit_batch would check (BatchRejected where it would refuse
        before the proof); `now`: as of that time (default: the next block's)."""
        args = self._batch_args(calldata)
        if now is not None and now > self.chain.timestamp and now != self.chain.next_timestamp:
            self.chain.set_next_timestamp(now)
        return self._view(self.rollup, "expected_public_input", *args, error=BatchRejected)

    def submit_batch(self, calldata, proof, now: Optional[int] = None, *, sender=None) -> BatchReceipt:
        """Submit a batch (a BatchCalldata or its bytes) with its proof, as the operator;
        returns what the accepting transaction did, or raises BatchRejected (nothing
        changed on L1)."""
        args = self._batch_args(calldata)
        words = proof_words(proof)
        old_root = self.state_root
        rc = self._send(self.rollup, "submit_batch", *args, words, sender=sender or self.operator, now=now,
                        error=BatchRejected)
        ev = self.rollup.events(rc, "BatchAccepted")[0].args
        h = self._scan()
        b = h.batches[-1]
        # every token transfer of the accepting transaction, in order, must be one payout the
        # records call for, in record order (a list, not a set: an extra, a missing or a
        # duplicated transfer, or one from another sender, is caught)
        rollup = address_int(self.rollup.address)
        paid = [(address_int(e.args["sender"]), address_int(e.args["receiver"]), e.args["value"])
                for e in self.token.events(rc, "Transfer")]
        pays = tuple(Payout(**p) for p in h.payouts[ev["batch_number"]])
        if paid != [(rollup, p.l1_address, p.amount) for p in pays]:
            raise ContractError("the accepting transaction's transfers differ from the records' payouts")
        return BatchReceipt(ev["batch_number"], old_root, ev["new_root"], b["public_input"], b["entries_served"],
                            pays, rc.gas_used, rc.timestamp, b["data_hash"], rc.block, len(b["tx_input"]),
                            b["fund_deficit"])

    # --- exodus -------------------------------------------------------------------------------
    def activate_exodus(self, *, sender=None, now: Optional[int] = None) -> None:
        """Anyone: exodus mode once a queue entry is past its deadline (else ContractError)."""
        self._send(self.rollup, "activate_exodus", sender=sender or self.operator, now=now)

    def tick(self, now: Optional[int] = None, *, sender=None) -> bool:
        """Switch to exodus mode if a queue entry is past its deadline (as the time `now`);
        returns whether the rollup is in exodus mode."""
        self._at(now)
        if not self.exodus and self.overdue:
            self._send(self.rollup, "activate_exodus", sender=sender or self.operator or self.governor)
        return self.exodus

    def reclaim_deposit(self, index: int, now: Optional[int] = None, *, sender=None) -> int:
        """In exodus mode, pay an unconsumed deposit back to its depositor; returns the amount."""
        rc = self._send(self.queue_contract, "reclaim_deposit", _uint(index, 64, "index"),
                        sender=sender or self.operator or self.governor, now=now)
        return self.queue_contract.events(rc, "DepositReclaimed")[0].args["amount"]

    def claim(self, account: int, leaf: ExitLeaf, siblings: Sequence[int], oi_hash: int, table=None, *,
              sender=None, now: Optional[int] = None) -> int:
        """Claim `account` in exodus mode (anyone may send it; the owner is paid at
        withdraw_exit): its leaf, Merkle path, the open-interest hash and, when a size is not
        0, the last accepted batch's oracle table (an OracleTable). Returns the worth
        recorded; ExitRejected with the revert reason otherwise. A claim at or after
        claim_end is late (docs/l1.md, "Exodus")."""
        args = self._leaf_args(account, leaf, siblings, oi_hash)
        if table is None:
            packed = []
        elif isinstance(table, OracleTable):
            packed = table.packed()
        else:
            raise ContractError(f"expected an OracleTable, got {type(table).__name__}")
        rc = self._send(self.exodus_contract, "claim", *args, packed, sender=sender or self.operator, now=now,
                        error=ExitRejected)
        return self.exodus_contract.events(rc, "Claimed")[0].args["worth"]

    def withdraw_exit(self, account: int, *, sender=None, now: Optional[int] = None) -> int:
        """After the claim period, pay `account`'s claim to its owner (anyone may send it);
        returns the amount paid; ExitRejected with the revert reason otherwise."""
        _uint(account, self.acc_depth, "account")
        rc = self._send(self.exodus_contract, "withdraw", account, sender=sender or self.operator, now=now,
                        error=ExitRejected)
        return self.exodus_contract.events(rc, "Withdrawn")[0].args["paid"]

def _error(kind, text: Optional[str]):
    text = text or "reverted without a reason"
    if kind is BatchRejected:
        return BatchRejected(_REVERTS.get(text, text), text)
    return kind(text)


__all__ = ["BatchReceipt", "BatchRejected", "ContractError", "ExitLeaf", "ExitRejected",
           "PAYOUT_FORCED", "PAYOUT_REFUND", "PAYOUT_WITHDRAWAL", "Payout", "Reason", "RollupL1", "address_int",
           "as_address", "cofactor_witness", "proof_words"]
