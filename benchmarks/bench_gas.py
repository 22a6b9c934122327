"""Gas of the rollup's L1 contracts, measured: every figure is a transaction's gas_used read
from the embedded EVM's receipt (pyrevm / REVM, Cancun; 21,000 + calldata + execution).

Batches: N = 1, 2, 4, ..., 64 slots, every slot a trade (circuits.spec.records, fields drawn
like a busy venue's: accounts below 2^20, fills below 1,000, prices around 10^9 to 10^11
micro-USD, order ids below 2^24; "worst" sets every field to its maximum, so every record
byte is non-zero), submitted to the rollup contract with a valid Groth16 proof of the
public input the contract builds (a key whose trapdoor the benchmark knows,
tests/groth16_forge.py: the verifier's gas depends only on the number of public inputs,
one). Each batch follows others, as in steady operation (the first batch of a deployment
pays ~40k more for storage it writes first). Also per batch: the marginal gas of one
withdrawal (a trade record replaced by a withdrawal record paid in the same transaction),
of one withdrawal paid pro rata under an uncovered deficit of the insurance fund (in
batches that all post that deficit), and of one deposit (a queue entry consumed) that
creates a new account (the rollup learns its owner: a fresh storage slot) or credits an
account again (its owner already known: nothing written).

Operations: token approve, deposit, forced-withdrawal request, oracle table publication
(K x S, plain and with a settled slot; the table is calldata, L1 hashes it with the T4
sponge), market registration, a batch verifier's deployment and setting, Groth16
verification alone, exodus activation, exodus claims (depth acc_depth, with K positions and
without), withdrawals after the claim period (the first one freezes the pool), a deposit
reclaim, and a forced-close request (its owner known from an accepted deposit) beside a
forced withdrawal and a deposit in the same state of the queue.

Also: the capital cost of one withdrawal paid in the accepting transaction (`--zk-wait`
seconds after it is requested) beside a 7-day optimistic challenge window
(zkrollup.capital).

Prints JSON. Usage: python benchmarks/bench_gas.py [--sizes 1,2,4,8,16,32,64] [--k 8] [--s 35]
    [--acc-depth 24] [--amount 1000000000] [--rate 0.05] [--zk-wait 600]
    python benchmarks/bench_gas.py --publish 16,35 [--k 8]     (oracle table publication only)
    python benchmarks/bench_gas.py --forced-close              (forced-close requests only)
    python benchmarks/bench_gas.py --batches-only              (the batch table only)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from circuits.spec.accounts import account_leaf_of  # noqa: E402
from circuits.spec.deployment import deployment_id  # noqa: E402
from circuits.spec.public_input import batch_public_input  # noqa: E402
from circuits.spec.records import (LAYOUT, OP_DEPOSIT, OP_TRADE, OP_WITHDRAW, PRIORITY_KIND, RECORD_BYTES,  # noqa
                                   encode_record)
from circuits.spec.state import oi_hash, state_root  # noqa: E402
from verifier.calldata import BatchCalldata  # noqa: E402
from verifier.evm import Chain, address_of  # noqa: E402
from verifier.l1_client import RollupL1, address_int, cofactor_witness  # noqa: E402
from verifier.l1_deploy import L1Config, deploy_rollup  # noqa: E402
from zkrollup.capital import compare_withdrawal  # noqa: E402

from groth16_forge import forge, trapdoor_key  # noqa: E402
from spec_fixtures import EXPIRY, SPOT, T0, market_table, oracle_table  # noqa: E402

GOV, ORACLE, OPERATOR = address_of("governor"), address_of("oracle"), address_of("operator")
USERS = [address_of(f"user {i}") for i in range(4)]
PK = (0x0BB77A6AD63E739B4EACB2E09D6277C12AB8D8010534E0B62893F3F6BB957051,
      0x25797203F7A0B24925572E1CD16BF9EDFCE0051FB9E133774B3C257A872D7D8B)
USD = 10**6


class Bench:
    """A deployment with a market, a table, funded users and trapdoor proofs."""

    def __init__(self, k: int, s: int, acc_depth: int, sizes, seed: int = 1):
        self.rng = random.Random(seed)
        self.chain = Chain(genesis_time=T0 - 3600)
        self.k, self.s = k, s
        self.addrs = deploy_rollup(self.chain, deployer=GOV, governor=GOV, oracle=ORACLE, fee_sink=GOV,
                                   genesis_root=1, config=L1Config(K=k, S=s, acc_depth=acc_depth))
        self.l1 = RollupL1(self.chain, self.addrs, operator=OPERATOR, oracle=ORACLE, governor=GOV)
        self.vk, self.trap = trapdoor_key(1, seed=seed)
        self.verifier_gas = {}
        for n in sizes:
            self.verifier_gas[n] = self._set_verifier(n)
        self.market = market_table(k, did=deployment_id(self.chain.chain_id, address_int(self.addrs.rollup)))
        self.market_gas = self._gas(self.l1.tables, "register_market", self.market.encode(), 0, [], sender=GOV)
        for u in USERS:
            self.l1.mint(u, 10**9 * USD, sender=GOV)
            self.chain.fund(u, 10**18)
        self.root = 1

    def _gas(self, contract, fn, *args, sender, value=0):
        return contract.transact(fn, *args, sender=sender, value=value).gas_used

    def _set_verifier(self, n: int) -> dict:
        from verifier.l1_deploy import deploy_batch_verifier
        v = deploy_batch_verifier(self.chain, self.vk, GOV)
        return {"deploy": v.deploy_receipt.gas_used,
                "set_verifier": self._gas(self.l1.rollup, "set_verifier", n, v.address, sender=GOV)}

    def table(self, settle=None):
        ts = max(self.chain.next_timestamp, EXPIRY + 1) if settle else self.chain.next_timestamp
        self.chain.set_next_timestamp(ts) if ts > self.chain.next_timestamp else None
        return oracle_table(self.market, ts, s=self.s, settle=settle)

    def publish(self, settle=None) -> tuple[int, int]:
        rc = self.l1.tables.transact("publish_oracle_table", self.table(settle).packed(), sender=ORACLE)
        return self.l1.latest_oracle_table_id, rc.gas_used

    def trade(self, worst: bool = False) -> bytes:
        if worst:
            return encode_record(OP_TRADE, **{f.name: (1 << f.bits) - 1 for f in LAYOUT[OP_TRADE]})
        r = self.rng
        return encode_record(OP_TRADE, maker=r.randrange(3, 1 << 20), taker=r.randrange(3, 1 << 20),
                             slot=r.randrange(self.k), maker_side=r.randrange(2), fill=r.randrange(1, 1000),
                             price=r.randrange(10**9, 10**11), maker_fee_rate=r.randrange(0, 50_000),
                             taker_fee_rate=r.randrange(0, 50_000), maker_order_id=r.randrange(1, 1 << 24),
                             taker_order_id=r.randrange(1, 1 << 24))

    def submit(self, records: list[bytes], table_id: int, deficit: int = 0) -> int:
        """Submit a batch with a valid proof (of the insurance fund's deficit `deficit`);
        returns its gas."""
        head = self.l1.entries_served
        nq = sum(1 for r in records if r[0] in PRIORITY_KIND)
        self.root += 1
        oi = tuple(self.rng.randrange(1, 10**6) for _ in range(self.k))   # as a live market's: non-zero bytes
        x = batch_public_input(records, deficit, oi, old_root=self.l1.state_root, new_root=self.root,
                               oracle_hash=self.l1.oracle_table(table_id)["hash"], prio_old=self.l1.prio_chain(head),
                               prio_new=self.l1.prio_chain(head + nq))
        proof = forge(self.trap, [x], self.rng.randrange(1, 2**250), self.rng.randrange(1, 2**250))
        cd = BatchCalldata(self.l1.batch_number + 1, self.root, table_id, tuple(records), deficit, oi)
        return self.l1.submit_batch(cd, proof).gas

    def withdrawal(self) -> bytes:
        return encode_record(OP_WITHDRAW, account=self.rng.randrange(3, 1 << 20),
                             amount=self.rng.randrange(1, 10**4) * USD, l1_address=address_int(self.rng.choice(USERS)))


DEFICIT = 10**6 * USD
"""The insurance fund's deficit of the "under a deficit" batches: uncovered, so every exit
is paid pro rata (held 10^8 USD: a 1% cut)."""


def batches(b: Bench, sizes) -> list[dict]:
    tid, _ = b.publish()
    b.l1.deposit(USERS[0], 3, *PK, 10**8 * USD)      # collateral for the withdrawals below
    b.submit([encode_record(OP_DEPOSIT, account=3, amount=10**8 * USD, refunded=0)], tid)
    b.submit([b.trade()], tid)                      # the deployment's first batches write fresh storage
    b.submit([b.withdrawal()], tid, DEFICIT)        # ... among them `retained` (a first haircut)
    b.submit([b.trade()], tid)
    out = []
    for i, n in enumerate(sizes):
        tid, _ = b.publish()                        # fresh (blocks are 12 s apart)
        trades = b.submit([b.trade() for _ in range(n)], tid)
        worst = b.submit([b.trade(worst=True) for _ in range(n)], tid)
        wd = b.submit([b.trade() for _ in range(n - 1)] + [b.withdrawal()], tid)
        u = USERS[i % len(USERS)]
        new_account = 100 + i
        b.l1.deposit(u, new_account, *PK, 100 * USD)
        dep = b.submit([b.trade() for _ in range(n - 1)] + [encode_record(
            OP_DEPOSIT, account=new_account, amount=100 * USD, refunded=0)], tid)
        b.l1.deposit(u, new_account, *PK, 100 * USD)
        dep_again = b.submit([b.trade() for _ in range(n - 1)] + [encode_record(
            OP_DEPOSIT, account=new_account, amount=100 * USD, refunded=0)], tid)
        again = b.submit([b.trade() for _ in range(n)], tid)
        b.submit([b.trade() for _ in range(n)], tid, DEFICIT)          # the deficit posted
        wd_cut = b.submit([b.trade() for _ in range(n - 1)] + [b.withdrawal()], tid, DEFICIT)
        again_cut = b.submit([b.trade() for _ in range(n)], tid, DEFICIT)
        b.submit([b.trade() for _ in range(n)], tid)                    # back to no deficit
        out.append({"N": n, "batch_gas": trades, "gas_per_trade": round(trades / n),
                    "worst_batch_gas": worst, "worst_gas_per_trade": round(worst / n),
                    "calldata_record_bytes": n * RECORD_BYTES,
                    "withdrawal_marginal_gas": wd - again, "deposit_marginal_gas": dep - again,
                    "deposit_again_marginal_gas": dep_again - again,
                    "withdrawal_under_deficit_marginal_gas": wd_cut - again_cut,
                    "repeat_batch_gas": again, "repeat_batch_gas_under_deficit": again_cut})
    return out


def trade_batch_gas(n: int, k: int = 8, s: int = 35, acc_depth: int = 24) -> int:
    """Measured gas of a batch of n trades in steady operation (benchmarks/bench_rollup.py)."""
    b = Bench(k, s, acc_depth, [n])
    tid, _ = b.publish()
    b.submit([b.trade() for _ in range(n)], tid)        # the first batch writes fresh storage
    return b.submit([b.trade() for _ in range(n)], tid)


def publication(b: Bench) -> dict:
    """Oracle table publication: the first table, a later one, one with a settled slot."""
    ops = {}
    _, ops["publish_oracle_table_first"] = b.publish()
    _, ops["publish_oracle_table"] = b.publish()
    _, ops["publish_oracle_table_settled_slot"] = b.publish(settle={0: SPOT + 10})
    ops["packed_elements"] = len(b.table().packed())
    return ops


def operations(k: int, s: int, acc_depth: int) -> dict:
    b = Bench(k, s, acc_depth, [1])
    l1, u = b.l1, USERS[0]
    ops = {"register_market": b.market_gas, "batch_verifier": b.verifier_gas[1]}
    ops.update(publication(b))
    ops["approve"] = b._gas(l1.token, "approve", b.addrs.queue, 10**30, sender=u)
    q = cofactor_witness(PK)
    ops["deposit_first"] = b._gas(l1.queue_contract, "deposit", 5, *PK, *q, 100 * USD, sender=u)
    ops["deposit"] = b._gas(l1.queue_contract, "deposit", 6, *PK, *q, 100 * USD, sender=u)
    ops["forced_withdrawal_request"] = b._gas(l1.queue_contract, "request_forced_withdrawal", 5, USD, sender=u,
                                               value=l1.forced_fee())
    from verifier.abi import Contract
    from verifier.vyper_build import load
    v = Contract(b.chain, l1.verifier_address(1), load("batch_verifier").abi)
    p = forge(b.trap, [12345], 7, 11)
    from groth16_forge import snarkjs_calldata
    ops["groth16_verify"] = v.transact("verifyProof", *snarkjs_calldata(p), [2**250 + 12345], sender=u).gas_used
    ops.update(exodus_ops(k, s, acc_depth))
    ops.update(forced_close_ops(k, s, acc_depth))
    return ops


def exodus_ops(k: int, s: int, acc_depth: int) -> dict:
    """After exodus: an account with K positions claims (with the oracle table) and one
    without positions claims (no table), in the claim period; after it both withdraw (the
    first withdrawal freezes the pool); a queued deposit is reclaimed."""
    from zkrollup.smt import SparseMerkleTree
    b = Bench(k, s, acc_depth, [1])
    sizes = tuple((-1) ** i * (i + 1) for i in range(k))
    leaves = {5: (4, 500 * USD, sizes, 99, USERS[1]), 6: (1, 300 * USD, (0,) * k, 0, USERS[2])}
    tree = SparseMerkleTree(acc_depth, hasher="reference")
    for index, (nonce, cash, sz, orders, owner) in leaves.items():
        tree.update(index, account_leaf_of(*PK, nonce, cash, sz, orders, address_int(owner)))
    oi = list(range(1, k + 1))
    tid, _ = b.publish()
    b.l1.deposit(USERS[0], 7, *PK, 1000 * USD)            # consumed: the pool the claims share
    b.root = state_root(tree.root, oi_hash(oi)) - 1
    b.submit([encode_record(OP_DEPOSIT, account=7, amount=1000 * USD, refunded=0)], tid)
    pending = b.l1.deposit(USERS[2], 9, *PK, 30 * USD)
    b.chain.set_next_timestamp(b.l1.queue()[-1]["deadline"] + 1)
    ops = {"activate_exodus": b._gas(b.l1.rollup, "activate_exodus", sender=USERS[3])}
    table = list(b.l1.oracle_table(tid)["packed"])
    for name, index, packed in (("claim", 5, table), ("claim_no_positions", 6, [])):
        nonce, cash, sz, orders, owner = leaves[index]
        ops[name] = b._gas(b.l1.exodus_contract, "claim", index, *PK, nonce, cash, list(sz), orders, owner,
                           tree.proof(index), oi_hash(oi), packed, sender=USERS[3])
    b.chain.set_next_timestamp(b.l1.claim_end)
    ops["withdraw_first"] = b._gas(b.l1.exodus_contract, "withdraw", 5, sender=USERS[3])
    ops["withdraw"] = b._gas(b.l1.exodus_contract, "withdraw", 6, sender=USERS[3])
    ops["reclaim_deposit"] = b._gas(b.l1.queue_contract, "reclaim_deposit", pending, sender=USERS[3])
    return ops


def forced_close_ops(k: int, s: int, acc_depth: int) -> dict:
    """A forced-close request (the queue asks the rollup's owner_of, which an accepted deposit
    set), beside a forced-withdrawal request and a deposit in the same state of the queue
    (each request from an address with no pending request, after another address paid a
    fee; the deposit after another, as in the operations table). K and the account depth do
    not enter a request any more."""
    b = Bench(k, s, acc_depth, [1, 2])
    l1 = b.l1
    tid, _ = b.publish()
    for u, acct in ((USERS[1], 5), (USERS[2], 6)):
        l1.deposit(u, acct, *PK, 1000 * USD)
    b.submit([encode_record(OP_DEPOSIT, account=a, amount=1000 * USD, refunded=0) for a in (5, 6)], tid)
    fee = l1.forced_fee()
    b._gas(l1.queue_contract, "request_forced_withdrawal", 7, USD, sender=USERS[0], value=fee)  # fees: 0 -> fee
    ops = {"forced_close_request": b._gas(l1.queue_contract, "request_forced_close", 5, sender=USERS[1], value=fee)}
    ops["forced_withdrawal_request_same_state"] = b._gas(l1.queue_contract, "request_forced_withdrawal", 7, USD,
                                                         sender=USERS[3], value=fee)
    q = cofactor_witness(PK)
    l1.token.transact("approve", b.addrs.queue, 10**30, sender=USERS[3])
    l1.queue_contract.transact("deposit", 8, *PK, *q, 100 * USD, sender=USERS[3])      # pending deposits: 0 -> x
    ops["deposit_same_state"] = b._gas(l1.queue_contract, "deposit", 9, *PK, *q, 100 * USD, sender=USERS[3])
    return ops


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,2,4,8,16,32,64")
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--s", type=int, default=35, help="scenarios S (the standard grid: 35)")
    ap.add_argument("--acc-depth", type=int, default=24)
    ap.add_argument("--amount", type=int, default=1_000_000_000, help="withdrawal, in cash units")
    ap.add_argument("--rate", type=float, default=0.05, help="annual cost of capital")
    ap.add_argument("--zk-wait", type=float, default=600.0, help="seconds until the batch is accepted")
    ap.add_argument("--publish", default=None, metavar="S,S,...",
                    help="only measure oracle table publication at K = --k for these S")
    ap.add_argument("--forced-close", action="store_true",
                    help="only measure a forced-close request (at K = --k, depth --acc-depth)")
    ap.add_argument("--batches-only", action="store_true", help="only measure the batches")
    a = ap.parse_args(argv)
    if a.forced_close:
        out = {"engine": "pyrevm 0.3.7 (REVM, Cancun), verifier/evm.py", "K": a.k, "acc_depth": a.acc_depth,
               "forced_close": forced_close_ops(a.k, a.s, a.acc_depth)}
        print(json.dumps(out, indent=2))
        return out
    if a.batches_only:
        sizes = [int(x) for x in a.sizes.split(",")]
        out = {"engine": "pyrevm 0.3.7 (REVM, Cancun), verifier/evm.py", "K": a.k, "S": a.s,
               "acc_depth": a.acc_depth, "record_bytes": RECORD_BYTES,
               "batches": batches(Bench(a.k, a.s, a.acc_depth, sizes), sizes)}
        print(json.dumps(out, indent=2))
        return out
    if a.publish:
        out = {"engine": "pyrevm 0.3.7 (REVM, Cancun), verifier/evm.py", "K": a.k,
               "publication": {int(x): publication(Bench(a.k, int(x), a.acc_depth, [1])) for x in a.publish.split(",")}}
        print(json.dumps(out, indent=2))
        return out
    sizes = [int(x) for x in a.sizes.split(",")]
    b = Bench(a.k, a.s, a.acc_depth, sizes)
    out = {"engine": "pyrevm 0.3.7 (REVM, Cancun), verifier/evm.py", "K": a.k, "S": a.s, "acc_depth": a.acc_depth,
           "record_bytes": RECORD_BYTES, "batches": batches(b, sizes),
           "operations": operations(a.k, a.s, a.acc_depth),
           "withdrawal_zk_vs_optimistic": compare_withdrawal(a.amount, a.rate, a.zk_wait).as_dict()}
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
