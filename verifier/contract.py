"""`RollupContract`: the L1 contract of the rollup, as a Python model with SQLite state.

What it holds: a Groth16 verifying key per batch size, the state root and batch number,
its token balance (`collateral`), the L1 users' token balances, the deposit priority
queue with its rolling hash, the registered market table hash, the oracle tables the
oracle published, the forced-withdrawal requests with their rolling hash, the record of
accepted batches, and the exodus flag.

`submit_batch(calldata, proof)` recomputes the batch's single public input itself,

    batch_commitment(old_root = its root, new_root = calldata.new_root,
                     batch_number = its batch number + 1, market_hash = its market,
                     oracle_hash = hash of the published table the calldata names,
                     deposit_hash_old/new = its rolling hash before and after the
                     calldata's n_deposits queued deposits,
                     forced_hash_old/new = its forced-request rolling hash before and
                     after as many queued requests as the calldata has kind-2 effects,
                     effects_hash = effects_hash(calldata.effects): a chain over the
                     listed effects only)

(circuits.batch.public, the function the circuit proves), verifies the proof with the
verifying key of the batch size, and in the same call moves the root, bumps the batch
number, pops the consumed deposits, marks served forced withdrawals, and pays every
withdrawal effect to the user's L1 balance: instant finality. Anything wrong raises
`BatchRejected` with a specific `reason` and changes nothing (one SQLite transaction
per call; see verifier/contract_store.py). Calldata is never trusted for anything the
contract knows itself: the old root and batch number in it must equal the contract's.

Data availability: `submit_batch(calldata, proof, now, data=b"")` also takes the batch's
data (the operator's encoded operations, `zkrollup.l1data`), the data part of the same
L1 call, as zkSync and Loopring put a block's operations in calldata. An accepted batch
stores the bytes with its record together with `data_hash = SHA-256(data)`, which the
contract computes itself (in Solidity: the SHA-256 precompile over the calldata slice;
the hash goes into the BatchAccepted event), and exposes them (`accepted_batches`,
`batch_data`); the gas model charges them as calldata (EIP-2028). A rejected batch stores
nothing. The data is not bound by the proof: the commitment does not include
`data_hash` (binding it needs a circuit change, future work), so the contract cannot tell
true data from false; `zkrollup.l1data.rebuild_from_l1` replays the data and accepts it
only if it reaches the proved roots and effects, so false data is detected, not followed.

Rules beyond the proof (the circuit cannot see L1):
* the oracle table must be published, belong to the registered market, be no older than
  the last accepted batch's, and be the latest, or superseded less than
  `oracle_grace_s` ago (so an operator cannot pick old prices);
* the batch's forced-withdrawal effects (kind 2) serve the pending requests in request
  order: same account and L1 address, amount at most the requested one (the circuit
  pays "as much as margin allows", possibly 0, and proves which requests it consumed:
  the forced-request chain is in the commitment, so the amount, nonce and key of each
  request are those queued here);
* the payouts never exceed the contract's balance less the still-queued deposits.

Censorship resistance: `request_forced_withdrawal` checks the requester's key (a
non-identity point of Baby Jubjub's prime-order subgroup) and EdDSA signature of
`forced_withdraw_message(account, amount, nonce, l1_address)`, extends the forced-request
chain (`circuits.batch.public.forced_chain`) and queues the request with a deadline
(`forced_deadline_s`, default 7 days). Once any call sees a time after the deadline of
a request still unserved, the contract enters exodus mode for good: no more batches
or deposits; each account may `exit` once against the last accepted root with a Merkle
proof of its leaf and an EdDSA signature of its key naming the L1 address to pay
(`exit_message`), and the open-interest hash that completes the root (the committed
root is Poseidon(accounts_root, oi_hash), see `state_root`); the account is valued at
cash + sum_k size_k * mark_k with the marks of the last accepted batch's oracle table
(settled slots carry their settlement payoff), floored at 0, and paid while the
contract holds enough (first come, first served; the still-queued deposits are kept
back for `reclaim_deposit`).

Time: every call that depends on time takes `now` (unix seconds); the contract keeps
the latest time it has seen and refuses time going backwards; `now=None` means "no
later than the last call".
"""
from __future__ import annotations

import hashlib
from typing import Callable, Optional, Sequence

from circuits import babyjub, eddsa
from circuits.batch.public import (DEPOSIT_CHAIN_EMPTY, FORCED_CHAIN_EMPTY, batch_commitment,
                                   deposit_chain, effects_hash, forced_chain)
from circuits.field import R, check_elements
from circuits.merkle_native import merkle_root_from_path
from circuits.poseidon import poseidon_sponge
from circuits.spec.messages import exit_message, forced_withdraw_message
from circuits.spec.state import oi_hash, state_root
from circuits.spec.widths import AMOUNT_BITS, L1_ADDRESS_BITS, MAX_INSTRUMENTS

from . import gas as gasmodel
from .calldata import BatchCalldata, CalldataError
from .contract_store import ContractStore, StoreError
from .errors import VerifierInputError
from .groth16 import Proof, VerifyingKey, verify as groth16_verify
from .contract_types import (DAY, BatchReceipt, BatchRejected, ContractConfig,  # noqa: F401 (re-exported)
                             ContractError, ExitLeaf, ExitRejected, Payout, Reason)
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


def data_hash(data: bytes) -> bytes:
    """What the contract computes and stores of a batch's data: SHA-256 (32 bytes)."""
    return hashlib.sha256(data).digest()


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
                for k in ("batch_number", "collateral", "deposits_consumed", "pending_deposit_total",
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
        """The contract's token balance: L2 cash plus queued (unconsumed) deposits."""
        return self.store.get_meta("collateral")

    @property
    def exodus(self) -> bool:
        return self.store.get_meta("exodus")

    @property
    def now(self) -> int:
        """The latest time the contract has seen."""
        return self.store.get_meta("last_time")

    @property
    def market_hash(self) -> Optional[int]:
        m = self.store.current_market()
        return None if m is None else m[1]

    @property
    def deposits_consumed(self) -> int:
        return self.store.get_meta("deposits_consumed")

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

    def deposit_count(self) -> int:
        return self.store.deposit_count()

    def deposits(self, start: int = 0, stop: Optional[int] = None) -> list[dict]:
        """Queued deposits by index (all of them: the published deposit log)."""
        return self.store.deposits(start, stop)

    def pending_deposits(self) -> list[dict]:
        """The deposits not yet consumed by a batch, in queue order."""
        return self.store.deposits(self.deposits_consumed)

    def deposit_hash(self, n: Optional[int] = None) -> int:
        """The rolling hash after the first n deposits (default: the consumed ones)."""
        n = self.deposits_consumed if n is None else n
        return self.store.chain_after(n, DEPOSIT_CHAIN_EMPTY)

    def oracle_table(self, table_id: int) -> Optional[dict]:
        t = self.store.oracle_table(table_id)
        return None if t is None else {"table_id": table_id, "hash": t[0], "encoded": t[1], "published_at": t[2]}

    def forced_requests(self, pending_only: bool = False) -> list[dict]:
        """Queued forced withdrawals by id; `request` holds the published fields: nonce,
        signature (r8, s), key pk, and chain (the rolling hash after this request)."""
        return self.store.forced_requests(pending_only)

    def forced_served_count(self) -> int:
        """How many forced requests accepted batches have consumed (they are served in order)."""
        return sum(1 for r in self.store.forced_requests() if r["served_batch"] is not None)

    def forced_hash(self, n: Optional[int] = None) -> int:
        """The forced-request rolling hash after the first n requests (default: the served ones)."""
        n = self.forced_served_count() if n is None else n
        if n == 0:
            return FORCED_CHAIN_EMPTY
        reqs = self.store.forced_requests()
        if not 0 < n <= len(reqs):
            raise ContractError(f"no forced request number {n - 1}")
        return int(reqs[n - 1]["request"]["chain"])

    def pending_forced_withdrawals(self) -> list[dict]:
        return self.store.forced_requests(True)

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
        `BatchCalldata`, and raw), proof, commitment, roots, hashes, time, gas, and the batch
        data (`data`, bytes) with the SHA-256 the contract computed of it (`data_hash`)."""
        out = []
        for rec in self.store.batches():
            rec["calldata_bytes"] = rec["calldata"]
            rec["calldata"] = BatchCalldata.from_bytes(rec["calldata"])
            out.append(rec)
        return out

    def batch_data(self, batch_number: int) -> bytes:
        """The data published with accepted batch `batch_number` (b"" if it had none).
        Checked against the hash stored at acceptance: a store whose data was altered
        afterwards raises StoreError instead of returning it."""
        recs = self.store.batches(batch_number) if isinstance(batch_number, int) else []
        if not recs:
            raise ContractError(f"no accepted batch {batch_number!r}")
        data = recs[0]["data"]
        if data_hash(data) != recs[0]["data_hash"]:
            raise StoreError(f"batch {batch_number}: stored data does not match its hash")
        return data

    def exits(self) -> dict[int, dict]:
        return self.store.exits()

    def snapshot(self) -> dict:
        """Every piece of state, for comparisons (tests: a rejected call changes nothing)."""
        s = self.store
        meta = {k: s.get_meta(k) for k in ("root", "batch_number", "collateral", "deposits_consumed",
                                           "pending_deposit_total", "last_oracle_table_id",
                                           "exodus", "exodus_at", "minted")}
        return {"meta": meta, "balances": s.balances(), "deposits": s.deposits(),
                "forced": s.forced_requests(), "batches": s.batches(), "exits": s.exits(),
                "market": s.current_market(), "oracle_latest": s.latest_oracle_table_id(),
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
        """Advance the clock; enter exodus mode if a pending forced withdrawal's deadline has
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
        enc = [int(v) for v in enc]
        try:
            check_elements(enc, "market table value")
            check_market_encoding(enc)
        except ValueError as e:
            raise ContractError(str(e)) from None
        h = poseidon_sponge(enc)
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
        if old[0] != new[0]:
            raise ContractError(f"the market has {old[0]} instrument slots; it cannot change to {new[0]}")
        changed = [k for k in range(new[0]) if old[3 + 4 * k:7 + 4 * k] != new[3 + 4 * k:7 + 4 * k]]
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
        if len(oi) != new[0] or state_root(accounts_root, oi_hash(oi)) != self.state_root:
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

    def deposit(self, l1_address: int, account: int, pk_x: int, pk_y: int, amount: int,
                now: Optional[int] = None) -> int:
        """Move `amount` from the sender's L1 balance into the contract and queue
        (account, pk_x, pk_y, amount) for the operator; returns the queue index."""
        _check_uint(l1_address, L1_ADDRESS_BITS, "l1_address")
        _check_uint(account, self.config.acc_depth, "account")
        _check_uint(amount, AMOUNT_BITS, "deposit amount", 1)
        if account in self.config.no_deposit_accounts:
            raise ContractError(f"deposits into account {account} are not allowed")
        # the operator must be able to consume every queued deposit (in order), so a key the
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
            n = s.deposit_count()
            chain = deposit_chain(s.chain_after(n, DEPOSIT_CHAIN_EMPTY), account, pk_x, pk_y, amount)
            idx = s.add_deposit(account, pk_x, pk_y, amount, l1_address, chain, t)
            s.set_balance(l1_address, bal - amount)
            s.set_meta("collateral", s.get_meta("collateral") + amount)
            s.set_meta("pending_deposit_total", s.get_meta("pending_deposit_total") + amount)
        return idx

    # --- forced withdrawals ------------------------------------------------------------------------
    def request_forced_withdrawal(self, account: int, l1_address: int, amount: int,
                                  now: Optional[int] = None, *, nonce: Optional[int] = None,
                                  signature=None, pk=None) -> int:
        """Queue a forced withdrawal; the operator must serve it (kind-2 effect, in request
        order) in a batch accepted by now + forced_deadline_s, or the contract enters exodus
        mode. Required: the requester's key `pk` (x, y), a non-identity point of Baby
        Jubjub's prime-order subgroup, the account's `nonce` and the EdDSA `signature` of
        `forced_withdraw_message(account, amount, nonce, l1_address)` under `pk`; all are
        checked here and published with the request (so the operator can build the
        operation from L1 data alone), and the request extends the forced-request chain
        that the next batches must consume. The circuit pays it (as much as margin allows)
        when pk is the account's key and the nonce is current, else serves it with 0.
        Returns the request id."""
        _check_uint(account, self.config.acc_depth, "account")
        _check_uint(l1_address, L1_ADDRESS_BITS, "l1_address")
        _check_uint(amount, AMOUNT_BITS, "amount", 1)
        if nonce is None or signature is None or pk is None:
            raise ContractError("a forced withdrawal needs the requester's key pk, the nonce and the signature")
        _check_uint(nonce, 32, "nonce")
        if not isinstance(signature, eddsa.Signature):
            raise ContractError("signature must be a circuits.eddsa.Signature")
        try:
            pk = (int(pk[0]), int(pk[1]))
            ok_key = babyjub.is_in_subgroup(pk) and pk != babyjub.IDENTITY
        except (TypeError, ValueError, IndexError):
            ok_key = False
        if not ok_key:
            raise ContractError("the request key must be a non-identity point of Baby Jubjub's prime-order subgroup")
        if not eddsa.verify(pk, forced_withdraw_message(account, amount, nonce, l1_address), signature):
            raise ContractError("the forced withdrawal signature does not verify under the request key")
        self._require_active(now)
        with self.store.transaction():
            t = self._clock(now)
            prev = self.forced_hash(len(self.store.forced_requests()))
            chain = forced_chain(prev, account, pk[0], amount, nonce, l1_address)
            extra = {"nonce": nonce, "r8": list(signature.R8), "s": signature.S, "pk": list(pk),
                     "chain": str(chain)}
            return self.store.add_forced(account, l1_address, amount, t,
                                         t + self.config.forced_deadline_s, extra)

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

    def _check_batch(self, cd: BatchCalldata, t: int) -> dict:
        """Every check but the proof; returns what the commitment and the state change need."""
        s = self.store
        bn = s.get_meta("batch_number")
        if cd.batch_number <= bn:
            raise BatchRejected(Reason.REPLAYED, f"batch {cd.batch_number}, the contract is at {bn}")
        if cd.batch_number != bn + 1:
            raise BatchRejected(Reason.OUT_OF_ORDER, f"batch {cd.batch_number}, expected {bn + 1}")
        root = s.get_meta("root")
        if cd.old_root != root:
            raise BatchRejected(Reason.WRONG_OLD_ROOT)
        vk = self.verifying_key(cd.batch_size)
        if vk is None:
            raise BatchRejected(Reason.NO_VERIFYING_KEY, f"N = {cd.batch_size}")
        consumed = s.get_meta("deposits_consumed")
        queued = s.deposit_count()
        if consumed + cd.n_deposits > queued:
            raise BatchRejected(Reason.TOO_MANY_DEPOSITS,
                                f"{cd.n_deposits} claimed, {queued - consumed} queued")
        market_hash = self.market_hash
        if market_hash is None:
            raise BatchRejected(Reason.NO_MARKET)
        oracle_hash = self._oracle_hash_for(cd.oracle_table_id, t)
        # forced-withdrawal effects serve the pending requests in order
        pending = s.forced_requests(pending_only=True)
        forced = cd.forced()
        if len(forced) > len(pending):
            raise BatchRejected(Reason.FORCED_MISMATCH, f"{len(forced)} served, {len(pending)} pending")
        served = []
        for e, req in zip(forced, pending):
            if (e.account, e.l1_address) != (req["account"], req["l1_address"]) or e.amount > req["amount"]:
                raise BatchRejected(Reason.FORCED_MISMATCH, f"request {req['id']} is for account "
                                    f"{req['account']}, amount <= {req['amount']}")
            served.append((req["id"], e.amount))
        new_deps = s.deposits(consumed, consumed + cd.n_deposits)
        consumed_amount = sum(d["amount"] for d in new_deps)
        payouts = [Payout(e.kind, e.account, e.l1_address, e.amount) for e in cd.withdrawals()]
        total = sum(p.amount for p in payouts)
        l2_funds = s.get_meta("collateral") - (s.get_meta("pending_deposit_total") - consumed_amount)
        if total > l2_funds:
            raise BatchRejected(Reason.INSUFFICIENT_COLLATERAL, f"{total} > {l2_funds}")
        n_served = self.forced_served_count()
        return {"vk": vk, "market_hash": market_hash, "oracle_hash": oracle_hash,
                "deposit_hash_old": s.chain_after(consumed, DEPOSIT_CHAIN_EMPTY),
                "deposit_hash_new": s.chain_after(consumed + cd.n_deposits, DEPOSIT_CHAIN_EMPTY),
                "forced_hash_old": self.forced_hash(n_served),
                "forced_hash_new": self.forced_hash(n_served + len(forced)),
                "consumed": consumed, "consumed_amount": consumed_amount, "served": served,
                "payouts": payouts, "total": total}

    def _commitment(self, cd: BatchCalldata, ctx: dict) -> int:
        return batch_commitment(old_root=cd.old_root, new_root=cd.new_root, batch_number=cd.batch_number,
                                market_hash=ctx["market_hash"], oracle_hash=ctx["oracle_hash"],
                                deposit_hash_old=ctx["deposit_hash_old"],
                                deposit_hash_new=ctx["deposit_hash_new"],
                                forced_hash_old=ctx["forced_hash_old"],
                                forced_hash_new=ctx["forced_hash_new"],
                                effects_hash=effects_hash(cd.effects, cd.batch_size))

    def expected_commitment(self, calldata: BatchCalldata, now: Optional[int] = None) -> int:
        """The public input `submit_batch` would check for this calldata now (a view: the
        operator can compare it with its witness before proving). Raises BatchRejected for
        calldata the contract would refuse before looking at the proof."""
        t = self.store.get_meta("last_time") if now is None else now
        return self._commitment(calldata, self._check_batch(calldata, t))  # reads only

    def submit_batch(self, calldata, proof, now: Optional[int] = None, *, data=b"") -> BatchReceipt:
        """Verify and apply one batch (see the module docstring); `data`: the batch's data
        (bytes), stored with the accepted record with its SHA-256 and charged as calldata.
        Returns the receipt; raises BatchRejected (nothing changed) otherwise."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise BatchRejected(Reason.MALFORMED_CALLDATA, f"batch data must be bytes, got {type(data).__name__}")
        data = bytes(data)
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
            commitment = self._commitment(cd, ctx)
            try:
                ok = self._verify(ctx["vk"], [commitment], _as_proof(proof))
            except VerifierInputError as e:
                raise BatchRejected(Reason.MALFORMED_PROOF, str(e)) from None
            if ok is not True:
                raise BatchRejected(Reason.INVALID_PROOF)
            # --- accepted: apply everything in this same transaction
            vproof = _as_proof(proof)
            gas = gasmodel.batch_gas(cd, vproof if isinstance(vproof, Proof) else None, data=data).total
            dhash = data_hash(data)
            s.set_meta("root", cd.new_root)
            s.set_meta("batch_number", cd.batch_number)
            s.set_meta("deposits_consumed", ctx["consumed"] + cd.n_deposits)
            s.set_meta("pending_deposit_total", s.get_meta("pending_deposit_total") - ctx["consumed_amount"])
            s.set_meta("last_oracle_table_id", cd.oracle_table_id)
            for req_id, amount in ctx["served"]:
                s.serve_forced(req_id, cd.batch_number, amount)
            for p in ctx["payouts"]:
                s.set_balance(p.l1_address, s.balance(p.l1_address) + p.amount)
            s.set_meta("collateral", s.get_meta("collateral") - ctx["total"])
            s.add_batch({"batch_number": cd.batch_number, "calldata": cd.to_bytes(),
                         "proof": _proof_obj(proof), "commitment": commitment, "accepted_at": t,
                         "old_root": cd.old_root, "new_root": cd.new_root,
                         "market_hash": ctx["market_hash"], "oracle_hash": ctx["oracle_hash"],
                         "deposit_hash_old": ctx["deposit_hash_old"],
                         "deposit_hash_new": ctx["deposit_hash_new"], "first_deposit": ctx["consumed"],
                         "gas": gas, "data": data, "data_hash": dhash})
        return BatchReceipt(batch_number=cd.batch_number, old_root=cd.old_root, new_root=cd.new_root,
                            commitment=commitment,
                            deposits_consumed=tuple(range(ctx["consumed"], ctx["consumed"] + cd.n_deposits)),
                            forced_served=tuple(r for r, _ in ctx["served"]),
                            payouts=tuple(ctx["payouts"]), gas=gas, accepted_at=t,
                            data_bytes=len(data), data_hash=dhash)

    # --- exodus ------------------------------------------------------------------------------------
    def _exit_reserve(self) -> int:
        """Funds kept back for queued deposits that were never consumed (reclaimable)."""
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
             l1_address: int, signature, marks: Optional[Sequence[int]] = None,
             now: Optional[int] = None) -> int:
        """Exodus exit of one account against the last accepted root: verifies the Merkle
        proof of its leaf (`state_root(accounts root from the path, oi_hash)` must equal the
        contract's root), the key's signature of `exit_message(account, l1_address)`, values
        it (`exit_value`), pays min(value, what the contract holds beyond queued deposits) to
        `l1_address` once. `marks`, if given, must be those of the last accepted table.
        Returns the amount paid; ExitRejected (nothing changed) otherwise."""
        _check_uint(account, self.config.acc_depth, "account")
        _check_uint(l1_address, L1_ADDRESS_BITS, "l1_address")
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
                if not 1 <= len(leaf.sizes) <= MAX_INSTRUMENTS:
                    raise ValueError(f"an account has 1..{MAX_INSTRUMENTS} position slots")
                root = state_root(merkle_root_from_path(leaf.leaf(), account, list(siblings)), oi_hash)
            except ValueError as e:
                raise ExitRejected(Reason.BAD_MERKLE_PROOF, str(e)) from None
            if root != s.get_meta("root"):
                raise ExitRejected(Reason.BAD_MERKLE_PROOF)
            if not eddsa.verify((leaf.pk_x, leaf.pk_y), exit_message(account, l1_address), signature):
                raise ExitRejected(Reason.BAD_SIGNATURE)
            if marks is not None:
                tid = s.get_meta("last_oracle_table_id")
                tab = s.oracle_table(tid) if tid else None
                if tab is None or list(marks) != table_marks(tab[1]):
                    raise ExitRejected(Reason.WRONG_MARKS)
            value = self.exit_value(leaf)
            available = s.get_meta("collateral") - self._exit_reserve()
            paid = max(0, min(value, available))
            s.add_exit(account, l1_address, paid, t)
            s.set_balance(l1_address, s.balance(l1_address) + paid)
            s.set_meta("collateral", s.get_meta("collateral") - paid)
        return paid

    def reclaim_deposit(self, index: int, now: Optional[int] = None) -> int:
        """In exodus mode, return a queued deposit that no batch consumed to its depositor
        (once). Returns the amount."""
        if not self.tick(now):
            raise ContractError("deposits can be reclaimed only in exodus mode")
        s = self.store
        with s.transaction():
            self._clock(now)
            deps = s.deposits(index, index + 1) if isinstance(index, int) and index >= 0 else []
            if not deps:
                raise ContractError(f"no deposit number {index!r}")
            d = deps[0]
            if index < s.get_meta("deposits_consumed"):
                raise ContractError(f"deposit {index} was consumed by a batch: exit with the account instead")
            if d["refunded"]:
                raise ContractError(f"deposit {index} was already reclaimed")
            s.mark_refunded(index)
            s.set_balance(d["depositor"], s.balance(d["depositor"]) + d["amount"])
            s.set_meta("collateral", s.get_meta("collateral") - d["amount"])
            s.set_meta("pending_deposit_total", s.get_meta("pending_deposit_total") - d["amount"])
        return d["amount"]
