"""RollupState: the whole native state of the exchange, exact and in memory.

Holds the account tree (depth `account_depth`) with its accounts, the market (with the
deployment id), the oracle table of the current batch, open interest per slot, and the
L1 side that the state must balance against: collateral held by the contract, the L1
priority queue of pending entries (deposits and forced withdrawals, one queue, served in
order) and the chain value `prio` of the entries served so far
(`circuits.spec.priority`; every batch's public input binds it before and after).
`zkrollup.store` persists it.

Committed root (`circuits.spec.state`): `root = Poseidon(accounts_root, oi_hash)` with
`oi_hash = Poseidon(oi[0..K-1])`; oi[k] = sum of the positive sizes of slot k (= sum of
the negative ones, negated).

Invariants (`check_invariants`, run by the tests after every step):
- conservation: sum of all accounts' cash + pending deposits = collateral held;
- open interest: for every slot, sum of positive sizes = - sum of negative sizes = oi[k];
- the tree holds exactly the leaves of the accounts, and the roots match.

Genesis creates the special accounts (fee 0, insurance 1, clearing 2; `circuits.spec.accounts`)
with the operator's keys and owner `SPECIAL_OWNER` = 0, an address no L1 sender has: nobody
can force a withdrawal from them, exit them in exodus mode or deposit into them (such
deposits are refunded); their keys sign their withdrawals.
"""
from __future__ import annotations

from collections import deque
from typing import Iterable

from . import poseidon_fast
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT, SPECIAL_OWNER
from circuits.spec.priority import PRIO_EMPTY
from circuits.spec.scenarios import STANDARD_SCENARIOS
from circuits.spec.state import oi_hash, state_root
from circuits.spec.tables import OracleTable
from circuits.spec.widths import MAX_SCENARIOS

from .account import Account, check_public_key
from .errors import NoOracle, RollupError, SlotInUse, UnknownAccount
from .market import Instrument, Market
from .ops.base import Operation
from .ops.forced_close import ForcedClose, check_forced_close
from .ops.transfers import Deposit, ForcedWithdraw
from .ops.witness import OpWitness
from .risk import check_oracle
from .smt import SparseMerkleTree


class RollupState:
    """Native state; apply operations with `apply(op)` (or `op.apply(state)`)."""

    _oi_memo: tuple | None = None      # (open interest, its hash): a class default, so states
                                       # built without __init__ (store.load) have it too

    def __init__(self, market: Market, *, fee_pk, insurance_pk, clearing_pk=None,
                 account_depth: int = 16, order_depth: int = 8, n_scenarios: int = STANDARD_SCENARIOS):
        if not isinstance(market, Market):
            raise ValueError("market must be a zkrollup.market.Market")
        if not 2 <= account_depth <= 32:
            raise ValueError(f"account_depth must be in 2..32, got {account_depth}")
        if not 1 <= order_depth <= 32:
            raise ValueError(f"order_depth must be in 1..32, got {order_depth}")
        if not 1 <= n_scenarios <= MAX_SCENARIOS:
            raise ValueError(f"n_scenarios must be in 1..{MAX_SCENARIOS}")
        self.market = market
        self.account_depth = account_depth
        self.order_depth = order_depth
        self.n_scenarios = n_scenarios
        self.oracle: OracleTable | None = None
        self.accounts: dict[int, Account] = {}
        self.tree = SparseMerkleTree(account_depth)
        self.oi = [0] * market.K
        self.collateral = 0
        self.pending_deposits = 0
        self.prio_queue: deque = deque()           # pending L1 entries: Deposit / ForcedWithdraw / ForcedClose
        self.prio = PRIO_EMPTY
        self.prio_served = 0
        self.batch_number = 0
        self.dirty: set[int] = set()
        fee_pk = check_public_key(fee_pk, "fee account key")
        insurance_pk = check_public_key(insurance_pk, "insurance fund key")
        clearing_pk = fee_pk if clearing_pk is None else check_public_key(clearing_pk, "clearing key")
        for idx, pk in ((FEE_ACCOUNT, fee_pk), (INSURANCE_ACCOUNT, insurance_pk),
                        (CLEARING_ACCOUNT, clearing_pk)):
            self.accounts[idx] = Account(pk, market.K, order_depth, owner=SPECIAL_OWNER)
        self.tree.update_many({i: a.leaf for i, a in self.accounts.items()})
        self.dirty.update(self.accounts)

    # --- roots -------------------------------------------------------------------------

    @property
    def K(self) -> int:
        return self.market.K

    @property
    def accounts_root(self) -> int:
        return self.tree.root

    @property
    def oi_hash(self) -> int:
        # memo keyed by value: most operations leave open interest unchanged
        key = tuple(self.oi)
        if self._oi_memo is None or self._oi_memo[0] != key:
            self._oi_memo = (key, oi_hash(key, poseidon_fast.poseidon))
        return self._oi_memo[1]

    @property
    def root(self) -> int:
        return state_root(self.accounts_root, self.oi_hash, poseidon_fast.poseidon)

    @property
    def deployment_id(self) -> int:
        return self.market.deployment_id

    @property
    def now(self) -> int:
        return self.require_oracle().timestamp

    # --- accounts ------------------------------------------------------------------------

    def get_account(self, index: int) -> Account | None:
        return self.accounts.get(index)

    def account(self, index: int) -> Account:
        acc = self.accounts.get(index)
        if acc is None:
            raise UnknownAccount(f"account {index} does not exist")
        return acc

    def proof(self, index: int) -> list[int]:
        return self.tree.proof(index)

    # --- market and oracle ---------------------------------------------------------------

    def require_oracle(self) -> OracleTable:
        if self.oracle is None:
            raise NoOracle("no oracle table is set for this batch")
        return self.oracle

    def set_oracle(self, table: OracleTable) -> None:
        """Install the batch's oracle table (must fit the market; time never goes back)."""
        if not isinstance(table, OracleTable):
            raise ValueError("oracle table must be a circuits.spec.tables.OracleTable")
        check_oracle(table.check(), self.market)
        if table.S != self.n_scenarios:
            raise NoOracle(f"oracle table has {table.S} scenarios, the state uses {self.n_scenarios}")
        if self.oracle is not None and table.timestamp < self.oracle.timestamp:
            raise NoOracle("oracle timestamps must not decrease")
        self.oracle = table

    def adopt_market(self, market: Market) -> None:
        """Switch to `market` (a registration the governor made on L1; L1 checked that every
        slot whose instrument changes has no open interest, and so does this). Clears the
        oracle: the next table must be one of the new market's."""
        if not isinstance(market, Market) or market.K != self.K:
            raise ValueError(f"the new market must be a zkrollup.market.Market of K = {self.K} slots")
        for k in range(self.K):
            if market[k] != self.market[k] and self.oi[k] != 0:
                raise SlotInUse(f"slot {k} ({self.market[k].describe()}) has open interest {self.oi[k]}")
        self.market = market
        self.oracle = None

    def use_tables(self, market: Market | None, table: OracleTable) -> None:
        """Install the market (None: keep this one) and the oracle table a batch was built under."""
        if market is not None and market != self.market:
            self.adopt_market(market)
        if self.oracle != table:
            self.set_oracle(table)

    def list_instrument(self, k: int, inst: Instrument) -> None:
        """Put `inst` in slot k (SlotInUse unless its open interest is 0); clears the oracle."""
        if not isinstance(inst, Instrument):
            raise ValueError("instrument must be a zkrollup.market.Instrument")
        self.market = self.market.with_instrument(k, inst, self.oi[k] if 0 <= k < self.K else 0)
        self.oracle = None

    # --- L1 side -----------------------------------------------------------------------------

    def enqueue_deposit(self, account: int, pk, amount: int, depositor: int) -> Deposit:
        """L1: `depositor` deposits `amount` for (account, pk); the contract holds it until a
        batch serves the entry (credited, or refunded to the depositor)."""
        if not isinstance(account, int) or not 0 <= account < self.tree.capacity:
            raise ValueError(f"deposit account must be in [0, 2^{self.account_depth})")
        if account == CLEARING_ACCOUNT:
            raise ValueError("deposits into the clearing account are not allowed")
        if depositor == 0:
            raise ValueError("the depositor is an L1 sender, never address 0")
        d = Deposit(account, pk, amount, depositor)
        self.prio_queue.append(d)
        self.collateral += amount
        self.pending_deposits += amount
        return d

    def enqueue_forced_withdraw(self, account: int, amount: int, requester: int) -> ForcedWithdraw:
        """L1: `requester` asks for a forced withdrawal; whether it pays (the requester is the
        account's owner, ...) is judged when a batch serves it."""
        if requester == 0:
            raise ValueError("the requester is an L1 sender, never address 0")
        f = ForcedWithdraw(account, amount, requester)
        self.prio_queue.append(f)
        return f

    def enqueue_forced_close(self, account: int, requester: int) -> ForcedClose:
        """L1: `requester` asks that everything `account` holds be closed against the
        backstop. ValueError where L1 refuses the request (not the owner, no such account, a
        special account: `zkrollup.ops.forced_close.check_forced_close`); once queued it is
        always served."""
        check_forced_close(self, account, requester)
        f = ForcedClose(account, requester)
        self.prio_queue.append(f)
        return f

    def serve_entry(self, prio_after: int) -> None:
        """An operation served the queue's head; the chain moves to `prio_after`."""
        self.prio_queue.popleft()
        self.prio = prio_after
        self.prio_served += 1

    def apply_l1_request(self, op: Operation, apply=None) -> OpWitness:
        """Apply an operation; one that serves an L1 queue entry (a Deposit, a ForcedWithdraw, a ForcedClose)
        is first queued as the contract queued it. `apply` does the applying (default
        `self.apply`; the operator passes its BatchBuilder's, which also records the slot).
        If it raises, the entry is taken off the queue again: the state is as before."""
        apply = apply or self.apply
        if isinstance(op, Deposit):
            self.enqueue_deposit(op.account, op.pk, op.amount, op.depositor)
        elif isinstance(op, ForcedWithdraw):
            self.enqueue_forced_withdraw(op.account, op.amount, op.requester)
        elif isinstance(op, ForcedClose):
            self.enqueue_forced_close(op.account, op.requester)
        else:
            return apply(op)
        try:
            return apply(op)
        except Exception:
            self._unqueue_last()
            raise

    def _unqueue_last(self) -> None:
        e = self.prio_queue.pop()
        if isinstance(e, Deposit):
            self.collateral -= e.amount
            self.pending_deposits -= e.amount

    # --- operations ----------------------------------------------------------------------------

    def apply(self, op: Operation) -> OpWitness:
        if not isinstance(op, Operation):
            raise ValueError(f"not an operation: {op!r}")
        return op.apply(self)

    def try_apply(self, op: Operation) -> OpWitness | RollupError:
        """apply, returning the RollupError instead of raising it."""
        try:
            return self.apply(op)
        except RollupError as e:
            return e

    def end_batch(self) -> int:
        """Close the current batch: the batch number moves on. Returns the new number."""
        self.batch_number += 1
        return self.batch_number

    # --- checks and copies --------------------------------------------------------------------

    def total_cash(self) -> int:
        return sum(a.cash for a in self.accounts.values())

    def check_invariants(self) -> list[str]:
        """Descriptions of every violated invariant (empty when all hold)."""
        bad = []
        if self.total_cash() + self.pending_deposits != self.collateral:
            bad.append(f"conservation: cash {self.total_cash()} + pending {self.pending_deposits} "
                       f"!= collateral {self.collateral}")
        if self.pending_deposits != sum(d.amount for d in self.prio_queue if isinstance(d, Deposit)):
            bad.append("pending deposits differ from the queue")
        for k in range(self.K):
            long = sum(max(a.sizes[k], 0) for a in self.accounts.values())
            short = sum(max(-a.sizes[k], 0) for a in self.accounts.values())
            if not long == short == self.oi[k]:
                bad.append(f"open interest of slot {k}: long {long}, short {short}, oi {self.oi[k]}")
        if len(self.tree) != len(self.accounts) or any(self.tree.get(i) != a.leaf
                                                       for i, a in self.accounts.items()):
            bad.append("account tree leaves differ from the accounts")
        return bad

    def copy(self) -> "RollupState":
        new = RollupState.__new__(RollupState)
        new.__dict__.update(self.__dict__)
        new.accounts = {i: a.copy() for i, a in self.accounts.items()}
        new.tree = self.tree.copy()
        new.oi = list(self.oi)
        new.prio_queue = deque(self.prio_queue)
        new.dirty = set(self.dirty)
        return new

    def fingerprint(self) -> tuple:
        """Everything that defines the state, for equality checks in tests and after reopen."""
        return (self.root, self.accounts_root, tuple(self.oi), self.collateral, self.pending_deposits,
                self.prio, self.prio_served, self.batch_number,
                self.market, self.oracle, tuple(self.prio_queue),
                tuple(sorted((i, a.pk, a.owner, a.nonce, a.cash, tuple(a.sizes), tuple(sorted(a.orders.items())))
                             for i, a in self.accounts.items())),
                self.account_depth, self.order_depth, self.n_scenarios)

    def accounts_items(self) -> Iterable[tuple[int, Account]]:
        return sorted(self.accounts.items())

