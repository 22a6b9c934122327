"""The deployment id: which rollup instance a signature or a table belongs to.

    deployment_id = chain_id + 2^64 * rollup_contract_address        (< 2^224)

It is the first element of the market encoding (`circuits.spec.tables`), so the market
hash, and through it the oracle hash that every batch's public input binds, name the
deployment; every signed message (`circuits.spec.messages`) includes it, so a signature
made for one deployment (chain, contract) is worthless on any other. The batch circuit
reads it from the market table.
"""
from __future__ import annotations

CHAIN_ID_BITS = 64
CONTRACT_ADDRESS_BITS = 160
DEPLOYMENT_ID_BITS = CHAIN_ID_BITS + CONTRACT_ADDRESS_BITS


def _uint(v: object, bits: int, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < (1 << bits):
        raise ValueError(f"{what} must be an integer in [0, 2^{bits}), got {v!r}")
    return v


def deployment_id(chain_id: int, contract_address: int) -> int:
    """chain_id + 2^64 * contract_address (ValueError if either does not fit its width)."""
    _uint(chain_id, CHAIN_ID_BITS, "chain id")
    _uint(contract_address, CONTRACT_ADDRESS_BITS, "rollup contract address")
    return chain_id + (contract_address << CHAIN_ID_BITS)


def split_deployment_id(did: int) -> tuple[int, int]:
    """(chain_id, contract_address) of a deployment id."""
    _uint(did, DEPLOYMENT_ID_BITS, "deployment id")
    return did & ((1 << CHAIN_ID_BITS) - 1), did >> CHAIN_ID_BITS


def check_deployment_id(did: int) -> int:
    """`did` unless it is not below 2^224 (ValueError)."""
    return _uint(did, DEPLOYMENT_ID_BITS, "deployment id")
