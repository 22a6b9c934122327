"""The solvency outputs on L1 (circuits.spec.solvency, verifier/contracts/rollup.vy): the
contract fills in the trailer's cash flow from the records and the K open interests from
the calldata twice (as the long and as the short totals), so with the stand-in verifier a
proof made for any other trailer (cash minted or burnt, long != short, other open
interests) is an invalid proof; the calldata must hold exactly K open interests; the
contract's ledger held - retained then moves by the proven flow (the accounts' total cash),
and what the client mirrors from the chain carries the open interests."""
from __future__ import annotations

import pytest

from circuits.spec.public_input import batch_data, batch_public_input, header_bytes, public_input
from circuits.spec.solvency import CASH_FLOW_OFFSET, OI_BYTES, cash_flow
from verifier.evm import ExecutionFailed
from verifier.l1_client import BatchRejected, Reason

from l1_helpers import ALICE, BOB, OPERATOR, USD, Rig, deposit_record, forced_record, noop, prove, snapshot, \
    withdraw_record


def _trailer(deficit: int, flow: int, long: tuple, short: tuple) -> bytes:
    """A trailer with the long and short totals given apart (what a faulty circuit would post)."""
    enc = lambda oi: b"".join(x.to_bytes(OI_BYTES, "big") for x in oi)  # noqa: E731
    return deficit.to_bytes(16, "big") + (CASH_FLOW_OFFSET + flow).to_bytes(16, "big") + enc(long) + enc(short)


@pytest.fixture
def funded():
    """Alice 100 and Bob 50 credited in batch 1; returns (rig, table id)."""
    rig = Rig()
    tid = rig.publish()
    rig.deposit(ALICE, 5, 100 * USD)
    rig.deposit(BOB, 6, 50 * USD)
    rig.submit([deposit_record(5, 100 * USD), deposit_record(6, 50 * USD)], 1001, tid, oi=(0, 3, 0, 0))
    return rig, tid


def _refused(rig, records, new_root, tid, trailer, oi, nq=0):
    """A proof made for `trailer` is refused for calldata with `oi`; nothing changes."""
    header = rig.header(new_root, tid, nq)
    proof = prove(public_input(batch_data(header_bytes(**header), records, trailer)))
    before = snapshot(rig.chain)
    with pytest.raises(BatchRejected) as e:
        rig.l1.submit_batch(rig.calldata(records, new_root, tid, 0, oi), proof)
    assert e.value.reason == Reason.INVALID_PROOF
    assert snapshot(rig.chain) == before


def test_the_contract_hashes_the_records_cash_flow_and_the_open_interests_twice(funded):
    rig, tid = funded
    records = [withdraw_record(5, 30 * USD, ALICE), noop()]
    oi = (7, 0, 2 ** 40 - 1, 1)
    header = rig.header(1002, tid, 0)
    want = public_input(batch_data(header_bytes(**header), records, _trailer(0, -30 * USD, oi, oi)))
    assert rig.l1.expected_public_input(rig.calldata(records, 1002, tid, 0, oi)) == want \
        == batch_public_input(records, 0, oi, **header)
    rc = rig.submit(records, 1002, tid, oi=oi)
    assert rc.public_input == want
    assert rig.l1.accepted_batches()[-1]["calldata"].open_interest == oi


@pytest.mark.parametrize("flow", [-30 * USD + 1, -30 * USD - 1, 0, 30 * USD])
def test_a_proof_of_another_cash_flow_than_the_records_is_invalid(funded, flow):
    """A circuit that minted (or burnt) cash while paying the records' withdrawal posts
    another flow than L1's: no proof of it is accepted."""
    rig, tid = funded
    records = [withdraw_record(5, 30 * USD, ALICE), noop()]
    oi = (0,) * rig.K
    _refused(rig, records, 1002, tid, _trailer(0, flow, oi, oi), oi)


@pytest.mark.parametrize("long, short", [((1, 0, 0, 0), (0, 0, 0, 0)), ((5, 5, 5, 5), (5, 5, 5, 4)),
                                         ((0, 0, 0, 0), (0, 0, 0, 1))])
def test_a_proof_whose_long_and_short_open_interest_differ_is_refused_whatever_the_calldata(funded, long, short):
    rig, tid = funded
    records = [noop()]
    trailer = _trailer(0, 0, long, short)
    for oi in (long, short):
        _refused(rig, records, 1002, tid, trailer, oi)


def test_the_calldata_must_hold_exactly_k_open_interests(funded):
    rig, tid = funded
    before = snapshot(rig.chain)
    for k in (rig.K - 1, rig.K + 1, 16):
        with pytest.raises(BatchRejected) as e:
            rig.l1.submit_batch(rig.calldata([noop()], 1002, tid, 0, (0,) * k), prove(1))
        assert e.value.reason == Reason.MALFORMED_CALLDATA and "not K open interests" in str(e.value)
    for blob in (b"", bytes(OI_BYTES * rig.K - 1), bytes(OI_BYTES * rig.K + 1)):
        with pytest.raises(ExecutionFailed, match="not K open interests"):
            rig.l1.rollup.transact("submit_batch", 1002, tid, noop(), 0, blob, [1] * 8, sender=OPERATOR)
    assert snapshot(rig.chain) == before


def test_the_ledger_moves_by_the_proven_flow_so_it_is_the_accounts_total_cash(funded):
    """A credited deposit, a refunded one, a withdrawal and a forced withdrawal paid in part:
    the proven flow is +20 - 10 - 15 and held - retained (150 before) follows it exactly."""
    rig, tid = funded
    assert rig.l1.held() - rig.l1.retained() == 150 * USD
    rig.deposit(ALICE, 5, 20 * USD)
    rig.deposit(BOB, 7, 9 * USD)
    rig.l1.request_forced_withdrawal(6, BOB, 40 * USD)
    records = [deposit_record(5, 20 * USD), deposit_record(7, 9 * USD, refunded=1),
               forced_record(6, 40 * USD, 15 * USD), withdraw_record(5, 10 * USD, ALICE)]
    assert cash_flow(records) == 20 * USD - 10 * USD - 15 * USD
    rig.submit(records, 1002, tid)
    assert rig.l1.held() - rig.l1.retained() == 150 * USD + cash_flow(records)
