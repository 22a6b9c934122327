"""`RollupContract`: the L1 contract of the rollup (v3), as a Python model with SQLite state.

What it holds: a Groth16 verifying key per batch size, the state root and batch number,
its token balance (`collateral`), the L1 users' token balances, the priority queue of
deposits and forced withdrawals (one queue, one Poseidon chain, a deadline per entry),
the registered market table hash, the oracle tables the oracle published, the record of
accepted batches (their calldata: the records, i.e. the posted data), and the exodus flag.
b2's Vyper contract offers the same API from the EVM; this model keeps the operator, the
demo and the tests running end to end.

**Batches.** `submit_batch(calldata, proof, now)` builds the batch's single public input
itself (`circuits.spec.public_input`):

    public_input = sha256(HEADER || RECORDS) >> 3
    HEADER = old_root (its root) || new_root (calldata) || oracle_hash (of the published
             table the calldata names) || prio_old (its chain after the entries served) ||
             prio_new (its chain after the entries the records consume)

walking the records in order: each deposit or forced_withdraw record consumes the next
queue entry (its kind, account and amount must be the entry's), withdraw records pay
`amount` to `l1_address`, forced_withdraw records pay `paid` (at most the requested
amount) to the entry's requester, and deposit records with refunded = 1 pay the amount
back to the entry's depositor. It verifies the proof with the verifying key of the batch
size and, in the same call, moves the root, bumps the batch number, marks the entries
served and pays every payout: instant finality. Anything wrong raises `BatchRejected`
with a specific `reason` and changes nothing (one SQLite transaction per call; see
verifier/contract_store.py). Nothing in the public input comes from the operator but the
new root and the records.

Rules beyond the proof (the circuit cannot see L1):
* the oracle table must be published, belong to the registered market, be no older than
  the last accepted batch's, and be the latest, or superseded less than
  `oracle_grace_s` ago (so an operator cannot pick old prices);
* the payouts never exceed the contract's balance less the deposits still queued.

**The priority queue.** `deposit(l1_address, account, pk_x, pk_y, amount)` (l1_address =
msg.sender, the depositor) and `request_forced_withdrawal(account, l1_address, amount)`
(l1_address = msg.sender, the requester) extend the chain
(`circuits.spec.priority`) and queue the entry with a deadline (`queue_deadline_s`,
default 7 days). A deposit credits the account only if its key and owner are the
deposit's (or creates it); otherwise the batch refunds it (no front-running). A forced
withdrawal pays only when the requester is the account's owner (the circuit checks it);
it needs no signature. Deposits to the clearing account or to indices outside the tree
are refused here.

**Exodus.** Once any call sees a time after the deadline of an entry still unserved, the
contract enters exodus mode for good: no more batches or deposits; each account may
`exit` once against the last accepted root with a Merkle proof of its leaf and the
open-interest hash that completes the root; it is paid to the leaf's owner (no
signature: the owner is in the leaf), valued at cash + sum_k size_k * mark_k with the
marks of the last accepted batch's oracle table, floored at 0, while the contract holds
enough (first come, first served; queued deposits are kept back for `reclaim_deposit`).
Accounts owned by no L1 address (the special accounts, owner 0) cannot exit.

Not modelled here (b2's EVM contract): the governor role, fees and per-requester limits
on forced requests, the oracle freshness rule of the table timestamps.

Time: every call that depends on time takes `now` (unix seconds); the contract keeps
the latest time it has seen and refuses time going backwards; `now=None` means "no
later than the last call".
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

from circuits import babyjub
from circuits.field import R, check_elements
from circuits.merkle_native import merkle_root_from_path
from circuits.poseidon import poseidon_sponge
from circuits.spec.accounts import SPECIAL_OWNER
from circuits.spec.ops import OP_DEPOSIT, OP_FORCED, OP_WITHDRAW
from circuits.spec.priority import KIND_DEPOSIT, KIND_FORCED, PRIO_EMPTY, deposit_entry, forced_entry
from circuits.spec.public_input import batch_public_input
from circuits.spec.records import PRIORITY_KIND
from circuits.spec.state import oi_hash, state_root
from circuits.spec.widths import AMOUNT_BITS, L1_ADDRESS_BITS, MAX_INSTRUMENTS

from . import gas as gasmodel
from .calldata import BatchCalldata, CalldataError
from .contract_store import ContractStore, StoreError
from .errors import VerifierInputError
from .groth16 import Proof, VerifyingKey, verify as groth16_verify
from .contract_types import (DAY, PAYOUT_FORCED, PAYOUT_REFUND, PAYOUT_WITHDRAWAL,  # noqa: F401
                             BatchReceipt, BatchRejected, ContractConfig, ContractError, ExitLeaf, ExitRejected,
                             Payout, Reason)
from .oracle_model import (check_market_encoding, check_oracle_encoding, table_market_hash,
                           table_marks)


Verifier = Callable[[VerifyingKey, Sequence[int], object], bool]


# --- (de)serialisation of keys and proofs ---------------------------------------------------------

def _vk_to_obj(vk: VerifyingKey) -> dict:
    return {"alpha1": vk.alpha1, "beta2": vk.beta2, "gamma2": vk.gamma2, "delta2": vk.delta2,
            "ic": list(vk.ic)}


def _tup(v):
    return tuple(_tup(x) for x in v) if isinstance(v, list) else v


def _vk_from_obj(d: dict) -> VerifyingKey:
    return VerifyingKey(alpha1=_tup(d["alpha1"]), beta2=_tup(d["beta2"]), gamma2=_tup(d["gamma2"]),
                        delta2=_tup(d["delta2"]), ic=tuple(_tup(p) for p in d["ic"]))


def _as_proof(proof):
    """verifier.groth16.Proof as is; any object with a, b, c (e.g. the prover's Proof) converted."""
    if isinstance(proof, Proof):
        return proof
    if all(hasattr(proof, k) for k in ("a", "b", "c")):
        return Proof(a=proof.a, b=proof.b, c=proof.c)
    return proof


def _proof_obj(proof) -> dict:
    if all(hasattr(proof, k) for k in ("a", "b", "c")):
        return {"a": proof.a, "b": proof.b, "c": proof.c}
    return {"opaque": repr(proof)}


def _check_uint(v, bits: int, what: str, minimum: int = 0) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not minimum <= v < (1 << bits):
        raise ContractError(f"{what} must be an int in [{minimum}, 2^{bits}), got {v!r}")
    return v


def _check_signed(v, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not -(R // 2) <= v <= R // 2:
        raise ExitRejected(Reason.BAD_MERKLE_PROOF, f"{what} must be an int in [-(r//2), r//2]")
    return v


# --- the contract ---------------------------------------------------------------------------------

class RollupContract:
    """The rollup's L1 contract (see the module docstring).

    `path`: the SQLite file of its state (":memory:" by default). A new store needs
    `genesis_root` (the root of the initial account tree) and takes `config`; an existing
    one is reopened as it was committed (a given genesis_root must match it).
    `verifier(vk, public_inputs, proof) -> bool` defaults to verifier.groth16.verify; tests
    of the bookkeeping inject a cheaper one.
    """

    def __init__(self, path: str = ":memory:", genesis_root: Optional[int] = None, *,
                 config: Optional[ContractConfig] = None, verifier: Optional[Verifier] = None):
        self.store = ContractStore(path)
        self._verify = verifier or groth16_verify
        self._vk_cache: dict[int, VerifyingKey] = {}
        s = self.store
        if s.get_meta("root") is None:
            if genesis_root is None:
                raise StoreError(f"{path}: a new contract state needs genesis_root")
            check_elements([genesis_root], "genesis_root")
            cfg = config or ContractConfig()
            with s.transaction():
                s.set_meta("config", cfg.__dict__)
                s.set_meta("genesis_root", genesis_root)
                s.set_meta("root", genesis_root)
                for k in ("batch_number", "collateral", "entries_served", "pending_deposit_total",
                          "last_oracle_table_id", "last_time", "minted"):
                    s.set_meta(k, 0)
                s.set_meta("exodus", False)
                s.set_meta("exodus_at", None)
        else:
            if genesis_root is not None and genesis_root != s.get_meta("genesis_root"):
                raise StoreError(f"{path}: holds a contract with another genesis root")
            stored = ContractConfig(**s.get_meta("config"))
            if config is not None and config != stored:
                raise StoreError(f"{path}: holds a contract with another configuration")
        self.config = ContractConfig(**s.get_meta("config"))

    def close(self) -> None:
        self.store.close()

    # --- views --------------------------------------------------------------------------------
    @property
    def state_root(self) -> int:
        return self.store.get_meta("root")

    @property
    def batch_number(self) -> int:
        return self.store.get_meta("batch_number")

    @property
    def collateral(self) -> int:
        """The contract's token balance: L2 cash plus queued (unserved) deposits."""
        return self.store.get_meta("collateral")

    @property
    def exodus(self) -> bool:
        return self.store.get_meta("exodus")

    @property
    def now(self) -> int:
        """The latest time the contract has seen."""
        return self.store.get_meta("last_time")

    @property
    def deployment_id(self) -> int:
        return self.config.deployment_id

    @property
    def market_hash(self) -> Optional[int]:
        m = self.store.current_market()
        return None if m is None else m[1]

    @property
    def entries_served(self) -> int:
        """How many priority-queue entries accepted batches have served (in queue order)."""
        return self.store.get_meta("entries_served")

    @property
    def pending_deposit_total(self) -> int:
        return self.store.get_meta("pending_deposit_total")

    @property
    def last_oracle_table_id(self) -> int:
        """The table of the last accepted batch (0: none yet)."""
        return self.store.get_meta("last_oracle_table_id")

    @property
    def latest_oracle_table_id(self) -> int:
        return self.store.latest_oracle_table_id()

    def l1_balance(self, address: int) -> int:
        return self.store.balance(address)

    def l1_balances(self) -> dict[int, int]:
        return self.store.balances()

    def queue_length(self) -> int:
        return self.store.queue_length()

    def queue(self, start: int = 0, stop: Optional[int] = None) -> list[dict]:
        """Priority-queue entries by index (the published queue): index, kind (1 deposit, 2
        forced withdrawal), account, amount, pk_x, pk_y (0 for a forced request),
        l1_address (depositor or requester), chain (the chain value after it), queued_at,
        deadline, served_batch and paid (what its serving batch paid on L1: a refund or a
        forced payout; None until served), reclaimed."""
        return [{**e, "index": e.pop("idx")} for e in self.store.entries(start, stop)]

    def pending_entries(self) -> list[dict]:
        return self.queue(self.entries_served)

    def deposits(self) -> list[dict]:
        """The queued deposits (every kind-1 entry), with their queue index."""
        return [{**e, "index": e.pop("idx")} for e in self.store.entries(kind=KIND_DEPOSIT)]

    def forced_requests(self, pending_only: bool = False) -> list[dict]:
        """The queued forced withdrawals (kind 2), with their queue index."""
        out = [{**e, "index": e.pop("idx")} for e in self.store.entries(kind=KIND_FORCED)]
        return [e for e in out if e["served_batch"] is None] if pending_only else out

    def prio_chain(self, n: Optional[int] = None) -> int:
        """The priority chain after the first n entries (default: the served ones)."""
        return self.store.chain_after(self.entries_served if n is None else n, PRIO_EMPTY)

    def oracle_table(self, table_id: int) -> Optional[dict]:
        t = self.store.oracle_table(table_id)
        return None if t is None else {"table_id": table_id, "hash": t[0], "encoded": t[1], "published_at": t[2]}

    def verifying_key(self, batch_size: int) -> Optional[VerifyingKey]:
        if batch_size in self._vk_cache:
            return self._vk_cache[batch_size]
        obj = self.store.get_vk(batch_size)
        if obj is None:
            return None
        vk = _vk_from_obj(obj)
        self._vk_cache[batch_size] = vk
        return vk

    def batch_sizes(self) -> list[int]:
        return self.store.vk_sizes()

    def accepted_batches(self) -> list[dict]:
        """The published record of every accepted batch, in order: its calldata (decoded, as
        `BatchCalldata`, and raw as `calldata_bytes`; its records are the posted data),
        proof, public input, roots, oracle and market hashes, priority chain before and
        after, the first queue entry it served, time, gas."""
        out = []
        for rec in self.store.batches():
            rec["calldata_bytes"] = rec["calldata"]
            rec["calldata"] = BatchCalldata.from_bytes(rec["calldata"])
            out.append(rec)
        return out

    def batch_records(self, batch_number: int) -> list[bytes]:
        """The records (posted data) of accepted batch `batch_number`."""
        recs = self.store.batches(batch_number) if isinstance(batch_number, int) else []
        if not recs:
            raise ContractError(f"no accepted batch {batch_number!r}")
        return list(BatchCalldata.from_bytes(recs[0]["calldata"]).records)

    def payouts(self, batch_number: int) -> list[dict]:
        """What accepted batch `batch_number` paid on L1, in record order: kind
        (PAYOUT_WITHDRAWAL, PAYOUT_FORCED, PAYOUT_REFUND), account, l1_address, amount."""
        recs = self.store.batches(batch_number) if isinstance(batch_number, int) else []
        if not recs:
            raise ContractError(f"no accepted batch {batch_number!r}")
        entries = iter(self.store.entries(recs[0]["first_entry"]))
        out = []
        for r in BatchCalldata.from_bytes(recs[0]["calldata"]).decoded():
            if r.op == OP_WITHDRAW:
                out.append({"kind": PAYOUT_WITHDRAWAL, "account": r.fields["account"],
                            "l1_address": r.fields["l1_address"], "amount": r.fields["amount"]})
            elif r.op in PRIORITY_KIND:
                e = next(entries)
                if e["paid"]:
                    out.append({"kind": PAYOUT_REFUND if r.op == OP_DEPOSIT else PAYOUT_FORCED,
                                "account": e["account"], "l1_address": e["l1_address"], "amount": e["paid"]})
        return out

    def exits(self) -> dict[int, dict]:
        return self.store.exits()

    def snapshot(self) -> dict:
        """Every piece of state, for comparisons (tests: a rejected call changes nothing)."""
        s = self.store
        meta = {k: s.get_meta(k) for k in ("root", "batch_number", "collateral", "entries_served",
                                           "pending_deposit_total", "last_oracle_table_id",
                                           "exodus", "exodus_at", "minted")}
        return {"meta": meta, "balances": s.balances(), "queue": s.entries(), "batches": s.batches(),
                "exits": s.exits(), "market": s.current_market(), "oracle_latest": s.latest_oracle_table_id(),
                "vks": s.vk_sizes()}

    # --- time and exodus --------------------------------------------------------------------------
    def _clock(self, now: Optional[int]) -> int:
        last = self.store.get_meta("last_time")
        if now is None:
            return last
        if not isinstance(now, int) or isinstance(now, bool) or now < 0:
            raise ContractError(f"time must be a non-negative int, got {now!r}")
        if now < last:
            raise ContractError(f"time went backwards: {now} < {last}")
        if now != last:
            self.store.set_meta("last_time", now)
        return now

    def tick(self, now: Optional[int] = None) -> bool:
        """Advance the clock; enter exodus mode if a pending queue entry's deadline has
        passed. Returns whether the contract is in exodus mode."""
        s = self.store
        with s.transaction():
            t = self._clock(now)
            if not s.get_meta("exodus"):
                d = s.earliest_pending_deadline()
                if d is not None and t > d:
                    s.set_meta("exodus", True)
                    s.set_meta("exodus_at", t)
        return s.get_meta("exodus")

    def _require_active(self, now: Optional[int]) -> None:
        if self.tick(now):
            raise ContractError("the contract is in exodus mode")

    # --- governance and oracle ----------------------------------------------------------------------
    def register_verifying_key(self, batch_size: int, vk: VerifyingKey) -> None:
        """Set (or replace: a governance act) the verifying key of batch size N. The batch
        circuit has exactly one public input."""
        _check_uint(batch_size, 16, "batch_size", 1)
        if not isinstance(vk, VerifyingKey):
            raise ContractError(f"expected a VerifyingKey, got {type(vk).__name__}")
        if vk.n_public != 1:
            raise ContractError(f"the batch circuit has 1 public input; this key has {vk.n_public}")
        try:
            if self._verify is groth16_verify:   # (an injected test verifier takes any key)
                vk.checked()      # coordinates < q, on curve, G2 points in the subgroup
        except VerifierInputError as e:
            raise ContractError(f"invalid verifying key: {e}") from None
        with self.store.transaction():
            self.store.set_vk(batch_size, _vk_to_obj(vk))
        self._vk_cache[batch_size] = vk

    def register_market(self, market, now: Optional[int] = None, *,
                        oi_opening: Optional[tuple[int, Sequence[int]]] = None) -> int:
        """Register the market table (an object with encode(), or its encoded list); the
        contract hashes it itself (poseidon_sponge). Returns the market hash. A new market
        applies to the batches submitted after it.

        Reusing a slot for another instrument is allowed only at zero open interest, so that
        no open position is ever read as a different instrument: when any slot changes,
        `oi_opening = (accounts_root, oi)` must open the current state root
        (Poseidon(accounts_root, Poseidon(oi))) and show oi[k] = 0 for every changed k.
        The number of slots never changes."""
        enc = market.encode() if hasattr(market, "encode") else market
        try:
            enc = [int(v) for v in enc]
            check_elements(enc, "market table value")
            table = check_market_encoding(enc)
        except (TypeError, ValueError) as e:
            raise ContractError(str(e)) from None
        if table.deployment_id != self.deployment_id:
            raise ContractError(f"the market names deployment {table.deployment_id:#x}, this contract is "
                                f"{self.deployment_id:#x}")
        h = table.hash()
        with self.store.transaction():
            t = self._clock(now)
            if self.store.get_meta("exodus"):
                raise ContractError("the contract is in exodus mode")
            prev = self.store.current_market()
            if prev is not None:
                self._check_slot_reuse(prev[2], enc, oi_opening)
            self.store.add_market(h, enc, t)
        return h

    def _check_slot_reuse(self, old: list[int], new: list[int], oi_opening) -> None:
        k_old, k_new = old[1], new[1]
        if k_old != k_new:
            raise ContractError(f"the market has {k_old} instrument slots; it cannot change to {k_new}")
        changed = [k for k in range(k_new) if old[4 + 4 * k:8 + 4 * k] != new[4 + 4 * k:8 + 4 * k]]
        if not changed:
            return
        if oi_opening is None:
            raise ContractError(f"slots {changed} change instrument: give the open interest "
                                "(oi_opening) that opens the current state root")
        try:
            accounts_root, oi = int(oi_opening[0]), [int(v) for v in oi_opening[1]]
            check_elements([accounts_root, *oi], "open-interest opening value")
        except (TypeError, ValueError, IndexError) as e:
            raise ContractError(f"malformed open-interest opening ({e})") from None
        if len(oi) != k_new or state_root(accounts_root, oi_hash(oi)) != self.state_root:
            raise ContractError("the open-interest opening does not open the current state root")
        busy = [k for k in changed if oi[k] != 0]
        if busy:
            raise ContractError(f"slots {busy} still have open interest: they cannot be reused")

    def publish_oracle_table(self, encoded: Sequence[int], now: Optional[int] = None,
                             sender: Optional[int] = None) -> int:
        """Called by the oracle (`sender` must be the configured oracle address): hash the
        table, store it under the next table id and return the id."""
        if sender != self.config.oracle_address:
            raise ContractError("only the registered oracle may publish oracle tables")
        enc = [int(v) for v in encoded]
        m = self.store.current_market()
        if m is None:
            raise ContractError("register the market table before publishing oracle tables")
        try:
            check_elements(enc, "oracle table value")
            if table_market_hash(enc) != m[1]:
                raise ValueError("the oracle table was built for another market table")
            check_oracle_encoding(enc, m[2])
        except ValueError as e:
            raise ContractError(str(e)) from None
        h = poseidon_sponge(enc)
        with self.store.transaction():
            t = self._clock(now)
            return self.store.add_oracle_table(h, enc, t)

    # --- the L1 token and deposits --------------------------------------------------------------------
    def mint(self, l1_address: int, amount: int) -> None:
        """Give an L1 user tokens (the model's faucet for the collateral token)."""
        _check_uint(l1_address, L1_ADDRESS_BITS, "l1_address")
        _check_uint(amount, 256, "amount")
        s = self.store
        with s.transaction():
            s.set_balance(l1_address, s.balance(l1_address) + amount)
            s.set_meta("minted", s.get_meta("minted") + amount)

    def _enqueue(self, kind: int, account: int, amount: int, pk: tuple[int, int], l1_address: int, t: int) -> int:
        s = self.store
        n = s.queue_length()
        prev = s.chain_after(n, PRIO_EMPTY)
        chain = (deposit_entry(prev, account, pk, amount, l1_address) if kind == KIND_DEPOSIT
                 else forced_entry(prev, account, amount, l1_address))
        return s.add_entry(kind, account, amount, pk, l1_address, chain, t, t + self.config.queue_deadline_s)

    def _check_entry_args(self, l1_address: int, account: int, amount: int, what: str) -> None:
        _check_uint(l1_address, L1_ADDRESS_BITS, "l1_address", 1)     # msg.sender is never address 0
        _check_uint(account, self.config.acc_depth, "account")
        _check_uint(amount, AMOUNT_BITS, f"{what} amount", 1)

    def deposit(self, l1_address: int, account: int, pk_x: int, pk_y: int, amount: int,
                now: Optional[int] = None) -> int:
        """`l1_address` (msg.sender, the depositor) moves `amount` from its L1 balance into the
        contract and queues (account, key, amount, depositor); returns the queue index. A
        batch credits it only to an account with that key and owner (or creates the
        account), else refunds it to the depositor."""
        self._check_entry_args(l1_address, account, amount, "deposit")
        if account in self.config.no_deposit_accounts:
            raise ContractError(f"deposits into account {account} are not allowed")
        # the operator must be able to serve every queued deposit (in order), so a key the
        # circuit would refuse is refused here: a point of Baby Jubjub's prime-order
        # subgroup other than the identity
        pk = (pk_x, pk_y)
        if not babyjub.is_in_subgroup(pk) or pk == babyjub.IDENTITY:
            raise ContractError("the deposit key must be a non-identity point of Baby Jubjub's prime-order subgroup")
        self._require_active(now)
        s = self.store
        with s.transaction():
            t = self._clock(now)
            bal = s.balance(l1_address)
            if bal < amount:
                raise ContractError(f"L1 balance {bal} is below the deposit {amount}")
            idx = self._enqueue(KIND_DEPOSIT, account, amount, pk, l1_address, t)
            s.set_balance(l1_address, bal - amount)
            s.set_meta("collateral", s.get_meta("collateral") + amount)
            s.set_meta("pending_deposit_total", s.get_meta("pending_deposit_total") + amount)
        return idx

    def request_forced_withdrawal(self, account: int, l1_address: int, amount: int,
                                  now: Optional[int] = None) -> int:
        """`l1_address` (msg.sender, the requester) asks for up to `amount` from `account`; the
        operator must serve the entry in a batch accepted by now + queue_deadline_s, or the
        contract enters exodus mode. The circuit pays it (as much as margin allows) only
        when the requester is the account's owner, else serves it with 0. Returns the
        queue index."""
        self._check_entry_args(l1_address, account, amount, "forced withdrawal")
        self._require_active(now)
        with self.store.transaction():
            t = self._clock(now)
            return self._enqueue(KIND_FORCED, account, amount, (0, 0), l1_address, t)

    # --- batches -------------------------------------------------------------------------------------
    def _oracle_hash_for(self, table_id: int, t: int) -> int:
        s = self.store
        tab = s.oracle_table(table_id)
        if tab is None:
            raise BatchRejected(Reason.UNKNOWN_ORACLE_TABLE, f"table id {table_id}")
        h, enc, _ = tab
        if table_id < s.get_meta("last_oracle_table_id"):
            raise BatchRejected(Reason.STALE_ORACLE_TABLE,
                                f"table {table_id} is older than the last accepted batch's")
        if table_id < s.latest_oracle_table_id():
            nxt = s.oracle_table(table_id + 1)
            if nxt is not None and t - nxt[2] > self.config.oracle_grace_s:
                raise BatchRejected(Reason.STALE_ORACLE_TABLE,
                                    f"table {table_id} was superseded {t - nxt[2]} s ago")
        m = s.current_market()
        if m is None:
            raise BatchRejected(Reason.NO_MARKET)
        if table_market_hash(enc) != m[1]:
            raise BatchRejected(Reason.ORACLE_MARKET_MISMATCH, f"table id {table_id}")
        return h

    def _walk_records(self, cd: BatchCalldata) -> tuple[list, list[Payout]]:
        """The queue entries the records consume ((index, amount paid on L1) each) and the
        payouts, in record order; BatchRejected when a record does not fit its entry."""
        s = self.store
        first = s.get_meta("entries_served")
        served, payouts = [], []
        pending = s.entries(first)
        for i, rec in enumerate(cd.decoded()):
            f = rec.fields
            if rec.op == OP_WITHDRAW:
                payouts.append(Payout(PAYOUT_WITHDRAWAL, f["account"], f["l1_address"], f["amount"]))
            if rec.op not in PRIORITY_KIND:
                continue
            if len(served) >= len(pending):
                raise BatchRejected(Reason.TOO_MANY_ENTRIES, f"record {i} finds the queue empty")
            e = pending[len(served)]
            if (e["kind"], e["account"], e["amount"]) != (PRIORITY_KIND[rec.op], f["account"], f["amount"]):
                raise BatchRejected(Reason.QUEUE_MISMATCH, f"record {i} ({rec.name}) against queue entry {e['idx']}")
            paid = 0
            if rec.op == OP_DEPOSIT and f["refunded"]:
                paid = e["amount"]
                payouts.append(Payout(PAYOUT_REFUND, e["account"], e["l1_address"], paid))
            elif rec.op == OP_FORCED:
                if f["paid"] > e["amount"]:
                    raise BatchRejected(Reason.QUEUE_MISMATCH, f"record {i} pays more than requested")
                paid = f["paid"]
                if paid:
                    payouts.append(Payout(PAYOUT_FORCED, e["account"], e["l1_address"], paid))
            served.append((e["idx"], paid, e))
        return served, payouts

    def _check_batch(self, cd: BatchCalldata, t: int) -> dict:
        """Every check but the proof; returns what the public input and the state change need."""
        s = self.store
        bn = s.get_meta("batch_number")
        if cd.batch_number <= bn:
            raise BatchRejected(Reason.REPLAYED, f"batch {cd.batch_number}, the contract is at {bn}")
        if cd.batch_number != bn + 1:
            raise BatchRejected(Reason.OUT_OF_ORDER, f"batch {cd.batch_number}, expected {bn + 1}")
        vk = self.verifying_key(cd.batch_size)
        if vk is None:
            raise BatchRejected(Reason.NO_VERIFYING_KEY, f"N = {cd.batch_size}")
        market_hash = self.market_hash
        if market_hash is None:
            raise BatchRejected(Reason.NO_MARKET)
        oracle_hash = self._oracle_hash_for(cd.oracle_table_id, t)
        served, payouts = self._walk_records(cd)
        first = s.get_meta("entries_served")
        deposits_served = sum(e["amount"] for _, _, e in served if e["kind"] == KIND_DEPOSIT)
        total = sum(p.amount for p in payouts)
        l2_funds = s.get_meta("collateral") - (s.get_meta("pending_deposit_total") - deposits_served)
        if total > l2_funds:
            raise BatchRejected(Reason.INSUFFICIENT_COLLATERAL, f"{total} > {l2_funds}")
        return {"vk": vk, "market_hash": market_hash, "oracle_hash": oracle_hash, "old_root": s.get_meta("root"),
                "prio_old": s.chain_after(first, PRIO_EMPTY), "prio_new": s.chain_after(first + len(served), PRIO_EMPTY),
                "first": first, "served": served, "deposits_served": deposits_served, "payouts": payouts,
                "total": total}

    def _public_input(self, cd: BatchCalldata, ctx: dict) -> int:
        return batch_public_input(cd.records, old_root=ctx["old_root"], new_root=cd.new_root,
                                  oracle_hash=ctx["oracle_hash"], prio_old=ctx["prio_old"], prio_new=ctx["prio_new"])

    def expected_public_input(self, calldata: BatchCalldata, now: Optional[int] = None) -> int:
        """The public input `submit_batch` would check for this calldata now (a view: the
        operator can compare it with its own before proving). Raises BatchRejected for
        calldata the contract would refuse before looking at the proof."""
        t = self.store.get_meta("last_time") if now is None else now
        return self._public_input(calldata, self._check_batch(calldata, t))   # reads only

    def submit_batch(self, calldata, proof, now: Optional[int] = None) -> BatchReceipt:
        """Verify and apply one batch (see the module docstring): `calldata` a BatchCalldata
        or its bytes. Returns the receipt; raises BatchRejected (nothing changed) otherwise."""
        if isinstance(calldata, (bytes, bytearray, memoryview)):
            try:
                calldata = BatchCalldata.from_bytes(calldata)
            except CalldataError as e:
                raise BatchRejected(Reason.MALFORMED_CALLDATA, str(e)) from None
        if not isinstance(calldata, BatchCalldata):
            raise BatchRejected(Reason.MALFORMED_CALLDATA, f"got {type(calldata).__name__}")
        # the clock (and the exodus switch it may trigger) commits on its own, like
        # zkSync's activateExodusMode: a rejected batch cannot undo a missed deadline
        if self.tick(now):
            raise BatchRejected(Reason.EXODUS)
        s = self.store
        cd = calldata
        with s.transaction():
            t = self._clock(now)
            ctx = self._check_batch(cd, t)
            pub = self._public_input(cd, ctx)
            try:
                ok = self._verify(ctx["vk"], [pub], _as_proof(proof))
            except VerifierInputError as e:
                raise BatchRejected(Reason.MALFORMED_PROOF, str(e)) from None
            if ok is not True:
                raise BatchRejected(Reason.INVALID_PROOF)
            # --- accepted: apply everything in this same transaction
            vproof = _as_proof(proof)
            gas = gasmodel.batch_gas(cd, vproof if isinstance(vproof, Proof) else None).total
            s.set_meta("root", cd.new_root)
            s.set_meta("batch_number", cd.batch_number)
            s.set_meta("entries_served", ctx["first"] + len(ctx["served"]))
            s.set_meta("pending_deposit_total", s.get_meta("pending_deposit_total") - ctx["deposits_served"])
            s.set_meta("last_oracle_table_id", cd.oracle_table_id)
            for idx, paid, _ in ctx["served"]:
                s.serve_entry(idx, cd.batch_number, paid)
            for p in ctx["payouts"]:
                s.set_balance(p.l1_address, s.balance(p.l1_address) + p.amount)
            s.set_meta("collateral", s.get_meta("collateral") - ctx["total"])
            s.add_batch({"batch_number": cd.batch_number, "calldata": cd.to_bytes(), "proof": _proof_obj(proof),
                         "public_input": pub, "accepted_at": t, "old_root": ctx["old_root"],
                         "new_root": cd.new_root, "market_hash": ctx["market_hash"],
                         "oracle_hash": ctx["oracle_hash"], "prio_old": ctx["prio_old"],
                         "prio_new": ctx["prio_new"], "first_entry": ctx["first"], "gas": gas})
        return BatchReceipt(batch_number=cd.batch_number, old_root=ctx["old_root"], new_root=cd.new_root,
                            public_input=pub, entries_served=tuple(i for i, _, _ in ctx["served"]),
                            payouts=tuple(ctx["payouts"]), gas=gas, accepted_at=t)

    # --- exodus ------------------------------------------------------------------------------------
    def _exit_reserve(self) -> int:
        """Funds kept back for queued deposits that were never served (reclaimable)."""
        return self.store.get_meta("pending_deposit_total")

    def exit_value(self, leaf: ExitLeaf) -> int:
        """cash + sum_k size_k * mark_k at the last accepted batch's marks, floored at 0
        (before the collateral cap)."""
        sizes = list(leaf.sizes)
        value = leaf.cash
        if any(sizes):
            tid = self.last_oracle_table_id
            tab = self.store.oracle_table(tid) if tid else None
            if tab is None:
                raise ExitRejected(Reason.NO_PRICES)
            marks = table_marks(tab[1])
            if len(marks) != len(sizes):
                raise ExitRejected(Reason.BAD_POSITIONS, f"{len(sizes)} sizes, the table has {len(marks)} slots")
            value += sum(q * m for q, m in zip(sizes, marks))
        return max(0, value)

    def exit(self, account: int, leaf: ExitLeaf, siblings: Sequence[int], oi_hash: int,
             marks: Optional[Sequence[int]] = None, now: Optional[int] = None) -> int:
        """Exodus exit of one account against the last accepted root: verifies the Merkle
        proof of its leaf (`state_root(accounts root from the path, oi_hash)` must equal the
        contract's root), values it (`exit_value`) and pays min(value, what the contract
        holds beyond queued deposits) to the leaf's owner, once. `marks`, if given, must be
        those of the last accepted table. Returns the amount paid; ExitRejected (nothing
        changed) otherwise."""
        _check_uint(account, self.config.acc_depth, "account")
        if not isinstance(leaf, ExitLeaf):
            raise ContractError(f"expected an ExitLeaf, got {type(leaf).__name__}")
        if not self.tick(now):
            raise ExitRejected(Reason.NOT_EXODUS)
        s = self.store
        with s.transaction():
            t = self._clock(now)
            if s.exit_of(account) is not None:
                raise ExitRejected(Reason.ALREADY_EXITED, f"account {account}")
            _check_signed(leaf.cash, "cash")
            for q in leaf.sizes:
                _check_signed(q, "position size")
            if len(siblings) != self.config.acc_depth:
                raise ExitRejected(Reason.BAD_MERKLE_PROOF,
                                   f"{len(siblings)} siblings, the tree has depth {self.config.acc_depth}")
            try:
                check_elements([leaf.pk_x, leaf.pk_y, leaf.nonce, leaf.orders_root, oi_hash], "leaf field")
                _check_uint(leaf.owner, L1_ADDRESS_BITS, "owner")
                if not 1 <= len(leaf.sizes) <= MAX_INSTRUMENTS:
                    raise ValueError(f"an account has 1..{MAX_INSTRUMENTS} position slots")
                root = state_root(merkle_root_from_path(leaf.leaf(), account, list(siblings)), oi_hash)
            except ValueError as e:
                raise ExitRejected(Reason.BAD_MERKLE_PROOF, str(e)) from None
            if root != s.get_meta("root"):
                raise ExitRejected(Reason.BAD_MERKLE_PROOF)
            if leaf.owner == SPECIAL_OWNER:
                raise ExitRejected(Reason.NO_OWNER, f"account {account}")
            if marks is not None:
                tid = s.get_meta("last_oracle_table_id")
                tab = s.oracle_table(tid) if tid else None
                if tab is None or list(marks) != table_marks(tab[1]):
                    raise ExitRejected(Reason.WRONG_MARKS)
            value = self.exit_value(leaf)
            available = s.get_meta("collateral") - self._exit_reserve()
            paid = max(0, min(value, available))
            s.add_exit(account, leaf.owner, paid, t)
            s.set_balance(leaf.owner, s.balance(leaf.owner) + paid)
            s.set_meta("collateral", s.get_meta("collateral") - paid)
        return paid

    def reclaim_deposit(self, index: int, now: Optional[int] = None) -> int:
        """In exodus mode, return a queued deposit that no batch served to its depositor
        (once). Returns the amount."""
        if not self.tick(now):
            raise ContractError("deposits can be reclaimed only in exodus mode")
        s = self.store
        with s.transaction():
            self._clock(now)
            entries = s.entries(index, index + 1) if isinstance(index, int) and index >= 0 else []
            if not entries or entries[0]["kind"] != KIND_DEPOSIT:
                raise ContractError(f"no deposit at queue index {index!r}")
            d = entries[0]
            if d["served_batch"] is not None:
                raise ContractError(f"deposit {index} was served by batch {d['served_batch']}: exit with the "
                                    f"account instead")
            if d["reclaimed"]:
                raise ContractError(f"deposit {index} was already reclaimed")
            s.mark_reclaimed(index)
            s.set_balance(d["l1_address"], s.balance(d["l1_address"]) + d["amount"])
            s.set_meta("collateral", s.get_meta("collateral") - d["amount"])
            s.set_meta("pending_deposit_total", s.get_meta("pending_deposit_total") - d["amount"])
        return d["amount"]
