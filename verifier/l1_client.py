"""`RollupL1`: the thin Python client of the rollup's L1 contracts (verifier/contracts/).

All rules live in the contracts; this module only encodes calls (eth-abi), checks the
Python arguments before encoding (so a wrong type or range is a `ContractError`, never
a raw TypeError or OverflowError from the encoder), turns reverts into the contract's
own errors with the revert reason, and reads state back: storage through view calls,
history (queue entries, oracle tables, accepted batches with their records) from the
chain's transaction log (events and calldata, what eth_getLogs and
eth_getTransactionByHash give on a node).

    l1 = RollupL1(chain, addresses)          # verifier.l1_deploy.deploy_rollup's addresses
    l1.deposit(alice, account=7, pk=(x, y), amount=10**9)
    l1.publish_oracle_table(table, sender=oracle)
    l1.submit_batch(new_root, table_id, records, proof, sender=operator)
    l1.state_root, l1.batch_number, l1.queue_entries(), l1.accepted_batches()

Time: the contracts read the block timestamp. Writes take `now=` (unix seconds) to mine
at that time on the embedded chain (`Chain.set_next_timestamp`); without it the chain's
own clock moves on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from eth_abi import decode

from circuits.field import R
from circuits.spec.priority import KIND_DEPOSIT, KIND_FORCED
from circuits.spec.records import RECORD_BYTES
from circuits.spec.tables import MarketTable, OracleTable

from .abi import Contract, abi_type, function
from .evm import Chain, ExecutionFailed, InvalidTransaction, Receipt, checksum, keccak256, to_address
from .groth16 import Proof, VerifyingKey
from .l1_deploy import L1Addresses, deploy_batch_verifier, vk_from_words
from .vyper_build import load


# --- errors -------------------------------------------------------------------------------

class ContractError(ValueError):
    """A call the L1 contracts refuse (the revert reason), or arguments the client refuses
    before sending (wrong type or range). Nothing changed on L1."""

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


class Reason:
    """Why a batch is refused, for callers that act on it (e.g. the operator's rollback)."""
    EXODUS = "exodus mode"
    OVERDUE = "a priority request is past its deadline"
    NO_VERIFYING_KEY = "no verifying key for this batch size"
    MALFORMED = "malformed batch"
    UNKNOWN_ORACLE_TABLE = "oracle table not published"
    STALE_ORACLE_TABLE = "oracle table too old"
    TOO_MANY_ENTRIES = "more queue entries consumed than queued"
    KIND_MISMATCH = "record and queue entry kinds differ"
    INVALID_PROOF = "invalid proof"


_REVERTS = {
    "rollup: exodus mode": Reason.EXODUS,
    "rollup: a priority request is past its deadline (exodus)": Reason.OVERDUE,
    "rollup: no verifying key for this batch size": Reason.NO_VERIFYING_KEY,
    "rollup: the records are not N whole records": Reason.MALFORMED,
    "rollup: the new root is not below r": Reason.MALFORMED,
    "tables: no such oracle table": Reason.UNKNOWN_ORACLE_TABLE,
    "rollup: stale oracle table": Reason.STALE_ORACLE_TABLE,
    "rollup: oracle table older than the last accepted batch's": Reason.STALE_ORACLE_TABLE,
    "queue: the batch consumes more entries than are queued": Reason.TOO_MANY_ENTRIES,
    "rollup: a deposit record meets a queue entry of another kind": Reason.KIND_MISMATCH,
    "rollup: a forced-withdrawal record meets a queue entry of another kind": Reason.KIND_MISMATCH,
    "rollup: invalid proof": Reason.INVALID_PROOF,
}


def _uint(v, bits: int, what: str, minimum: int = 0) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < (1 << bits):
        raise ContractError(f"{what} must be an int in [{minimum}, 2^{bits}), got {v!r}")
    return v


def _felt(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
        raise ContractError(f"{what} must be a field element (an int in [0, r)), got {v!r}")
    return v


def _addr(a, what: str) -> str:
    try:
        return checksum(a)
    except (ValueError, TypeError):
        raise ContractError(f"{what} must be an address (0x and 40 hex digits, or 20 bytes), got {a!r}") from None


def proof_words(proof) -> list[int]:
    """[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y] of a proof with a, b, c (affine
    ints), as submit_batch takes it; ContractError for anything else."""
    try:
        (ax, ay), ((bx0, bx1), (by0, by1)), (cx, cy) = proof.a, proof.b, proof.c
        words = [ax, ay, bx1, bx0, by1, by0, cx, cy]
    except (AttributeError, TypeError, ValueError):
        raise ContractError("a proof has points a, b, c of affine integer coordinates") from None
    for w in words:
        _uint(w, 256, "proof coordinate")
    return words


def cofactor_witness(pk) -> tuple[int, int]:
    """Q with 8 Q = pk, which the queue asks of a deposit key (ContractError unless pk is a
    non-identity point of Baby Jubjub's prime-order subgroup: no such Q exists on L1's
    terms otherwise)."""
    from circuits import babyjub
    if not babyjub.is_on_curve(pk) or tuple(pk) == babyjub.IDENTITY or not babyjub.is_in_subgroup(tuple(pk)):
        raise ContractError("the deposit key must be a non-identity point of Baby Jubjub's prime-order subgroup")
    return babyjub.scalar_mul(pow(babyjub.COFACTOR, -1, babyjub.L), tuple(pk))


# --- records read back -----------------------------------------------------------------------

@dataclass(frozen=True)
class QueueEntry:
    """One priority-queue entry as queued (DepositQueued / ForcedWithdrawalQueued)."""
    index: int
    kind: int              # circuits.spec.priority KIND_DEPOSIT or KIND_FORCED
    account: int
    amount: int
    pk: tuple               # (pk_x, pk_y); (0, 0) for a forced withdrawal
    l1_address: str         # depositor or requester
    prio: int               # the chain value after this entry
    deadline: int
    block: int


@dataclass(frozen=True)
class PublishedTable:
    table_id: int
    hash: int
    timestamp: int
    packed: tuple           # the calldata: circuits.spec.tables oracle_hash_inputs
    block: int

    def table(self) -> OracleTable:
        return OracleTable.from_packed(list(self.packed))


@dataclass(frozen=True)
class AcceptedBatch:
    batch_number: int
    old_root: int
    new_root: int
    table_id: int
    data_hash: bytes        # sha256(header || records): the event's, checked against the calldata
    records: bytes
    proof: tuple
    block: int
    timestamp: int
    gas_used: int


@dataclass(frozen=True)
class Payout:
    receiver: str
    amount: int


@dataclass(frozen=True)
class BatchReceipt:
    batch_number: int
    old_root: int
    new_root: int
    table_id: int
    data_hash: bytes
    public_input: int
    payouts: tuple          # of Payout, token transfers of the accepting transaction
    gas_used: int
    block: int
    timestamp: int


# --- the client ------------------------------------------------------------------------------

class RollupL1:
    """The rollup's L1 contracts on `chain` at `addresses` (module docstring)."""

    def __init__(self, chain: Chain, addresses: L1Addresses):
        self.chain, self.addresses = chain, addresses
        c = {name: load(name).abi for name in ("token", "governance", "rollup", "priority_queue", "tables",
                                                "exodus")}
        self.token = Contract(chain, addresses.token, c["token"])
        self.governance = Contract(chain, addresses.governance, c["governance"])
        self.rollup = Contract(chain, addresses.rollup, c["rollup"])
        self.queue = Contract(chain, addresses.queue, c["priority_queue"])
        self.tables = Contract(chain, addresses.tables, c["tables"])
        self.exodus_contract = Contract(chain, addresses.exodus, c["exodus"])
        self.K = self.tables.call("K")
        self.S = self.tables.call("S")
        self.acc_depth = self.queue.call("ACC_DEPTH")
        self._cursor = 0
        self._entries: list[QueueEntry] = []
        self._tables: list[PublishedTable] = []
        self._batches: list[AcceptedBatch] = []
        self._markets: list[tuple[int, tuple]] = []

    # --- sending ------------------------------------------------------------------------------
    def _at(self, now: Optional[int]) -> None:
        if now is None:
            return
        _uint(now, 64, "time")
        if now <= self.chain.timestamp:
            if now < self.chain.timestamp:
                raise ContractError(f"time went backwards: {now} < the last block's {self.chain.timestamp}")
            return
        self.chain.set_next_timestamp(now)

    def _send(self, contract: Contract, fn: str, *args, sender: str, value: int = 0,
              now: Optional[int] = None, error=ContractError) -> Receipt:
        sender = _addr(sender, "sender")
        self._at(now)
        try:
            return contract.transact(fn, *args, sender=sender, value=value)
        except ExecutionFailed as e:
            text = e.reason or "reverted without a reason"
            if error is BatchRejected:
                raise BatchRejected(_REVERTS.get(text, text), text) from None
            raise error(text) from None
        except InvalidTransaction as e:
            raise error(f"transaction refused: {e}") from None

    def _view(self, contract: Contract, fn: str, *args, error=ContractError):
        try:
            return contract.call(fn, *args)
        except ExecutionFailed as e:
            text = e.reason or "reverted without a reason"
            if error is BatchRejected:
                raise BatchRejected(_REVERTS.get(text, text), text) from None
            raise error(text) from None

    # --- state (views) ------------------------------------------------------------------------
    @property
    def state_root(self) -> int:
        return self.rollup.call("state_root")

    @property
    def batch_number(self) -> int:
        return self.rollup.call("batch_number")

    @property
    def last_table_id(self) -> int:
        return self.rollup.call("last_table_id")

    @property
    def exodus(self) -> bool:
        return self.rollup.call("exodus")

    @property
    def overdue(self) -> bool:
        return self.queue.call("overdue")

    @property
    def market_hash(self) -> int:
        return self.tables.call("market_hash")

    @property
    def latest_oracle_table_id(self) -> int:
        return self.tables.call("latest_table_id")

    @property
    def queue_count(self) -> int:
        return self.queue.call("count")

    @property
    def queue_head(self) -> int:
        """Entries consumed by accepted batches."""
        return self.queue.call("head")

    def prio(self, n: int) -> int:
        """The priority chain after the first n entries."""
        return self._view(self.queue, "prio", _uint(n, 64, "n"))

    @property
    def collateral(self) -> int:
        """The rollup contract's token balance (accounts' cash and queued deposits)."""
        return self.token.call("balanceOf", self.addresses.rollup)

    def balance(self, address) -> int:
        """An L1 address's token balance."""
        return self.token.call("balanceOf", _addr(address, "address"))

    def verifier_address(self, batch_size: int) -> Optional[str]:
        a = self.rollup.call("verifier", _uint(batch_size, 16, "batch size"))
        return None if int(a, 16) == 0 else checksum(a)

    def verifying_key(self, batch_size: int) -> Optional[VerifyingKey]:
        """The key the verifier of batches of `batch_size` checks (None: no verifier)."""
        a = self.verifier_address(batch_size)
        if a is None:
            return None
        return vk_from_words(Contract(self.chain, a, load("batch_verifier").abi).call("key"))

    @property
    def now(self) -> int:
        """The last block's timestamp."""
        return self.chain.timestamp

    # --- history (events and calldata) ----------------------------------------------------------
    def _scan(self) -> None:
        rollup, queue, tables = (to_address(a) for a in (self.addresses.rollup, self.addresses.queue,
                                                          self.addresses.tables))
        for seq, rc, data in self.chain.transactions(self._cursor):
            self._cursor = seq
            if not rc.status or rc.to is None:
                continue
            to = to_address(rc.to)
            if to == queue:
                self._scan_queue(rc)
            elif to == tables:
                self._scan_tables(rc, data)
            elif to == rollup:
                self._scan_rollup(rc, data)

    def _scan_queue(self, rc: Receipt) -> None:
        for ev in self.queue.events(rc):
            a = ev.args
            if ev.name == "DepositQueued":
                self._entries.append(QueueEntry(a["index"], KIND_DEPOSIT, a["account"], a["amount"],
                                                (a["pk_x"], a["pk_y"]), checksum(a["depositor"]), a["prio"],
                                                a["deadline"], rc.block))
            elif ev.name == "ForcedWithdrawalQueued":
                self._entries.append(QueueEntry(a["index"], KIND_FORCED, a["account"], a["amount"], (0, 0),
                                                checksum(a["requester"]), a["prio"], a["deadline"], rc.block))

    def _args(self, contract: Contract, name: str, nargs: int, data: bytes) -> tuple:
        fn = function(contract.abi, name, nargs)
        return decode([abi_type(p) for p in fn["inputs"]], data[4:])

    def _scan_tables(self, rc: Receipt, data: bytes) -> None:
        for ev in self.tables.events(rc):
            if ev.name == "OracleTablePublished":
                (packed,) = self._args(self.tables, "publish_oracle_table", 1, data)
                a = ev.args
                self._tables.append(PublishedTable(a["table_id"], a["table_hash"], a["timestamp"], tuple(packed),
                                                   rc.block))
            elif ev.name == "MarketRegistered":
                self._markets.append((ev.args["market_hash"], tuple(ev.args["rows"])))

    def _scan_rollup(self, rc: Receipt, data: bytes) -> None:
        for ev in self.rollup.events(rc, "BatchAccepted"):
            new_root, table_id, records, proof = self._args(self.rollup, "submit_batch", 4, data)
            a = ev.args
            self._batches.append(AcceptedBatch(a["batch_number"], a["old_root"], a["new_root"], a["table_id"],
                                               bytes(a["data_hash"]), bytes(records), tuple(proof), rc.block,
                                               rc.timestamp, rc.gas_used))

    def queue_entries(self, start: int = 0) -> list[QueueEntry]:
        """Every queued entry from index `start` on (the published queue log)."""
        self._scan()
        return self._entries[start:]

    def pending_entries(self) -> list[QueueEntry]:
        """The entries no accepted batch has consumed yet, in queue order."""
        return self.queue_entries(self.queue_head)

    def oracle_tables(self) -> list[PublishedTable]:
        self._scan()
        return list(self._tables)

    def oracle_table(self, table_id: int) -> Optional[PublishedTable]:
        self._scan()
        return self._tables[table_id - 1] if isinstance(table_id, int) and 1 <= table_id <= len(self._tables) else None

    def market(self) -> Optional[MarketTable]:
        """The market table currently registered (decoded from its registration)."""
        self._scan()
        if not self._markets:
            return None
        h, rows = self._markets[-1]
        m = MarketTable.decode(list(rows))
        if m.hash() != h:
            raise ContractError("the registered market does not hash to its published hash")
        return m

    def accepted_batches(self) -> list[AcceptedBatch]:
        self._scan()
        return list(self._batches)

    # --- governance ---------------------------------------------------------------------------
    @property
    def governor(self) -> str:
        return checksum(self.governance.call("governor"))

    def set_batch_verifier(self, batch_size: int, vk: VerifyingKey, *, sender: str) -> str:
        """Deploy the batch verifier for `vk` and set it for batches of `batch_size` (the
        governor only). Returns the verifier's address."""
        _uint(batch_size, 7, "batch size", 1)
        if not isinstance(vk, VerifyingKey):
            raise ContractError(f"expected a VerifyingKey, got {type(vk).__name__}")
        try:
            v = deploy_batch_verifier(self.chain, vk, _addr(sender, "sender"))
        except ValueError as e:
            raise ContractError(f"invalid verifying key: {e}") from None
        except ExecutionFailed as e:
            raise ContractError(e.reason or "verifier deployment failed") from None
        self._send(self.rollup, "set_verifier", batch_size, v.address, sender=sender)
        return v.address

    def register_market(self, market: MarketTable, *, sender: str, opening=None,
                        now: Optional[int] = None) -> int:
        """Register `market` (the governor only); `opening` = (accounts_root, oi) when a slot
        changes instrument. Returns the market hash."""
        if not isinstance(market, MarketTable):
            raise ContractError(f"expected a MarketTable, got {type(market).__name__}")
        rows = market.encode()
        for v in rows:
            _uint(v, 256, "market value")
        accounts_root, oi = (0, []) if opening is None else opening
        _felt(accounts_root, "accounts root")
        oi = [_felt(v, "open interest") for v in oi]
        self._send(self.tables, "register_market", rows, accounts_root, oi, sender=sender, now=now)
        return self.market_hash

    def set_oracle(self, oracle: str, *, sender: str) -> None:
        self._send(self.tables, "set_oracle", _addr(oracle, "oracle"), sender=sender)

    def set_forced_fee(self, fee: int, sink: str, *, sender: str) -> None:
        self._send(self.queue, "set_forced_fee", _uint(fee, 256, "fee"), _addr(sink, "fee sink"), sender=sender)

    # --- oracle -------------------------------------------------------------------------------
    def publish_oracle_table(self, table, *, sender: str, now: Optional[int] = None) -> int:
        """Publish an oracle table (an OracleTable, or its packed list) as the oracle; returns
        its table id."""
        packed = table.packed() if isinstance(table, OracleTable) else table
        if not isinstance(packed, (list, tuple)) or not packed:
            raise ContractError("an oracle table is an OracleTable or its packed list of ints")
        packed = [_uint(v, 256, "packed oracle value") for v in packed]
        rc = self._send(self.tables, "publish_oracle_table", packed, sender=sender, now=now)
        return self.tables.events(rc, "OracleTablePublished")[0].args["table_id"]

    # --- users --------------------------------------------------------------------------------
    def mint(self, receiver: str, amount: int, *, sender: str) -> None:
        """The token owner's faucet (the demo's)."""
        self._send(self.token, "mint", _addr(receiver, "receiver"), _uint(amount, 256, "amount"), sender=sender)

    def approve(self, owner: str, amount: int) -> None:
        self._send(self.token, "approve", self.addresses.queue, _uint(amount, 256, "amount"), sender=owner)

    def deposit(self, sender: str, account: int, pk: Sequence[int], amount: int, *,
                approve: bool = True, now: Optional[int] = None) -> int:
        """Queue a deposit from `sender` (approving the queue for `amount` first unless
        approve=False); returns the entry's index."""
        _uint(account, self.acc_depth, "account")
        _uint(amount, 64, "amount", 1)
        try:
            pk_x, pk_y = (int(pk[0]), int(pk[1])) if len(pk) == 2 else (None, None)
        except (TypeError, ValueError):
            pk_x = None
        if pk_x is None:
            raise ContractError(f"pk must be a pair of field elements, got {pk!r}")
        _felt(pk_x, "pk_x"), _felt(pk_y, "pk_y")
        q = cofactor_witness((pk_x, pk_y))
        if approve:
            self.approve(sender, amount)
        rc = self._send(self.queue, "deposit", account, pk_x, pk_y, *q, amount, sender=sender, now=now)
        return self.queue.events(rc, "DepositQueued")[0].args["index"]

    def forced_fee(self) -> int:
        return self.queue.call("forced_fee")

    def request_forced_withdrawal(self, sender: str, account: int, amount: int, *,
                                  now: Optional[int] = None) -> int:
        """Queue a forced withdrawal (paying the fee in ETH); returns the entry's index."""
        _uint(account, self.acc_depth, "account")
        _uint(amount, 64, "amount", 1)
        rc = self._send(self.queue, "request_forced_withdrawal", account, amount, sender=sender,
                        value=self.forced_fee(), now=now)
        return self.queue.events(rc, "ForcedWithdrawalQueued")[0].args["index"]

    # --- batches ------------------------------------------------------------------------------
    def _batch_args(self, new_root: int, table_id: int, records) -> tuple:
        _felt(new_root, "new root")
        _uint(table_id, 64, "table id")
        if not isinstance(records, (bytes, bytearray)) or not records or len(records) % RECORD_BYTES:
            raise BatchRejected(Reason.MALFORMED, f"records must be N * {RECORD_BYTES} bytes")
        return new_root, table_id, bytes(records)

    def expected_public_input(self, new_root: int, table_id: int, records: bytes,
                              now: Optional[int] = None) -> int:
        """The public input submit_batch would check now (BatchRejected where it would
        refuse before the proof). `now`: evaluate as of that time (default: the next block)."""
        args = self._batch_args(new_root, table_id, records)
        if now is not None and now > self.chain.timestamp:
            self.chain.set_next_timestamp(now)
        return self._view(self.rollup, "expected_public_input", *args, error=BatchRejected)

    def submit_batch(self, new_root: int, table_id: int, records: bytes, proof, *, sender: str,
                     now: Optional[int] = None) -> BatchReceipt:
        """Submit a batch; returns what the accepting transaction did, or raises
        BatchRejected (nothing changed on L1)."""
        args = self._batch_args(new_root, table_id, records)
        words = proof_words(proof)
        old_root = self.state_root
        rc = self._send(self.rollup, "submit_batch", *args, words, sender=sender, now=now, error=BatchRejected)
        ev = self.rollup.events(rc, "BatchAccepted")[0].args
        pays = tuple(Payout(checksum(e.args["receiver"]), e.args["value"])
                     for e in self.token.events(rc, "Transfer")
                     if to_address(e.args["sender"]) == to_address(self.addresses.rollup))
        digest = bytes(ev["data_hash"])
        return BatchReceipt(ev["batch_number"], old_root, new_root, table_id, digest,
                            int.from_bytes(digest, "big") >> 3, pays, rc.gas_used, rc.block, rc.timestamp)

    # --- exodus -------------------------------------------------------------------------------
    def activate_exodus(self, *, sender: str, now: Optional[int] = None) -> None:
        self._send(self.rollup, "activate_exodus", sender=sender, now=now)

    def reclaim_deposit(self, index: int, *, sender: str) -> int:
        rc = self._send(self.queue, "reclaim_deposit", _uint(index, 64, "index"), sender=sender)
        return self.queue.events(rc, "DepositReclaimed")[0].args["amount"]

    def exited(self, account: int) -> bool:
        return self.exodus_contract.call("exited", _uint(account, self.acc_depth, "account"))

    def exit(self, account: int, leaf, siblings: Sequence[int], oi_hash: int, table=None, *,
             sender: str) -> int:
        """Exit `account` in exodus mode: `leaf` has pk_x, pk_y, nonce, cash, sizes,
        orders_root, owner (e.g. zkrollup's account record); `table`: the last accepted
        batch's OracleTable (needed when a size is not 0). Returns the amount paid."""
        _uint(account, self.acc_depth, "account")
        try:
            fields = (leaf.pk_x, leaf.pk_y, leaf.nonce, leaf.cash, tuple(leaf.sizes), leaf.orders_root, leaf.owner)
        except AttributeError:
            raise ContractError("leaf must have pk_x, pk_y, nonce, cash, sizes, orders_root, owner") from None
        pk_x, pk_y, nonce, cash, sizes, orders_root, owner = fields
        for v, what in ((pk_x, "pk_x"), (pk_y, "pk_y"), (nonce, "nonce"), (orders_root, "orders root"),
                        (oi_hash, "open-interest hash")):
            _felt(v, what)
        for v in (cash, *sizes):
            if not isinstance(v, int) or isinstance(v, bool) or not -(1 << 255) <= v < (1 << 255):
                raise ContractError(f"cash and sizes must be int256 values, got {v!r}")
        owner = _addr(owner if isinstance(owner, str) else (int(owner).to_bytes(20, "big")
                                                            if isinstance(owner, int) and 0 <= owner < 2**160
                                                            else owner), "owner")
        sibs = [_felt(s, "sibling") for s in siblings]
        packed = [] if table is None else [_uint(v, 256, "packed oracle value") for v in
                                           (table.packed() if isinstance(table, OracleTable) else table)]
        rc = self._send(self.exodus_contract, "exit", account, pk_x, pk_y, nonce, cash, list(sizes), orders_root,
                        owner, sibs, oi_hash, packed, sender=sender)
        return self.exodus_contract.events(rc, "Exited")[0].args["paid"]


def address_int(a: str) -> int:
    """An address as the integer the circuit and the queue's chain use."""
    return int(to_address(a), 16)


__all__ = ["AcceptedBatch", "BatchReceipt", "BatchRejected", "ContractError", "Payout", "PublishedTable",
           "QueueEntry", "Reason", "RollupL1", "address_int", "keccak256", "proof_words"]
