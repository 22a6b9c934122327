"""Test rig for the L1 contracts on the embedded EVM (verifier/contracts, verifier/l1_client).

Proofs: the contracts check a Groth16 proof of one public input. The stand-in circuit
below has exactly that interface (its only public input is the batch's public input,
`circuits.spec.public_input`, and the proof shows knowledge of w = it); its key is a real
key from prover.setup and its proofs real proofs from prover.ref.groth16.prove, so
the contract's side is exactly what it does with the batch circuit: it rebuilds the public
input from its storage, the queue, the oracle table and the calldata, and a proof made for
any other value fails. tests/test_l1_real_batch.py runs the batch circuit itself.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.spec.deployment import deployment_id
from circuits.spec.public_input import batch_public_input
from circuits.spec.records import OP_FORCED_CLOSE, PRIORITY_KIND, encode_record
from circuits.spec.tables import MarketTable
from prover.ref.groth16 import prove as prove_reference
from prover.setup import setup
from verifier.evm import Chain, address_of
from verifier.calldata import BatchCalldata
from verifier.groth16 import Proof
from verifier.l1_client import RollupL1, address_int, cofactor_witness
from verifier.l1_deploy import L1Config, deploy_rollup
from zkrollup.keyfiles import vk_from_pk

from spec_fixtures import EXPIRY, SPOT, T0, market_table, oracle_table

GOV = address_of("governor")
ORACLE = address_of("oracle")
OPERATOR = address_of("operator")
ALICE, BOB, CAROL = address_of("alice"), address_of("bob"), address_of("carol")
USD = 10**6
GENESIS_ROOT = 0x1234
PK = (0x0BB77A6AD63E739B4EACB2E09D6277C12AB8D8010534E0B62893F3F6BB957051,
      0x25797203F7A0B24925572E1CD16BF9EDFCE0051FB9E133774B3C257A872D7D8B)     # Baby Jubjub's BASE8
Q = cofactor_witness(PK)                                                      # 8 Q = PK


def stand_in_circuit(x: int) -> ConstraintSystem:
    cs = ConstraintSystem(solve=True)
    pub = cs.public("public_input", x)
    w = cs.witness("w", x)
    cs.enforce(w, 1, pub, name="binds")
    cs.enforce(w, w, cs.witness("w2", x * x % R), name="square")
    return cs


@functools.lru_cache(maxsize=None)
def stand_in_key():
    pk = setup(stand_in_circuit(0).to_r1cs(), seed=b"zkrollup L1 contract tests")
    return pk, vk_from_pk(pk)


def prove(x: int) -> Proof:
    pk, _ = stand_in_key()
    p = prove_reference(pk, stand_in_circuit(x).witness_values())
    assert p.public == [x]
    return Proof(a=p.a, b=p.b, c=p.c)


def snapshot(chain: Chain) -> tuple:
    """Every storage slot of every contract (a refused call must leave it unchanged)."""
    return tuple(chain.store.storage())


@dataclass
class Rig:
    """A deployed rollup with a market, users holding tokens, and batch helpers."""
    K: int = 4
    S: int = 4
    acc_depth: int = 8
    sizes: tuple = (1, 2, 4)
    config_kw: dict = field(default_factory=dict)

    def __post_init__(self):
        self.chain = Chain(genesis_time=T0 - 3600)
        self.config = L1Config(K=self.K, S=self.S, acc_depth=self.acc_depth, **self.config_kw)
        self.addrs = deploy_rollup(self.chain, deployer=GOV, governor=GOV, oracle=ORACLE, fee_sink=GOV,
                                   genesis_root=GENESIS_ROOT, config=self.config)
        self.l1 = RollupL1(self.chain, self.addrs, operator=OPERATOR, oracle=ORACLE, governor=GOV)
        _, vk = stand_in_key()
        for n in self.sizes:
            self.l1.register_verifying_key(n, vk)
        self.market = self.market_for()
        self.l1.register_market(self.market)
        for who in (ALICE, BOB, CAROL):
            self.l1.mint(who, 10_000 * USD, sender=GOV)
            self.chain.fund(who, 10**18)

    def market_for(self, **changes) -> MarketTable:
        m = market_table(self.K, did=deployment_id(self.chain.chain_id, address_int(self.addrs.rollup)))
        return m if not changes else MarketTable(**{**m.__dict__, **changes}).check()

    def table(self, ts: int, **kw):
        return oracle_table(self.market, ts, s=self.S, **kw)

    def publish(self, ts: int | None = None, **kw) -> int:
        ts = self.chain.next_timestamp if ts is None else ts
        return self.l1.publish_oracle_table(self.table(ts, **kw), now=max(ts, self.chain.timestamp + 1))

    def header(self, new_root: int, table_id: int, n_consumed: int) -> dict:
        head = self.l1.entries_served
        return dict(old_root=self.l1.state_root, new_root=new_root,
                    oracle_hash=self.l1.oracle_table(table_id)["hash"],
                    prio_old=self.l1.prio_chain(head), prio_new=self.l1.prio_chain(head + n_consumed))

    def open_interest(self, oi=None) -> tuple:
        """The batch's K open interests (all 0 unless given)."""
        return (0,) * self.K if oi is None else tuple(oi)

    def batch(self, records: list[bytes], new_root: int, table_id: int, n_consumed: int | None = None,
              deficit: int = 0, oi=None):
        """(records bytes, proof) of a batch the contract should accept now (the proof is
        made for the solvency outputs: the insurance fund's deficit `deficit`, the records'
        cash flow, the open interests `oi`)."""
        if n_consumed is None:
            n_consumed = sum(1 for r in records if r[0] in PRIORITY_KIND)
        x = batch_public_input(records, deficit, self.open_interest(oi),
                               **self.header(new_root, table_id, n_consumed))
        return b"".join(records), prove(x)

    def calldata(self, records: list[bytes], new_root: int, table_id: int, deficit: int = 0,
                 oi=None) -> BatchCalldata:
        return BatchCalldata(self.l1.batch_number + 1, new_root, table_id, tuple(records), deficit,
                             self.open_interest(oi))

    def submit(self, records: list[bytes], new_root: int, table_id: int, now: int | None = None, deficit: int = 0,
               oi=None):
        data, proof = self.batch(records, new_root, table_id, deficit=deficit, oi=oi)
        return self.l1.submit_batch(self.calldata(records, new_root, table_id, deficit, oi), proof, now)

    def deposit(self, who: str, account: int, amount: int, **kw) -> int:
        return self.l1.deposit(who, account, *PK, amount, **kw)


def noop() -> bytes:
    return encode_record(0)


def deposit_record(account: int, amount: int, refunded: int = 0) -> bytes:
    return encode_record(1, account=account, amount=amount, refunded=refunded)


def withdraw_record(account: int, amount: int, to: str) -> bytes:
    return encode_record(2, account=account, amount=amount, l1_address=address_int(to))


def forced_record(account: int, amount: int, paid: int) -> bytes:
    return encode_record(3, account=account, amount=amount, paid=paid)


def forced_close_record(account: int) -> bytes:
    return encode_record(OP_FORCED_CLOSE, account=account)


__all__ = ["ALICE", "BOB", "CAROL", "EXPIRY", "GENESIS_ROOT", "GOV", "OPERATOR", "ORACLE", "PK", "Q", "Rig", "SPOT",
           "T0", "USD", "deposit_record", "forced_close_record", "forced_record", "noop", "prove", "snapshot",
           "stand_in_key", "withdraw_record"]
