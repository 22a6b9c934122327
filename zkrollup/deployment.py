"""A local deployment: the L1 contract model, its oracle and the operator, in one directory.

    <dir>/contract.sqlite   the RollupContract's state (L1)
    <dir>/operator.sqlite   the operator: accepted state, batch records, inbox, journal
    <dir>/keys/             proving keys by batch shape (zkrollup.keycache), unless given

`Deployment.create(dir, genesis, batch_size, ...)` makes a new one: the proving key of the
batch shape (cached), the contract with the genesis root and the deployment the genesis
market names (its chain id and contract address: `circuits.spec.deployment`), the market
table and the verifying key registered, then the operator. `Deployment.open(dir)`
reopens it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from circuits.spec.deployment import split_deployment_id
from verifier.contract import ContractConfig, RollupContract
from verifier.oracle_model import OracleModel

from . import units
from .keycache import KeyCache
from .keyfiles import vk_from_pk
from .operator import Genesis, Operator

CONTRACT_FILE = "contract.sqlite"
OPERATOR_FILE = "operator.sqlite"


class Deployment:
    """Contract + oracle + operator of one directory (use `create` or `open`)."""

    def __init__(self, workdir: Path, contract: RollupContract, operator: Operator, keys: KeyCache):
        self.dir = workdir
        self.contract = contract
        self.operator = operator
        self.keys = keys
        self.oracle = OracleModel(contract)

    @staticmethod
    def exists(workdir) -> bool:
        d = Path(workdir)
        return (d / CONTRACT_FILE).exists() and (d / OPERATOR_FILE).exists()

    @classmethod
    def create(cls, workdir, genesis: Genesis, batch_size: int, *, keys: Optional[KeyCache] = None,
               clock: Optional[Callable[[], int]] = None, queue_deadline_s: int = 7 * 24 * 3600,
               setup_seed: Optional[bytes] = None, progress=None, on_compiled=None,
               **operator_kw) -> "Deployment":
        d = Path(workdir)
        if cls.exists(d):
            raise ValueError(f"{d} already holds a deployment (use --fresh to start over)")
        d.mkdir(parents=True, exist_ok=True)
        keys = keys or KeyCache(d / "keys")
        shape = units.batch_shape(batch_size, genesis.account_depth, genesis.order_depth, genesis.market.K,
                                  genesis.n_scenarios)
        pk = keys.ensure(shape, progress=progress, seed=setup_seed, on_compiled=on_compiled)
        now = clock() if clock else None
        chain_id, address = split_deployment_id(genesis.market.deployment_id)
        contract = RollupContract(str(d / CONTRACT_FILE), genesis_root=genesis.make_state().root,
                                  config=ContractConfig(queue_deadline_s=queue_deadline_s,
                                                        acc_depth=genesis.account_depth, chain_id=chain_id,
                                                        address=address))
        contract.register_market(genesis.market, now=now)
        contract.register_verifying_key(batch_size, vk_from_pk(pk))
        op = Operator(d, contract, genesis, batch_size=batch_size, keys=keys,
                      clock=clock, setup_seed=setup_seed,
                      progress=progress, **operator_kw)
        return cls(d, contract, op, keys)

    @classmethod
    def open(cls, workdir, *, keys: Optional[KeyCache] = None, clock=None, **operator_kw) -> "Deployment":
        d = Path(workdir)
        if not cls.exists(d):
            raise ValueError(f"{d} holds no rollup deployment (run `zkrollup demo --dir {d}` first)")
        keys = keys or KeyCache(d / "keys")
        contract = RollupContract(str(d / CONTRACT_FILE))
        op = Operator(d, contract, keys=keys, clock=clock, **operator_kw)
        return cls(d, contract, op, keys)

    def close(self) -> None:
        self.operator.close()
        self.contract.close()
