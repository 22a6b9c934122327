"""The gas model of the L1 contract (verifier/gas.py) and benchmarks/bench_gas.py."""
import importlib.util
from pathlib import Path

import pytest

from circuits.spec.ops import OP_DEPOSIT, OP_FORCED, OP_NOOP, OP_WITHDRAW
from circuits.spec.public_input import HEADER_BYTES
from circuits.spec.records import RECORD_BYTES, encode_record
from verifier import gas
from verifier.calldata import BatchCalldata

SIZES = (1, 2, 4, 8, 16)


def test_eip_prices():
    # EIP-1108: 45,000 + 34,000 per pair, 4 pairs; one ecMul + ecAdd for the one public input
    assert gas.groth16_verify_gas(1) == 45_000 + 4 * 34_000 + 6_000 + 150 + gas.VERIFIER_OVERHEAD
    assert gas.groth16_verify_gas(3) - gas.groth16_verify_gas(1) == 2 * 6_150
    # EIP-2028
    assert gas.calldata_gas(b"\x00\x01\x00\xff") == 4 + 16 + 4 + 16
    # EIP-2929 / 2200: cold update 5,000, cold fresh slot 22,100
    assert gas.sstore_gas(new=False) == 5_000 and gas.sstore_gas(new=True) == 22_100
    assert gas.log_gas(2, 64) == 375 + 750 + 512


def test_poseidon_model_reproduces_the_published_measurements():
    measured = {2: 13_488, 3: 21_124, 4: 37_643, 5: 54_352, 6: 74_065}
    for t, g in measured.items():
        assert gas.POSEIDON_GAS[t] == g
        fit = gas._FIT_A + gas._FIT_B * (8 + gas.N_ROUNDS_P[t - 2]) * t * t
        assert abs(fit - g) / g < 0.09
    assert 150_000 < gas.poseidon_gas(8) < 180_000           # t = 9
    assert gas.sponge_gas(16) == gas.POSEIDON_GAS[17] and gas.sponge_gas(17) == 2 * gas.POSEIDON_GAS[17]
    assert gas.sponge_gas(0) == gas.POSEIDON_GAS[17]


def test_calldata_is_priced_on_the_abi_bytes():
    cd = gas.synthetic_calldata(4, n_withdrawals=2)
    raw = gas.abi_submit_bytes(cd.to_bytes())
    # selector, one offset, 8 proof words; batch: length word and padded content
    assert len(raw) == 4 + 32 + 32 * 8 + 32 + -(-len(cd.to_bytes()) // 32) * 32
    assert gas.batch_gas(cd).items["calldata"] == gas.calldata_gas(raw)


def test_batch_gas_items_and_totals():
    recs = (encode_record(OP_WITHDRAW, account=3, amount=5, l1_address=0xA11CE),
            encode_record(OP_DEPOSIT, account=5, amount=9, refunded=1),
            encode_record(OP_FORCED, account=4, amount=9, paid=6), encode_record(OP_FORCED, account=4, amount=9, paid=0),
            encode_record(OP_NOOP))
    cd = BatchCalldata(9, 2, 3, recs)
    rep = gas.batch_gas(cd)
    assert rep.total == sum(rep.items.values()) == rep.as_dict()["total"]
    assert rep.items["payouts"] == 3 * gas.ERC20_TRANSFER                   # withdrawal, refund, forced paid
    assert rep.items["queue_entries"] == 2 * gas.ENTRY_READ
    assert rep.items["public_input_sha256"] == gas.sha256_gas(HEADER_BYTES + 5 * RECORD_BYTES)
    assert rep.items["groth16_verify"] == gas.groth16_verify_gas(1)
    assert rep.items["storage_writes"] == 4 * gas.sstore_gas(new=False)     # and the queue head


def test_gas_per_trade_falls_with_batch_size():
    per_trade = [gas.per_trade_gas(n)["gas_per_trade"] for n in SIZES]
    assert per_trade == sorted(per_trade, reverse=True) and per_trade[0] > per_trade[-1]
    # a trade adds its record's calldata and 1.3 SHA-256 words, no L1 hashing of its own
    extra = gas.per_trade_gas(16)["batch_gas"] - gas.per_trade_gas(8)["batch_gas"]
    assert 8 * 42 * 4 < extra < 8 * (42 * 16 + 2 * 12)
    assert per_trade[-1] < 25_000                                         # V3 target at N = 16


def test_a_withdrawal_adds_its_calldata_and_payout():
    m = gas.withdrawal_marginal_gas(8)
    assert gas.ERC20_TRANSFER < m < gas.ERC20_TRANSFER + 42 * 16


def test_optimistic_window_costs_capital_that_instant_payout_does_not():
    cmp = gas.compare_withdrawal(1_000_000, annual_rate=0.05, zk_wait_s=600)
    assert cmp.optimistic_capital_cost == pytest.approx(1_000_000 * 0.05 * 7 / 365)
    assert cmp.zk_capital_cost == pytest.approx(1_000_000 * 0.05 * 600 / (365 * 86_400))
    assert cmp.optimistic_capital_cost / cmp.zk_capital_cost == pytest.approx(7 * 86_400 / 600)
    assert cmp.optimistic_capital_time == pytest.approx(7_000_000)
    with pytest.raises(ValueError):
        gas.compare_withdrawal(-1)


def test_user_operation_reports():
    for rep in (gas.deposit_gas(), gas.forced_withdrawal_request_gas(), gas.exit_gas(16, 8)):
        assert rep.total > 21_000 and rep.total == sum(rep.items.values())
    a, b = gas.exit_gas(24, 8), gas.exit_gas(16, 8)
    assert a.total - b.total == 8 * gas.poseidon_gas(2) + 8 * 32 * 16   # 8 more hashes and siblings
    # v3: no signature on L1 for a forced request or an exit
    assert gas.forced_withdrawal_request_gas().total < gas.deposit_gas().total


def test_bench_gas_prints_figures_for_every_batch_size(capsys):
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_gas.py"
    spec = importlib.util.spec_from_file_location("bench_gas", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.main([])
    assert [b["n_slots"] for b in out["batches"]] == list(SIZES)
    assert '"gas_per_trade"' in capsys.readouterr().out


def test_accepted_batch_receipt_carries_the_model_gas():
    from contract_helpers import funded_rig
    r = funded_rig()
    rec = r.contract.accepted_batches()[0]
    assert rec["gas"] == gas.batch_gas(rec["calldata"]).total
