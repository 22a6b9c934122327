"""Deploying the rollup's L1 contracts onto a chain (verifier.evm.Chain).

    cfg = L1Config(K=4, S=16, acc_depth=16)
    addrs = deploy_rollup(chain, deployer=gov, governor=gov, oracle=orc, fee_sink=gov,
                          genesis_root=root, config=cfg)
    set_batch_verifier(chain, addrs, n, vk, sender=gov)      # the governor, per batch size

The contracts (verifier/contracts/*.vy, docs/l1.md "The rollup's contracts"):

| contract | holds |
|---|---|
| `token` | the ERC-20 collateral (deployed here unless an address is given) |
| `governance` | the governor role (two-step hand-over) |
| `rollup` | state root, batch number, verifier per batch size, custody, payouts, the owners credited deposits prove, the solvency ledger, exodus switch |
| `priority_queue` | deposits, forced withdrawals and forced closes: the Poseidon chain, deadlines, fees |
| `tables` | the market registry and the oracle tables (validation, hashing) |
| `exodus` | claims against the last accepted root, paid pro rata after the claim period |
| `batch_verifier` | Groth16 verification, one deployment per batch size and key |
| Poseidon | T3 (state root), T5 (Merkle nodes of the 4-ary tree, instrument ids), T6 (the queue's chain), the T4 sponge (market and oracle hashes), T8 (the account leaf) and T(K+1) (positions, open interest) |

The rollup, queue, tables and exodus contracts know each other's and the Poseidon
contracts' addresses as immutables; every address is computed before deployment from the
deployer's nonce (CREATE, `planned_addresses`), so each contract is deployed once with
all of them. They come first, so the rollup's address, part of the deployment id
(circuits.spec.deployment) that the market table and every signature carry, is simply
`rollup_address(deployer, nonce)`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from circuits.poseidon import SPONGE_WIDTH
from circuits.spec.deployment import deployment_id

from .abi import Contract, deploy
from .evm import Chain, checksum, keccak256, to_address
from .groth16 import VerifyingKey
from .poseidon_evm import CONFIG as POSEIDON_CONFIG, MAX_INPUTS as STACK_MAX_INPUTS, deploy as deploy_poseidon, selector
from .poseidon_sponge_evm import deploy_sponge
from .poseidon_wide_evm import data_chunks, deploy_wide
from .vyper_build import load

DAY = 24 * 3600


@dataclass(frozen=True)
class L1Config:
    """A deployment's parameters. K, S, acc_depth: the batch circuit's (the market's slots,
    the scenarios of each margin grid, the account tree's depth). max_oracle_age: the
    oldest oracle table a batch may use, in seconds before the accepting block.
    priority_deadline: seconds a queued entry may wait before exodus. forced_fee (wei)
    and max_pending_forced: the price and per-address limit of forced requests
    (withdrawals and closes together)."""
    K: int
    S: int
    acc_depth: int
    max_oracle_age: int = 600
    priority_deadline: int = 7 * DAY
    max_pending_forced: int = 4
    forced_fee: int = 10**15

    def __post_init__(self) -> None:
        for name, lo, hi in (("K", 1, 16), ("S", 1, 64), ("acc_depth", 1, 32), ("max_oracle_age", 0, 2**40),
                             ("priority_deadline", 1, 2**32 - 1), ("max_pending_forced", 1, 2**32),
                             ("forced_fee", 0, 2**128)):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ValueError(f"L1Config.{name} must be an int in [{lo}, {hi}], got {v!r}")

    def to_obj(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class L1Addresses:
    chain_id: int
    token: str
    governance: str
    rollup: str
    queue: str
    tables: str
    exodus: str
    poseidon2: str
    poseidon4: str
    poseidon5: str
    poseidon7: str
    poseidon_k: str
    sponge: str

    @property
    def deployment_id(self) -> int:
        return deployment_id(self.chain_id, int(self.rollup, 16))

    def contracts(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if k != "chain_id"}

    def to_obj(self) -> dict:
        return asdict(self)

    @classmethod
    def from_obj(cls, d: dict) -> "L1Addresses":
        return cls(**d)


def _rlp_int(n: int) -> bytes:
    if n == 0:
        return b"\x80"
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b if len(b) == 1 and b[0] < 0x80 else bytes([0x80 + len(b)]) + b


def create_address(sender: str, nonce: int) -> str:
    """The address CREATE gives the contract `sender` deploys with `nonce`."""
    body = b"\x94" + bytes.fromhex(to_address(sender)[2:]) + _rlp_int(nonce)
    return checksum(keccak256(bytes([0xC0 + len(body)]) + body)[12:])


def vk_words(vk: VerifyingKey) -> list[int]:
    """The batch verifier's constructor key (verifier/contracts/batch_verifier.vy)."""
    if not isinstance(vk, VerifyingKey) or vk.n_public != 1:
        raise ValueError("the batch circuit's verifying key has exactly one public input")
    vk.checked()

    def g2(p):
        (x0, x1), (y0, y1) = p
        return [x1, x0, y1, y0]
    return [*vk.alpha1, *g2(vk.beta2), *g2(vk.gamma2), *g2(vk.delta2), *vk.ic[0], *vk.ic[1]]


def vk_from_words(words) -> VerifyingKey:
    """The inverse of vk_words (what the batch verifier's key() returns)."""
    w = [int(x) for x in words]
    if len(w) != 18:
        raise ValueError("a batch verifier key is 18 words")

    def g2(v):
        return ((v[1], v[0]), (v[3], v[2]))
    return VerifyingKey(alpha1=(w[0], w[1]), beta2=g2(w[2:6]), gamma2=g2(w[6:10]), delta2=g2(w[10:14]),
                        ic=((w[14], w[15]), (w[16], w[17])))


def deploy_batch_verifier(chain: Chain, vk: VerifyingKey, sender: str) -> Contract:
    return deploy(chain, load("batch_verifier"), vk_words(vk), sender=sender)


def _poseidon_nonces(n_inputs: int) -> int:
    """Contracts one Poseidon of n inputs deploys (tail + head, data contracts + hash)."""
    if n_inputs <= STACK_MAX_INPUTS:
        return 1 if POSEIDON_CONFIG[n_inputs][0] == "whole" else 2
    return len(data_chunks(n_inputs + 1)) + 1


def planned_addresses(chain_id: int, deployer: str, nonce: int, k: int, token: Optional[str] = None) -> L1Addresses:
    """The addresses deploy_rollup gives the contracts when `deployer` starts at `nonce`: the
    governance, tables, queue, rollup and exodus contracts first (the rollup's address, hence
    the deployment id, depends on nothing else), then the token (unless given), then the
    Poseidon contracts."""
    a = [create_address(deployer, nonce + i) for i in range(5)]
    n = nonce + 5
    if token is None:
        token, n = create_address(deployer, n), n + 1
    hashes = []
    for inputs in (2, 4, 5, 7, k):
        n += _poseidon_nonces(inputs)
        hashes.append(create_address(deployer, n - 1))          # the hash is deployed last
    sponge = create_address(deployer, n)
    return L1Addresses(chain_id, checksum(token), a[0], a[3], a[2], a[1], a[4], *hashes, sponge)


def rollup_address(deployer: str, nonce: int = 0) -> str:
    """The rollup contract's address when `deployer` deploys at `nonce` (planned_addresses)."""
    return create_address(deployer, nonce + 3)


def _deploy_hash(chain: Chain, n_inputs: int, sender: str) -> str:
    if n_inputs <= STACK_MAX_INPUTS:
        return deploy_poseidon(chain, n_inputs, sender).address
    return deploy_wide(chain, n_inputs, sender).address


def deploy_rollup(chain: Chain, *, deployer: str, governor: str, oracle: str, fee_sink: str,
                  genesis_root: int, config: L1Config, token: Optional[str] = None,
                  token_name: str = "Collateral", token_symbol: str = "USDC",
                  token_decimals: int = 6) -> L1Addresses:
    """Deploy every contract of the module docstring (order: planned_addresses); returns
    their addresses."""
    k = config.K
    plan = planned_addresses(chain.chain_id, deployer, chain.nonce(deployer), k, token)
    got = [
        deploy(chain, load("governance"), governor, sender=deployer).address,
        deploy(chain, load("tables"), plan.governance, plan.rollup, plan.sponge, plan.poseidon2, plan.poseidon4,
               plan.poseidon_k, selector(k), k, config.S, oracle, sender=deployer).address,
        deploy(chain, load("priority_queue"), plan.governance, plan.rollup, plan.token, plan.poseidon5,
               config.acc_depth, config.priority_deadline, config.max_pending_forced, config.forced_fee, fee_sink,
               sender=deployer).address,
        deploy(chain, load("rollup"), plan.governance, plan.queue, plan.tables, plan.token, plan.exodus,
               genesis_root, config.max_oracle_age, sender=deployer).address,
        deploy(chain, load("exodus"), plan.rollup, plan.tables, plan.queue, plan.token, plan.poseidon2,
               plan.poseidon4, plan.poseidon7, plan.poseidon_k, selector(k), plan.sponge, config.acc_depth, k,
               sender=deployer).address]
    if token is None:
        got.append(deploy(chain, load("token"), token_name, token_symbol, token_decimals, sender=deployer).address)
    got += [_deploy_hash(chain, n, deployer) for n in (2, 4, 5, 7, k)]
    got.append(deploy_sponge(chain, SPONGE_WIDTH, deployer).address)
    want = [plan.governance, plan.tables, plan.queue, plan.rollup, plan.exodus] + \
        ([plan.token] if token is None else []) + \
        [plan.poseidon2, plan.poseidon4, plan.poseidon5, plan.poseidon7, plan.poseidon_k, plan.sponge]
    if [checksum(a) for a in got] != [checksum(a) for a in want]:
        raise RuntimeError("the contracts landed at other addresses than planned")
    return plan
