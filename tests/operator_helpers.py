"""Shared rig of the operator tests: a tiny batch shape (N = 2, account depth 4, order depth 2,
K = 3 instruments, S = 3 scenarios: mark, -M, +M) whose proving key is made once
per test process, and a deployment (the L1 contracts on the embedded EVM + oracle + operator) on a
temporary directory.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from zkrollup.deployment import Deployment
from zkrollup.keycache import KeyCache
from zkrollup.operator import Genesis
from zkrollup.risk import build_oracle_table
from zkrollup.units import batch_shape

from rollup_helpers import SPOT, T0, USD, VOL, make_market, pk

N, ACC_DEPTH, ORD_DEPTH, K, S = 2, 4, 2, 3, 3     # three scenarios keep the circuit small (same rules)
ADDR = {i: 0xA000 + i for i in range(12)}


def market():
    return make_market(K)


def genesis() -> Genesis:
    return Genesis(market(), ACC_DEPTH, ORD_DEPTH, S, pk(0), pk(1), pk(2))


def shape():
    return batch_shape(N, ACC_DEPTH, ORD_DEPTH, K, S)


def table(spot: int = SPOT, ts: int = T0, settle=None):
    return build_oracle_table(market(), ts, spot, VOL, n_scenarios=S, settle_prices=settle)


@lru_cache(maxsize=None)
def session_keys() -> KeyCache:
    """One KeyCache (and one Groth16 setup) per test process."""
    given = os.environ.get("ZKROLLUP_TEST_KEYS")        # a child process of a test reuses the parent's
    if given:
        keys = KeyCache(Path(given))
    else:
        d = tempfile.mkdtemp(prefix="zkrollup-test-keys-")
        atexit.register(shutil.rmtree, d, True)
        keys = KeyCache(Path(d))
    keys.ensure(shape(), seed=b"zkrollup operator tests")
    return keys


class Clock:
    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> int:
        return self.t


def deploy(workdir, clock: Clock | None = None, **kw) -> Deployment:
    """A new deployment with table 1 (SPOT) published."""
    clock = clock or Clock()
    kw.setdefault("setup_seed", b"zkrollup operator tests")
    dep = Deployment.create(workdir, genesis(), N, keys=session_keys(), clock=clock, **kw)
    dep.clock = clock
    dep.oracle.publish(table(ts=clock.t), now=clock.t)
    return dep


def crashed(dep: Deployment) -> None:
    """The process that held `dep` died: everything in memory is abandoned, and the OS
    releases the L1 chain file's lock (one process at a time may hold it; the file holds
    every completed L1 transaction)."""
    dep.chain.close()


def reopen(workdir, clock: Clock, **kw) -> Deployment:
    dep = Deployment.open(workdir, keys=session_keys(), clock=clock, **kw)
    dep.clock = clock
    return dep


def fund(dep: Deployment, acct: int, amount: int = 100_000 * USD) -> None:
    """Mint on L1 and deposit into `acct` (the operator takes it at its next sync)."""
    dep.faucet(ADDR[acct], amount)
    dep.contract.deposit(ADDR[acct], acct, *pk(acct), amount, now=dep.clock.t)



def funded_deployment(path: Path) -> Path:
    """A deployment after batches 1 and 2 (three deposits and a Noop), closed: tests copy it
    (`copy_of`) instead of proving those batches again."""
    d = deploy(path)
    for acct in (3, 4, 5):
        fund(d, acct)
    d.operator.flush()
    d.close()
    return path


def copy_of(funded: Path, tmp_path: Path) -> Deployment:
    shutil.copytree(funded, tmp_path / "rollup")
    return reopen(tmp_path / "rollup", Clock())


POISON = 13 * USD
"""A withdrawal of this amount is made unprovable by `poison_withdrawals`."""


def poison_withdrawals(monkeypatch) -> None:
    """Corrupt the circuit input of every Withdraw of POISON (the native state untouched):
    the batch circuit then refuses the batch that holds it."""
    from zkrollup import batch_builder
    from zkrollup.ops import Withdraw
    record = batch_builder.BatchBuilder.record

    def bad_record(self, w):
        s = record(self, w)
        if isinstance(w.op, Withdraw) and w.op.amount == POISON:
            s.amount += 1
        return s

    monkeypatch.setattr(batch_builder.BatchBuilder, "record", bad_record)
