"""Gas of the L1 contract model (v3) per batch and per trade, for N = 1, 2, 4, 8, 16.

A model, not a measurement (see verifier/gas.py for every price and its source; b2's EVM
contract measures the real figures). The synthetic calldata: a random-looking new root and
N trade records (42 bytes each, realistic field sizes, so the posted data of every trade
is in the calldata), plus, for the withdrawal figure, one withdraw record and its
ERC-20 payout. The public input is one SHA-256 over the 160-byte header and the records.
User operations (deposit and forced-withdrawal request, each one Poseidon of 5 into the
priority chain; exodus exit) and the zk-vs-optimistic withdrawal comparison follow.

Prints JSON. Usage: python benchmarks/bench_gas.py [--sizes 1,2,4,8,16] [--amount 1000000000]
    [--rate 0.05] [--zk-wait 600] [--acc-depth 16] [--instruments 8]
"""
from __future__ import annotations

import argparse
import json

from verifier import gas


def report(sizes, amount: int, rate: float, zk_wait: float, acc_depth: int, k: int) -> dict:
    batches = []
    for n in sizes:
        row = gas.per_trade_gas(n)
        row["withdrawal_marginal_gas"] = gas.withdrawal_marginal_gas(n)
        batches.append(row)
    return {
        "model": "verifier/gas.py (EIP-1108, EIP-2028, EIP-2929 prices; Poseidon from poseidon-solidity)",
        "poseidon_gas_by_width": gas.POSEIDON_GAS,
        "groth16_verify_gas": gas.groth16_verify_gas(1),
        "batches": batches,
        "operations": {
            "deposit": gas.deposit_gas().as_dict(),
            "forced_withdrawal_request": gas.forced_withdrawal_request_gas().as_dict(),
            "exit": dict(gas.exit_gas(acc_depth, k).as_dict(), acc_depth=acc_depth, instruments=k),
        },
        "withdrawal_zk_vs_optimistic": gas.compare_withdrawal(amount, rate, zk_wait).as_dict(),
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,2,4,8,16")
    ap.add_argument("--amount", type=int, default=1_000_000_000, help="withdrawal, in cash units")
    ap.add_argument("--rate", type=float, default=0.05, help="annual cost of capital")
    ap.add_argument("--zk-wait", type=float, default=600.0, help="seconds until the batch is accepted")
    ap.add_argument("--acc-depth", type=int, default=16)
    ap.add_argument("--instruments", type=int, default=8)
    a = ap.parse_args(argv)
    out = report([int(x) for x in a.sizes.split(",")], a.amount, a.rate, a.zk_wait, a.acc_depth, a.instruments)
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
