"""A local deployment: the L1 chain with the rollup's contracts, the oracle and the
operator, in one directory.

    <dir>/l1.sqlite         the embedded L1 chain (verifier/evm.py): EVM state and every
                            transaction with its receipt, so the L1 persists across restarts
    <dir>/l1.json           the contracts' addresses, the roles' addresses and the L1 config
    <dir>/operator.sqlite   the operator: accepted state, batch records, inbox, journal
    <dir>/keys/             proving keys by batch shape (zkrollup.keycache), unless given

`Deployment.create(dir, genesis, batch_size, ...)` makes a new one: the proving key of the
batch shape (cached), the chain, every contract (verifier.l1_deploy: the rollup with the
genesis root, its queue, tables, exodus, governance, the token, the Poseidon contracts),
then as the governor the market table and the batch verifier of the key, then the
operator. `Deployment.open(dir)` reopens it. The genesis market must name the
deployment (`planned_deployment_id()`: the chain id and the address the rollup contract
gets, fixed by the deployer's nonce).

Roles are deterministic addresses on the embedded chain (nothing is signed there): the
governor (deployer, token owner, fee sink), the oracle and the operator (`ROLES`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional

from circuits.spec.deployment import deployment_id
from verifier.evm import DEFAULT_CHAIN_ID, Chain, address_of
from verifier.l1_client import RollupL1
from verifier.l1_deploy import L1Addresses, L1Config, deploy_rollup, rollup_address

from . import units
from .keycache import KeyCache
from .keyfiles import vk_from_pk
from .operator import Genesis, Operator

L1_FILE = "l1.sqlite"
L1_CONFIG_FILE = "l1.json"
OPERATOR_FILE = "operator.sqlite"
ROLES = {"governor": address_of("zkrollup governor"), "oracle": address_of("zkrollup oracle"),
         "operator": address_of("zkrollup operator")}
BLOCK_TIME = 1
"""Seconds between blocks the chain adds by itself (a transaction mined without a
requested time); short, so a burst of transactions barely moves the L1 clock."""


def planned_deployment_id(chain_id: int = DEFAULT_CHAIN_ID) -> int:
    """The deployment id of a deployment made by `Deployment.create` on a fresh chain."""
    return deployment_id(chain_id, int(rollup_address(ROLES["governor"], 0), 16))


class Oracle:
    """The oracle's seat: `publish(table, now)` sends a table to L1, returns its table id."""

    def __init__(self, l1: RollupL1):
        self.l1 = l1
        self.published: list[int] = []

    def publish(self, table, now: Optional[int] = None) -> int:
        table_id = self.l1.publish_oracle_table(table, now)
        self.published.append(table_id)
        return table_id


def open_l1(workdir, must_exist: bool = True) -> Optional[RollupL1]:
    """The L1 client of the deployment in `workdir` (None if there is none and not must_exist)."""
    d = Path(workdir)
    cfg_path = d / L1_CONFIG_FILE
    if not cfg_path.is_file() or not (d / L1_FILE).is_file():
        if must_exist:
            raise ValueError(f"{d} holds no L1 deployment ({L1_FILE}, {L1_CONFIG_FILE})")
        return None
    try:
        cfg = json.loads(cfg_path.read_text())
        addrs = L1Addresses.from_obj(cfg["addresses"])
        roles = cfg["roles"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{cfg_path}: not a readable L1 deployment record ({e})") from None
    chain = Chain(str(d / L1_FILE))
    return RollupL1(chain, addrs, operator=roles["operator"], oracle=roles["oracle"], governor=roles["governor"])


def deploy_l1(workdir, genesis: Genesis, *, clock: Optional[Callable[[], int]] = None,
              queue_deadline_s: int = 7 * 24 * 3600, l1_config: Optional[dict] = None) -> RollupL1:
    """A new chain in `workdir` with every contract deployed for `genesis` (its root, its
    market registered) and the addresses in `l1.json`; no verifying key yet (the governor
    registers one per batch size: `Deployment.create` does, a benchmark of the operator's
    admission path that never proves need not)."""
    import time
    d = Path(workdir)
    start = (clock() if clock else int(time.time())) - 1
    chain = Chain(str(d / L1_FILE), genesis_time=start, block_time=BLOCK_TIME)
    config = L1Config(K=genesis.market.K, S=genesis.n_scenarios, acc_depth=genesis.account_depth,
                      priority_deadline=queue_deadline_s, **(l1_config or {}))
    gov = ROLES["governor"]
    addrs = deploy_rollup(chain, deployer=gov, governor=gov, oracle=ROLES["oracle"], fee_sink=gov,
                          genesis_root=genesis.make_state().root, config=config)
    (d / L1_CONFIG_FILE).write_text(json.dumps({"addresses": addrs.to_obj(), "roles": ROLES,
                                                "config": config.to_obj()}, indent=1) + "\n")
    l1 = RollupL1(chain, addrs, operator=ROLES["operator"], oracle=ROLES["oracle"], governor=gov)
    l1.register_market(genesis.market)
    return l1


class Deployment:
    """L1 + oracle + operator of one directory (use `create` or `open`)."""

    def __init__(self, workdir: Path, l1: RollupL1, operator: Operator, keys: KeyCache):
        self.dir = workdir
        self.contract = l1
        self.chain = l1.chain
        self.operator = operator
        self.keys = keys
        self.oracle = Oracle(l1)

    @staticmethod
    def exists(workdir) -> bool:
        d = Path(workdir)
        return (d / L1_FILE).exists() and (d / OPERATOR_FILE).exists()

    @classmethod
    def create(cls, workdir, genesis: Genesis, batch_size: int, *, keys: Optional[KeyCache] = None,
               clock: Optional[Callable[[], int]] = None, queue_deadline_s: int = 7 * 24 * 3600,
               l1_config: Optional[dict] = None, setup_seed: Optional[bytes] = None, progress=None,
               on_compiled=None, **operator_kw) -> "Deployment":
        d = Path(workdir)
        if cls.exists(d):
            raise ValueError(f"{d} already holds a deployment (use --fresh to start over)")
        if genesis.market.deployment_id != planned_deployment_id():
            raise ValueError(f"the genesis market names deployment {genesis.market.deployment_id:#x}; a new "
                             f"deployment here is {planned_deployment_id():#x} (zkrollup.deployment."
                             f"planned_deployment_id)")
        d.mkdir(parents=True, exist_ok=True)
        keys = keys or KeyCache(d / "keys")
        shape = units.batch_shape(batch_size, genesis.account_depth, genesis.order_depth, genesis.market.K,
                                  genesis.n_scenarios)
        pk = keys.ensure(shape, progress=progress, seed=setup_seed, on_compiled=on_compiled)
        l1 = deploy_l1(d, genesis, clock=clock, queue_deadline_s=queue_deadline_s, l1_config=l1_config)
        l1.register_verifying_key(batch_size, vk_from_pk(pk))
        op = Operator(d, l1, genesis, batch_size=batch_size, keys=keys, clock=clock, setup_seed=setup_seed,
                      progress=progress, **operator_kw)
        return cls(d, l1, op, keys)

    @classmethod
    def open(cls, workdir, *, keys: Optional[KeyCache] = None, clock=None, **operator_kw) -> "Deployment":
        d = Path(workdir)
        if not cls.exists(d):
            raise ValueError(f"{d} holds no rollup deployment (run `zkrollup demo --dir {d}` first)")
        keys = keys or KeyCache(d / "keys")
        l1 = open_l1(d)
        op = Operator(d, l1, keys=keys, clock=clock, **operator_kw)
        return cls(d, l1, op, keys)

    def faucet(self, l1_address, tokens: int, eth: int = 10**18) -> None:
        """Give an L1 user collateral tokens (the governor mints) and ETH for fees (the
        embedded chain's host privilege)."""
        self.contract.mint(l1_address, tokens)
        if eth:
            from verifier.l1_client import as_address
            a = as_address(l1_address)
            self.chain.fund(a, self.chain.balance(a) + eth)

    def close(self) -> None:
        self.operator.close()
        self.contract.close()
