"""Batches and oracle tables are sent by accounts, never relayed by a contract: their data is
their transaction's calldata, where every reader of the chain (verifier.l1_history) finds
it. A relayed batch would be accepted with its records in the relay's calldata, out of
every reader's sight: the client, the operator's recovery and the rebuild from L1 would
all stop at it (a stall anyone could cause with one relay contract). Likewise the reader
decodes what the contract accepted as the contract does: a copy of a batch with a dirty
padding byte is accepted by L1 and must be read back, not stop every reader."""
import pytest

from verifier.abi import deploy
from verifier.evm import ExecutionFailed, address_of
from verifier.l1_client import proof_words
from verifier.l1_history import _own_calldata, call_args
from verifier.vyper_build import compile_vyper

from l1_helpers import ALICE, USD, Rig, deposit_record, snapshot, withdraw_record

RELAY = """
# pragma version ~=0.4.3
@external
def relay(target: address, data: Bytes[8192]):
    raw_call(target, data)
"""
MALLORY = address_of("mallory")


def _rig_with_relay():
    r = Rig()
    r.chain.fund(MALLORY, 10**18)
    return r, deploy(r.chain, compile_vyper(RELAY, "relay"), sender=MALLORY)


def _second_batch(r):
    """Batch 1 accepted (a deposit); batch 2 (a withdrawal) proven, not sent: its calldata,
    the bytes of a submit_batch call with them, and its proof."""
    t1 = r.publish()
    r.deposit(ALICE, 5, 100 * USD)
    r.submit([deposit_record(5, 100 * USD)], 0x1111, t1)
    recs = [withdraw_record(5, 10 * USD, ALICE)]
    _, proof = r.batch(recs, 0x2222, t1)
    cd = r.calldata(recs, 0x2222, t1)
    return cd, r.l1.rollup.encode("submit_batch", *r.l1._batch_args(cd), proof_words(proof)), proof


def test_a_batch_relayed_by_a_contract_is_refused_and_changes_nothing():
    r, relay = _rig_with_relay()
    cd, raw, proof = _second_batch(r)
    before = snapshot(r.chain)
    with pytest.raises(ExecutionFailed, match="rollup: a batch is sent by an account, not through a contract"):
        relay.transact("relay", r.l1.rollup.address, raw, sender=MALLORY)
    assert snapshot(r.chain) == before and r.l1.batch_number == 1
    # the very same call sent by an account (anybody's: submission is permissionless) is
    # accepted, and its records are read back
    r.l1.submit_batch(cd, proof, sender=MALLORY)
    assert r.l1.batch_number == 2 and len(r.l1.accepted_batches()) == 2
    assert r.l1.accepted_batches()[1]["calldata"] == cd


def test_an_oracle_that_is_a_contract_cannot_publish_tables():
    r, relay = _rig_with_relay()
    r.publish()
    r.l1.set_oracle(relay.address)
    table = r.table(r.chain.timestamp + 1)
    raw = r.l1.tables.encode("publish_oracle_table", list(table.packed()))
    before = snapshot(r.chain)
    with pytest.raises(ExecutionFailed, match="oracle: a table is sent by an account, not through a contract"):
        relay.transact("relay", r.l1.tables.address, raw, sender=MALLORY)
    assert snapshot(r.chain) == before


def test_the_history_refuses_logged_data_whose_transaction_went_elsewhere():
    assert _own_calldata(b"\x01\x02", "batch 3") == b"\x01\x02"
    with pytest.raises(ValueError, match="batch 3 was accepted in a transaction sent to another contract"):
        _own_calldata(None, "batch 3")


def padded(raw: bytes, contract, name: str, arg: int) -> bytes:
    """`raw` (a call to `name`) with a nonzero byte in the padding after its dynamic
    argument `arg`: calldata the contract's decoder accepts, not the canonical encoding."""
    body = bytearray(raw)
    off = int.from_bytes(body[4 + 32 * arg:4 + 32 * arg + 32], "big")
    n = int.from_bytes(body[4 + off:4 + off + 32], "big")
    assert n % 32, "no padding to dirty"
    body[4 + off + 32 + n] = 0xFF
    return bytes(body)


def test_a_batch_with_a_dirty_padding_byte_is_accepted_and_read_back():
    r, _ = _rig_with_relay()
    cd, raw, _ = _second_batch(r)
    r.chain.transact(MALLORY, r.l1.rollup.address, padded(raw, r.l1.rollup, "submit_batch", 2))
    assert r.l1.batch_number == 2
    assert [b["calldata"] for b in r.l1.accepted_batches()][1] == cd
    assert r.l1.payouts(2)[0]["amount"] == 10 * USD


def test_the_reader_checks_the_function_called():
    r, _ = _rig_with_relay()
    _, raw, _ = _second_batch(r)
    with pytest.raises(ValueError, match="did not call publish_oracle_table"):
        call_args(r.l1.tables, "publish_oracle_table", 1, raw)
