"""Submission: sealed and proved batches to L1, strictly in batch order, and the accepted
state committed after each.

For a batch: `preflight` asks the contract which public input it would check now
(`expected_public_input`: a stale oracle table is refused here, before any proving work)
and compares it with the batch's; `submit` sends calldata (batch number, new root, oracle
table id, the records: the posted data, and the insurance fund's deficit) and proof, the
contract verifies and pays the withdrawals, forced withdrawals (pro rata while the fund's
deficit is not covered) and deposit refunds in the same call; `adopt` takes a batch the contract accepted before a crash (checked to be
this operator's). Either way `commit` replays the batch on the *accepted* state, which
must reach the batch's root, and stores it with the batch record in one transaction
(`StateStore`): the state, `operator/last_event` (the journal event of the batch's seal),
`operator/table_id` and `batch/NNNNNNNN` (report, calldata bytes, proof, operations).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Optional

from verifier.calldata import BatchCalldata

from .. import batchfile
from ..batch_builder import SealedBatch
from ..errors import OperatorError
from ..keyfiles import proof_for_verifier
from ..store import StateStore
from .proving import ProvedBatch
from .reports import BatchReport, ops_count

LAST_EVENT = "operator/last_event"
TABLE_ID = "operator/table_id"
BATCH_PREFIX = "batch/"


class Submitter:
    """Submits and commits (see the module docstring). `l1_state`: the accepted state;
    `last_event`: the journal event that sealed its last batch. `fault(point)` is called at
    "submitted" and "before-state-commit" (crash tests); `export_dir`, when set, receives
    every proved batch as a batch file with its proof (`zkrollup prove` / `verify`)."""

    def __init__(self, contract, store: StateStore, l1_state, last_event: int, *, shape,
                 clock: Callable[[], int], fault: Callable[[str], None], export_dir: Optional[Path] = None):
        self.contract = contract
        self.store = store
        self.l1_state = l1_state
        self.last_event = last_event
        self.shape = shape
        self.clock = clock
        self.fault = fault
        self.export_dir = export_dir

    def calldata(self, sb: SealedBatch) -> BatchCalldata:
        return BatchCalldata(batch_number=sb.batch_number, new_root=sb.fields.new_root,
                             oracle_table_id=sb.table_id, records=tuple(sb.records), fund_deficit=sb.fund_deficit,
                             open_interest=tuple(sb.open_interest))

    def preflight(self, sb: SealedBatch) -> tuple[BatchCalldata, int]:
        """(calldata, time of submission) after the contract confirmed, without a proof, that
        it would check this batch's public input (BatchRejected when it would refuse it)."""
        cd = self.calldata(sb)
        now = self.clock()
        if self.contract.expected_public_input(cd, now) != sb.public_input():
            raise OperatorError(f"batch {sb.batch_number}: L1 expects another public input than the batch's "
                                f"(the operator and the contract disagree)")
        return cd, now

    def submit(self, sb: SealedBatch, cd: BatchCalldata, now: int, proved: ProvedBatch) -> BatchReport:
        """Submit a proved batch (BatchRejected if L1 refuses it) and commit it."""
        if self.export_dir is not None:
            self.export(sb, cd, proved.proof)
        t0 = time.perf_counter()
        receipt = self.contract.submit_batch(cd, proof_for_verifier(proved.proof), now=now)
        verify_s = time.perf_counter() - t0
        self.fault("submitted")
        report = BatchReport(sb.batch_number, sb.n_slots, ops_count(sb.kinds), proved.n_constraints,
                             proved.solve_s, proved.prove_s, verify_s, receipt.gas, receipt.tx_bytes,
                             len(cd.data()), [(p.kind, p.account, p.l1_address, p.amount) for p in receipt.payouts],
                             sb.fields.new_root, receipt.public_input, sb.table_id, receipt.accepted_at)
        p = proved.proof
        self.commit(sb, report, cd, {"a": p.a, "b": p.b, "c": p.c})
        return report

    def adopt(self, sb: SealedBatch, n_constraints: int) -> BatchReport:
        """A sealed batch L1 accepted before a crash: check it is ours and commit it."""
        rec = self.contract.accepted_batches()[sb.batch_number - 1]
        cd = rec["calldata"]
        if rec["new_root"] != sb.fields.new_root or cd != self.calldata(sb) or rec["public_input"] != sb.public_input():
            raise OperatorError(f"L1 accepted a batch {sb.batch_number} that is not this operator's")
        payouts = [(p["kind"], p["account"], p["l1_address"], p["amount"]) for p in self.contract.payouts(sb.batch_number)]
        report = BatchReport(sb.batch_number, sb.n_slots, ops_count(sb.kinds), n_constraints,
                             0.0, 0.0, 0.0, rec["gas"], len(rec["tx_input"]), len(cd.data()), payouts,
                             sb.fields.new_root, rec["public_input"], sb.table_id, rec["accepted_at"],
                             proved_here=False)
        self.commit(sb, report, cd, rec["proof"])
        return report

    def commit(self, sb: SealedBatch, report: BatchReport, cd: BatchCalldata, proof: dict) -> None:
        """Replay the batch on the accepted state and commit it with its record."""
        st = self.l1_state
        st.use_tables(sb.market, sb.oracle)
        for op in sb.ops:
            st.apply_l1_request(op)
        st.end_batch()
        if st.root != sb.fields.new_root or st.batch_number != sb.batch_number:
            raise OperatorError(f"batch {sb.batch_number}: replaying it on the accepted state gives another root")
        if sb.seal_event is None:
            raise OperatorError("a batch was submitted before its seal was journaled")
        record = batchfile.pack({"report": report.to_obj(), "calldata": cd.to_bytes(), "proof": proof,
                                 "ops": [op.to_obj() for op in sb.ops]})
        self.fault("before-state-commit")
        self.store.commit(st, {LAST_EVENT: str(sb.seal_event).encode(), TABLE_ID: str(sb.table_id).encode(),
                               f"{BATCH_PREFIX}{sb.batch_number:08d}": record})
        self.last_event = sb.seal_event

    def export(self, sb: SealedBatch, cd: BatchCalldata, proof=None) -> Path:
        """Write the batch file (and the proof, when given) into `export_dir`; returns its path."""
        from verifier.snarkjs_json import write_proof_and_public
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / f"batch_{sb.batch_number:06d}.msgpack"
        batchfile.BatchFile.of(self.shape, sb, cd).write(path)
        if proof is not None:
            write_proof_and_public(str(path.with_suffix(".proof.json")), proof_for_verifier(proof),
                                   str(path.with_suffix(".public.json")), proof.public)
        return path
