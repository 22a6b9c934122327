"""Shared rig of the L1 contract tests: a native RollupState played by a minimal operator,
the RollupContract, the oracle, and a fake (or real) proof of the batch commitment.

The operator side computes the batch commitment on its own (from its native state and
`circuits.batch.public`), never through the contract, so the tests check that the
contract's recomputation from calldata + its own state agrees with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from circuits import eddsa
from circuits.batch.public import batch_commitment, effects_hash
from circuits.spec.messages import exit_message
from verifier.calldata import BatchCalldata
from verifier.contract import ContractConfig, ExitLeaf, RollupContract
from verifier.groth16 import VerifyingKey
from verifier.oracle_model import OracleModel
from zkrollup.ops import ForcedWithdraw, Noop

from rollup_helpers import DAY, KEYS, T0, USD, make_state, pk

FAKE_VK = VerifyingKey(alpha1=None, beta2=None, gamma2=None, delta2=None, ic=(None, None))
ALICE, BOB, CAROL = 0xA11CE, 0xB0B, 0xCA201


@dataclass(frozen=True)
class FakeProof:
    """Stands in for a Groth16 proof: 'proves' exactly one public input."""
    commitment: int


def fake_verify(vk, public_inputs, proof) -> bool:
    return isinstance(proof, FakeProof) and list(public_inputs) == [proof.commitment]


def fake_prover(commitment: int) -> FakeProof:
    return FakeProof(commitment)


def signed_forced(account: int, l1_address: int, amount: int, nonce: int = 0,
                  key: Optional[int] = None):
    """A forced withdrawal signed by KEYS[key] (default: the account's), and the keyword
    arguments `RollupContract.request_forced_withdrawal` needs for it (nonce, signature, pk)."""
    req = ForcedWithdraw.create(KEYS[account if key is None else key], account, amount, nonce, l1_address)
    return req, dict(nonce=req.nonce, signature=req.signature, pk=req.pk)


class Rig:
    """Native state + contract kept in step by a test-sized operator."""

    def __init__(self, path: str = ":memory:", n: int = 2, *, verifier=fake_verify, vk=FAKE_VK,
                 deadline_s: int = 7 * DAY, acc_depth: int = 6):
        self.n = n
        self.t = T0
        self.st = make_state(account_depth=acc_depth, k=4, ts=T0)
        self.contract = RollupContract(path, genesis_root=self.st.root, verifier=verifier,
                                       config=ContractConfig(forced_deadline_s=deadline_s, acc_depth=acc_depth))
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
        """An L1 deposit (contract) and the operator's view of the queue (native)."""
        p = pk(account if key is None else key)
        self.contract.deposit(addr, account, p[0], p[1], amount, now=self.t)
        return self.st.enqueue_deposit(account, p, amount)

    def publish(self, table) -> int:
        """The oracle publishes a table; the operator uses it from now on."""
        self.table_id = self.oracle.publish(table, now=self.t)
        self.st.set_oracle(table)
        return self.table_id

    # -- operator ----------------------------------------------------------------------------
    def _start_batch(self) -> None:
        self.ops = []
        self.root_before = self.st.root
        self.dep_hash_before = self.st.deposit_hash
        self.forced_hash_before = self.st.forced_hash
        self.consumed_before = self.st.deposits_consumed

    def apply(self, op):
        if len(self.ops) >= self.n:
            raise AssertionError("batch is full")
        w = self.st.apply(op)
        self.ops.append(w)
        return w

    def close_batch(self, prover: Callable[[int], object] = fake_prover, *, oracle_table=None):
        """Pad with Noop, build the calldata and the proof of the operator's own commitment.
        `oracle_table`: the table the operator's circuit hashes (default: its current one)."""
        while len(self.ops) < self.n:
            self.apply(Noop())
        effects = tuple(w.effect if w.effect.kind else None for w in self.ops)
        cd = BatchCalldata(batch_size=self.n, batch_number=self.st.batch_number + 1,
                           old_root=self.root_before, new_root=self.st.root,
                           n_deposits=self.st.deposits_consumed - self.consumed_before,
                           oracle_table_id=self.table_id, effects=effects)
        table = self.st.oracle if oracle_table is None else oracle_table
        self.last_fields = dict(old_root=cd.old_root, new_root=cd.new_root, batch_number=cd.batch_number,
                                market_hash=self.st.market.hash(), oracle_hash=table.hash(),
                                deposit_hash_old=self.dep_hash_before,
                                deposit_hash_new=self.st.deposit_hash,
                                forced_hash_old=self.forced_hash_before,
                                forced_hash_new=self.st.forced_hash,
                                effects_hash=effects_hash(effects, self.n))
        c = batch_commitment(**self.last_fields)
        self.st.end_batch()
        self._start_batch()
        return cd, prover(c), c

    def conserved(self) -> bool:
        """Token conservation on L1, and the contract's balance equals the native collateral."""
        c = self.contract
        return (sum(c.l1_balances().values()) + c.collateral == self.minted
                and c.collateral == self.st.collateral)


def exit_args(r: Rig, account: int, addr: int, key: Optional[int] = None):
    """(leaf, siblings, oi_hash, addr, signature) for RollupContract.exit, from the native state."""
    a = r.st.account(account)
    leaf = ExitLeaf(a.pk[0], a.pk[1], a.nonce, a.cash, tuple(a.sizes), a.orders_root)
    sig = eddsa.sign(KEYS[account if key is None else key], exit_message(account, addr))
    return leaf, r.st.proof(account), r.st.oi_hash, addr, sig


def expected_value(r: Rig, account: int) -> int:
    """cash + sum size * mark at the native (= last accepted) oracle table, floored at 0."""
    a = r.st.account(account)
    return max(0, a.cash + sum(q * m for q, m in zip(a.sizes, r.st.oracle.mark)))


def funded_rig(**kw) -> Rig:
    """Accounts 3 and 4 funded with 1,000 USD each through one accepted batch."""
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


__all__ = ["ALICE", "BOB", "CAROL", "DAY", "FAKE_VK", "FakeProof", "KEYS", "Rig", "T0", "USD",
           "exit_args", "expected_value", "fake_prover", "fake_verify", "funded_rig", "pk"]
