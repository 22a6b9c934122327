"""Shared rig of the L1 contract tests: a native RollupState played by a minimal operator,
the RollupContract, the oracle, and a fake (or real) proof of the batch's public input.

The operator side computes the public input on its own (from its native state, its
records and `circuits.spec.public_input`), never through the contract, so the tests check
that the contract's recomputation from the calldata and its own state agrees with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from circuits.spec.public_input import batch_public_input
from verifier.calldata import BatchCalldata
from verifier.contract import ContractConfig, ExitLeaf, RollupContract
from verifier.groth16 import VerifyingKey
from verifier.oracle_model import OracleModel
from zkrollup.ops import Noop

from rollup_helpers import DAY, DID, KEYS, T0, USD, make_state, pk
from circuits.spec.deployment import split_deployment_id

FAKE_VK = VerifyingKey(alpha1=None, beta2=None, gamma2=None, delta2=None, ic=(None, None))
ALICE, BOB, CAROL = 0xA11CE, 0xB0B, 0xCA201


@dataclass(frozen=True)
class FakeProof:
    """Stands in for a Groth16 proof: 'proves' exactly one public input."""
    public_input: int


def fake_verify(vk, public_inputs, proof) -> bool:
    return isinstance(proof, FakeProof) and list(public_inputs) == [proof.public_input]


def fake_prover(public_input: int) -> FakeProof:
    return FakeProof(public_input)


def config(**kw) -> ContractConfig:
    chain_id, address = split_deployment_id(DID)
    return ContractConfig(chain_id=chain_id, address=address, **kw)


class Rig:
    """Native state + contract kept in step by a test-sized operator."""

    def __init__(self, path: str = ":memory:", n: int = 2, *, verifier=fake_verify, vk=FAKE_VK,
                 deadline_s: int = 7 * DAY, acc_depth: int = 6):
        self.n = n
        self.t = T0
        self.st = make_state(account_depth=acc_depth, k=4, ts=T0)
        self.contract = RollupContract(path, genesis_root=self.st.root, verifier=verifier,
                                       config=config(queue_deadline_s=deadline_s, acc_depth=acc_depth))
        self.contract.register_market(self.st.market, now=self.t)
        self.contract.register_verifying_key(n, vk)
        self.oracle = OracleModel(self.contract)
        self.table_id = self.oracle.publish(self.st.oracle, now=self.t)
        self.minted = 0
        self._start_batch()

    # -- L1 users ----------------------------------------------------------------------------
    def mint(self, addr: int, amount: int) -> None:
        self.contract.mint(addr, amount)
        self.minted += amount

    def deposit(self, addr: int, account: int, amount: int, key: Optional[int] = None):
        """An L1 deposit from `addr` (contract) and the operator's view of the queue (native)."""
        p = pk(account if key is None else key)
        self.contract.deposit(addr, account, p[0], p[1], amount, now=self.t)
        return self.st.enqueue_deposit(account, p, amount, addr)

    def forced(self, addr: int, account: int, amount: int, now: Optional[int] = None):
        """A forced withdrawal requested on L1 by `addr`, and the operator's view of it."""
        self.contract.request_forced_withdrawal(account, addr, amount, now)
        return self.st.enqueue_forced_withdraw(account, amount, addr)

    def publish(self, table) -> int:
        """The oracle publishes a table; the operator uses it from now on."""
        self.table_id = self.oracle.publish(table, now=self.t)
        self.st.set_oracle(table)
        return self.table_id

    # -- operator ----------------------------------------------------------------------------
    def _start_batch(self) -> None:
        self.ops = []
        self.root_before = self.st.root
        self.prio_before = self.st.prio

    def apply(self, op):
        if len(self.ops) >= self.n:
            raise AssertionError("batch is full")
        w = self.st.apply(op)
        self.ops.append(w)
        return w

    def close_batch(self, prover: Callable[[int], object] = fake_prover, *, oracle_table=None):
        """Pad with Noop, build the calldata and the proof of the operator's own public input.
        `oracle_table`: the table the operator's circuit hashes (default: its current one)."""
        while len(self.ops) < self.n:
            self.apply(Noop())
        records = tuple(w.record for w in self.ops)
        cd = BatchCalldata(batch_number=self.st.batch_number + 1, new_root=self.st.root,
                           oracle_table_id=self.table_id, records=records)
        table = self.st.oracle if oracle_table is None else oracle_table
        self.last_header = dict(old_root=self.root_before, new_root=self.st.root, oracle_hash=table.hash(),
                                prio_old=self.prio_before, prio_new=self.st.prio)
        pub = batch_public_input(records, **self.last_header)
        self.st.end_batch()
        self._start_batch()
        return cd, prover(pub), pub

    def conserved(self) -> bool:
        """Token conservation on L1, and the contract's balance equals the native collateral."""
        c = self.contract
        return (sum(c.l1_balances().values()) + c.collateral == self.minted
                and c.collateral == self.st.collateral)


def exit_args(r: Rig, account: int):
    """(leaf, siblings, oi_hash) for RollupContract.exit, from the native state."""
    a = r.st.account(account)
    leaf = ExitLeaf(a.pk[0], a.pk[1], a.nonce, a.cash, tuple(a.sizes), a.orders_root, a.owner)
    return leaf, r.st.proof(account), r.st.oi_hash


def expected_value(r: Rig, account: int) -> int:
    """cash + sum size * mark at the native (= last accepted) oracle table, floored at 0."""
    a = r.st.account(account)
    return max(0, a.cash + sum(q * m for q, m in zip(a.sizes, r.st.oracle.mark)))


def funded_rig(**kw) -> Rig:
    """Accounts 3 (owned by ALICE) and 4 (owned by BOB) funded with 1,000 USD each through
    one accepted batch."""
    r = Rig(**kw)
    r.mint(ALICE, 5_000 * USD)
    r.mint(BOB, 5_000 * USD)
    d3 = r.deposit(ALICE, 3, 1_000 * USD)
    d4 = r.deposit(BOB, 4, 1_000 * USD)
    r.apply(d3)
    r.apply(d4)
    cd, proof, _ = r.close_batch()
    r.contract.submit_batch(cd, proof, now=r.t)
    return r


__all__ = ["ALICE", "BOB", "CAROL", "DAY", "DID", "FAKE_VK", "FakeProof", "KEYS", "Rig", "T0", "USD", "config",
           "exit_args", "expected_value", "fake_prover", "fake_verify", "funded_rig", "pk"]
