"""`BatchReport`: one accepted batch as the operator records it (and the demo prints it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Optional


@dataclass
class BatchReport:
    """One accepted batch, as recorded (and printed by the demo)."""

    batch_number: int
    n_slots: int
    ops: dict                       # kind -> count (Noop padding included)
    n_constraints: int
    solve_s: float
    prove_s: float
    verify_s: float                 # the whole submit_batch call (public input + pairing check)
    gas: int
    calldata_bytes: int
    data_bytes: int                 # the records (posted data) within the calldata
    payouts: list                   # [(kind, account, l1_address, amount)]: withdrawals, forced, refunds
    new_root: int
    public_input: int
    oracle_table_id: int
    accepted_at: int
    proved_here: bool = True

    @property
    def n_trades(self) -> int:
        return self.ops.get("trade", 0)

    @property
    def gas_per_trade(self) -> Optional[int]:
        return self.gas // self.n_trades if self.n_trades else None

    def to_obj(self) -> dict:
        return asdict(self)


def ops_count(kinds: Iterable[str]) -> dict:
    """{kind: how many} in order of first appearance."""
    out: dict[str, int] = {}
    for k in kinds:
        out[k] = out.get(k, 0) + 1
    return out
